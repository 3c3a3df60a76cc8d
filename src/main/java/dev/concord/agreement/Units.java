package dev.concord.agreement;

import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Answers cut into units of comparison, the same for submissions and gold: a pairwise item (which response, by its
 * place in the sorted response ids, or tie); a label item (the label); each response pair of a ranking (is the first
 * of the pair ranked higher); each response and dimension of a rating (the score, ordinal).
 */
public final class Units {
  private Units() {}

  /** Columns: the part a unit covers, for rankings the two responses, for ratings the response and dimension. */
  public static final String PART_A = "part_a";
  public static final String PART_B = "part_b";
  /** Ranking categories: the first response of the (sorted) pair ranked above the second, or below. */
  public static final String ABOVE = "above";
  public static final String BELOW = "below";

  /**
   * Units of {@code answers} ({@code project, task_type, item_id, response_ids, answer} and {@code carry} columns).
   * Returns {@code project, task_type, item_id, unit, part_a, part_b, category, ordinal} plus {@code carry}.
   */
  public static Dataset<Row> of(Dataset<Row> answers, String... carry) {
    List<Column> keep = new ArrayList<>();
    for (String c : carry) {
      keep.add(col(c));
    }
    Column type = col(Col.TASK_TYPE);
    Column answer = col(Col.ANSWER);
    Column sortedIds = array_sort(col(Col.RESPONSE_IDS));

    Column pairwiseCategory = when(answer.getField(Col.PREFERRED).equalTo("tie"), lit("tie"))
        .otherwise(array_position(sortedIds, answer.getField(Col.PREFERRED)).cast("string"));
    Dataset<Row> single = answers.filter(type.isin(TaskType.PAIRWISE.id(), TaskType.LABEL.id())).select(withCarry(keep,
        col(Col.PROJECT), type, col(Col.ITEM_ID), col(Col.ITEM_ID).as(Col.UNIT),
        lit(null).cast("string").as(PART_A), lit(null).cast("string").as(PART_B),
        when(type.equalTo(TaskType.PAIRWISE.id()), pairwiseCategory).otherwise(answer.getField(Col.LABEL))
            .as(Col.CATEGORY),
        lit(null).cast("double").as(Col.ORDINAL)));

    Column pairs = expr("flatten(transform(sequence(1, size(array_sort(" + Col.RESPONSE_IDS + "))), i -> "
        + "transform(slice(array_sort(" + Col.RESPONSE_IDS + "), i + 1, size(" + Col.RESPONSE_IDS + ")), "
        + "y -> named_struct('a', element_at(array_sort(" + Col.RESPONSE_IDS + "), i), 'b', y))))");
    Dataset<Row> ranking = answers.filter(type.equalTo(TaskType.RANKING.id()))
        .withColumn("pair", explode(pairs))
        .select(withCarry(keep, col(Col.PROJECT), type, col(Col.ITEM_ID),
            concat_ws("\u001f", col(Col.ITEM_ID), col("pair.a"), col("pair.b")).as(Col.UNIT),
            col("pair.a").as(PART_A), col("pair.b").as(PART_B),
            when(array_position(answer.getField(Col.RANKING), col("pair.a"))
                .lt(array_position(answer.getField(Col.RANKING), col("pair.b"))), lit(ABOVE))
                .otherwise(lit(BELOW)).as(Col.CATEGORY),
            lit(null).cast("double").as(Col.ORDINAL)));

    Column cells = expr("flatten(transform(map_entries(" + Col.ANSWER + ".ratings), e -> transform("
        + "map_entries(e.value), d -> named_struct('response_id', e.key, 'dimension', d.key, 'score', d.value))))");
    Dataset<Row> rating = answers.filter(type.equalTo(TaskType.RATING.id()))
        .withColumn("cell", explode(cells))
        .select(withCarry(keep, col(Col.PROJECT), type, col(Col.ITEM_ID),
            concat_ws("\u001f", col(Col.ITEM_ID), col("cell.response_id"), col("cell.dimension")).as(Col.UNIT),
            col("cell.response_id").as(PART_A), col("cell.dimension").as(PART_B),
            col("cell.score").cast("string").as(Col.CATEGORY), col("cell.score").cast("double").as(Col.ORDINAL)));

    return single.unionByName(ranking).unionByName(rating);
  }

  private static Column[] withCarry(List<Column> carry, Column... columns) {
    List<Column> all = new ArrayList<>(List.of(columns));
    all.addAll(carry);
    return all.toArray(Column[]::new);
  }
}
