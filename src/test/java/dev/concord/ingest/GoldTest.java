package dev.concord.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.Lines;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Gold labels: read as strictly as submissions, and never a truth no annotator could have answered. */
class GoldTest {
  static final ConcordConfig CONFIG = ConcordConfig.load(java.nio.file.Path.of("conf", "concord.yaml"));
  static final IngestSettings SETTINGS = IngestSettings.of(CONFIG);
  static final String PAIRWISE = "{\"item_id\":\"i1\",\"task_type\":\"pairwise\",\"answer\":{\"preferred\":\"r1\"},"
      + "\"source\":\"expert\"}";

  private static Row parse(String line) {
    return Gold.parse(Lines.of(line), SETTINGS).first();
  }

  private static void assertRejected(String line, String reason, String detailPart) {
    Row r = parse(line);
    assertEquals(reason, r.getAs(Col.REASON), () -> "detail: " + r.getAs(Col.DETAIL));
    assertTrue(r.<String>getAs(Col.DETAIL).contains(detailPart), () -> r.getAs(Col.DETAIL));
  }

  @Test
  void badGoldLinesNameTheFieldAndTheProblem() {
    assertNull(parse(PAIRWISE).getAs(Col.REASON));
    assertRejected("{\"item_id\": i1}", "invalid_json", "item_id");
    assertRejected(PAIRWISE + PAIRWISE, "trailing_content", "exactly one JSON object");
    assertRejected(PAIRWISE.replace("\"source\"", "\"item_id\":\"i2\",\"source\""), "duplicate_key", "'item_id'");
    assertRejected(PAIRWISE.replace("\"expert\"", "7"), "wrong_type", "'source' must be a string");
    assertRejected(PAIRWISE.replace(",\"source\":\"expert\"", ""), "missing_field", "source");
    assertRejected(PAIRWISE.replace("\"expert\"", "\"expert\",\"created_at\":\"not-a-date\""), "bad_timestamp",
        "'not-a-date'");
    assertRejected(PAIRWISE.replace("\"pairwise\"", "\"sft\""), "bad_gold", "'sft'");
    assertRejected(PAIRWISE.replace("{\"preferred\":\"r1\"}", "{\"label\":\"x\"}"), "bad_gold", "answer.preferred");
    assertRejected(PAIRWISE.replace("{\"preferred\":\"r1\"}", "{\"preferred\":\"r1\",\"strength\":9}"), "bad_gold",
        "strength");
    assertRejected("  ", "blank_line", "one gold label");
    Row good = parse(PAIRWISE.replace("\"expert\"", "\"expert\",\"created_at\":\"2026-11-20T10:00:00Z\""));
    assertNull(good.getAs(Col.REASON), () -> good.getAs(Col.DETAIL));
    assertEquals(java.time.Instant.parse("2026-11-20T10:00:00Z"), good.<java.sql.Timestamp>getAs(Col.CREATED_AT)
        .toInstant());
  }

  private static Dataset<Row> submissions(String... lines) {
    return Ingest.parse(Lines.of(lines), SETTINGS, new byte[] {1}).filter(col(Col.REASON).isNull());
  }

  private static String rating(String sid, String project, String item, int score) {
    return "{\"submission_id\":\"" + sid + "\",\"item_id\":\"" + item + "\",\"project\":\"" + project
        + "\",\"task_type\":\"rating\",\"annotator_id\":\"w" + sid + "\",\"submitted_at\":\"2026-11-21T03:12:44Z\","
        + "\"prompt\":\"Rate it\",\"responses\":[{\"response_id\":\"r1\",\"text\":\"One\"}],"
        + "\"answer\":{\"ratings\":{\"r1\":{\"helpfulness\":" + score + "}}}}";
  }

  private static String label(String sid, String project, String item, String label) {
    return "{\"submission_id\":\"" + sid + "\",\"item_id\":\"" + item + "\",\"project\":\"" + project
        + "\",\"task_type\":\"label\",\"annotator_id\":\"w" + sid + "\",\"submitted_at\":\"2026-11-21T03:12:44Z\","
        + "\"prompt\":\"Is it safe?\",\"answer\":{\"label\":\"" + label + "\"}}";
  }

