package dev.concord.ingest;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Gold labels: parsed and checked like submissions, then matched to the items they settle. */
public final class Gold {
  private Gold() {}

  public static final String MATCHED = "matched";
  /** A gold label for an item not in this batch: kept out of the run, counted in the manifest. */
  public static final String UNMATCHED = "unmatched";

  private static final String CORRUPT = "_corrupt_record";
  static final StructType WIRE = new StructType()
      .add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ANSWER, Ingest.ANSWER)
      .add(Col.SOURCE, DataTypes.StringType)
      .add(Col.CREATED_AT, DataTypes.StringType)
      .add(CORRUPT, DataTypes.StringType);

  /** Gold lines parsed, with {@code reason}/{@code detail} for a bad one. */
  public static Dataset<Row> parse(Dataset<Row> lines) {
    Dataset<Row> p = lines.withColumn("g",
        from_json(col(Col.RAW), WIRE, Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT)));
    Column type = col("g.task_type");
    Column answer = col("g.answer");
    Column problem = when(trim(col(Col.RAW)).equalTo(""), struct(lit("blank_line").as(Col.REASON),
            lit("the line is empty").as(Col.DETAIL)))
        .when(col("g").isNull().or(col("g." + CORRUPT).isNotNull()),
            struct(lit("invalid_gold").as(Col.REASON),
                lit("the gold line is not a JSON object of the gold shape {item_id, task_type, answer, source}")
                    .as(Col.DETAIL)))
        .when(col("g.item_id").isNull().or(type.isNull()).or(answer.isNull()).or(col("g.source").isNull()),
            struct(lit("missing_field").as(Col.REASON),
                lit("a gold label needs item_id, task_type, answer and source").as(Col.DETAIL)))
        .when(type.isin(TaskType.JUDGED.stream().map(TaskType::id).toArray()).unary_$bang(),
            struct(lit("bad_gold").as(Col.REASON), concat(lit("gold task_type '"), type,
                lit("' is not one Concord resolves (pairwise, ranking, rating, label)")).as(Col.DETAIL)))
        .when(type.equalTo("pairwise").and(answer.getField(Col.PREFERRED).isNull())
                .or(type.equalTo("ranking").and(coalesce(size(answer.getField(Col.RANKING)), lit(0)).lt(2)))
                .or(type.equalTo("rating").and(coalesce(size(answer.getField(Col.RATINGS)), lit(0)).lt(1)))
                .or(type.equalTo("label").and(coalesce(trim(answer.getField(Col.LABEL)), lit("")).equalTo(""))),
            struct(lit("bad_gold").as(Col.REASON),
                concat(lit("the gold answer does not fit task_type '"), type, lit("'")).as(Col.DETAIL)));
    return p.select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW),
        problem.getField(Col.REASON).as(Col.REASON), problem.getField(Col.DETAIL).as(Col.DETAIL),
        col("g.item_id").as(Col.ITEM_ID), type.as(Col.TASK_TYPE), answer.as(Col.ANSWER),
        col("g.source").as(Col.SOURCE));
  }

  /**
   * Good gold lines matched to the batch's items ({@code item_id, project, task_type, response_ids}). Returns every
   * good gold line with a {@code status} of matched, unmatched or a rejection reason and its {@code detail}.
   */
  public static Dataset<Row> match(Dataset<Row> goodGold, Dataset<Row> items) {
    Column answerHash = xxhash64(col("answer.preferred"), col("answer.strength"), col("answer.ranking"),
        expr("array_sort(transform(map_entries(answer.ratings), e -> struct(e.key, array_sort(map_entries(e.value)))))"),
        col("answer.label"));
    Dataset<Row> g = goodGold
        .withColumn("versions", size(collect_set(answerHash).over(Window.partitionBy(Col.ITEM_ID))))
        .withColumn("copy", org.apache.spark.sql.functions.row_number().over(Window.partitionBy(Col.ITEM_ID)
            .orderBy(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID))));
    Dataset<Row> it = items.select(col(Col.ITEM_ID), col(Col.PROJECT),
        col(Col.TASK_TYPE).as("item_task_type"), col(Col.RESPONSE_IDS));
    Dataset<Row> joined = g.join(it, g.col(Col.ITEM_ID).equalTo(it.col(Col.ITEM_ID)), "left")
        .drop(it.col(Col.ITEM_ID));

    Column type = col(Col.TASK_TYPE);
    Column ids = col(Col.RESPONSE_IDS);
    Column a = col(Col.ANSWER);
    Column preferred = a.getField(Col.PREFERRED);
    Column ranking = a.getField(Col.RANKING);
    Column badAnswer = when(type.equalTo("pairwise"),
            preferred.notEqual("tie").and(array_contains(ids, preferred).unary_$bang()))
        .when(type.equalTo("ranking"), size(array_distinct(ranking)).notEqual(size(ranking))
            .or(size(array_except(ranking, ids)).gt(0)).or(size(array_except(ids, ranking)).gt(0)))
        .when(type.equalTo("rating"), size(array_except(map_keys(a.getField(Col.RATINGS)), ids)).gt(0))
        .otherwise(lit(false));
    Column status = when(col("versions").gt(1), lit("gold_conflict"))
        .when(col(Col.PROJECT).isNull(), lit(UNMATCHED))
        .when(col("copy").gt(1), lit("repeated_line"))
        .when(type.notEqual(col("item_task_type")), lit("gold_mismatch"))
        .when(badAnswer, lit("gold_mismatch"))
        .otherwise(lit(MATCHED));
    Column detail = when(col("versions").gt(1), concat(lit("item '"), col(Col.ITEM_ID), lit("' has "),
            col("versions").cast("string"), lit(" different gold answers; none is used")))
        .when(col(Col.PROJECT).isNull(), lit("no submission in this batch answers the item"))
        .when(col("copy").gt(1), lit("an exact repeat of an earlier gold label"))
        .when(type.notEqual(col("item_task_type")), concat(lit("gold task_type '"), type,
            lit("' differs from the item's '"), col("item_task_type"), lit("'")))
        .when(badAnswer, concat(lit("the gold answer names responses the item does not have (responses: ["),
            org.apache.spark.sql.functions.array_join(ids, ", "), lit("])")));
    return joined.select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.ITEM_ID),
        col(Col.PROJECT), type, col(Col.RESPONSE_IDS), a, col(Col.SOURCE), status.as(Col.STATUS),
        detail.as(Col.DETAIL));
  }

  /** One row per item of the batch: what gold matching and resolution need to know of it. */
  public static Dataset<Row> items(Dataset<Row> activeSubmissions) {
    return activeSubmissions.groupBy(Col.ITEM_ID).agg(first(Col.PROJECT).as(Col.PROJECT),
        first(Col.TASK_TYPE).as(Col.TASK_TYPE), first(Col.RESPONSE_IDS).as(Col.RESPONSE_IDS));
  }
}
