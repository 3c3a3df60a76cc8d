package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import dev.concord.SparkTest;
import dev.concord.TestConfigs;
import dev.concord.config.ConfigException;
import dev.concord.ingest.Exports;
import dev.concord.schema.Col;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports read as records, in parallel runs cut at record boundaries, and what a broken file keeps. */
class ExportReaderTest {
  static final Exports EXPORTS = Exports.of(TestConfigs.of(Map.of()), new byte[] {1, 2, 3});
  static final JsonFactory JSON = Exports.jsonFactory();

  @TempDir
  Path dir;

  /** A Label Studio export of {@code tasks} tasks of project 3, each with one pairwise annotation. */
  static String labelStudio(int tasks) {
    StringBuilder b = new StringBuilder("[\n");
    for (int i = 0; i < tasks; i++) {
      b.append(i == 0 ? "" : ",\n").append("  {\"id\": ").append(100 + i).append(", \"project\": 3, \"data\":")
          .append(" {\"prompt\": \"Question ").append(i).append(" [with a bracket] and \\\"quotes\\\"\",")
          .append(" \"answer1\": \"one ").append(i).append("\", \"answer2\": \"two ").append(i).append("\"},")
          .append(" \"annotations\": [{\"id\": ").append(900 + i).append(", \"completed_by\": 7, \"updated_at\":")
          .append(" \"2026-01-01T00:00:00Z\", \"result\": [{\"from_name\": \"comparison\", \"to_name\":")
          .append(" \"comparison\", \"value\": {\"selected\": \"left\"}}]}]}");
    }
    return b.append("\n]\n").toString();
  }

  private Path write(String name, String text) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private static List<Row> read(Path file, Exports.Format format, ExportReader.Layout layout, long splitBytes) {
    InputFiles.File f = InputFiles.list(List.of(file)).get(0);
    List<Row> rows = new ArrayList<>();
    for (ExportReader.Split s : ExportReader.scan(f, format, layout, splitBytes, JSON)) {
      ExportReader.read(s, EXPORTS, JSON, 1 << 20).forEachRemaining(rows::add);
    }
    return rows;
  }

  private static List<String> positions(List<Row> rows) {
    return rows.stream().map(r -> (r.getLong(2) >> ExportReader.PART_BITS) + "/" + (r.getLong(2) & 0xFFFFFF) + " "
        + new String(r.<byte[]>getAs(Col.RAW), StandardCharsets.UTF_8) + " " + r.getAs(Col.REASON)).toList();
  }

  @Test
  void runsCutAtRecordBoundariesReadWhatOneReadingReads() throws IOException {
    Path file = write("export.json", labelStudio(60));
    InputFiles.File f = InputFiles.list(List.of(file)).get(0);
    List<ExportReader.Split> splits = ExportReader.scan(f, Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY,
        700, JSON);
    assertTrue(splits.size() > 10, "a small split size cuts the file in many runs: " + splits.size());
    List<Row> whole = read(file, Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY, 1 << 30);
    assertEquals(60, whole.size());
    assertEquals(positions(whole), positions(read(file, Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY,
        700)));
    for (int i = 0; i < 60; i++) {
      assertEquals(i + 1L, whole.get(i).getLong(2) >> ExportReader.PART_BITS, "tasks are numbered in file order");
      assertEquals(ExportReader.EXPORT_BLOCK, whole.get(i).getLong(1));
    }
  }

