package dev.concord.publish;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.ingest.Reconcile;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code changes} table: every record added, removed or changed since the previous version, with what moved and
 * why, so that a researcher who trained on one version knows what the next one changed.
 */
public final class Changes {
  private Changes() {}

  public static final String CHANGE = Col.CHANGE;
  public static final String ADDED = "added";
  public static final String REMOVED = "removed";
  public static final String CHANGED = "changed";
  static final String NEW_ANSWERS = "new_answers";
  static final String MERGED = "merged_as_duplicate";
  static final String REDECIDED = "redecided";
  /** What is compared between the versions, where the table has it. */
  static final List<String> COMPARED = List.of(Col.RESOLUTION, Col.MARGIN, Col.AGREEMENT, Col.ANNOTATOR_COUNT,
      Col.SPLIT);

  /**
   * @param now and {@code before}: each version's record tables by name (preferences, sft, labels)
   * @param lineageNow and {@code lineageBefore}: each version's {@code lineage}
   * @param duplicates this version's {@code duplicates}
   * @param decisions this version's {@code decisions}
   * @param tonight the submission ids of this run's own input
   */
  public static Dataset<Row> of(Map<String, Dataset<Row>> now, Map<String, Dataset<Row>> before, Dataset<Row> lineageNow,
      Dataset<Row> lineageBefore, Dataset<Row> duplicates, Dataset<Row> decisions, Dataset<Row> tonight) {
    // Only hash aggregations over numbers and narrow sorted joins: the record attributes of both versions meet in one
    // join, the lineages' summaries in one aggregation (joining versions, lineages and fates one after another
    // sorted a million records five times over; aggregating the string attributes fell back to sorting too).
    Dataset<Row> sides = attributes(now, "now_").withColumn(NOW_SIDE, lit(true))
        .join(attributes(before, "was_").withColumn(WAS_SIDE, lit(true)), new String[] {Col.RECORD_TABLE, Col.ID},
            "full_outer")
        .withColumn(SIDES, when(col(NOW_SIDE).isNotNull(), lit(NOW)).otherwise(lit(0))
            .plus(when(col(WAS_SIDE).isNotNull(), lit(BEFORE)).otherwise(lit(0))))
        .withColumn(RECORD_HASH, RECORD);
    Dataset<Row> removedAs = duplicates.select(col(Col.RECORD_TABLE), col(Col.REMOVED_ID).as(Col.ID), col(Col.KIND))
        .groupBy(RECORD).agg(max(Col.KIND).as("removed_kind"));
    Dataset<Row> joined = sides.join(support(lineageNow, lineageBefore, decisions, tonight),
            new String[] {RECORD_HASH}, "left")
        .join(removedAs, new String[] {RECORD_HASH}, "left");

    List<Column> moved = new ArrayList<>();
    List<Column> details = new ArrayList<>();
    for (String f : COMPARED) {
      Column a = normal(col("was_" + f));
      Column b = normal(col("now_" + f));
      Column differs = a.eqNullSafe(b).unary_$bang();
      moved.add(when(differs, lit(f)));
      details.add(when(differs, concat_ws(" ", lit(f), coalesce(a.cast("string"), lit("null")), lit("->"),
          coalesce(b.cast("string"), lit("null")))));
    }
    Column lineageMoved = col(WAS_COUNT).eqNullSafe(col(NOW_COUNT)).and(col(WAS_HASH).eqNullSafe(col(NOW_HASH)))
        .unary_$bang();
    moved.add(when(lineageMoved, lit("lineage")));
    details.add(when(lineageMoved, concat_ws(" ", lit("submissions"),
        coalesce(col(WAS_COUNT), lit(0)).cast("string"), lit("->"), coalesce(col(NOW_COUNT), lit(0)).cast("string"))));
    Column fields = filter(array(moved.toArray(Column[]::new)), x -> x.isNotNull());
    Column change = when(col(SIDES).equalTo(NOW), lit(Changes.ADDED))
        .when(col(SIDES).equalTo(BEFORE), lit(Changes.REMOVED))
        .when(size(fields).gt(0), lit(CHANGED));

    Column lost = when(flag(Reconcile.EXCLUDED_ON_REQUEST), lit(Reconcile.EXCLUDED_ON_REQUEST))
        .when(flag(Accounting.ANNOTATOR_DROPPED), lit(Accounting.ANNOTATOR_DROPPED))
        .when(flag(Accounting.SUPERSEDED), lit(Accounting.SUPERSEDED));
    Column removed = col("change_").equalTo(Changes.REMOVED);
    Column reason = when(removed.and(col("removed_kind").isin("exact", "near", "contradiction")), lit(MERGED))
        .when(removed.and(col("removed_kind").equalTo("contradiction_review")), lit(Accounting.SENT_TO_REVIEW))
        .when(removed.and(col("removed_kind").isNotNull()), col("removed_kind"))
        .when(removed.unary_$bang().and(flag("fresh")), lit(NEW_ANSWERS))
        .when(lost.isNotNull(), lost)
        .when(removed.and(flag(Accounting.SENT_TO_REVIEW)), lit(Accounting.SENT_TO_REVIEW))
        .otherwise(lit(REDECIDED));
    return joined.withColumn("change_", change).filter(col("change_").isNotNull())
        .select(col(Col.RECORD_TABLE), col(Col.ID), col("change_").as(Changes.CHANGE),
            when(col("change_").equalTo(CHANGED), fields).otherwise(array().cast("array<string>")).as(Col.FIELDS),
            reason.as(Col.REASON),
            when(col("change_").equalTo(CHANGED), concat_ws("; ", details.toArray(Column[]::new))).as(Col.DETAIL));
  }

