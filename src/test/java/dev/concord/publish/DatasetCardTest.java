package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCardTest {
  @Test
  void aProjectNameCannotBreakTheTables(@TempDir Path dir) throws Exception {
    Map<String, Object> scope = new java.util.HashMap<>(Map.of("project", "a|b\nc <i>", "task_type", "label",
        "units", 3, "annotators", 2, "peer_units", 3, "gold_units", 0, "decisions", Map.of("kept", 2)));
    Map<String, Object> manifest = Map.of("run_id", "r", "pseudonym_key_fingerprint", "sha256:0",
        "counts", Map.of("tables", Map.of(), "removed_records_by_kind", Map.of()), "agreement", List.of(scope));
    Path card = dir.resolve("README.md");
    DatasetCard.write(card, manifest);
    List<String> rows = Files.readAllLines(card).stream().filter(l -> l.startsWith("| a")).toList();
    assertEquals(2, rows.size(), "one row in each agreement table");
    for (String row : rows) {
      assertEquals(9, row.split("(?<!\\\\)\\|", -1).length, "7 cells, so 8 unescaped bars: " + row);
      assertEquals(true, row.startsWith("| a\\|b c &lt;i&gt; | label |"), row);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theCardBeginsWithTheHubsConfigurationsOneSplitPerFileNamePattern() throws Exception {
    Map<String, Object> manifest = Map.of("run_id", "night-2", "counts", Map.of(
        "tables", Map.of("preferences", 1500, "sft", 40, "labels", 0, "lineage", 9000),
        "record_splits", Map.of("preferences", Map.of("train", 1400, "test", 100),
            "sft", Map.of("train", 40, "test", 0), "labels", Map.of("train", 0, "test", 0))));
    String yaml = DatasetCard.hubMetadata(manifest);
    assertEquals(true, yaml.startsWith("---\n") && yaml.endsWith("---\n\n"), yaml);
    Map<String, Object> meta = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(yaml.substring(4, yaml.length() - 5),
        Map.class);
    assertEquals(List.of("1K<n<10K"), meta.get("size_categories"), "1540 records");
    Map<String, Object> configs = new java.util.TreeMap<>();
    for (Map<String, Object> c : (List<Map<String, Object>>) meta.get("configs")) {
      configs.put((String) c.get("config_name"), c.get("data_files"));
    }
    assertEquals(List.of("labels", "lineage", "preferences", "sft"), List.copyOf(configs.keySet()),
        "a configuration per table the version holds");
    assertEquals(List.of(Map.of("split", "train", "path", "preferences/train-*.parquet"),
        Map.of("split", "test", "path", "preferences/test-*.parquet")), configs.get("preferences"));
    assertEquals(List.of(Map.of("split", "train", "path", "sft/train-*.parquet")), configs.get("sft"),
        "a split with no rows has no files, so it is left out");
    assertEquals(List.of(Map.of("split", "train", "path", "labels/*.parquet")), configs.get("labels"),
        "an empty record table is its one empty file");
    assertEquals(List.of(Map.of("split", "train", "path", "lineage/*.parquet")), configs.get("lineage"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyPublishedTableHasItsFeaturesNestedAsItsColumnsAre() throws Exception {
    Map<String, Object> tables = new java.util.LinkedHashMap<>();
    DatasetCard.CONFIGS.forEach(t -> tables.put(t, 1));
    String yaml = DatasetCard.hubMetadata(Map.of("run_id", "r", "counts", Map.of("tables", tables)));
    Map<String, Object> meta = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(yaml.substring(4, yaml.length() - 5),
        Map.class);
    Map<String, List<Map<String, Object>>> features = new java.util.TreeMap<>();
    for (Map<String, Object> info : (List<Map<String, Object>>) meta.get("dataset_info")) {
      features.put((String) info.get("config_name"), (List<Map<String, Object>>) info.get("features"));
    }
    assertEquals(new java.util.TreeSet<>(DatasetCard.CONFIGS), features.keySet());
    for (String t : DatasetCard.CONFIGS) {
      assertEquals(List.of(dev.concord.schema.Table.valueOf(t.toUpperCase(java.util.Locale.ROOT)).structType()
          .fieldNames()), features.get(t).stream().map(f -> f.get("name")).toList(), t + ": every column, in order");
    }
    Map<String, Map<String, Object>> prefs = new java.util.HashMap<>();
    features.get("preferences").forEach(f -> prefs.put((String) f.get("name"), f));
    assertEquals(Map.of("name", "prompt", "list", List.of(Map.of("name", "role", "dtype", "string"),
        Map.of("name", "content", "dtype", "string"))), prefs.get("prompt"), "a conversation: a list of messages");
    assertEquals("float64", prefs.get("margin").get("dtype"));
    assertEquals("string", prefs.get("annotators").get("list"), "a list of strings");
  }

  @Test
  void sizeCategoriesFollowTheHubsBounds() {
    assertEquals("n<1K", DatasetCard.sizeCategory(999));
    assertEquals("1K<n<10K", DatasetCard.sizeCategory(1000));
    assertEquals("100K<n<1M", DatasetCard.sizeCategory(999_999));
    assertEquals("1M<n<10M", DatasetCard.sizeCategory(1_000_000));
    assertEquals("1B<n<10B", DatasetCard.sizeCategory(1_000_000_000L));
  }
}