  @Test
  void aFileThatBreaksOffKeepsEveryRecordBeforeTheBreakAndSaysWhere() throws IOException {
    String text = labelStudio(40);
    int cut = text.indexOf("{\"id\": 130");
    Path file = write("cut.json", text.substring(0, cut + 40));
    for (long splitBytes : new long[] {1 << 30, 500}) {
      List<Row> rows = read(file, Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY, splitBytes);
      assertEquals(31, rows.size(), "30 tasks and the break");
      Row broken = rows.get(30);
      assertEquals("truncated_file", broken.getAs(Col.REASON));
      assertEquals(31L, broken.getLong(2) >> ExportReader.PART_BITS, "the broken task's number");
      String detail = broken.getAs(Col.DETAIL);
      assertTrue(detail.contains("breaks off at byte " + (cut + 40)) && detail.contains("in task 31 (which starts at"
          + " byte " + cut + ")"), detail);
      assertTrue(new String(broken.<byte[]>getAs(Col.RAW), StandardCharsets.UTF_8).startsWith("{\"id\": 130"));
    }
  }

  @Test
  void aFileThatIsNoJsonArrayOrGoesOnAfterItIsQuarantinedWhole() throws IOException {
    Row none = read(write("no.json", "hello, world"), Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY, 1 << 30)
        .get(0);
    assertEquals("invalid_json", none.getAs(Col.REASON));
    assertTrue(none.<String>getAs(Col.DETAIL).contains("at byte 0, in task 1"), none.<String>getAs(Col.DETAIL));
    Row object = read(write("object.json", "{\"tasks\": []}"), Exports.Format.LABEL_STUDIO,
        ExportReader.Layout.ARRAY, 1 << 30).get(0);
    assertEquals("not_a_json_array", object.getAs(Col.REASON));
    List<Row> after = read(write("after.json", labelStudio(2) + "[]"), Exports.Format.LABEL_STUDIO,
        ExportReader.Layout.ARRAY, 1 << 30);
    assertEquals(3, after.size());
    assertTrue(after.get(2).<String>getAs(Col.DETAIL).contains("goes on after its array ends"));
    Row bad = read(write("bad.json", labelStudio(3).replace("\"id\": 101,", "\"id\": 101,,")),
        Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY, 1 << 30).get(1);
    assertEquals("invalid_json", bad.getAs(Col.REASON));
    assertTrue(bad.<String>getAs(Col.DETAIL).contains("in task 2"), bad.<String>getAs(Col.DETAIL));
  }