  private static Map<String, String> statusOf(Dataset<Row> subs, String... gold) {
    Dataset<Row> goodGold = Gold.parse(Lines.of(gold), SETTINGS).filter(col(Col.REASON).isNull());
    Dataset<Row> rules = Gold.projectRules(subs, SETTINGS);
    Map<String, String> out = new java.util.TreeMap<>();
    for (Row r : Gold.match(goodGold, Gold.items(subs), rules).collectAsList()) {
      out.put(r.getAs(Col.ITEM_ID), r.<String>getAs(Col.STATUS) + (r.getAs(Col.DETAIL) == null ? ""
          : ": " + r.getAs(Col.DETAIL)));
    }
    return out;
  }

  @Test
  void aGoldRatingOutsideTheScaleIsNoTruth() {
    Dataset<Row> subs = submissions(rating("1", "helpfulness-v3", "a", 4), rating("2", "helpfulness-v3", "a", 4),
        rating("3", "helpfulness-v3", "b", 2), rating("4", "unlisted", "c", 2), rating("5", "unlisted", "c", 7));
    Map<String, String> status = statusOf(subs,
        "{\"item_id\":\"a\",\"task_type\":\"rating\",\"answer\":{\"ratings\":{\"r1\":{\"helpfulness\":99}}},"
            + "\"source\":\"expert\"}",
        "{\"item_id\":\"b\",\"task_type\":\"rating\",\"answer\":{\"ratings\":{\"r1\":{\"helpfulness\":5}}},"
            + "\"source\":\"expert\"}",
        "{\"item_id\":\"c\",\"task_type\":\"rating\",\"answer\":{\"ratings\":{\"r1\":{\"helpfulness\":8}}},"
            + "\"source\":\"expert\"}");
    assertEquals("bad_gold: gold rating 99 of r1.helpfulness is outside the project's scale 1..5 (configured, else"
        + " the range its submissions use)", status.get("a"));
    assertEquals("matched", status.get("b"));
    assertTrue(status.get("c").startsWith("bad_gold: gold rating 8 of r1.helpfulness is outside the project's scale"
        + " 2..7"), "an unlisted project's scale is the range of its submissions: " + status.get("c"));
  }

  @Test
  void aGoldLabelOutsideTheProjectsLabelsIsNoTruth() {
    Dataset<Row> subs = submissions(label("1", "safety-v1", "a", "safe"), label("2", "safety-v1", "b", "unsafe"),
        label("3", "new-project", "c", "yes"));
    Map<String, String> status = statusOf(subs,
        "{\"item_id\":\"a\",\"task_type\":\"label\",\"answer\":{\"label\":\"spicy\"},\"source\":\"expert\"}",
        "{\"item_id\":\"b\",\"task_type\":\"label\",\"answer\":{\"label\":\"borderline\"},\"source\":\"expert\"}",
        "{\"item_id\":\"c\",\"task_type\":\"label\",\"answer\":{\"label\":\"no\"},\"source\":\"expert\"}");
    assertTrue(status.get("a").startsWith("bad_gold: gold label 'spicy' is not one of the project's labels [safe,"
        + " unsafe, borderline]"), status.get("a"));
    assertEquals("matched", status.get("b"), "a configured label no submission used is still a label");
    assertTrue(status.get("c").startsWith("bad_gold: gold label 'no' is not one of the project's labels [yes]"),
        status.get("c"));
  }

  @Test
  void goldOnOneItemTwiceStillConflicts() {
    Dataset<Row> subs = submissions(label("1", "safety-v1", "a", "safe"));
    Map<String, String> status = statusOf(subs,
        "{\"item_id\":\"a\",\"task_type\":\"label\",\"answer\":{\"label\":\"safe\"},\"source\":\"expert\"}",
        "{\"item_id\":\"a\",\"task_type\":\"label\",\"answer\":{\"label\":\"unsafe\"},\"source\":\"expert\"}");
    assertTrue(status.get("a").startsWith("gold_conflict"), status.get("a"));
    assertEquals(List.of("a"), List.copyOf(status.keySet()));
  }

