package dev.concord.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.Lines;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Each defect a hostile export showed (issue 17), one test each: what today's parser must make of the line. */
class HostileLinesTest {
  static final ConcordConfig CONFIG = ConcordConfig.load(java.nio.file.Path.of("conf", "concord.yaml"));
  static final IngestSettings SETTINGS = IngestSettings.of(CONFIG);
  static final byte[] KEY = {9, 8, 7};
  static final String GOOD = Lines.pairwise("s1", "i1", "w1@x.example", "r1", "2026-11-21T03:12:44Z");

  private static Row parse(String line) {
    return Ingest.parse(Lines.of(line), SETTINGS, KEY).first();
  }

  private static Row parse(byte[] line) {
    return Ingest.parse(Lines.ofBytes(line), SETTINGS, KEY).first();
  }

  private static void assertGood(String line) {
    Row r = parse(line);
    assertNull(r.getAs(Col.REASON), () -> "rejected: " + r.getAs(Col.DETAIL));
    assertNull(r.getAs(Col.RAW), "a good line's text is not staged: it is read again if a later check rejects it");
    assertEquals(org.apache.spark.sql.catalyst.expressions.XXH64.hashUnsafeBytes(line.getBytes(StandardCharsets.UTF_8),
        org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET, line.getBytes(StandardCharsets.UTF_8).length, 42L),
        r.<Long>getAs(Col.LINE_HASH), "the hash that finds it again: Spark's xxhash64 of its bytes");
  }

  private static Row assertRejected(String line, String reason, String detailPart) {
    Row r = parse(line);
    assertEquals(reason, r.getAs(Col.REASON), () -> "detail: " + r.getAs(Col.DETAIL));
    assertTrue(r.<String>getAs(Col.DETAIL).contains(detailPart), () -> r.getAs(Col.DETAIL));
    assertEquals(line, r.getAs(Col.RAW), "the raw text is kept exactly");
    return r;
  }

  private static String withExtra(String field) {
    return GOOD.replace("{\"submission_id\"", "{" + field + ",\"submission_id\"");
  }

  @Test
  void aNullMetadataValueIsAWrongTypeNotACrashLater() {
    assertRejected(GOOD.replace("}}", "},\"metadata\":{\"batch\":\"7\",\"none\":null}}"), "wrong_type",
        "metadata values must be strings");
  }

