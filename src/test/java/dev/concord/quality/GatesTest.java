package dev.concord.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.config.ConcordConfig;
import dev.concord.config.ConcordConfigTest;
import dev.concord.config.ConfigException;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class GatesTest {
  private static final Map<String, Double> FIGURES = Map.of("quarantined_share", 0.05, "review_share", 0.3,
      "dropped_annotator_share", 0.1, "chosen_equals_rejected", 0.0, "empty_prompts", 2.0, "rows.preferences", 151.0);

  private static Gates.Result one(Gate g, Map<String, Double> previous) {
    return Gates.evaluate(List.of(g), FIGURES, previous).get(0);
  }

  @Test
  void sharesAndCountsAreBoundedFromAboveRowsFromBelow() {
    assertTrue(one(new Gate("quarantined_share", "error", 0.05, null, null), Map.of()).passed(), "at the threshold");
    assertFalse(one(new Gate("quarantined_share", "error", 0.04, null, null), Map.of()).passed());
    assertFalse(one(new Gate("review_share", "warning", 0.2, null, null), Map.of()).passed());
    assertTrue(one(new Gate("chosen_equals_rejected", "error", 0.0, null, null), Map.of()).passed());
    assertFalse(one(new Gate("empty_prompts", "error", 0.0, null, null), Map.of()).passed());
    assertTrue(one(new Gate("min_rows", "error", 151.0, "preferences", null), Map.of()).passed());
    assertFalse(one(new Gate("min_rows", "error", 152.0, "preferences", null), Map.of()).passed());
  }

  @Test
  void driftComparesWithThePreviousVersionAndPassesWithoutOne() {
    Gate drift = new Gate("drift", "warning", 0.1, null, "review_share");
    Gates.Result first = one(drift, Map.of());
    assertTrue(first.passed());
    assertEquals(null, first.figure());
    Gates.Result moved = one(drift, Map.of("review_share", 0.15));
    assertFalse(moved.passed());
    assertEquals(0.15, moved.figure(), 1e-12);
    assertTrue(one(drift, Map.of("review_share", 0.25)).passed());
    assertTrue(moved.line().contains("now 0.3, previous version 0.15"), moved.line());
  }

  @Test
  void onlyAnErrorLevelFailureFailsTheRunAndTheMessageNamesTheGateAndItsFigures() {
    List<Gates.Result> results = Gates.evaluate(List.of(
        new Gate("review_share", "warning", 0.2, null, null),
        new Gate("empty_prompts", "error", 0.0, null, null),
        new Gate("min_rows", "error", 1.0, "preferences", null)), FIGURES, Map.of());
    assertEquals(List.of(false, true, false), results.stream().map(Gates.Result::failedAsError).toList());
    Gates.Failure f = new Gates.Failure(results);
    assertEquals("data-quality gate failed: error empty_prompts: 2.0, must be at most 0.0: FAILED", f.getMessage());
    assertEquals(Map.of("gate", "min_rows(preferences)", "level", "error", "threshold", 1.0, "figure", 151.0,
        "passed", true), results.get(2).describe());
  }

  @Test
  void gatesAreValidatedInTheConfigurationByPosition() {
    assertEquals(ConcordConfig.DEFAULT_GATES, ConcordConfig.parse(ConcordConfigTest.MINIMAL, "t").qualityGates());
    assertEquals(List.of(), ConcordConfig.parse(ConcordConfigTest.MINIMAL + "quality_gates: []\n", "t").qualityGates());
    assertGateError("- {rule: quarantine_share, level: error, threshold: 0.1}", "quality_gates[0]", "rule");
    assertGateError("- {rule: review_share, level: fatal, threshold: 0.1}", "quality_gates[0]", "level 'fatal'");
    assertGateError("- {rule: review_share, level: error, threshold: 1.5}", "quality_gates[0]", "at most 1");
    assertGateError("- {rule: review_share, level: error}", "quality_gates[0]", "threshold");
    assertGateError("- {rule: min_rows, level: error, threshold: 1, table: prefs}", "min_rows(prefs)", "table 'prefs'",
        "nor records");
    assertGateError("- {rule: drift, level: error, threshold: 0.1, metric: rows}", "drift(rows)", "metric 'rows'");
    assertGateError("- {rule: review_share, level: error, threshold: 0.1, table: sft}", "quality_gates[0]", "min_rows");
    assertGateError("- {rule: review_share, level: error, thresold: 0.1}", "thresold", "unknown key");
  }

  private static void assertGateError(String gate, String... parts) {
    String yaml = ConcordConfigTest.MINIMAL + "quality_gates:\n  " + gate + "\n";
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(yaml, "t"));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), e.getMessage());
    }
  }

  @Test
  void figuresCountIdenticalPairsAndBlankPromptsAndTakeSharesFromTheCounts() {
    Dataset<Row> preferences = SparkTest.spark().sql("""
        SELECT * FROM VALUES
          (array(named_struct('role', 'user', 'content', 'Hi')),
           array(named_struct('role', 'assistant', 'content', 'A')),
           array(named_struct('role', 'assistant', 'content', 'A'))),
          (array(named_struct('role', 'user', 'content', '  ')),
           array(named_struct('role', 'assistant', 'content', 'A')),
           array(named_struct('role', 'assistant', 'content', 'B'))),
          (array(named_struct('role', 'user', 'content', 'Hi')),
           array(named_struct('role', 'assistant', 'content', 'A')),
           array(named_struct('role', 'assistant', 'content', 'a'))),
          (array(named_struct('role', 'user', 'content', '\\t\\u00a0\\u3000\\u200b\\n')),
           array(named_struct('role', 'assistant', 'content', 'A')),
           array(named_struct('role', 'assistant', 'content', 'B')))
        AS t(prompt, chosen, rejected)""");
    Dataset<Row> sft = SparkTest.spark().sql("""
        SELECT * FROM VALUES
          (CAST(array() AS array<struct<role:string,content:string>>)),
          (array(named_struct('role', 'user', 'content', 'Hello')))
        AS t(prompt)""");
    Map<String, Object> counts = Map.of("decisions", 200L, "fates", Map.of("used", 150L, "quarantined", 50L),
        "annotators", Map.of("kept", 9L, "dropped", 3L), "items", Map.of("pairwise/resolved", 90L, "pairwise/review", 10L),
        "tables", Map.of("preferences", 4L, "sft", 2L, "labels", 5L));
    Map<String, Double> f = Figures.of(counts, Tally.count(List.of(new Tally.Over(preferences,
        Figures.preferenceTallies()), new Tally.Over(sft, Figures.sftTallies()))));
    assertEquals(1.0, f.get("chosen_equals_rejected"), "case matters: 'A' and 'a' differ");
    assertEquals(3.0, f.get("empty_prompts"), "blank messages (spaces; tab, NBSP, ideographic space, zero-width"
        + " space, newline) and no message at all");
    assertEquals(0.25, f.get("quarantined_share"), 1e-12);
    assertEquals(0.25, f.get("dropped_annotator_share"), 1e-12);
    assertEquals(0.1, f.get("review_share"), 1e-12);
    assertEquals(4.0, f.get("rows.preferences"));
    assertEquals(11.0, f.get("rows.records"), "preferences, sft and labels together");
  }

  @Test
  void theDefaultGatesPassADatasetOfLabelsOnly() {
    Map<String, Double> labelsOnly = new java.util.HashMap<>(FIGURES);
    labelsOnly.putAll(Map.of("rows.preferences", 0.0, "rows.records", 40.0, "empty_prompts", 0.0,
        "quarantined_share", 0.3));
    List<Gates.Result> results = Gates.evaluate(ConcordConfig.DEFAULT_GATES, labelsOnly, Map.of());
    assertTrue(results.stream().noneMatch(Gates.Result::failedAsError), () -> results.stream()
        .map(Gates.Result::line).toList().toString());
    assertTrue(results.stream().anyMatch(r -> !r.passed() && r.gate().rule().equals("quarantined_share")),
        "a mostly bad batch is a warning: its good part is published and the warning says how much was bad");
  }
}
