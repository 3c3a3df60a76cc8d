package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Each annotator's answers against the resolved answers of the same units, the matrix a quality lead reads to see
 * how an annotator errs (always "tie", always the first response, one label for everything). A unit's resolved
 * answer is its gold answer where gold set one, else the estimated model's most probable class where one ran, else
 * the kept annotators' weighted vote; a unit whose best two classes tie has none and is left out. Ratings are left
 * out too: their resolution is a median, and their errors are distances, which the weighted kappa already measures.
 */
public final class Confusion {
  private Confusion() {}

  private static final String PRIORITY = "priority";
  private static final String SCORE = "score";

  /**
   * @param units every annotator's units ({@code annotator, project, task_type, unit, category}), dropped ones too
   * @param votes the kept annotators' votes ({@code unit, category, weight})
   * @param posteriors the estimated model's ({@code unit, category, posterior}); empty where none ran
   * @param goldUnits gold's units ({@code unit, category})
   * @return {@code annotator, project, task_type, answer, resolved, count}, one row per cell that is not zero
   */
  public static Dataset<Row> of(Dataset<Row> units, Dataset<Row> votes, Dataset<Row> posteriors,
      Dataset<Row> goldUnits) {
    Column categorical = col(Col.TASK_TYPE).notEqual(TaskType.RATING.id());
    Dataset<Row> gold = goldUnits.select(col(Col.UNIT), col(Col.CATEGORY).as(Col.RESOLVED), lit(0).as(PRIORITY));
    Dataset<Row> estimated = best(posteriors.select(col(Col.UNIT), col(Col.CATEGORY),
        col(DawidSkene.POSTERIOR).as(SCORE))).withColumn(PRIORITY, lit(1));
    Dataset<Row> voted = best(votes.filter(categorical).groupBy(Col.UNIT, Col.CATEGORY)
        .agg(sum(Col.WEIGHT).as(SCORE))).withColumn(PRIORITY, lit(2));
    // A unit's first source decides it: a tie there (a null) leaves it out, never the next source's answer.
    Dataset<Row> resolved = gold.unionByName(estimated).unionByName(voted)
        .groupBy(Col.UNIT).agg(min(struct(col(PRIORITY), col(Col.RESOLVED))).getField(Col.RESOLVED).as(Col.RESOLVED))
        .filter(col(Col.RESOLVED).isNotNull());
    return units.filter(categorical)
        .select(Col.ANNOTATOR, Col.PROJECT, Col.TASK_TYPE, Col.UNIT, Col.CATEGORY)
        .join(resolved, Col.UNIT)
        .groupBy(col(Col.ANNOTATOR), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.CATEGORY).as(Col.ANSWER),
            col(Col.RESOLVED))
        .count().withColumnRenamed("count", Col.COUNT);
  }

  /**
   * Per unit, the class of the highest score ({@code unit, resolved}); null for a unit whose best two classes tie, so
   * that the tie is not passed over to a lesser source.
   */
  static Dataset<Row> best(Dataset<Row> scored) {
    Column ranked = sort_array(collect_list(struct(col(SCORE), col(Col.CATEGORY))), false);
    Column clear = size(col("ranked")).equalTo(1).or(element_at(col("ranked"), 1).getField(SCORE)
        .gt(element_at(col("ranked"), 2).getField(SCORE)));
    return scored.groupBy(Col.UNIT).agg(ranked.as("ranked"))
        .select(col(Col.UNIT), when(clear, element_at(col("ranked"), 1).getField(Col.CATEGORY)).as(Col.RESOLVED));
  }
}