  private static String judged(String sid, String item, String type, String answer) {
    return "{\"submission_id\":\"" + sid + "\",\"item_id\":\"" + item + "\",\"project\":\"helpfulness-v3\","
        + "\"task_type\":\"" + type + "\",\"annotator_id\":\"w" + sid + "\",\"submitted_at\":\"2026-11-21T03:12:44Z\","
        + "\"prompt\":\"Which is better?\",\"responses\":[{\"response_id\":\"r1\",\"text\":\"One\"},"
        + "{\"response_id\":\"r2\",\"text\":\"Two\"}" + (type.equals("ranking")
            ? ",{\"response_id\":\"r3\",\"text\":\"Three\"}" : "") + "],"
        + "\"answer\":" + answer + "}";
  }

  private static String gold(String item, String type, String answer) {
    return "{\"item_id\":\"" + item + "\",\"task_type\":\"" + type + "\",\"answer\":" + answer
        + ",\"source\":\"expert\"}";
  }

  @Test
  void matchGivesEveryGoodGoldLineOneStatusWithItsReason() {
    Dataset<Row> subs = submissions(judged("1", "p", "pairwise", "{\"preferred\":\"r1\"}"),
        judged("2", "tie", "pairwise", "{\"preferred\":\"r2\"}"),
        judged("3", "k", "ranking", "{\"ranking\":[\"r1\",\"r2\",\"r3\"]}"),
        judged("4", "k-short", "ranking", "{\"ranking\":[\"r3\",\"r2\",\"r1\"]}"),
        judged("5", "other-type", "pairwise", "{\"preferred\":\"r1\"}"),
        judged("6", "stranger", "pairwise", "{\"preferred\":\"r1\"}"));
    Map<String, String> status = statusOf(subs,
        gold("p", "pairwise", "{\"preferred\":\"r2\"}"),
        gold("tie", "pairwise", "{\"preferred\":\"tie\"}"),
        gold("k", "ranking", "{\"ranking\":[\"r3\",\"r1\",\"r2\"]}"),
        gold("k-short", "ranking", "{\"ranking\":[\"r3\",\"r1\"]}"),
        gold("other-type", "ranking", "{\"ranking\":[\"r3\",\"r1\",\"r2\"]}"),
        gold("stranger", "pairwise", "{\"preferred\":\"r9\"}"),
        gold("nobody-answered", "pairwise", "{\"preferred\":\"r1\"}"));
    Map<String, String> expected = new java.util.TreeMap<>(Map.of(
        "p", "matched",
        "tie", "matched",
        "k", "matched",
        "k-short", "gold_mismatch: the gold answer names responses the item does not have (responses: [r1, r2, r3])",
        "other-type", "gold_mismatch: gold task_type 'ranking' differs from the item's 'pairwise'",
        "stranger", "gold_mismatch: the gold answer names responses the item does not have (responses: [r1, r2])",
        "nobody-answered", "unmatched: no submission in this batch answers the item"));
    assertEquals(expected, status);
  }

  @Test
  void anExactRepeatOfAGoldLineIsCountedOnce() {
    Dataset<Row> subs = submissions(judged("1", "twice", "pairwise", "{\"preferred\":\"r1\"}"));
    Dataset<Row> goodGold = Gold.parse(Lines.of(gold("twice", "pairwise", "{\"preferred\":\"r1\"}"),
        gold("twice", "pairwise", "{\"preferred\":\"r1\"}")), SETTINGS).filter(col(Col.REASON).isNull());
    List<String> statuses = Gold.match(goodGold, Gold.items(subs), Gold.projectRules(subs, SETTINGS))
        .orderBy(Col.ROW_ID).select(Col.STATUS).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of(Gold.MATCHED, "repeated_line"), statuses, "the first copy in input order is the one used");
  }
}
