package dev.concord.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

public class ConcordConfigTest {
  public static final String MINIMAL = """
      defaults:
        kappa_thresholds: {pairwise: 0.2, ranking: 0.2, rating: 0.2, label: 0.2}
        min_shared_units: 8
        consensus_threshold: 0.6
        rating_margin: 1.0
        ranking_pairs: all
        unscored_weight: 0.5
        drop_confidence: 0.95
        uncertain_policy: keep
        drop_measures: {pairwise: cohen_kappa, ranking: cohen_kappa, rating: weighted_kappa_quadratic, label: scott_pi}
        resolution_method: weighted_vote
      """;

  /** {@link #MINIMAL} with one text edited; an edit that finds nothing to replace fails the test, never passes it. */
  static String minimalWith(String from, String to) {
    assertTrue(MINIMAL.contains(from), "MINIMAL holds no '" + from + "' to replace");
    return MINIMAL.replace(from, to);
  }

  @Test
  void shippedConfigurationLoads() {
    ConcordConfig c = ConcordConfig.load(Path.of("conf", "concord.yaml"));
    assertEquals(0.3, c.forProject("safety-v1").kappaThreshold(TaskType.LABEL));
    assertEquals(0.2, c.forProject("safety-v1").kappaThreshold(TaskType.PAIRWISE), "falls back per task type");
    assertEquals(5, c.forProject("helpfulness-v3").ratingScale().max());
    assertNull(c.forProject("never-configured").labels(), "an unknown project takes its labels from the data");
    assertEquals(0.6, c.forProject("never-configured").consensusThreshold());
  }

  /**
   * The posterior threshold governs review under an estimated method only, and where unset the consensus threshold
   * does, so that a configuration written before it keeps its meaning.
   */
  @Test
  void reviewThresholdFollowsTheMethod() {
    ConcordConfig c = ConcordConfig.parse(MINIMAL + "projects:\n  est:\n    resolution_method: mace\n"
        + "    posterior_threshold: 0.52\n  votes:\n    resolution_method: majority_vote\n"
        + "    posterior_threshold: 0.52\n  coin:\n    resolution_method: one_coin\n", "test.yaml");
    assertEquals(0.52, c.forProject("est").reviewThreshold());
    assertEquals("posterior_threshold", c.forProject("est").reviewThresholdKey());
    assertEquals(0.6, c.forProject("votes").reviewThreshold());
    assertEquals("consensus_threshold", c.forProject("votes").reviewThresholdKey());
    assertEquals(0.6, c.forProject("coin").reviewThreshold(), "no posterior threshold set: the consensus threshold");
  }

  /**
   * The defaults live in the settings records ({@code DEFAULTS}); the shipped file documents every key with its value.
   * Each section of the shipped file must bind to what the section omitted binds to, so neither can drift from the
   * other. The one deliberate difference: the shipped file names a salt, where an omitted salt is empty.
   */
  @Test
  void theShippedFileStatesTheDefaults() throws java.io.IOException {
    ConcordConfig shipped = ConcordConfig.load(Path.of("conf", "concord.yaml"));
    String text = java.nio.file.Files.readString(Path.of("conf", "concord.yaml"));
    ConcordConfig omitted = ConcordConfig.parse(text.substring(0, text.indexOf("\ndedup:") + 1), "sections omitted");
    assertEquals(shipped.defaults(), omitted.defaults(), "the cut kept the defaults whole");
    assertEquals(omitted.dedup(), shipped.dedup());
    assertEquals(omitted.limits(), shipped.limits());
    assertEquals(omitted.agreement(), shipped.agreement());
    assertEquals(omitted.dawidSkene(), shipped.dawidSkene());
    assertEquals(omitted.jobState(), shipped.jobState());
    assertEquals(omitted.openlineage(), shipped.openlineage());
    assertEquals(omitted.qualityGates(), shipped.qualityGates());
    assertEquals(omitted.retention(), shipped.retention());
    assertEquals(omitted.timeOnTask(), shipped.timeOnTask());
    assertEquals(omitted.report(), shipped.report());
    assertEquals(omitted.split().testShare(), shipped.split().testShare());
    assertEquals("", omitted.split().salt());
    assertEquals("concord-v1", shipped.split().salt());
  }

