package dev.concord.publish;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

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
final class Changes {
  private Changes() {}

  static final String CHANGED = "changed";
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
  static Dataset<Row> of(Map<String, Dataset<Row>> now, Map<String, Dataset<Row>> before, Dataset<Row> lineageNow,
      Dataset<Row> lineageBefore, Dataset<Row> duplicates, Dataset<Row> decisions, Dataset<Row> tonight) {
    Dataset<Row> sides = RecordChanges.of(now, before);
    Dataset<Row> is = attributes(now, "now_").join(support(lineageNow, "now_"),
        new String[] {Col.RECORD_TABLE, Col.ID}, "left");
    Dataset<Row> was = attributes(before, "was_").join(support(lineageBefore, "was_"),
        new String[] {Col.RECORD_TABLE, Col.ID}, "left");
    // A record backed by a submission of tonight's input owes its change to new answers.
    Dataset<Row> fresh = lineageNow.join(tonight, Col.SUBMISSION_ID).select(col(Col.RECORD_TABLE),
        col(Col.RECORD_ID).as(Col.ID), lit(true).as("fresh")).distinct();
    Dataset<Row> removedAs = duplicates.groupBy(col(Col.RECORD_TABLE), col(Col.REMOVED_ID).as(Col.ID))
        .agg(max(Col.KIND).as("removed_kind"));
    // What became of the submissions behind a record of the previous version.
    Dataset<Row> fates = lineageBefore.select(col(Col.RECORD_TABLE), col(Col.RECORD_ID).as(Col.ID),
            col(Col.SUBMISSION_ID))
        .join(decisions.select(Col.SUBMISSION_ID, Col.FATE), Col.SUBMISSION_ID)
        .groupBy(Col.RECORD_TABLE, Col.ID).agg(collect_set(Col.FATE).as("fates"));

    Dataset<Row> joined = sides
        .join(is, new String[] {Col.RECORD_TABLE, Col.ID}, "left")
        .join(was, new String[] {Col.RECORD_TABLE, Col.ID}, "left")
        .join(fresh, new String[] {Col.RECORD_TABLE, Col.ID}, "left")
        .join(removedAs, new String[] {Col.RECORD_TABLE, Col.ID}, "left")
        .join(fates, new String[] {Col.RECORD_TABLE, Col.ID}, "left");

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
    Column lineageMoved = col("was_submissions").eqNullSafe(col("now_submissions")).unary_$bang();
    moved.add(when(lineageMoved, lit("lineage")));
    details.add(when(lineageMoved, concat_ws(" ", lit("submissions"),
        coalesce(size(col("was_submissions")), lit(0)).cast("string"), lit("->"),
        coalesce(size(col("now_submissions")), lit(0)).cast("string"))));
    Column fields = filter(array(moved.toArray(Column[]::new)), x -> x.isNotNull());
    Column change = when(col(RecordChanges.CHANGE).equalTo(RecordChanges.KEPT),
        when(size(fields).gt(0), lit(CHANGED))).otherwise(col(RecordChanges.CHANGE));

    Column fate = col("fates");
    Column lost = when(array_contains(fate, Reconcile.EXCLUDED_ON_REQUEST), lit(Reconcile.EXCLUDED_ON_REQUEST))
        .when(array_contains(fate, Accounting.ANNOTATOR_DROPPED), lit(Accounting.ANNOTATOR_DROPPED))
        .when(array_contains(fate, Accounting.SUPERSEDED), lit(Accounting.SUPERSEDED));
    Column removed = col("change_").equalTo(RecordChanges.REMOVED);
    Column reason = when(removed.and(col("removed_kind").isin("exact", "near", "contradiction")), lit(MERGED))
        .when(removed.and(col("removed_kind").equalTo("contradiction_review")), lit(Accounting.SENT_TO_REVIEW))
        .when(removed.and(col("removed_kind").isNotNull()), col("removed_kind"))
        .when(removed.unary_$bang().and(coalesce(col("fresh"), lit(false))), lit(NEW_ANSWERS))
        .when(lost.isNotNull(), lost)
        .when(removed.and(array_contains(fate, Accounting.SENT_TO_REVIEW)), lit(Accounting.SENT_TO_REVIEW))
        .otherwise(lit(REDECIDED));
    return joined.withColumn("change_", change).filter(col("change_").isNotNull())
        .select(col(Col.RECORD_TABLE), col(Col.ID), col("change_").as(RecordChanges.CHANGE),
            when(col("change_").equalTo(CHANGED), fields).otherwise(array().cast("array<string>")).as(Col.FIELDS),
            reason.as(Col.REASON),
            when(col("change_").equalTo(CHANGED), concat_ws("; ", details.toArray(Column[]::new))).as(Col.DETAIL));
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

  /** Per record: the sorted ids of the submissions behind it. */
  private static Dataset<Row> support(Dataset<Row> lineage, String prefix) {
    return lineage.groupBy(col(Col.RECORD_TABLE), col(Col.RECORD_ID).as(Col.ID))
        .agg(array_sort(collect_set(Col.SUBMISSION_ID)).as(prefix + "submissions"));
  }
}
