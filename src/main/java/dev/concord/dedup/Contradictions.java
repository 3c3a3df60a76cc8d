package dev.concord.dedup;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.config.Projects;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The same comparison (normalised prompt and the same two response texts) resolved one way on some items and the
 * other way on others. Gold settles it when gold backs one direction only. Otherwise the answers of every item are
 * pooled: each annotator who gave a record's direction counts for it, each who did not counts for the other; the
 * direction with a share of at least the strictest {@code consensus_threshold} among the projects involved wins.
 * Records of the losing direction go into the winner's record; when neither direction is clear, every record of
 * the comparison goes to review. Either way, {@code preferences/} never holds both directions.
 */
public final class Contradictions {
  private Contradictions() {}

  /** A record of the losing direction, merged into the winner's. */
  public static final String CONTRADICTION = "contradiction";
  /** A record of a comparison without a clear direction, sent to review. */
  public static final String REVIEW = "contradiction_review";
  /** The review reason of such an item. */
  public static final String REASON = "contradiction";
  /** Internal: the id of the winning direction's record. */
  static final String WINNER_ID = "winner_id";
  public static final String COMPARISON_KEY = "comparison_key";
  /** Internal: which way a record orders its two responses' normalised texts, "forward" or "backward". */
  public static final String DIRECTION = "direction";
  public static final String FORWARD = "forward";
  public static final String BACKWARD = "backward";

  /**
   * Adds {@code dedup_fate} (null, {@code contradiction} or {@code contradiction_review}), {@code winner_id} and
   * {@code detail} to candidate records; records without a comparison key (labels, SFT) pass with a null fate.
   */
  public static Dataset<Row> settle(Dataset<Row> records, Projects projects) {
    Dataset<Row> rest = records.filter(col(COMPARISON_KEY).isNull())
        .withColumn(Dedup.FATE, lit(null).cast("string")).withColumn(WINNER_ID, lit(null).cast("string"));
    return contested(records.filter(col(COMPARISON_KEY).isNotNull()), projects).unionByName(rest, true);
  }

  private static Dataset<Row> contested(Dataset<Row> records, Projects projects) {
    WindowSpec comparison = Window.partitionBy(COMPARISON_KEY);
    Column dir = col(DIRECTION);
    Column against = col(Col.ANNOTATOR_COUNT).minus(col(Col.AGREED_COUNT));
    Column forward = sum(when(dir.equalTo(FORWARD), col(Col.AGREED_COUNT)).otherwise(against)).over(comparison);
    Column backward = sum(when(dir.equalTo(BACKWARD), col(Col.AGREED_COUNT)).otherwise(against)).over(comparison);
    Column consensus = PerProject.value(projects, col(Col.PROJECT), ProjectSettings::consensusThreshold);
    Dataset<Row> grouped = records
        .withColumn("directions", size(collect_set(dir).over(comparison)))
        .withColumn("gold_directions", array_sort(collect_set(when(col(Col.RESOLUTION).equalTo(Resolve.GOLD), dir))
            .over(comparison)))
        .withColumn("fwd", forward)
        .withColumn("bwd", backward)
        .withColumn("consensus", max(consensus).over(comparison))
        .withColumn("items", array_sort(collect_set(struct(col(Col.ITEM_ID), col(DIRECTION))).over(comparison)));
    Column total = col("fwd").plus(col("bwd"));
    Column fwdShare = col("fwd").divide(total);
    Column bwdShare = col("bwd").divide(total);
    Column contested = col("directions").equalTo(2);
    Column winner = when(size(col("gold_directions")).equalTo(1), element_at(col("gold_directions"), 1))
        .when(size(col("gold_directions")).equalTo(2), lit(null))
        .when(fwdShare.geq(col("consensus")), lit(FORWARD))
        .when(bwdShare.geq(col("consensus")), lit(BACKWARD));
    Column winnerKey = first(when(dir.equalTo(col("winner")), col(Col.KEY)), true).over(comparison);
    Column itemList = array_join(org.apache.spark.sql.functions.transform(slice(col("items"), 1, 10),
        i -> concat(lit("'"), i.getField(Col.ITEM_ID), lit("'"))), ", ");
    Column split = concat(format_number(greatest(col("fwd"), col("bwd")), 0), lit(" of "), format_number(total, 0),
        lit(" pooled answers ("), format_number(greatest(fwdShare, bwdShare), 3), lit(")"));
    return grouped
        .withColumn("winner", when(contested, winner))
        .withColumn(Dedup.FATE, when(contested.and(col("winner").isNull()), lit(REVIEW))
            .when(contested.and(dir.notEqual(col("winner"))), lit(CONTRADICTION)))
        .withColumn(WINNER_ID, when(col(Dedup.FATE).equalTo(CONTRADICTION), substring(winnerKey, 1, 32)))
        .withColumn(Col.DETAIL,
            when(col(Dedup.FATE).equalTo(CONTRADICTION).and(size(col("gold_directions")).equalTo(1)),
                concat(lit("the same comparison was resolved the other way on other items, and gold backs that way"
                    + " (items "), itemList, lit(")")))
            .when(col(Dedup.FATE).equalTo(CONTRADICTION), concat(lit("the same comparison was resolved the other way"
                + " on other items; pooled over items "), itemList, lit(", "), split, lit(" back the record kept")))
            .when(col(Dedup.FATE).equalTo(REVIEW).and(size(col("gold_directions")).equalTo(2)),
                concat(lit("the same comparison was resolved both ways, and gold backs both (items "), itemList,
                    lit(")")))
            .when(col(Dedup.FATE).equalTo(REVIEW), concat(lit("the same comparison was resolved both ways (items "),
                itemList, lit("); pooled, "), split, lit(" back the stronger way, below consensus_threshold "),
                col("consensus").cast("string"))))
        .withColumn("review_votes", when(col(Dedup.FATE).equalTo(REVIEW), array(
            struct(concat(col(Col.CHOSEN_RESPONSE_ID), lit(" over "), col(Col.REJECTED_RESPONSE_ID)).as(Col.ANSWER),
                when(dir.equalTo(FORWARD), col("fwd")).otherwise(col("bwd")).cast("int").as(Col.ANNOTATORS),
                when(dir.equalTo(FORWARD), fwdShare).otherwise(bwdShare).as(Col.WEIGHT)),
            struct(concat(col(Col.REJECTED_RESPONSE_ID), lit(" over "), col(Col.CHOSEN_RESPONSE_ID)).as(Col.ANSWER),
                when(dir.equalTo(FORWARD), col("bwd")).otherwise(col("fwd")).cast("int").as(Col.ANNOTATORS),
                when(dir.equalTo(FORWARD), bwdShare).otherwise(fwdShare).as(Col.WEIGHT)))))
        .drop("directions", "gold_directions", "fwd", "bwd", "consensus", "items", "winner");
  }

  /**
   * Review rows (the review table's shape, before texts) for the items of comparisons without a clear direction:
   * one per item, its votes the pooled support of each direction.
   */
  public static Dataset<Row> reviews(Dataset<Row> deduped) {
    return deduped.filter(col(Dedup.FATE).equalTo(REVIEW))
        .groupBy(Col.ITEM_ID)
        .agg(first(Col.PROJECT).as(Col.PROJECT), first(Col.TASK_TYPE).as(Col.TASK_TYPE),
            org.apache.spark.sql.functions.min(Col.DETAIL).as(Col.DETAIL),
            org.apache.spark.sql.functions.min("review_votes").as(Col.VOTES))
        .select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), lit(REASON).as(Col.REASON), col(Col.DETAIL),
            col(Col.VOTES));
  }
}
