package dev.concord.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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

  @Test
  void shippedConfigurationLoads() {
    ConcordConfig c = ConcordConfig.load(Path.of("conf", "concord.yaml"));
    assertEquals(0.3, c.forProject("safety-v1").kappaThreshold(TaskType.LABEL));
    assertEquals(0.2, c.forProject("safety-v1").kappaThreshold(TaskType.PAIRWISE), "falls back per task type");
    assertEquals(5, c.forProject("helpfulness-v3").ratingScale().max());
    assertNull(c.forProject("never-configured").labels(), "an unknown project takes its labels from the data");
    assertEquals(0.6, c.forProject("never-configured").consensusThreshold());
  }

  @Test
  void openLineageDefaultsToTheJobStateFile() {
    ConcordConfig.OpenLineageSettings o = ConcordConfig.parse(MINIMAL, "test.yaml").openlineage();
    assertEquals(new ConcordConfig.OpenLineageSettings("concord", null, "/api/v1/lineage", 5000), o);
  }

  @Test
  void unknownKeyIsRefusedByName() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConcordConfig.parse(MINIMAL.replace("min_shared_units: 8", "min_shared_unit: 8"), "test.yaml"));
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
    assertMessage(MINIMAL.replace("consensus_threshold: 0.6", "consensus_threshold: 0.4"),
        "defaults.consensus_threshold");
    assertMessage(MINIMAL.replace("ranking_pairs: all", "ranking_pairs: some"), "defaults.ranking_pairs");
    assertMessage(MINIMAL.replace("label: 0.2}", "label: 1.5}"), "defaults.kappa_thresholds.label");
    assertMessage(MINIMAL.replace("min_shared_units: 8", "min_shared_units: many"), "defaults.min_shared_units");
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
    assertMessage(MINIMAL.replace("label: scott_pi", "label: vibes"), "defaults.drop_measures.label");
    assertMessage(MINIMAL.replace("uncertain_policy: keep", "uncertain_policy: shrug"), "defaults.uncertain_policy");
    assertMessage(MINIMAL.replace("  unscored_weight: 0.5\n", ""), "defaults.unscored_weight");
  }

  private static void assertMessage(String yaml, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(yaml, "test.yaml"));
    assertTrue(e.getMessage().contains(key), e.getMessage());
  }
}
