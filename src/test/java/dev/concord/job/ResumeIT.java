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

  /** A night's run over the store under {@code root}: {@code inputs} are the folders passed, each its own --input. */
  static String[] night(Path root, String runId, Path... inputs) {
    List<String> args = new java.util.ArrayList<>(List.of("run", "--gold", "data-samples/gold", "--eval-prompts",
        "data-samples/eval", "--out", root.toString(), "--conf", conf.toString(), "--run-id", runId));
    for (Path in : inputs) {
      args.addAll(List.of("--input", in.toString()));
    }
    return args.toArray(String[]::new);
  }

  @BeforeAll
  static void uninterruptedRun() throws Exception {
    conf = ChildRun.quickConfiguration(dir, java.util.Map.of());
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
    killInEveryStepThenFinish(root, run(root), "nightly", Set.of());
    assertEquals("nightly", Files.readString(root.resolve("LATEST")).trim());
    assertFalse(Files.exists(root.resolve(".concord/staging/nightly")), "staging is cleared after publication");
    assertSamePublication(reference.resolve("nightly"), root.resolve("nightly"));
  }

  /**
   * The same on a grown store: a second night, over a store that holds the first, killed in every step in turn and
   * resumed each time, publishes what an uninterrupted second night publishes, and its batch enters the store once.
   */
  @Test
  void aSecondNightKilledInEveryStepPublishesWhatAnUninterruptedSecondNightPublishes() throws Exception {
    Path first = dir.resolve("inputs/night-1");
    Path second = dir.resolve("inputs/night-2");
    Files.createDirectories(first);
    Files.createDirectories(second);
    try (Stream<Path> files = Files.list(Path.of("data-samples/submissions"))) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        Path to = (name.startsWith("generated-a") || name.startsWith("showcase.") || name.startsWith("bad-"))
            ? first : second;
        Files.copy(f, to.resolve(name));
      }
    }
    Path expected = dir.resolve("second-expected");
    Path root = dir.resolve("second-killed");
    for (Path r : List.of(expected, root)) {
      try (ChildRun child = ChildRun.start(night(r, "night-1", first))) {
        assertEquals(0, child.exitCode(900), child.output());
      }
    }
    try (ChildRun child = ChildRun.start(night(expected, "night-2", first, second))) {
      assertEquals(0, child.exitCode(900), child.output());
      assertTrue(child.output().contains("already in the submission store"), child.output());
    }
    killInEveryStepThenFinish(root, night(root, "night-2", first, second), "night-2", Set.of("night-1"));
    assertEquals("night-2", Files.readString(root.resolve("LATEST")).trim());
    assertSamePublication(expected.resolve("night-2"), root.resolve("night-2"));
    JsonNode ledger = JSON.readTree(root.resolve(".concord/store/ledger.json").toFile());
    List<String> batches = new java.util.ArrayList<>();
    ledger.forEach(b -> batches.add(b.path("runId").asText()));
    assertEquals(List.of("night-1", "night-2"), batches, ledger.toString());
  }

  /**
   * Starts {@code args} and kills it in every step in turn (killed in ingest, started again and killed in reconcile,
   * and so on through publish), then starts it a last time to the end. Each start must resume where the last one
   * died, and ROOT never holds a half-made version; {@code versions} are the ones published before.
   */
  private static void killInEveryStepThenFinish(Path root, String[] args, String runId, Set<String> versions)
      throws Exception {
    String previous = null;
    for (String step : StepGraph.NAMES) {
      try (ChildRun child = ChildRun.start(args)) {
        // Killed inside the step, once it has staged its first table, with the rest of its work still to do.
        assertTrue(child.awaitLineAfter(l -> l.contains("step " + step + " started"), ChildRun::tableWritten, 900),
            child.output());
        child.kill();
        assertResumedAt(previous, child.output());
      }
      assertNoHalfVersion(root, runId, versions);
      previous = step;
    }
    try (ChildRun last = ChildRun.start(args)) {
      assertEquals(0, last.exitCode(900), last.output());
      assertResumedAt(previous, last.output());
    }
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

  /**
   * Whatever the moment of the kill, ROOT holds no half-made version of {@code runId} beside the earlier {@code
   * versions}, and LATEST names only a whole one.
   */
  private static void assertNoHalfVersion(Path root, String runId, Set<String> versions) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      Set<String> names = entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
      Set<String> allowed = new java.util.HashSet<>(versions);
      allowed.addAll(Set.of(".concord", runId, "LATEST"));
      assertTrue(allowed.containsAll(names), names.toString());
      if (names.contains(runId)) {
        assertTrue(Files.exists(root.resolve(runId).resolve("manifest.json")), "a version is whole or absent");
      }
      String latest = names.contains("LATEST") ? Files.readString(root.resolve("LATEST")).trim() : null;
      assertTrue(latest == null || names.contains(latest), "LATEST names " + latest + " of " + names);
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
