package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.SparkTest;
import dev.concord.schema.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in every step, each time followed by the same {@code --run-id} again: the run resumes from the step
 * it died in, reuses the steps before it, and publishes exactly what an uninterrupted run publishes. Real processes, real
 * kills; in the integration profile ({@code mvn -Pintegration test}), which {@code .ci/run} runs.
 */
class ResumeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path dir;
  static Path conf;
  static Path reference;

  static String[] run(Path root) {
    return new String[] {"run", "--input", "data-samples/submissions", "--gold", "data-samples/gold",
        "--eval-prompts", "data-samples/eval", "--out", root.toString(), "--conf", conf.toString(),
        "--run-id", "nightly"};
  }

  @BeforeAll
  static void uninterruptedRun() throws Exception {
    conf = ChildRun.quickConfiguration(dir, c -> c);
    reference = dir.resolve("reference");
    try (ChildRun child = ChildRun.start(run(reference))) {
      assertEquals(0, child.exitCode(900), child.output());
      String out = child.output();
      for (String step : StepGraph.NAMES) {
        assertTrue(out.contains("step " + step + " started") && out.contains("step " + step + " done in "), step);
      }
      assertTrue(out.contains("staged lines: 455 rows"), "counts as the steps go");
      assertTrue(out.contains("wrote table preferences: 159 rows"), out);
      assertTrue(out.matches("(?s).*\\npreferences +159\\n.*"), "the closing summary table:\n" + out);
    }
  }

  /**
   * One run killed in every step in turn: killed in ingest, started again and killed in reconcile, and so on through
   * publish; then started a last time to the end. Each start must resume where the last one died.
   */
  @Test
  void killedInEveryStepInTurnAndResumedEachTimePublishesWhatAnUninterruptedRunPublishes() throws Exception {
    Path root = dir.resolve("killed");
    String previous = null;
    for (String step : StepGraph.NAMES) {
      try (ChildRun child = ChildRun.start(run(root))) {
        assertTrue(child.awaitLine(l -> l.contains("step " + step + " started"), 900), child.output());
        Thread.sleep(1000);
        child.kill();
        assertResumedAt(previous, child.output());
      }
      assertNoHalfVersion(root);
      previous = step;
    }
    try (ChildRun last = ChildRun.start(run(root))) {
      assertEquals(0, last.exitCode(900), last.output());
      assertResumedAt(previous, last.output());
    }
    assertEquals("nightly", Files.readString(root.resolve("LATEST")).trim());
    assertFalse(Files.exists(root.resolve(".concord/staging/nightly")), "staging is cleared after publication");
    assertSamePublication(reference.resolve("nightly"), root.resolve("nightly"));
  }

  /** A start after a kill in {@code killedIn} recovers the dead execution and runs no step before that one. */
  private static void assertResumedAt(String killedIn, String output) {
    if (killedIn == null) {
      return;
    }
    assertTrue(output.contains("marking it failed and resuming"), output);
    for (String earlier : StepGraph.NAMES.subList(0, StepGraph.NAMES.indexOf(killedIn))) {
      assertFalse(output.contains("step " + earlier + " started"), earlier + " was reused, not run again:\n"
          + output);
    }
  }

  /** Whatever the moment of the kill, ROOT holds no half-made version and LATEST names only a whole one. */
  private static void assertNoHalfVersion(Path root) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      Set<String> names = entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      assertTrue(Set.of(".concord", "nightly", "LATEST").containsAll(names), names.toString());
      if (names.contains("nightly")) {
        assertTrue(Files.exists(root.resolve("nightly/manifest.json")), "a version is whole or absent");
      }
      assertFalse(names.contains("LATEST") && !names.contains("nightly"));
    }
  }

  static void assertSamePublication(Path expected, Path actual) throws IOException {
    for (Table t : Table.values()) {
      if (t.published()) {
        Dataset<Row> a = rows(expected.resolve(t.folder()));
        Dataset<Row> b = rows(actual.resolve(t.folder()));
        assertEquals(a.count(), b.count(), t.folder());
        assertEquals(List.of(), a.exceptAll(b).limit(3).as(org.apache.spark.sql.Encoders.STRING()).collectAsList(),
            t.folder() + ": rows of the expected run missing");
        assertEquals(List.of(), b.exceptAll(a).limit(3).as(org.apache.spark.sql.Encoders.STRING()).collectAsList(),
            t.folder() + ": rows the expected run does not have");
      }
    }
    JsonNode a = JSON.readTree(expected.resolve("manifest.json").toFile());
    JsonNode b = JSON.readTree(actual.resolve("manifest.json").toFile());
    assertEquals(a.path("counts"), b.path("counts"));
  }

  /**
   * Every row as one JSON string (set operations refuse map columns), doubles to 9 decimals: sums over another
   * partitioning (a cluster's executors, say) may differ in the last bits, which is no difference in the dataset.
   */
  private static Dataset<Row> rows(Path table) {
    Dataset<Row> df = SparkTest.spark().read().parquet(table.toString());
    org.apache.spark.sql.Column[] columns = java.util.Arrays.stream(df.schema().fields())
        .map(f -> f.dataType() instanceof org.apache.spark.sql.types.DoubleType
            ? org.apache.spark.sql.functions.round(col(f.name()), 9).as(f.name()) : col(f.name()))
        .toArray(org.apache.spark.sql.Column[]::new);
    return df.select(to_json(struct(columns)).as("row"));
  }
}
