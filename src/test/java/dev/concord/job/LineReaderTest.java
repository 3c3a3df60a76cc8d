package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineReaderTest {
  private static List<Row> read(Path file, long splitBytes, int maxLine) {
    List<InputFiles.File> files = InputFiles.list(List.of(file));
    List<Row> out = new ArrayList<>();
    Iterator<Row> it = LineReader.read(LineReader.splits(files, splitBytes), maxLine);
    it.forEachRemaining(out::add);
    return out;
  }

  private static String text(Row r) {
    return new String(r.<byte[]>getAs(Col.RAW), StandardCharsets.UTF_8);
  }

  @Test
  void onlyLineFeedEndsALine(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("a.jsonl");
    Files.writeString(f, "one\r\ntwo \r inside\nthree\n\nlast without newline");
    List<String> lines = read(f, 1 << 20, 1 << 20).stream().map(LineReaderTest::text).toList();
    assertEquals(List.of("one", "two \r inside", "three", "", "last without newline"), lines);
  }

  @Test
  void splitsTogetherHoldEveryLineOnceInOrder(@TempDir Path dir) throws IOException {
    Random random = new Random(7);
    StringBuilder sb = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      String line = "line " + i + " " + "x".repeat(random.nextInt(i % 50 == 0 ? 700 : 40));
      expected.add(line);
      sb.append(line).append('\n');
    }
    Path f = dir.resolve("big.jsonl");
    Files.writeString(f, sb);
    for (long split : new long[] {1, 7, 100, 333, 4096, 1 << 20}) {
      List<Row> rows = read(f, split, 1 << 20);
      assertEquals(expected, rows.stream().map(LineReaderTest::text).toList(), "split " + split);
      for (Row r : rows) {
        assertNull(r.getAs(Col.REASON));
      }
    }
  }

  @Test
  void aGzipFileThatBreaksOffKeepsItsCompleteLinesAndSaysWhere(@TempDir Path dir) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      for (int i = 1; i <= 5000; i++) {
        gz.write(("{\"line\": " + i + ", \"pad\": \"" + Integer.toHexString(i * 7919) + "\"}\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] whole = bytes.toByteArray();
    Path f = dir.resolve("cut.jsonl.gz");
    Files.write(f, java.util.Arrays.copyOf(whole, whole.length / 2));
    List<Row> rows = read(f, 1 << 20, 1 << 20);
    Row last = rows.get(rows.size() - 1);
    assertEquals("truncated_file", last.getAs(Col.REASON));
    assertTrue(last.<String>getAs(Col.DETAIL).contains("of its " + whole.length / 2 + " bytes"),
        () -> last.getAs(Col.DETAIL));
    List<Row> complete = rows.subList(0, rows.size() - 1);
    assertTrue(complete.size() > 100, "the lines before the break are read");
    for (int i = 0; i < complete.size(); i++) {
      assertTrue(text(complete.get(i)).startsWith("{\"line\": " + (i + 1) + ","), text(complete.get(i)));
    }
    assertTrue(("{\"line\": " + (complete.size() + 1) + ",").startsWith(text(last)) || text(last)
        .startsWith("{\"line\": " + (complete.size() + 1)), "the broken line's start is its raw text: " + text(last));
  }

  @Test
  void aGzipFileIsKnownByItsBytesAndMayHoldSeveralMembers(@TempDir Path dir) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String member : List.of("a\nb\n", "c\n")) {
      try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
        gz.write(member.getBytes(StandardCharsets.UTF_8));
      }
    }
    Path f = dir.resolve("export.jsonl");
    Files.write(f, bytes.toByteArray());
    assertEquals(List.of("a", "b", "c"), read(f, 1, 1 << 20).stream().map(LineReaderTest::text).toList());
  }

  @Test
  void aLineOverTheLimitKeepsItsBeginning(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("long.jsonl");
    Files.writeString(f, "short\n" + "y".repeat(5000) + "\nafter\n");
    List<Row> rows = read(f, 1 << 20, 1024);
    assertEquals("line_too_long", rows.get(1).getAs(Col.REASON));
    assertEquals(1024, rows.get(1).<byte[]>getAs(Col.RAW).length);
    assertEquals(List.of("short", "after"), List.of(text(rows.get(0)), text(rows.get(2))));
  }

  @Test
  void everyFileOfAFolderIsListedWhateverItsName(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve(".hidden"));
    Files.createDirectories(dir.resolve("_tmp"));
    for (String name : List.of("a.jsonl", ".late.jsonl", "_part.jsonl", ".hidden/b.jsonl", "_tmp/c.jsonl",
        "name with space.jsonl")) {
      Files.writeString(dir.resolve(name), "{}\n");
    }
    List<String> names = InputFiles.list(List.of(dir)).stream()
        .map(f -> dir.relativize(Path.of(f.path())).toString()).toList();
    assertEquals(List.of(".hidden/b.jsonl", ".late.jsonl", "_part.jsonl", "_tmp/c.jsonl", "a.jsonl",
        "name with space.jsonl"), names);
    List<Row> lines = new Store(SparkTest.spark(), dir.resolve("out"), "r").readLines(List.of(dir), "--input", 1024)
        .collectAsList();
    assertEquals(6, lines.size());
    assertTrue(lines.stream().anyMatch(r -> r.<String>getAs(Col.SOURCE_FILE).endsWith("/name with space.jsonl")),
        "source_file is the path as it is, not URL-encoded");
  }

  @Test
  void tinyFilesArePackedIntoFewTasks() {
    List<LineReader.Split> splits = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      splits.add(new LineReader.Split("f" + i, 0, 1, false));
    }
    assertEquals(5, LineReader.pack(splits, 100, 4).size(), "20 files of 1 byte and an open cost of 4 a task");
  }

  @Test
  void aSmallInputIsSpreadOverEveryCoreAndALargeOneReadInSplitsOfAtMostTheMaximum() {
    List<InputFiles.File> small = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      small.add(new InputFiles.File("f" + i, 2_000_000, false));
    }
    long bytes = LineReader.splitBytes(small, 128 << 20, 4 << 20, 2);
    assertEquals((8 * 2_000_000L + 8 * (4 << 20)) / 2, bytes, "half of the files and their open costs");
    assertEquals(2, LineReader.pack(LineReader.splits(small, bytes), bytes, 4 << 20).size(), "a task a core");
    List<InputFiles.File> uneven = new ArrayList<>(small);
    uneven.set(0, new InputFiles.File("f0", 2_100_000, false));
    long unevenBytes = LineReader.splitBytes(uneven, 128 << 20, 4 << 20, 2);
    assertEquals(2, LineReader.pack(LineReader.splits(uneven, unevenBytes), unevenBytes, 4 << 20).size(),
        "a task a core still, not a third small one left to run alone");
    List<InputFiles.File> large = List.of(new InputFiles.File("big", 10L << 30, false));
    assertEquals(128 << 20, LineReader.splitBytes(large, 128 << 20, 4 << 20, 2));
    assertEquals(4 << 20, LineReader.splitBytes(List.of(new InputFiles.File("tiny", 10, false)), 128 << 20, 4 << 20,
        64), "never below the open cost");
  }

  @Test
  void aLineReadAgainByItsBlockAndRowIsTheLineReadFirstWhateverTheSplitSize(@TempDir Path dir) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      text.append("line ").append(i).append(" ").append("x".repeat(i % 17)).append('\n');
    }
    Path plain = dir.resolve("a.jsonl");
    Files.writeString(plain, text);
    Path gzip = dir.resolve("b.jsonl.gz");
    try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    }
    Store store = new Store(SparkTest.spark(), dir.resolve("out"), "r");
    for (Path f : List.of(plain, gzip)) {
      List<Row> first = read(f, 300, 1024);
      List<Row> wanted = List.of(first.get(5), first.get(77), first.get(first.size() - 1));
      org.apache.spark.sql.Dataset<Row> keys = SparkTest.spark().createDataFrame(wanted.stream()
              .map(r -> org.apache.spark.sql.RowFactory.create(r.getString(0), r.getLong(1), r.getLong(2))).toList(),
          new org.apache.spark.sql.types.StructType().add(Col.SOURCE_FILE, "string").add(Col.BLOCK_START, "long")
              .add(Col.ROW_ID, "long"));
      List<Row> again = store.reread(keys, 1024).orderBy(Col.BLOCK_START, Col.ROW_ID).collectAsList();
      assertEquals(wanted.stream().map(LineReaderTest::text).toList(), again.stream().map(LineReaderTest::text)
          .toList(), f.toString());
    }
  }
}
