package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.schema.Status;
import dev.concord.SparkTest;
import dev.concord.dedup.Dedup;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.ingest.Reconcile;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Accounting#decisions}: one decision per submission and per bad line, the strongest fate winning, worked out
 * by hand for one submission of each kind.
 */
class AccountingTest {
  private static final StructType LINES = new StructType().add(Col.SUBMISSION_ID, "string")
      .add(Col.SOURCE_FILE, "string").add(Col.BLOCK_START, "long").add(Col.ROW_ID, "long").add(Col.ITEM_ID, "string")
      .add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string").add(Col.ANNOTATOR, "string")
      .add(Col.REASON, "string").add(Col.DETAIL, "string");
  private static final StructType SUBMISSIONS = new StructType().add(Col.SUBMISSION_ID, "string")
      .add(Col.SOURCE_FILE, "string").add(Col.BLOCK_START, "long").add(Col.ROW_ID, "long").add(Col.ITEM_ID, "string")
      .add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string").add(Col.ANNOTATOR, "string")
      .add(Col.STATUS, "string").add(Col.DETAIL, "string");
  private static final StructType ANNOTATORS = new StructType().add(Col.ANNOTATOR, "string")
      .add(Col.DECISION, "string").add(Col.REASON, "string");
  private static final StructType OUTCOMES = new StructType().add(Col.ITEM_ID, "string").add(Col.STATUS, "string")
      .add(Col.DETAIL, "string").add(Col.REASON, "string");
  private static final StructType LINEAGE = new StructType().add(Col.SUBMISSION_ID, "string")
      .add(Col.RECORD_ID, "string").add(Col.ROLE, "string").add(Col.MERGED_DUPLICATE, "boolean");
  private static final StructType DEDUPED = new StructType().add(Col.ITEM_ID, "string").add(Dedup.FATE, "string")
      .add(Col.DETAIL, "string");
  private static final StructType EXCLUDED = new StructType().add(Col.ANNOTATOR, "string");

  private static Map<String, Row> decisions;

  @BeforeAll
  static void decide() {
    SparkSession spark = SparkTest.spark();
    List<Row> submissions = new ArrayList<>();
    // Each submission its own item and its own line, so that each case stands alone.
    String[][] cases = {
        {"used", "good", Reconcile.ACTIVE}, {"merged", "good", Reconcile.ACTIVE}, {"gold", "good", Reconcile.ACTIVE},
        {"outvoted", "good", Reconcile.ACTIVE}, {"both", "good", Reconcile.ACTIVE},
        {"dropped", "bad", Reconcile.ACTIVE}, {"in-review", "doubtful", Reconcile.ACTIVE},
        {"superseded", "good", Reconcile.SUPERSEDED}, {"excluded", "gone", Reconcile.EXCLUDED_ON_REQUEST},
        {"duplicate-id", "good", Reconcile.DUPLICATE_SUBMISSION_ID},
        {"decontaminated", "good", Reconcile.ACTIVE}, {"held-out", "good", Reconcile.ACTIVE},
        {"to-review", "good", Reconcile.ACTIVE}, {"nothing", "good", Reconcile.ACTIVE},
        {"repeat", "good", Reconcile.REPEATED_LINE}};
    for (int i = 0; i < cases.length; i++) {
      String[] c = cases[i];
      submissions.add(RowFactory.create("s-" + c[0], "in.jsonl", 0L, (long) i, "i-" + c[0], "p", "pairwise", c[1],
          c[2], c[2].equals(Reconcile.ACTIVE) ? null : "detail of " + c[0]));
    }
    List<Row> lines = List.of(
        RowFactory.create(null, "in.jsonl", 0L, 100L, null, null, null, null, "invalid_json", "at byte 3"),
        RowFactory.create("s-gone-bad", "in.jsonl", 0L, 101L, "i-x", "p", "pairwise", "gone", "wrong_type",
            "answer"));
    List<Row> lineage = List.of(
        RowFactory.create("s-used", "r1", Resolve.AGREED, false),
        RowFactory.create("s-merged", "r1", Resolve.AGREED, true),
        RowFactory.create("s-gold", "r1", Resolve.OVERRIDDEN_BY_GOLD, false),
        RowFactory.create("s-outvoted", "r1", Resolve.OUTVOTED, false),
        RowFactory.create("s-both", "r2", Resolve.OUTVOTED, false),
        RowFactory.create("s-both", "r1", Resolve.AGREED, false),
        // Work of a dropped annotator never reaches a record; if it did, the drop would still be its fate.
        RowFactory.create("s-dropped", "r1", Resolve.AGREED, false));
    decisions = new TreeMap<>();
    Accounting.decisions(
            spark.createDataFrame(lines, LINES),
            spark.createDataFrame(submissions, SUBMISSIONS),
            spark.createDataFrame(List.of(RowFactory.create("good", AnnotatorFilter.KEPT, null),
                RowFactory.create("bad", AnnotatorFilter.DROPPED, "kappa 0.05 below 0.2"),
                RowFactory.create("doubtful", Status.REVIEW, "interval straddles 0.2")), ANNOTATORS),
            spark.createDataFrame(List.of(RowFactory.create("i-to-review", Status.REVIEW, "2 against 2", "tie"),
                RowFactory.create("i-nothing", "resolved", null, null)), OUTCOMES),
            spark.createDataFrame(lineage, LINEAGE),
            spark.createDataFrame(List.of(
                RowFactory.create("i-decontaminated", Dedup.DECONTAMINATED, "its prompt is an evaluation prompt"),
                RowFactory.create("i-held-out", Dedup.HELD_OUT, "links train and test")), DEDUPED),
            spark.createDataFrame(List.of(RowFactory.create("gone")), EXCLUDED),
            org.apache.spark.sql.functions.lit(dev.concord.config.ProjectSettings.MACE))
        .collectAsList()
        .forEach(r -> decisions.put(r.getAs(Col.SUBMISSION_ID) == null ? "line " + r.getAs(Col.ROW_ID)
            : r.<String>getAs(Col.SUBMISSION_ID), r));
  }

