package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ChangesTest {
  private static final StructType PREFERENCES = new StructType().add("id", "string").add("resolution", "string")
      .add("margin", "double").add("agreement", "double").add("annotator_count", "int").add("split", "string");
  private static final StructType SFT = new StructType().add("id", "string").add("split", "string");

  private static Dataset<Row> rows(StructType schema, Object[]... rows) {
    return SparkTest.spark().createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), schema);
  }

  private static Object[] pref(String id, double margin) {
    return new Object[] {id, "consensus", margin, 1.0, 2, "train"};
  }

  private static Dataset<Row> lineage(String... recordAndSubmission) {
    Object[][] out = new Object[recordAndSubmission.length / 3][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Object[] {recordAndSubmission[3 * i], recordAndSubmission[3 * i + 1],
          recordAndSubmission[3 * i + 2]};
    }
    return rows(new StructType().add("record_table", "string").add("record_id", "string")
        .add("submission_id", "string"), out);
  }

  @Test
  void everyDifferenceIsListedWithWhatMovedAndWhy() {
    Map<String, Dataset<Row>> now = new LinkedHashMap<>();
    now.put("preferences", rows(PREFERENCES, pref("same", 0.5), pref("grown", 0.7), pref("fresh", 0.5),
        pref("redrawn", 0.5)));
    now.put("sft", rows(SFT, new Object[] {"x", "test"}));
    Map<String, Dataset<Row>> before = new LinkedHashMap<>();
    before.put("preferences", rows(PREFERENCES, pref("same", 0.5), pref("grown", 0.5), pref("merged", 0.5),
        pref("excluded", 0.5), pref("reviewed", 0.5), pref("dropped", 0.5), pref("x", 0.5)));
    before.put("sft", rows(SFT));
    // "same" has its lineage twice over (two roles of one submission): still the same lineage.
    Dataset<Row> lineageNow = lineage("preferences", "same", "s1", "preferences", "same", "s1",
        "preferences", "same", "s2", "preferences", "grown", "s3", "preferences", "grown", "s4",
        "preferences", "fresh", "s5", "preferences", "redrawn", "s6", "sft", "x", "s10");
    Dataset<Row> lineageBefore = lineage("preferences", "same", "s1", "preferences", "same", "s2",
        "preferences", "grown", "s3", "preferences", "merged", "s11", "preferences", "excluded", "s7",
        "preferences", "reviewed", "s8", "preferences", "dropped", "s9");
    Dataset<Row> duplicates = rows(new StructType().add("record_table", "string").add("removed_id", "string")
        .add("kind", "string"), new Object[] {"preferences", "merged", "near"});
    Dataset<Row> decisions = rows(new StructType().add("submission_id", "string").add("fate", "string"),
        new Object[] {"s1", "used"}, new Object[] {"s2", "used"}, new Object[] {"s3", "used"},
        new Object[] {"s4", "used"}, new Object[] {"s5", "used"}, new Object[] {"s6", "used"},
        new Object[] {"s7", "excluded_on_request"}, new Object[] {"s8", "sent_to_review"},
        new Object[] {"s9", "annotator_dropped"}, new Object[] {"s10", "used"}, new Object[] {"s11", "merged"});
    Dataset<Row> tonight = rows(new StructType().add("submission_id", "string"), new Object[] {"s4"},
        new Object[] {"s5"}, new Object[] {"s10"});

    Map<String, String> got = new TreeMap<>();
    for (Row r : Changes.of(now, before, lineageNow, lineageBefore, duplicates, decisions, tonight)
        .collectAsList()) {
      got.put(r.getAs("record_table") + "/" + r.getAs("id"), r.getAs("change") + " " + r.getList(r.fieldIndex(
          "fields")) + " " + r.getAs("reason") + " " + r.getAs("detail"));
    }
    Map<String, String> expected = new TreeMap<>(Map.of(
        "preferences/grown", "changed [margin, lineage] new_answers margin 0.5 -> 0.7; submissions 1 -> 2",
        "preferences/fresh", "added [] new_answers null",
        "preferences/redrawn", "added [] redecided null",
        "preferences/merged", "removed [] merged_as_duplicate null",
        "preferences/excluded", "removed [] excluded_on_request null",
        "preferences/reviewed", "removed [] sent_to_review null",
        "preferences/dropped", "removed [] annotator_dropped null",
        "sft/x", "added [] new_answers null",
        "preferences/x", "removed [] redecided null"));
    assertEquals(expected, got, "an unchanged record is not listed; each other one says what moved and why; an id"
        + " that moved between tables is a removal from one and an addition to the other");
  }

  @Test
  void aFirstVersionListsEveryRecordAsAdded() {
    Map<String, Dataset<Row>> now = Map.of("sft", rows(SFT, new Object[] {"x", "train"}, new Object[] {"y", "test"}));
    Map<String, Dataset<Row>> before = Map.of("sft", rows(SFT));
    List<Row> got = Changes.of(now, before, lineage("sft", "x", "s1", "sft", "y", "s2"), lineage(),
        rows(new StructType().add("record_table", "string").add("removed_id", "string").add("kind", "string")),
        rows(new StructType().add("submission_id", "string").add("fate", "string")),
        rows(new StructType().add("submission_id", "string"), new Object[] {"s1"}, new Object[] {"s2"}))
        .orderBy("id").collectAsList();
    assertEquals(List.of("x added new_answers", "y added new_answers"), got.stream()
        .map(r -> r.getAs("id") + " " + r.getAs("change") + " " + r.getAs("reason")).toList());
  }
}
