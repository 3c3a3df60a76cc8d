package dev.concord.e2e;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.SparkTest;
import dev.concord.cli.TraceAccess;
import dev.concord.config.ConcordConfig;
import dev.concord.ingest.ExportPiece;
import dev.concord.ingest.Exports;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import dev.concord.schema.Col;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job over data-samples/label-studio and data-samples/argilla (one run, two formats), with exact counts worked
 * out from the samples (data-samples/README.md); and the same submissions as JSON Lines, alone and beside the
 * exports, giving the same records.
 */
class ExportsEndToEndTest {
  @TempDir
  static Path out;
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<Path> EXPORTS = List.of(Path.of("data-samples/label-studio"), Path.of("data-samples/argilla"));
  static SparkSession spark;
  static Map<String, Object> counts;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void runOnTheExports() throws Exception {
    spark = SparkTest.spark();
    Path conf = dev.concord.TestConfigs.write(out, "quick", dev.concord.TestConfigs.QUICK);
    assertEquals(0, Runner.run(new RunRequest(EXPORTS, List.of(), out.resolve("exports"), conf, "v", null)));
    counts = (Map<String, Object>) JSON.readValue(out.resolve("exports/v/manifest.json").toFile(), Map.class)
        .get("counts");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyTaskAnnotationAndResponseIsAccountedFor() {
    assertEquals(Map.of("cancelled_annotation", 1, "empty_annotation", 1, "draft_annotation", 1,
        "model_prediction", 2, "unmapped_control", 1, "model_suggestion", 15, "discarded_response", 1,
        "draft_response", 1), counts.get("export_not_answers"));
    assertEquals(Map.of("bad_task", 1, "bad_value", 2, "missing_data_field", 2, "invalid_json", 1),
        counts.get("quarantine_reasons"));
    Map<String, Integer> fates = (Map<String, Integer>) counts.get("fates");
    assertEquals(23, fates.get("not_an_answer"));
    assertEquals(6, fates.get("quarantined"));
    assertEquals(Map.of("matched", 2), counts.get("gold"), "the two ground-truth annotations");
    // Every piece read is one decision: submissions, bad pieces and what is no answer.
    assertEquals(counts.get("input_lines"), counts.get("decisions"));
    assertEquals(506, counts.get("input_lines"));
  }

  @Test
  void theCardSaysWhatTheExportsHeldThatIsNoAnswer() throws IOException {
    String card = Files.readString(out.resolve("exports/v/README.md"));
    assertTrue(card.contains("what they held that is no answer was counted and never used") && card.contains(
        "model_suggestion=15"), card);
  }

  @Test
  void aBadPieceIsQuarantinedWithItsFileTaskNumberRawJsonAndReason() {
    List<Row> rows = spark.read().parquet(out.resolve("exports/v/quarantine").toString())
        .orderBy(Col.SOURCE_FILE, Col.LINE_NUMBER, Col.REASON).collectAsList();
    Row middle = rows.stream().filter(r -> r.<String>getAs(Col.DETAIL).contains("'middle'")).findFirst()
        .orElseThrow();
    assertTrue(middle.<String>getAs(Col.SOURCE_FILE).endsWith("label-studio/project-3-and-4-export.json"));
    assertEquals(7L, middle.<Long>getAs(Col.LINE_NUMBER), "the task's number in its export");
    assertTrue(middle.<String>getAs(Col.RAW_TEXT).startsWith("{\"id\":106,"), "the task as it was");
    Row cut = rows.stream().filter(r -> r.getAs(Col.REASON).equals("invalid_json")).findFirst().orElseThrow();
    assertEquals(9L, cut.<Long>getAs(Col.LINE_NUMBER), "the flat file's last line is cut off");
  }

  @Test
  void theAuditorNamesAnAnnotatorAsTheToolKnowsThem() {
    for (String raw : List.of("ana@annotators.example", "11", "6f1c2a10-0000-4000-8000-000000000001")) {
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      int code = TraceAccess.run(new String[] {"trace", "--out", out.resolve("exports").toString(), "--annotator",
          raw, "--json"}, new PrintStream(text, true, StandardCharsets.UTF_8));
      assertEquals(0, code, raw);
      assertTrue(text.toString(StandardCharsets.UTF_8).contains("\"record_id\""), raw + ": " + text);
    }
  }

  @Test
  void theRecordsAreThoseOfBothSamples() {
    Path version = out.resolve("exports/v");
    assertEquals(List.of(38L, 34L, 4L), List.of(spark.read().parquet(version.resolve("preferences").toString())
        .count(), spark.read().parquet(version.resolve("labels").toString()).count(),
        spark.read().parquet(version.resolve("sft").toString()).count()), "preferences: 23 Label Studio (4 tasks"
        + " ranked, 19 compared and rated) and 15 Argilla; labels: 19 and 15; sft: the 4 rewrites");
  }

  /**
   * The exports' submissions written as JSON Lines: read beside the exports, they are the same submissions (each a
   * repeated line), so every record is that of the JSON Lines alone. Records are a function of the active
   * submissions and the gold labels, which are compared here.
   */
  @Test
  void theSameSubmissionsAsJsonLinesAreTheSameSubmissionsAloneAndBesideTheExports() throws IOException {
    Path lines = out.resolve("as-lines");
    Files.createDirectories(lines);
    Path gold = out.resolve("gold.jsonl");
    writeAsLines(lines.resolve("submissions.jsonl"), gold);
    List<Path> both = new ArrayList<>(EXPORTS);
    both.add(lines);
    List<List<String>> alone = ingested(List.of(lines), List.of(gold), "alone");
    List<List<String>> beside = ingested(both, List.of(), "beside");
    assertEquals(alone, beside);
    assertTrue(alone.get(0).size() > 300, "the active submissions: " + alone.get(0).size());
    assertEquals(2, alone.get(1).size(), "the gold labels");
  }

  /** The active submissions and the matched gold labels of a run's ingest over {@code inputs}. */
  private static List<List<String>> ingested(List<Path> inputs, List<Path> gold, String runId) {
    dev.concord.job.Store store = new dev.concord.job.Store(spark, out.resolve("scratch"), runId);
    dev.concord.job.Steps steps = new dev.concord.job.Steps(store, ConcordConfig.load(Path.of("conf/concord.yaml")),
        new byte[] {0}, inputs, gold);
    steps.ingest();
    steps.reconcile();
    List<String> active = store.staged(dev.concord.job.Staged.SUBMISSIONS)
        .filter(col(Col.STATUS).equalTo(dev.concord.ingest.Reconcile.ACTIVE))
        .select(Col.SUBMISSION_ID, Col.ITEM_ID, Col.ANNOTATOR, Col.ANSWER, Col.CONTENT_HASH, Col.ITEM_HASH)
        .collectAsList().stream().map(Row::toString).sorted().toList();
    List<String> golds = store.staged(dev.concord.job.Staged.GOLD).select(Col.ITEM_ID, Col.STATUS, Col.ANSWER)
        .collectAsList().stream().map(Row::toString).sorted().toList();
    store.clearStaging();
    return List.of(active, golds);
  }

  /** The exports' submissions and gold labels as the contract's JSON Lines, converted as a run converts them. */
  private static void writeAsLines(Path submissions, Path gold) throws IOException {
    Exports exports = Exports.of(ConcordConfig.load(Path.of("conf/concord.yaml")), new byte[] {0});
    List<String> subs = new ArrayList<>();
    List<String> golds = new ArrayList<>();
    for (Path file : List.of(Path.of("data-samples/label-studio/project-3-and-4-export.json"),
        Path.of("data-samples/argilla/records.json"))) {
      JsonNode records = JSON.readTree(file.toFile());
      Exports.Format format = file.toString().contains("argilla") ? Exports.Format.ARGILLA
          : Exports.Format.LABEL_STUDIO;
      for (int i = 0; i < records.size(); i++) {
        for (ExportPiece p : exports.convert(file.toAbsolutePath().toString(), format, records.get(i), i + 1)) {
          (p.kind() == ExportPiece.Kind.GOLD ? golds : p.kind() == ExportPiece.Kind.SUBMISSION ? subs
              : new ArrayList<String>()).add(p.json());
        }
      }
    }
    for (String line : Files.readAllLines(Path.of("data-samples/argilla/records-flat.jsonl"))) {
      try {
        JsonNode record = JSON.readTree(line);
        int number = subs.size();
        for (ExportPiece p : exports.convert("flat", Exports.Format.ARGILLA, record, number)) {
          if (p.kind() == ExportPiece.Kind.SUBMISSION) {
            subs.add(p.json());
          }
        }
      } catch (IOException e) {
        // The sample's last line is cut off on purpose: it holds no submission.
      }
    }
    Files.write(submissions, subs);
    Files.write(gold, golds);
  }

}