  @Test
  void parserLimitsAreProblemsOfTheLine() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    assertRejected(withExtra("\"extra\":" + deep), "too_deep", "256 levels");
    assertRejected(withExtra("\"extra\":" + "9".repeat(1001)), "field_too_large", "1000 digits");
    assertRejected(withExtra("\"" + "k".repeat(50_001) + "\":1"), "field_too_large", "key has more than 50000");
    String huge = "x".repeat(20_000_001);
    assertRejected(GOOD.replace("\"Two\"", "\"" + huge + "\""), "field_too_large", "responses[1].text");
  }

  @Test
  void twoObjectsOnOneLineAreRejectedWhole() {
    assertRejected(GOOD + GOOD.replace("\"s1\"", "\"s2\""), "trailing_content", "exactly one JSON object");
    assertRejected(GOOD + " x", "trailing_content", "more after");
    assertGood(GOOD + " \t ");
  }

  @Test
  void aLoneCarriageReturnIsWhitespaceInsideTheLine() {
    assertGood(GOOD.replace(",\"answer\"", ",\r\"answer\""));
  }

  @Test
  void unquotedIdsAreNotEchoed() {
    Row r = assertRejected(GOOD.replace("\"w1@x.example\"", "A3KQ8ZPX21"), "invalid_json", "annotator_id");
    assertFalse(r.<String>getAs(Col.DETAIL).contains("A3KQ8ZPX21"), () -> r.getAs(Col.DETAIL));
    Row e = assertRejected(GOOD.replace("\"w1@x.example\"", "w17@vendor.example"), "invalid_json", "annotator_id");
    assertFalse(e.<String>getAs(Col.DETAIL).contains("w17"), () -> e.getAs(Col.DETAIL));
    Row n = assertRejected(GOOD.replace("\"w1@x.example\"", "12345"), "wrong_type", "annotator_id");
    assertFalse(n.<String>getAs(Col.DETAIL).contains("12345"), () -> n.getAs(Col.DETAIL));
  }

  @Test
  void metadataKeepsNoRawIdOfItsOwnAnnotator() {
    Row r = parse(GOOD.replace("}}", "},\"metadata\":{\"w1@x.example\":\"yes\",\"note\":\"by w1@x.example.\"}}"));
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    Map<String, String> m = r.getJavaMap(r.fieldIndex(Col.METADATA));
    String p = Pseudonyms.of("w1@x.example", KEY);
    assertEquals(Map.of(p, "yes", "note", "by " + p + "."), m);
  }

  @Test
  void metadataKeepsNoRawIdOfAnyAnnotatorOfTheBatch() {
    String p = Pseudonyms.of("worker-7731", KEY);
    var lines = Ingest.parse(Lines.of(
        GOOD.replace("}}", "},\"metadata\":{\"reviewer\":\"worker-7731\",\"note\":\"double-checked by worker-7731\"}}"),
        Lines.pairwise("s2", "i1", "worker-7731", "r1", "2026-11-21T03:12:44Z")), SETTINGS, KEY);
    Row r = Ingest.scrubMetadata(lines, java.util.Set.of(p, Pseudonyms.of("w1@x.example", KEY)), KEY)
        .filter(org.apache.spark.sql.functions.col(Col.SUBMISSION_ID).equalTo("s1")).first();
    assertEquals(Map.of("reviewer", p, "note", "double-checked by " + p), r.getJavaMap(r.fieldIndex(Col.METADATA)));
  }

  @Test
  void invalidUtf8IsRejectedAndKeptAsBytes() {
    byte[] good = GOOD.getBytes(StandardCharsets.UTF_8);
    byte[] bad = GOOD.replace("w1@x.example", "w1@x.exampleZ").getBytes(StandardCharsets.UTF_8);
    int at = GOOD.indexOf("w1@x.example") + "w1@x.example".length();
    bad[at] = (byte) 0xC3;
    Row r = parse(bad);
    assertEquals("invalid_utf8", r.getAs(Col.REASON));
    assertTrue(r.<String>getAs(Col.DETAIL).contains("0xC3"), () -> r.getAs(Col.DETAIL));
    assertTrue(java.util.Arrays.equals(bad, r.getAs(Col.RAW_BYTES)));
    assertNull(parse(good).getAs(Col.RAW_BYTES));
  }

  @Test
  void aLineInUtf16IsNotReadAsJson() {
    Row r = parse(GOOD.getBytes(StandardCharsets.UTF_16LE));
    assertEquals("invalid_json", r.getAs(Col.REASON), () -> "detail: " + r.getAs(Col.DETAIL));
  }

  @Test
  void aByteOrderMarkBeforeTheObjectIsNoProblem() {
    assertGood("\ufeff" + GOOD);
  }

  @Test
  void aLoneSurrogateIsNoText() {
    Row r = assertRejected(GOOD.replace("w1@x.example", "w1\\ud800"), "bad_text", "annotator_id");
    assertNull(r.getAs(Col.ANNOTATOR), "no pseudonym of an id that is no text");
    assertRejected(GOOD.replace("\"One\"", "\"One \\udc00\""), "bad_text", "responses[0].text");
    assertGood(GOOD.replace("\"One\"", "\"One \\ud83d\\ude00\""));
  }

  @Test
  void nonStandardJsonIsRejected() {
    assertRejected(GOOD.replace("\"item_id\":\"i1\"", "'item_id':'i1'"), "invalid_json", "single quote");
    assertRejected(GOOD.replace("}}", "},\"time_spent_s\":NaN}"), "invalid_json", "NaN");
    assertRejected(GOOD.replace("\"item_id\":\"i1\"", "\"item_id\":\"i1\",\"item_id\":\"i2\""), "duplicate_key",
        "'item_id' appears twice");
    Row r = assertRejected(GOOD.replace("}}", "},\"metadata\":{\"w1@x.example\":\"a\",\"w1@x.example\":\"b\"}}"),
        "duplicate_key", "a key appears twice");
    assertFalse(r.<String>getAs(Col.DETAIL).contains("w1@"), () -> r.getAs(Col.DETAIL));
  }

  @Test
  void aPromptMustBeTextOrMessages() {
    assertRejected(GOOD.replace("\"Which is better?\"", "{\"text\":\"hi\"}"), "wrong_type", "'prompt'");
    assertRejected(GOOD.replace("\"Which is better?\"", "12345"), "wrong_type", "'prompt'");
    assertRejected(GOOD.replace("\"Which is better?\"", "\"\""), "bad_prompt", "empty");
    assertRejected(GOOD.replace("\"Which is better?\"", "\" \\t\\u00a0\\u3000\\u200b\""), "bad_prompt", "empty");
    assertRejected(GOOD.replace("\"Which is better?\"", "[{\"role\":\"user\",\"content\":\"\\n \"}]"), "bad_prompt",
        "empty");
  }

  @Test
  void escapedKeysAreTheKeysTheyName() {
    Row r = parse(GOOD.replace("\"prompt\":\"Which is better?\"",
        "\"pr\\u006fmpt\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]"));
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    assertEquals(2, r.getList(r.fieldIndex(Col.PROMPT)).size());
  }

  @Test
  void metadataMustMapStringsToStrings() {
    assertRejected(GOOD.replace("}}", "},\"metadata\":{\"batch\":7}}"), "wrong_type", "metadata values");
    assertRejected(GOOD.replace("}}", "},\"metadata\":[\"a\"]}"), "wrong_type", "'metadata'");
  }

  @Test
  void timestampsAreRfc3339Exactly() {
    assertRejected(GOOD.replace("2026-11-21T03:12:44Z", "2026-11-21T03:12:44Z\\n"), "bad_timestamp", "RFC 3339");
    assertRejected(GOOD.replace("2026-11-21T03:12:44Z", "2026-02-30T03:12:44Z"), "bad_timestamp", "RFC 3339");
    assertGood(GOOD.replace("2026-11-21T03:12:44Z", "2026-11-21t04:20:00z"));
    assertGood(GOOD.replace("2026-11-21T03:12:44Z", "2016-12-31T23:59:60Z"));
    assertGood(GOOD.replace("2026-11-21T03:12:44Z", "2026-11-21T05:20:00.123456+01:00"));
    Row r = parse(GOOD.replace("2026-11-21T03:12:44Z", "2026-11-21t04:20:00z"));
    assertEquals(java.time.Instant.parse("2026-11-21T04:20:00Z"), r.<java.sql.Timestamp>getAs(Col.SUBMITTED_AT)
        .toInstant());
  }

  @Test
  void idsAreNonBlankAndBounded() {
    assertRejected(GOOD.replace("\"w1@x.example\"", "\"\\t\""), "missing_field", "annotator_id");
    assertRejected(GOOD.replace("\"s1\"", "\"" + "s".repeat(300_000) + "\""), "field_too_large",
        "'submission_id' has 300000 characters");
  }

  @Test
  void aValidLineWhoseExtraFieldLooksLikeAListPromptIsValid() {
    Row r = parse(withExtra("\"note\":\"\\\"prompt\\\": [\""));
    assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
    assertEquals("Which is better?", r.getList(r.fieldIndex(Col.PROMPT)).stream().map(m -> ((Row) m).getString(1))
        .findFirst().orElseThrow());
    assertGood(withExtra("\"extra\":{\"prompt\":[1,2]}"));
  }

  @Test
  void anItemShowsABoundedNumberOfResponses() {
    StringBuilder responses = new StringBuilder();
    StringBuilder ranking = new StringBuilder();
    for (int i = 0; i < 101; i++) {
      responses.append(i == 0 ? "" : ",").append("{\"response_id\":\"r").append(i).append("\",\"text\":\"t")
          .append(i).append("\"}");
      ranking.append(i == 0 ? "" : ",").append("\"r").append(i).append("\"");
    }
    String line = GOOD.replace("\"pairwise\"", "\"ranking\"")
        .replaceFirst("\"responses\":\\[.*?\\],\"answer\"", "\"responses\":[" + responses + "],\"answer\"")
        .replace("{\"preferred\":\"r1\"}", "{\"ranking\":[" + ranking + "]}");
    assertRejected(line, "field_too_large", "101 responses, above limits.max_responses = 100");
  }

  @Test
  void anItemMustShowDifferentResponses() {
    assertRejected(GOOD.replace("\"Two\"", "\"One\""), "bad_responses", "the same text");
    assertRejected(GOOD.replace("\"Two\"", "\" One \""), "bad_responses", "the same text");
  }

  @Test
  void aBlankLineSaysSo() {
    assertRejected(" \t ", "blank_line", "only whitespace");
    assertRejected("", "blank_line", "empty");
  }

  @Test
  void whatWasReadBeforeAProblemNamesTheLine() {
    Row r = assertRejected(GOOD.replace("\"preferred\":\"r1\"", "\"preferred\":r1"), "invalid_json",
        "answer.preferred");
    assertEquals("s1", r.getAs(Col.SUBMISSION_ID));
    assertEquals("i1", r.getAs(Col.ITEM_ID));
    assertEquals(Pseudonyms.of("w1@x.example", KEY), r.getAs(Col.ANNOTATOR));
  }

  @Test
  void everyProblemDetailIsFreeOfTheRawId() {
    // A rule that quotes a value: the task type holds the annotator's own id, which must not be echoed.
    Row r = assertRejected(GOOD.replace("\"pairwise\"", "\"w1@x.example\""), "unknown_task_type", "is not one of");
    assertFalse(r.<String>getAs(Col.DETAIL).contains("w1@x.example"), () -> r.getAs(Col.DETAIL));
    assertNotNull(r.getAs(Col.ANNOTATOR));
  }

  @Test
  void goodLinesStillParseWholly() {
    Row r = parse(GOOD);
    assertNull(r.getAs(Col.REASON));
    assertEquals(List.of("r1", "r2"), r.getList(r.fieldIndex(Col.RESPONSE_IDS)));
    assertEquals("r1", r.<Row>getAs(Col.ANSWER).getAs(Col.PREFERRED));
  }
}
