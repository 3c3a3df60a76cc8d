package dev.concord.publish;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.bit_or;
import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
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
final class Changes {
  private Changes() {}

  static final String CHANGE = Col.CHANGE;
  static final String ADDED = "added";
  static final String REMOVED = "removed";
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
    // Every fact about a record is a row keyed by (record_table, id), and the rows meet in one aggregation: joining
    // the versions, the lineages and the fates one after another sorted a million records five times over.
    Dataset<Row> facts = attributes(now, "now_", NOW).unionByName(attributes(before, "was_", BEFORE), true)
        .unionByName(support(lineageNow, lineageBefore, decisions, tonight), true)
        .unionByName(duplicates.select(col(Col.RECORD_TABLE), col(Col.REMOVED_ID).as(Col.ID),
            col(Col.KIND).as("removed_kind")), true);
    List<Column> aggregates = new ArrayList<>();
    for (String f : COMPARED) {
      aggregates.add(first(col("now_" + f), true).as("now_" + f));
      aggregates.add(first(col("was_" + f), true).as("was_" + f));
    }
    aggregates.addAll(List.of(sum(NOW_COUNT).as(NOW_COUNT), bit_xor(col(NOW_HASH)).as(NOW_HASH),
        sum(WAS_COUNT).as(WAS_COUNT), bit_xor(col(WAS_HASH)).as(WAS_HASH), max("fresh").as("fresh"),
        max(Reconcile.EXCLUDED_ON_REQUEST).as(Reconcile.EXCLUDED_ON_REQUEST),
        max(Accounting.ANNOTATOR_DROPPED).as(Accounting.ANNOTATOR_DROPPED),
        max(Accounting.SUPERSEDED).as(Accounting.SUPERSEDED), max(Accounting.SENT_TO_REVIEW).as(Accounting.SENT_TO_REVIEW),
        max("removed_kind").as("removed_kind")));
    Dataset<Row> joined = facts.groupBy(Col.RECORD_TABLE, Col.ID)
        .agg(bit_or(col(SIDES)).as(SIDES), aggregates.toArray(Column[]::new))
        .filter(col(SIDES).isNotNull());

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

  /** Which versions hold a record: a bit each. */
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
   * Per record and submission behind it, in either version, one row: in this version's lineage, whether tonight's
   * input holds the submission ({@code fresh}); in the previous one's, what became of the submission tonight. The
   * decisions, tonight's ids and both lineages meet in one aggregation per submission, which also makes each
   * (record, submission) edge count once however many roles it has.
   */
  private static Dataset<Row> support(Dataset<Row> lineageNow, Dataset<Row> lineageBefore, Dataset<Row> decisions,
      Dataset<Row> tonight) {
    Column noRef = lit(null).cast("struct<side:int,record_table:string,id:string>");
    Dataset<Row> perSubmission = decisions.select(col(Col.SUBMISSION_ID), col(Col.FATE), lit(false).as(TONIGHT),
            noRef.as(REF))
        .unionByName(tonight.select(col(Col.SUBMISSION_ID), lit(null).cast("string").as(Col.FATE),
            lit(true).as(TONIGHT), noRef.as(REF)))
        .unionByName(edges(lineageNow, NOW)).unionByName(edges(lineageBefore, BEFORE))
        .groupBy(Col.SUBMISSION_ID).agg(max(TONIGHT).as(TONIGHT), fate(Reconcile.EXCLUDED_ON_REQUEST),
            fate(Accounting.ANNOTATOR_DROPPED), fate(Accounting.SUPERSEDED), fate(Accounting.SENT_TO_REVIEW),
            collect_set(REF).as("refs"))
        .withColumn(REF, explode(col("refs")));
    Column isNow = col(REF).getField("side").equalTo(NOW);
    Column isBefore = isNow.unary_$bang();
    Column hash = xxhash64(col(Col.SUBMISSION_ID));
    return perSubmission.select(col(REF).getField(Col.RECORD_TABLE).as(Col.RECORD_TABLE),
        col(REF).getField(Col.ID).as(Col.ID),
        when(isNow, lit(1L)).as(NOW_COUNT), when(isNow, hash).as(NOW_HASH),
        when(isBefore, lit(1L)).as(WAS_COUNT), when(isBefore, hash).as(WAS_HASH),
        isNow.and(col(TONIGHT)).as("fresh"),
        isBefore.and(col(Reconcile.EXCLUDED_ON_REQUEST)).as(Reconcile.EXCLUDED_ON_REQUEST),
        isBefore.and(col(Accounting.ANNOTATOR_DROPPED)).as(Accounting.ANNOTATOR_DROPPED),
        isBefore.and(col(Accounting.SUPERSEDED)).as(Accounting.SUPERSEDED),
        isBefore.and(col(Accounting.SENT_TO_REVIEW)).as(Accounting.SENT_TO_REVIEW));
  }

  private static final String TONIGHT = "tonight";
  private static final String REF = "ref";

  /** Whether any decision on the submission has this fate. */
  private static Column fate(String fate) {
    return max(coalesce(col(Col.FATE).equalTo(fate), lit(false))).as(fate);
  }

  private static Dataset<Row> edges(Dataset<Row> lineage, int side) {
    return lineage.select(col(Col.SUBMISSION_ID), lit(null).cast("string").as(Col.FATE), lit(false).as(TONIGHT),
        struct(lit(side).as("side"), col(Col.RECORD_TABLE), col(Col.RECORD_ID).as(Col.ID)).as(REF));
  }

  /** Doubles to nine decimals, so that float noise is no change. */
  private static Column normal(Column c) {
    return when(c.cast("double").isNotNull(), round(c.cast("double"), 9).cast("string")).otherwise(c);
  }

  /** Per record: the compared fields the table has (the others null), prefixed. */
  private static Dataset<Row> attributes(Map<String, Dataset<Row>> tables, String prefix, int side) {
    Dataset<Row> out = null;
    for (Map.Entry<String, Dataset<Row>> t : tables.entrySet()) {
      List<String> have = List.of(t.getValue().columns());
      List<Column> cols = new ArrayList<>(List.of(lit(t.getKey()).as(Col.RECORD_TABLE), col(Col.ID),
          lit(side).as(SIDES)));
      for (String f : COMPARED) {
        cols.add((have.contains(f) ? col(f).cast("string") : lit(null).cast("string")).as(prefix + f));
      }
      Dataset<Row> part = t.getValue().select(cols.toArray(Column[]::new));
      out = out == null ? part : out.unionByName(part);
    }
    return out;
  }
}