  /** Which versions hold a record: a bit each (in the sum of both). */
  private static final String SIDES = "sides";
  private static final int NOW = 1;
  private static final int BEFORE = 2;
  /** A record's lineage in each version, as the number of its submissions and the xor of their hashes. */
  private static final String NOW_COUNT = "now_count";
  private static final String NOW_HASH = "now_hash";
  private static final String WAS_COUNT = "was_count";
  private static final String WAS_HASH = "was_hash";

  private static Column flag(String name) {
    return coalesce(col(name), lit(false));
  }

  /**
   * Per record of either version, a summary of the submissions behind it: in each version their number and the xor
   * of their hashes (so a changed lineage shows without comparing lists); in this version's, whether tonight's input
   * holds one ({@code fresh}); in the previous one's, what became of them tonight. A (record, submission) edge
   * counts once however many roles it has.
   */
  private static Dataset<Row> support(Dataset<Row> lineageNow, Dataset<Row> lineageBefore, Dataset<Row> decisions,
      Dataset<Row> tonight) {
    List<String> fates = List.of(Reconcile.EXCLUDED_ON_REQUEST, Accounting.ANNOTATOR_DROPPED, Accounting.SUPERSEDED,
        Accounting.SENT_TO_REVIEW);
    List<Column> decided = new ArrayList<>(List.of(HASH, lit(false).as(TONIGHT)));
    List<Column> fresh = new ArrayList<>(List.of(HASH, lit(true).as(TONIGHT)));
    List<Column> anyOf = new ArrayList<>();
    for (String f : fates) {
      decided.add(coalesce(col(Col.FATE).equalTo(f), lit(false)).as(f));
      fresh.add(lit(false).as(f));
      anyOf.add(max(f).as(f));
    }
    Dataset<Row> perSubmission = decisions.select(decided.toArray(Column[]::new))
        .unionByName(tonight.select(fresh.toArray(Column[]::new)))
        .groupBy(SUBMISSION_HASH).agg(max(TONIGHT).as(TONIGHT), anyOf.toArray(Column[]::new));
    Dataset<Row> edges = edges(lineageNow, NOW).unionByName(edges(lineageBefore, BEFORE)).distinct();
    Column isNow = col(SIDE).equalTo(NOW);
    Column isBefore = col(SIDE).equalTo(BEFORE);
    Column hash = col(SUBMISSION_HASH);
    List<Column> summary = new ArrayList<>(List.of(sum(when(isNow, lit(1L))).as(NOW_COUNT),
        bit_xor(when(isNow, hash)).as(NOW_HASH), sum(when(isBefore, lit(1L))).as(WAS_COUNT),
        bit_xor(when(isBefore, hash)).as(WAS_HASH), max(isNow.and(flag(TONIGHT))).as("fresh")));
    for (String f : fates) {
      summary.add(max(isBefore.and(flag(f))).as(f));
    }
    return edges.join(perSubmission, new String[] {SUBMISSION_HASH}, "left")
        .groupBy(RECORD_HASH).agg(summary.get(0), summary.subList(1, summary.size()).toArray(Column[]::new));
  }

  private static final String TONIGHT = "tonight";
  private static final String SIDE = "side";
  private static final String NOW_SIDE = "now_side";
  private static final String WAS_SIDE = "was_side";

  /**
   * Submissions are matched on a 64-bit hash of their id: shuffled and joined as numbers, not as strings of 64
   * characters. Two of a million ids share a hash with odds of about 3 in 100 million, and would only blur which of
   * the two counts as fresh or excluded.
   */
  private static final String SUBMISSION_HASH = "submission_hash";
  private static final Column HASH = xxhash64(col(Col.SUBMISSION_ID)).as(SUBMISSION_HASH);

  /**
   * Records are matched across the lineages on a 64-bit hash of their table and id, for the same reason: among a
   * million records two share a hash with odds of about 3 in 100 million, and would share a lineage summary.
   */
  private static final String RECORD_HASH = "record_hash";
  private static final Column RECORD = xxhash64(col(Col.RECORD_TABLE), col(Col.ID)).as(RECORD_HASH);

  private static Dataset<Row> edges(Dataset<Row> lineage, int side) {
    return lineage.select(col(Col.RECORD_TABLE), col(Col.RECORD_ID).as(Col.ID), col(Col.SUBMISSION_ID))
        .select(RECORD, HASH, lit(side).as(SIDE));
  }

  /** Doubles to nine decimals, so that float noise is no change. */
  private static Column normal(Column c) {
    return when(c.cast("double").isNotNull(), round(c.cast("double"), 9).cast("string")).otherwise(c);
  }

  /** Per record: the compared fields the table has (the others null), prefixed. */
  private static Dataset<Row> attributes(Map<String, Dataset<Row>> tables, String prefix) {
    Dataset<Row> out = null;
    for (Map.Entry<String, Dataset<Row>> t : tables.entrySet()) {
      List<String> have = List.of(t.getValue().columns());
      List<Column> cols = new ArrayList<>(List.of(lit(t.getKey()).as(Col.RECORD_TABLE), col(Col.ID)));
      for (String f : COMPARED) {
        cols.add((have.contains(f) ? col(f).cast("string") : lit(null).cast("string")).as(prefix + f));
      }
      Dataset<Row> part = t.getValue().select(cols.toArray(Column[]::new));
      out = out == null ? part : out.unionByName(part);
    }
    return out;
  }
}
