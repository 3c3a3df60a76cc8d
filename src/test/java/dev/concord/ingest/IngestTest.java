package dev.concord.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.Lines;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class IngestTest {
  static final ConcordConfig CONFIG = ConcordConfig.load(Path.of("conf", "concord.yaml"));
  static final IngestSettings SETTINGS = IngestSettings.of(CONFIG);
  static final byte[] KEY = {1, 2, 3};
  static final String GOOD = Lines.pairwise("s1", "i1", "w1@x.example", "r1", "2026-11-21T03:12:44Z");

  private static Row parse(String line) {
    return Ingest.parse(Lines.of(line), SETTINGS, KEY).first();
  }

  private static void assertRejected(String line, String reason, String detailPart) {
    Row r = parse(line);
    assertEquals(reason, r.getAs(Col.REASON), () -> "line " + line + " gave " + r.getAs(Col.DETAIL));
    assertTrue(r.<String>getAs(Col.DETAIL).contains(detailPart), () -> r.getAs(Col.DETAIL));
  }

  @Test
  void goodLineParsesWithPseudonymAndMessages() {
    Row r = parse(GOOD);
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    assertEquals(Pseudonyms.of("w1@x.example", KEY), r.getAs(Col.ANNOTATOR));
    List<Row> prompt = r.getList(r.fieldIndex(Col.PROMPT));
    assertEquals("user", prompt.get(0).getAs(Col.ROLE));
    assertEquals("Which is better?", prompt.get(0).getAs(Col.CONTENT));
    assertEquals(List.of("r1", "r2"), r.getList(r.fieldIndex(Col.RESPONSE_IDS)));
  }

  @Test
  void aStringPromptThatLooksLikeJsonStaysAString() {
    Row r = parse(GOOD.replace("\"Which is better?\"", "\"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"x\\\"}]\""));
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    List<Row> prompt = r.getList(r.fieldIndex(Col.PROMPT));
    assertEquals(1, prompt.size());
    assertEquals("[{\"role\":\"user\",\"content\":\"x\"}]", prompt.get(0).getAs(Col.CONTENT));
  }

  @Test
  void aConversationPromptKeepsItsTurns() {
    Row r = parse(GOOD.replace("\"Which is better?\"",
        "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]"));
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    assertEquals(2, r.getList(r.fieldIndex(Col.PROMPT)).size());
  }

  @Test
  void everyKindOfBadLineGetsItsReason() {
    assertRejected("{not json", "invalid_json", "not valid JSON");
    assertRejected("[1, 2]", "not_an_object", "list");
    assertRejected("   ", "blank_line", "empty");
    assertRejected(GOOD.replace("\"annotator_id\":\"w1@x.example\",", ""), "missing_field", "annotator_id");
    assertRejected(GOOD.replace("\"pairwise\"", "\"essay\""), "unknown_task_type", "'essay'");
    assertRejected(GOOD.replace("\"preferred\":\"r1\"", "\"preferred\":\"r9\""), "bad_answer", "'r9'");
    assertRejected(GOOD.replace("\"preferred\":\"r1\"", "\"preferred\":\"r1\",\"strength\":7"), "bad_answer", "7");
    assertRejected(GOOD.replace("\"preferred\":\"r1\"", "\"preferred\":\"r1\",\"strength\":\"high\""), "wrong_type",
        "answer.strength");
    assertRejected(GOOD.replace("2026-11-21T03:12:44Z", "2026-13-45"), "bad_timestamp", "2026-13-45");
    assertRejected(GOOD.replace("2026-11-21T03:12:44Z", "2026-11-21T03:12:44"), "bad_timestamp", "time zone");
    assertRejected(GOOD.replace(",{\"response_id\":\"r2\",\"text\":\"Two\"}", ""), "bad_responses", "exactly 2");
    assertRejected(GOOD.replace("\"r2\"", "\"r1\""), "bad_responses", "repeat");
    assertRejected(GOOD.replace("\"Which is better?\"", "[{\"role\":\"assistant\",\"content\":\"Hi\"}]"),
        "bad_prompt", "user turn");
    String longText = "x".repeat(CONFIG.limits().maxFieldChars() + 1);
    assertRejected(GOOD.replace("\"Two\"", "\"" + longText + "\""), "field_too_large", "responses[1].text");
  }

  @Test
  void answersAreCheckedByTaskType() {
    String ranking = GOOD.replace("\"pairwise\"", "\"ranking\"");
    assertRejected(ranking.replace("{\"preferred\":\"r1\"}", "{\"ranking\":[\"r1\",\"r1\"]}"), "bad_answer", "repeats");
    assertRejected(ranking.replace("{\"preferred\":\"r1\"}", "{\"ranking\":[\"r1\"]}"), "bad_answer", "omits responses [r2]");
    assertNull(parse(ranking.replace("{\"preferred\":\"r1\"}", "{\"ranking\":[\"r2\",\"r1\"]}")).getAs(Col.REASON));

    String rating = GOOD.replace("\"p\"", "\"helpfulness-v3\"").replace("\"pairwise\"", "\"rating\"");
    assertRejected(rating.replace("{\"preferred\":\"r1\"}",
        "{\"ratings\":{\"r1\":{\"accuracy\":6},\"r2\":{\"accuracy\":3}}}"), "bad_answer", "outside the project's scale 1..5");
    assertRejected(rating.replace("{\"preferred\":\"r1\"}",
        "{\"ratings\":{\"r1\":{\"vibes\":3},\"r2\":{\"accuracy\":3}}}"), "bad_answer", "'vibes'");
    assertRejected(rating.replace("{\"preferred\":\"r1\"}", "{\"ratings\":{\"r1\":{\"accuracy\":3}}}"), "bad_answer",
        "omit");

    String label = GOOD.replace("\"p\"", "\"safety-v1\"").replace("\"pairwise\"", "\"label\"")
        .replace(",{\"response_id\":\"r2\",\"text\":\"Two\"}", "");
    assertRejected(label.replace("{\"preferred\":\"r1\"}", "{\"label\":\"spicy\"}"), "bad_answer", "'spicy'");
    assertNull(parse(label.replace("{\"preferred\":\"r1\"}", "{\"label\":\"unsafe\"}")).getAs(Col.REASON));
    String unconfigured = label.replace("\"safety-v1\"", "\"new-project\"");
    assertNull(parse(unconfigured.replace("{\"preferred\":\"r1\"}", "{\"label\":\"spicy\"}")).getAs(Col.REASON),
        "a project missing from the configuration takes its labels from the data");

    String sft = GOOD.replace("\"pairwise\"", "\"sft\"")
        .replace(",\"responses\":[{\"response_id\":\"r1\",\"text\":\"One\"},{\"response_id\":\"r2\",\"text\":\"Two\"}]", "");
    assertRejected(sft.replace("{\"preferred\":\"r1\"}", "{\"completion\":\"  \"}"), "bad_answer", "completion");
    assertNull(parse(sft.replace("{\"preferred\":\"r1\"}", "{\"completion\":\"Done.\"}")).getAs(Col.REASON));
  }

  @Test
  void reconcileSortsRepeatsConflictsAndSupersededAnswers() {
    String earlier = Lines.pairwise("s1", "i1", "w1", "r1", "2026-11-21T01:00:00Z");
    String later = Lines.pairwise("s2", "i1", "w1", "r2", "2026-11-21T02:00:00Z");
    String other = Lines.pairwise("s3", "i1", "w2", "r2", "2026-11-21T02:00:00Z");
    String sameIdOtherContent = Lines.pairwise("s4", "i2", "w1", "r1", "2026-11-21T01:00:00Z");
    String sameIdOtherContent2 = Lines.pairwise("s4", "i2", "w1", "r2", "2026-11-21T01:00:00Z");
    String conflictA = Lines.pairwise("s5", "i3", "w1", "r1", "2026-11-21T01:00:00Z");
    String conflictB = Lines.pairwise("s6", "i3", "w2", "r1", "2026-11-21T01:00:00Z").replace("Which is better?", "Other?");
    var parsed = Ingest.parse(Lines.of(later, earlier, earlier, other, sameIdOtherContent, sameIdOtherContent2,
        conflictA, conflictB), SETTINGS, KEY).filter(col(Col.REASON).isNull());
    var status = Reconcile.apply(parsed).collectAsList();
    assertEquals(8, status.size());
    java.util.Map<String, Long> counts = new java.util.TreeMap<>();
    for (Row r : status) {
      counts.merge(r.getAs(Col.SUBMISSION_ID) + ":" + r.getAs(Col.STATUS), 1L, Long::sum);
    }
    assertEquals(java.util.Map.of("s1:superseded", 1L, "s1:repeated_line", 1L, "s2:active", 1L, "s3:active", 1L,
        "s4:duplicate_submission_id", 2L, "s5:item_content_conflict", 1L, "s6:item_content_conflict", 1L), counts);
  }

  @Test
  void aSubmissionIdSentAgainWithOtherContentInALaterNightIsAnEditWithinOneNightAConflict() {
    String monday = Lines.pairwise("s1", "i1", "w1", "r1", "2026-11-21T01:00:00Z");
    String tuesday = Lines.pairwise("s1", "i1", "w1", "r2", "2026-11-22T01:00:00Z");
    String tuesdayAgain = Lines.pairwise("s1", "i1", "w1", "r1", "2026-11-22T05:00:00Z");
    String unchanged = Lines.pairwise("s2", "i1", "w2", "r2", "2026-11-21T01:00:00Z");
    var night1 = Ingest.parse(Lines.of(monday, unchanged), SETTINGS, KEY).withColumn(Col.BATCH,
        org.apache.spark.sql.functions.lit(1));
    var edit = Ingest.parse(Lines.of(tuesday, unchanged), SETTINGS, KEY).withColumn(Col.BATCH,
        org.apache.spark.sql.functions.lit(2));
    java.util.Map<String, String> byContent = new java.util.TreeMap<>();
    for (Row r : Reconcile.apply(night1.unionByName(edit)).collectAsList()) {
      byContent.merge(r.getAs(Col.SUBMISSION_ID) + "@" + r.<Row>getAs(Col.ANSWER).getAs(Col.PREFERRED),
          r.getAs(Col.STATUS), (a, b) -> a.compareTo(b) < 0 ? a + "+" + b : b + "+" + a);
    }
    assertEquals(java.util.Map.of("s1@r1", "superseded", "s1@r2", "active", "s2@r2", "active+repeated_line"),
        byContent, "the later night's version stands; the same line sent again is a repeat");
    Row superseded = Reconcile.apply(night1.unionByName(edit)).filter(col(Col.STATUS).equalTo("superseded"))
        .first();
    assertTrue(superseded.<String>getAs(Col.DETAIL).startsWith("edited: a later night's input"));
    // Within one night, two contents of one id are still a conflict, quarantined whole.
    var sameNight = Ingest.parse(Lines.of(tuesday, tuesdayAgain), SETTINGS, KEY).withColumn(Col.BATCH,
        org.apache.spark.sql.functions.lit(2));
    assertEquals(2, Reconcile.apply(night1.unionByName(sameNight)).filter(col(Col.STATUS)
        .equalTo(Reconcile.DUPLICATE_SUBMISSION_ID)).count());
  }
}