  @Test
  void aGzipExportIsReadWhole() throws IOException {
    Path gz = dir.resolve("export.json.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(labelStudio(25).getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(positions(read(write("plain.json", labelStudio(25)), Exports.Format.LABEL_STUDIO,
        ExportReader.Layout.ARRAY, 1 << 30)), positions(read(gz, Exports.Format.LABEL_STUDIO,
        ExportReader.Layout.ARRAY, 100)));
  }

  @Test
  void jsonLinesRecordsAreNumberedByLineAndABadLineLosesNothingElse() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      b.append(i == 12 ? "{\"id\": \"broken\"" : "{\"id\": \"r" + i + "\", \"prompt\": \"p" + i + "\", \"response1\":"
          + " \"a\", \"response2\": \"b\", \"preference.responses\": [[\"response1\", \"response2\"]],"
          + " \"preference.responses.users\": [\"u\"]}").append('\n');
    }
    Path file = write("records.jsonl", b.toString());
    List<Row> whole = read(file, Exports.Format.ARGILLA, ExportReader.Layout.LINES, 1 << 30);
    assertEquals(positions(whole), positions(read(file, Exports.Format.ARGILLA, ExportReader.Layout.LINES, 150)));
    assertEquals(30, whole.size());
    Row bad = whole.get(12);
    assertEquals("invalid_json", bad.getAs(Col.REASON));
    assertEquals(13L, bad.getLong(2) >> ExportReader.PART_BITS);
    assertTrue(bad.<String>getAs(Col.DETAIL).startsWith("line 13 is not one JSON value"));
  }

  @Test
  void eachFileIsRecognisedByWhatItsFirstRecordHolds() throws IOException {
    assertEquals(new ExportReader.Recognised(Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY),
        recognise(write("ls.json", labelStudio(1)), null));
    assertEquals(new ExportReader.Recognised(Exports.Format.ARGILLA, ExportReader.Layout.ARRAY),
        recognise(write("a.json", "[{\"id\": \"r\", \"fields\": {}, \"responses\": {}}]"), null));
    assertEquals(new ExportReader.Recognised(Exports.Format.ARGILLA, ExportReader.Layout.LINES),
        recognise(write("a.jsonl", "{\"id\": \"r\", \"q.responses\": []}\n"), null));
    assertEquals(Exports.Format.CONCORD, recognise(write("c.jsonl", "{\"submission_id\": \"s\"}\n"), null).format());
    assertEquals(Exports.Format.CONCORD, recognise(write("junk.jsonl", "not json at all\n"), null).format(),
        "lines that are no JSON stay the contract's, each quarantined");
    ConfigException e = assertThrows(ConfigException.class, () -> recognise(write("odd.json",
        "[{\"name\": 1}]"), null));
    assertTrue(e.getMessage().contains("odd.json") && e.getMessage().contains("[name]")
        && e.getMessage().contains("--input-format"), e.getMessage());
    assertEquals(new ExportReader.Recognised(Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY),
        recognise(write("given.json", "[{\"name\": 1}]"), Exports.Format.LABEL_STUDIO), "--input-format decides");
  }

  @Test
  void anEmptyExportHoldsNothingAndAFileCutBetweenRecordsKeepsThemAll() throws IOException {
    assertEquals(new ExportReader.Recognised(null, ExportReader.Layout.ARRAY), recognise(write("empty.json",
        " [ ]\n"), null));
    String text = labelStudio(3);
    Path cut = write("cut-between.json", text.substring(0, text.lastIndexOf('}') + 1));
    List<Row> rows = read(cut, Exports.Format.LABEL_STUDIO, ExportReader.Layout.ARRAY, 1 << 30);
    assertEquals(4, rows.size(), "the 3 tasks and the break");
    Row end = rows.get(3);
    assertEquals("truncated_file", end.getAs(Col.REASON));
    assertTrue(end.<String>getAs(Col.DETAIL).contains("in task 4 (which starts at byte " + (text.lastIndexOf('}')
        + 1) + ")"), end.<String>getAs(Col.DETAIL));
  }

  private static ExportReader.Recognised recognise(Path file, Exports.Format given) {
    return ExportReader.recognise(InputFiles.list(List.of(file)).get(0), given, JSON, p -> List.of());
  }

  @Test
  void anArgillaParquetExportIsReadARecordARowAlongsideTheOtherFormats() throws IOException {
    org.apache.spark.sql.SparkSession spark = SparkTest.spark();
    Path jsonl = write("flat.jsonl", "{\"id\": \"r1\", \"prompt\": \"Why?\", \"response1\": \"a\", \"response2\":"
        + " \"b\", \"preference.responses\": [[\"response2\", \"response1\"]], \"preference.responses.users\":"
        + " [\"u-1\"], \"preference.responses.status\": [\"submitted\"]}\n");
    Path parquet = dir.resolve("parquet");
    spark.read().json(jsonl.toString()).coalesce(1).write().parquet(parquet.toString());
    Path file;
    try (var files = Files.list(parquet)) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Store store = new Store(spark, dir.resolve("out"), "r");
    try (Store.Input input = store.readInput(List.of(file, jsonl), null, EXPORTS, 1 << 20)) {
      List<Row> lines = input.lines().collectAsList();
      assertEquals(2, lines.size(), "the Parquet row and the JSON Lines record");
      for (Row r : lines) {
        assertTrue(r.isNullAt(r.fieldIndex(Col.REASON)), () -> r.getAs(Col.DETAIL));
        assertTrue(new String(r.<byte[]>getAs(Col.RAW), StandardCharsets.UTF_8).contains(
            "\"answer\":{\"preferred\":\"response2\"}"));
        assertEquals(1L, r.getLong(2) >> ExportReader.PART_BITS);
      }
      assertEquals(0, input.gold().count());
    }
  }
}