  @Test
  void everySubmissionButARepeatedLineHasExactlyOneDecision() {
    assertEquals(16, decisions.size(), decisions.keySet().toString());
    assertEquals(false, decisions.containsKey("s-repeat"), "a repeated line is the same submission again");
  }

  @Test
  void theStrongestFateWins() {
    Map<String, String> expected = new TreeMap<>(Map.ofEntries(
        Map.entry("s-used", Accounting.USED), Map.entry("s-merged", Accounting.MERGED_DUPLICATE),
        Map.entry("s-gold", Resolve.OVERRIDDEN_BY_GOLD), Map.entry("s-outvoted", Resolve.OUTVOTED),
        Map.entry("s-both", Accounting.USED), Map.entry("s-dropped", Accounting.ANNOTATOR_DROPPED),
        Map.entry("s-in-review", Accounting.ANNOTATOR_IN_REVIEW), Map.entry("s-superseded", Accounting.SUPERSEDED),
        Map.entry("s-excluded", Reconcile.EXCLUDED_ON_REQUEST), Map.entry("s-duplicate-id", Accounting.QUARANTINED),
        Map.entry("s-decontaminated", Accounting.DECONTAMINATED), Map.entry("s-held-out", Accounting.HELD_OUT),
        Map.entry("s-to-review", Accounting.SENT_TO_REVIEW), Map.entry("s-nothing", Accounting.NO_RECORD),
        Map.entry("line 100", Accounting.QUARANTINED), Map.entry("s-gone-bad", Reconcile.EXCLUDED_ON_REQUEST)));
    Map<String, String> actual = new TreeMap<>();
    decisions.forEach((id, r) -> actual.put(id, r.getAs(Col.FATE)));
    assertEquals(expected, actual);
  }

  @Test
  void reasonsNameWhatDecided() {
    assertEquals("annotator dropped: kappa 0.05 below 0.2; the answer informed only the estimate of the annotators'"
        + " reliability (mace), never its item's resolution", reason("s-dropped"));
    assertEquals("duplicate_submission_id: detail of duplicate-id", reason("s-duplicate-id"));
    assertEquals("tie: 2 against 2", reason("s-to-review"));
    assertEquals("its item's records were removed: its prompt is an evaluation prompt", reason("s-decontaminated"));
    assertEquals("its item's records were held out: links train and test", reason("s-held-out"));
    assertEquals("its item produced no record", reason("s-nothing"));
    assertEquals("invalid_json: at byte 3", reason("line 100"));
    assertEquals("excluded on request (the line was also bad, wrong_type)", reason("s-gone-bad"));
  }

  @Test
  void recordIdsListWhatTheAnswerReachedOnlyWhenItReachedSomething() {
    assertEquals(List.of("r1", "r2"), recordIds("s-both"), "every record reached, sorted");
    assertEquals(List.of("r1"), recordIds("s-outvoted"));
    assertEquals(List.of(), recordIds("s-dropped"), "a dropped annotator's answer backs no published record");
    assertEquals(List.of(), recordIds("s-nothing"));
    assertEquals(List.of(), recordIds("line 100"));
  }

  @Test
  void aPreferenceCarriesWhatItsAgreeingAnnotatorsWroteInSubmissionOrder() {
    SparkSession spark = SparkTest.spark();
    StructType lineage = new StructType().add(Col.RECORD_ID, "string").add(Col.RECORD_TABLE, "string")
        .add(Col.SUBMISSION_ID, "string").add(Col.ROLE, "string");
    StructType said = new StructType().add(Col.SUBMISSION_ID, "string").add(Col.JUSTIFICATION, "string");
    Map<String, List<String>> out = new TreeMap<>();
    Accounting.justifications(spark.createDataFrame(List.of(
            RowFactory.create("p1", Resolve.PREFERENCES, "s3", Resolve.AGREED),
            RowFactory.create("p1", Resolve.PREFERENCES, "s1", Resolve.AGREED),
            RowFactory.create("p1", Resolve.PREFERENCES, "s2", Resolve.OUTVOTED),
            RowFactory.create("p1", Resolve.PREFERENCES, "s4", Resolve.AGREED),
            RowFactory.create("p2", Resolve.PREFERENCES, "s5", Resolve.AGREED),
            RowFactory.create("l1", Resolve.LABELS, "s6", Resolve.AGREED)), lineage),
        spark.createDataFrame(List.of(RowFactory.create("s1", "r2 is false."), RowFactory.create("s2", "r1 is long."),
            RowFactory.create("s3", "r1 runs."), RowFactory.create("s4", "  "), RowFactory.create("s6", "unsafe")),
            said))
        .collectAsList().forEach(r -> out.put(r.getAs(Col.ID), r.getList(r.fieldIndex(Col.JUSTIFICATIONS))));
    assertEquals(Map.of("p1", List.of("r2 is false.", "r1 runs.")), out,
        "agreeing only, by submission id, blank ones left out; a record none wrote for, and labels, not listed");
  }

  private static String reason(String id) {
    return decisions.get(id).getAs(Col.REASON);
  }

  private static List<String> recordIds(String id) {
    Row r = decisions.get(id);
    return r.getList(r.fieldIndex(Col.RECORD_IDS));
  }
}
