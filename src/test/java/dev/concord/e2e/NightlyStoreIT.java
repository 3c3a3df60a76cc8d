package dev.concord.e2e;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concord.SparkTest;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nights into one root, against the same three nights in one run over a fresh root. The nights are cut from
 * the samples: night 1 holds every sample file but one and the first answer of each item of the one
 * ({@code generated-a.jsonl}), night 2 the second answers and near copies of twenty of night 1's pairwise items
 * (one word of the prompt changed, new responses), night 3 the remaining answers; the same gold folder every night.
 */
class NightlyStoreIT {
  @TempDir
  static Path dir;
  static Path nightly;
  static Path once;
  /** The shipped configuration without the project-level bootstrap intervals, which no check here reads. */
  static Path conf;
  static SparkSession spark;
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> NIGHTS = List.of("night-1", "night-2", "night-3");
  static final Set<String> COPIED = new TreeSet<>();
  static final List<String> ALL_VERSIONS = List.of("night-1", "night-2", "night-3", "night-4", "night-5");

  @BeforeAll
  static void runThreeNightsAndOnce() throws IOException {
    spark = SparkTest.spark();
    conf = dev.concord.TestConfigs.write(dir, "quick", dev.concord.TestConfigs.QUICK);
    Path samples = Path.of("data-samples/submissions");
    Map<String, List<String>> byItem = new LinkedHashMap<>();
    for (String line : Files.readAllLines(samples.resolve("generated-a.jsonl"))) {
      byItem.computeIfAbsent(JSON.readTree(line).path("item_id").asText(), k -> new ArrayList<>()).add(line);
    }
    List<List<String>> nights = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<String> copies = new ArrayList<>();
    for (List<String> answers : byItem.values()) {
      for (int i = 0; i < answers.size(); i++) {
        nights.get(Math.min(i, 2)).add(answers.get(i));
      }
      ObjectNode first = (ObjectNode) JSON.readTree(answers.get(0));
      if (first.path("task_type").asText().equals("pairwise") && COPIED.size() < 20) {
        COPIED.add(first.path("item_id").asText());
        for (String answer : answers) {
          copies.add(nearCopy((ObjectNode) JSON.readTree(answer)));
        }
      }
    }
    nights.get(1).addAll(copies);
    for (int n = 0; n < 3; n++) {
      Path night = Files.createDirectories(dir.resolve("exports").resolve(NIGHTS.get(n)));
      Files.write(night.resolve("generated-a-part.jsonl"), nights.get(n));
      if (n == 0) {
        try (var files = Files.list(samples)) {
          for (Path f : files.filter(f -> !f.getFileName().toString().equals("generated-a.jsonl")).toList()) {
            Files.copy(f, night.resolve(f.getFileName()));
          }
        }
      }
    }
    nightly = dir.resolve("nightly");
    for (String night : NIGHTS) {
      assertEquals(0, run(List.of(dir.resolve("exports").resolve(night)), nightly, night));
    }
    once = dir.resolve("once");
    assertEquals(0, run(NIGHTS.stream().map(n -> dir.resolve("exports").resolve(n)).toList(), once, "all"));

    // Night 4 excludes one annotator on request, then another is forgotten, and night 5 passes neither: both stay
    // out. Both nights bring nothing new (night 3's exports again, skipped).
    Path night3 = dir.resolve("exports").resolve("night-3");
    Files.writeString(dir.resolve("exclude.txt"), EXCLUDED + "\n");
    assertEquals(0, Runner.run(new RunRequest(List.of(night3), List.of(Path.of("data-samples/gold")), nightly, conf,
        "night-4", null, List.of(Path.of("data-samples/eval")), dir.resolve("exclude.txt"))));
    Files.writeString(dir.resolve("forget.txt"), "# erasure request\n" + FORGOTTEN + "\n");
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    assertEquals(0, dev.concord.job.Forget.run(nightly, dir.resolve("forget.txt"),
        new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)));
    forgetReport = said.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, run(List.of(night3), nightly, "night-5"));
  }

  static final String EXCLUDED = "worker12@vendor.example";
  static final String FORGOTTEN = "worker0@vendor.example";
  static String forgetReport;

  private static String pseudonym(String raw) {
    return dev.concord.ingest.Pseudonyms.of(raw, Runner.existingPseudonymKey(nightly.resolve(".concord")).get());
  }

  /** The item again under a new id: one word of its prompt changed and new responses, so only the prompt is near. */
  private static String nearCopy(ObjectNode line) throws IOException {
    line.put("submission_id", line.path("submission_id").asText() + "-copy");
    line.put("item_id", line.path("item_id").asText() + "-copy");
    String prompt = line.path("prompt").asText();
    line.put("prompt", prompt.substring(0, prompt.lastIndexOf(' ')) + " zebra");
    for (var r : (ArrayNode) line.path("responses")) {
      ((ObjectNode) r).put("text", "A response written afresh for the copy of " + line.path("item_id").asText()
          + ", as " + r.path("response_id").asText() + " would put it on a quiet night.");
    }
    return JSON.writeValueAsString(line);
  }

  private static int run(List<Path> inputs, Path out, String runId) {
    return Runner.run(new RunRequest(inputs, List.of(Path.of("data-samples/gold")), out, conf, runId, null,
        List.of(Path.of("data-samples/eval"))));
  }

  private static Dataset<Row> table(Path root, String version, String name) {
    return spark.read().parquet(root.resolve(version).resolve(name).toString());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> counts(Path root, String version) throws IOException {
    return (Map<String, Object>) JSON.readValue(root.resolve(version).resolve("manifest.json").toFile(), Map.class)
        .get("counts");
  }

  private static Set<String> rows(Dataset<Row> d) {
    Set<String> out = new TreeSet<>();
    d.collectAsList().forEach(r -> out.add(r.mkString("|")));
    return out;
  }

  @Test
  void theNightsPublishWhatOneRunOverTheSameExportsPublishes() {
    assertEquals(rows(table(once, "all", "preferences").select(col("id"), col("resolution"),
            round(col("agreement"), 9), col("annotator_count"), round(col("margin"), 9))),
        rows(table(nightly, "night-3", "preferences").select(col("id"), col("resolution"),
            round(col("agreement"), 9), col("annotator_count"), round(col("margin"), 9))));
    for (String records : List.of("sft", "labels")) {
      assertEquals(rows(table(once, "all", records).select("id")), rows(table(nightly, "night-3", records)
          .select("id")), records);
    }
    assertEquals(rows(table(once, "all", "lineage").select("record_id", "submission_id", "role")),
        rows(table(nightly, "night-3", "lineage").select("record_id", "submission_id", "role")));
    Dataset<Row> decisions = table(nightly, "night-3", "decisions");
    assertEquals(rows(table(once, "all", "decisions").select("source_file", "line_number", "submission_id", "fate")),
        rows(decisions.select("source_file", "line_number", "submission_id", "fate")));
    assertEquals(decisions.count(), decisions.select("source_file", "line_number").distinct().count(),
        "every line accounted for once");
  }

  @Test
  void aRecordsSplitNeverMovesAndNearCopiesTakeThePublishedSplit() {
    Map<String, String> first = new LinkedHashMap<>();
    for (String night : ALL_VERSIONS) {
      for (String records : List.of("preferences", "sft", "labels")) {
        for (Row r : table(nightly, night, records).select("id", "split").collectAsList()) {
          String before = first.putIfAbsent(records + "/" + r.getString(0), r.getString(1));
          assertTrue(before == null || before.equals(r.getString(1)), r + " moved in " + night);
        }
      }
    }
    Map<String, String> original = new LinkedHashMap<>();
    table(nightly, "night-1", "preferences").select("item_id", "split").collectAsList()
        .forEach(r -> original.put(r.getString(0), r.getString(1)));
    int compared = 0;
    for (Row r : table(nightly, "night-2", "preferences").filter(col("item_id").endsWith("-copy"))
        .select("item_id", "split").collectAsList()) {
      String of = original.get(r.getString(0).replace("-copy", ""));
      if (of != null) {
        assertEquals(of, r.getString(1), r.getString(0));
        compared++;
      }
    }
    assertTrue(compared >= 5, "near copies published beside their originals: " + compared);
  }

  @Test
  void theRepeatedGoldFolderIsSkippedAndEveryVersionIsTheWholeStore() throws IOException {
    Map<String, Object> second = counts(nightly, "night-2");
    assertEquals(2, second.get("skipped_files"), "both gold files were stored by night 1");
    assertEquals(3, counts(nightly, "night-3").get("store_batches"));
    assertEquals(counts(once, "all").get("input_lines"), counts(nightly, "night-3").get("input_lines"));
    assertTrue(((Number) counts(nightly, "night-3").get("input_lines_tonight")).longValue()
        < ((Number) counts(nightly, "night-3").get("input_lines")).longValue());
  }

  @Test
  void theNewestBatchAloneKeepsThePublishedPromptsWithTheirBandKeysAndPairs() throws IOException {
    Path batches = nightly.resolve(".concord/store/batches");
    List<Path> pins;
    List<Path> pairs;
    try (var walk = Files.list(batches)) {
      List<Path> dirs = walk.toList();
      pins = dirs.stream().map(d -> d.resolve("pins")).filter(Files::isDirectory).toList();
      pairs = dirs.stream().map(d -> d.resolve("pinned_pairs")).filter(Files::isDirectory).toList();
    }
    assertEquals(1, pins.size(), "pins: " + pins);
    assertEquals(List.of(pins.get(0).resolveSibling("pinned_pairs")), pairs);
    Dataset<Row> pinned = spark.read().parquet(pins.get(0).toString());
    assertEquals(0, pinned.filter(org.apache.spark.sql.functions.size(col("band_keys")).equalTo(0)
        .or(col("band_keys").isNull())).count(), "every published prompt keeps its band keys");
    Dataset<Row> known = spark.read().parquet(pairs.get(0).toString());
    // The nights' near copies of earlier prompts are published beside them: their pairs are known to the store.
    assertTrue(known.count() > 0);
    assertEquals(known.count(), known.join(pinned.withColumnRenamed("prompt_key", "a"), "a")
        .join(pinned.withColumnRenamed("prompt_key", "b"), "b").count(), "both ends of a known pair are pinned");
  }

  @Test
  void changesAccountForEveryDifferenceBetweenVersions() {
    for (int n = 1; n < 3; n++) {
      String was = NIGHTS.get(n - 1);
      String now = NIGHTS.get(n);
      Dataset<Row> changes = table(nightly, now, "changes");
      for (String records : List.of("preferences", "sft", "labels")) {
        Set<String> before = rows(table(nightly, was, records).select("id"));
        Set<String> after = rows(table(nightly, now, records).select("id"));
        Set<String> added = new TreeSet<>(after);
        added.removeAll(before);
        Set<String> removed = new TreeSet<>(before);
        removed.removeAll(after);
        Dataset<Row> mine = changes.filter(col("record_table").equalTo(records));
        assertEquals(added, rows(mine.filter(col("change").equalTo("added")).select("id")), now + " " + records);
        assertEquals(removed, rows(mine.filter(col("change").equalTo("removed")).select("id")), now + " " + records);
      }
      // A record that gained an answer tonight says so.
      Dataset<Row> grown = table(nightly, now, "preferences").select(col("id"), col("annotator_count").as("now"))
          .join(table(nightly, was, "preferences").select(col("id"), col("annotator_count").as("was")), "id")
          .filter(col("now").gt(col("was")));
      long explained = grown.join(changes.filter(col("change").equalTo("changed")
          .and(col("reason").equalTo("new_answers"))
          .and(org.apache.spark.sql.functions.array_contains(col("fields"), "annotator_count"))), "id").count();
      assertEquals(grown.count(), explained, now);
      assertTrue(grown.count() > 0, now + ": items answered across nights gain annotators");
    }
  }

  @Test
  void anExclusionHoldsForLaterVersionsAndForgottenAnnotatorsLeaveNoRowInTheStore() {
    String excluded = pseudonym(EXCLUDED);
    String forgotten = pseudonym(FORGOTTEN);
    assertTrue(table(nightly, "night-3", "lineage").filter(col("annotator").equalTo(excluded)).count() > 0);
    for (String version : List.of("night-4", "night-5")) {
      assertEquals(0, table(nightly, version, "lineage").filter(col("annotator").isin(excluded, forgotten)
          .and(lit(version.equals("night-5")).or(col("annotator").equalTo(excluded)))).count(), version);
      Dataset<Row> theirs = table(nightly, version, "decisions").filter(col("annotator").equalTo(excluded));
      assertTrue(theirs.count() > 0, version);
      assertEquals(theirs.count(), theirs.filter(col("fate").equalTo("excluded_on_request")).count(), version);
    }
    assertEquals(0, table(nightly, "night-5", "decisions").filter(col("annotator").equalTo(forgotten)).count());
    assertTrue(table(nightly, "night-4", "decisions").filter(col("annotator").equalTo(forgotten)).count() > 0);
    assertTrue(forgetReport.contains("1 annotators forgotten"), forgetReport);
    assertTrue(forgetReport.matches("(?s).*batch night-1, lines: [1-9]\\d* rows removed.*"), forgetReport);
    // Their SFT answer's candidate key named its submission: it is gone from the keys the store keeps too.
    List<String> theirSft = table(nightly, "night-4", "decisions").filter(col("annotator").equalTo(forgotten)
        .and(col("task_type").equalTo("sft"))).select(org.apache.spark.sql.functions.concat(lit("sft\u001f"),
            col("submission_id"))).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertFalse(theirSft.isEmpty(), "the forgotten annotator wrote an SFT answer");
    assertTrue(forgetReport.matches("(?s).*, candidate_keys: [1-9]\\d* rows removed.*"), forgetReport);
    for (String night : NIGHTS) {
      Path batch = nightly.resolve(".concord/store/batches").resolve(night);
      Dataset<Row> stored = spark.read().parquet(batch.resolve("lines").toString());
      assertEquals(0, stored.filter(col("annotator").equalTo(forgotten)
          .or(col("raw").contains("\"" + FORGOTTEN + "\""))).count(), night);
      if (Files.isDirectory(batch.resolve("candidate_keys"))) {
        assertEquals(0, spark.read().parquet(batch.resolve("candidate_keys").toString())
            .filter(col("candidate").isin(theirSft.toArray())).count(), night);
      }
    }
  }

  @Test
  void noPromptSpansBothSplitsWithinOrAcrossVersions() {
    Map<String, String> splitOf = new LinkedHashMap<>();
    for (String night : ALL_VERSIONS) {
      for (Row r : table(nightly, night, "preferences").select(col("prompt").cast("string"), col("split"))
          .distinct().collectAsList()) {
        String before = splitOf.putIfAbsent(r.getString(0), r.getString(1));
        assertTrue(before == null || before.equals(r.getString(1)), r.getString(0) + " in both splits by " + night);
      }
    }
  }
}