  @Test
  void theHashIsTheSettingsNotTheText() {
    String same = "# the same settings, commented and with a default spelled out\n" + MINIMAL
        + "dedup: {jaccard_threshold: 0.7}\n";
    assertEquals(ConcordConfig.parse(MINIMAL, "a").sha256(), ConcordConfig.parse(same, "b").sha256());
    assertTrue(!ConcordConfig.parse(MINIMAL, "a").sha256().equals(
        ConcordConfig.parse(minimalWith("min_shared_units: 8", "min_shared_units: 9"), "c").sha256()));
    assertEquals(64, ConcordConfig.parse(MINIMAL, "a").sha256().length());
  }

  @Test
  void aFastFloorNamesATaskTypeAndTheOthersKeepTheirDefaults() {
    ConcordConfig c = ConcordConfig.parse(MINIMAL + "time_on_task: {fast_floor_s: {label: 1.5}}\n", "t.yaml");
    assertEquals(1.5, c.timeOnTask().floor(TaskType.LABEL));
    assertEquals(20.0, c.timeOnTask().floor(TaskType.RANKING));
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(MINIMAL
        + "time_on_task: {fast_floor_s: {lable: 1}}\n", "t.yaml"));
    assertTrue(e.getMessage().contains("time_on_task.fast_floor_s.lable is not a task type"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(MINIMAL
        + "time_on_task: {fast_floor_s: {sft: -2}}\n", "t.yaml"));
    assertTrue(e.getMessage().contains("must be 0 or more seconds, got -2.0"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(MINIMAL + "report: {trend_versions: 0}\n",
        "t.yaml"));
    assertTrue(e.getMessage().contains("report.trend_versions must be within [1, 100], got 0"), e.getMessage());
  }

  @Test
  void openLineageDefaultsToTheJobStateFile() {
    ConcordConfig.OpenLineageSettings o = ConcordConfig.parse(MINIMAL, "test.yaml").openlineage();
    assertEquals(new ConcordConfig.OpenLineageSettings("concord", null, "/api/v1/lineage", 5000), o);
  }

  @Test
  void unknownKeyIsRefusedByName() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConcordConfig.parse(minimalWith("min_shared_units: 8", "min_shared_unit: 8"), "test.yaml"));
    assertTrue(e.getMessage().contains("'defaults.min_shared_unit'"), e.getMessage());
  }

  @Test
  void unknownNestedKeyIsRefusedWithItsPath() {
    String yaml = MINIMAL + "projects:\n  p1:\n    lables: [a]\n";
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(yaml, "test.yaml"));
    assertTrue(e.getMessage().contains("'projects.p1.lables'"), e.getMessage());
  }

  @Test
  void badValuesAreRefusedWithTheKey() {
    assertMessage(minimalWith("consensus_threshold: 0.6", "consensus_threshold: 0.4"),
        "defaults.consensus_threshold");
    assertMessage(minimalWith("ranking_pairs: all", "ranking_pairs: some"), "defaults.ranking_pairs");
    assertMessage(MINIMAL + "projects:\n  p:\n    posterior_threshold: 0.5\n", "projects.p.posterior_threshold");
    assertMessage(MINIMAL + "projects:\n  p:\n    resolution_method: glad\n", "projects.p.resolution_method");
    assertMessage(minimalWith("label: 0.2}", "label: 1.5}"), "defaults.kappa_thresholds.label");
    assertMessage(minimalWith("min_shared_units: 8", "min_shared_units: many"), "defaults.min_shared_units");
    assertMessage(MINIMAL + "projects:\n  p:\n    rating_scale: {min: 5, max: 1}\n", "projects.p.rating_scale");
    assertMessage(MINIMAL + "split:\n  test_share: 1.5\n", "split.test_share");
    assertMessage(MINIMAL + "dedup:\n  jaccard_threshold: 0\n", "dedup.jaccard_threshold");
    assertMessage(MINIMAL + "dedup:\n  jaccard_threshold: 0.4\n", "within [0.5, 1], got 0.4");
    assertMessage(MINIMAL + "dedup:\n  bands: 100\n  rows: 20\n", "dedup.bands");
    assertMessage(MINIMAL + "dedup:\n  shingle_chars: 0\n", "dedup.shingle_chars");
    assertMessage(MINIMAL + "dedup:\n  bucket_window: 0\n", "dedup.bucket_window");
    assertMessage(MINIMAL + "dedup:\n  jacard_threshold: 0.8\n", "dedup.jacard_threshold");
    assertMessage(MINIMAL + "openlineage:\n  url: ftp://marquez:5000\n", "openlineage.url");
    assertMessage(MINIMAL + "openlineage:\n  url: 'http://'\n", "openlineage.url");
    assertMessage(MINIMAL + "openlineage:\n  endpoint: api/v1/lineage\n", "openlineage.endpoint");
    assertMessage(MINIMAL + "openlineage:\n  timeout_ms: 0\n", "openlineage.timeout_ms");
    assertMessage(MINIMAL + "openlineage:\n  namespace: ' '\n", "openlineage.namespace");
    assertMessage(MINIMAL + "openlineage:\n  uri: http://marquez:5000\n", "openlineage.uri");
    assertMessage(minimalWith("label: scott_pi", "label: vibes"), "defaults.drop_measures.label");
    assertMessage(minimalWith("uncertain_policy: keep", "uncertain_policy: shrug"), "defaults.uncertain_policy");
    assertMessage(minimalWith("  unscored_weight: 0.5\n", ""), "defaults.unscored_weight");
  }

  @Test
  void anExportMappingIsBoundAndEachMistakeNamesItsKeyAndValue() {
    String ok = MINIMAL + """
        projects:
          p:
            source:
              format: label-studio
              project_id: 3
              prompt: prompt
              responses: items
              controls:
                rank: {task: ranking, buckets: [best, _]}
                acc: rating.accuracy
                why: justification
        """;
    Source s = ConcordConfig.parse(ok, "test.yaml").forProject("p").source();
    assertEquals(List.of("items"), s.responses(), "one field holding the responses' list");
    assertEquals(List.of("best", "_"), s.controls().get("rank").buckets());
    assertEquals("accuracy", s.controls().get("acc").dimension());
    assertTrue(s.controls().get("why").justification());
    assertMessage(ok.replace("label-studio", "prodigy"), "projects.p.source.format must be one of [label-studio,"
        + " argilla], got 'prodigy'");
    assertMessage(ok.replace("acc: rating.accuracy", "acc: rating"), "projects.p.source.controls.acc");
    assertMessage(ok.replace("acc: rating.accuracy", "acc: vibes"), "'vibes' is not one of pairwise, ranking");
    assertMessage(ok.replace("buckets: [best, _]", "bucket: [best]"), "unknown key 'bucket'");
    assertMessage(ok.replace("prompt: prompt", "prmpt: prompt"), "projects.p.source.prmpt");
    assertMessage(ok.replace("project_id: 3", "project_id: three"), "projects.p.source.project_id");
    assertMessage(ok.replace("controls:", "questions:"), "projects.p.source.questions does not apply to"
        + " label-studio");
    assertMessage(ok.replace("      prompt: prompt\n", ""), "projects.p.source.prompt is required");
    assertMessage(MINIMAL.replace("defaults:\n", "defaults:\n  source: {format: argilla, prompt: p, questions: {q:"
        + " label}}\n"), "defaults.source is a project's own");
    String argilla = ok.replace("label-studio", "argilla").replace("      project_id: 3\n", "")
        .replace("controls:", "questions:").replace("responses: items", "responses: [r1, r2]")
        .replace("rank: {task: ranking, buckets: [best, _]}", "rank: ranking");
    assertEquals("argilla", ConcordConfig.parse(argilla.replace("acc: rating.accuracy", "acc: {task:"
        + " rating.accuracy, response: r2}"), "test.yaml").forProject("p").source().format());
    assertMessage(argilla, "projects.p.source.questions.acc rates one of the responses [r1, r2]: name it");
    assertMessage(argilla.replace("acc: rating.accuracy", "acc: {task: rating.accuracy, response: r3}"),
        "response 'r3' is not one of the response fields [r1, r2]");
  }

  private static void assertMessage(String yaml, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(yaml, "test.yaml"));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
