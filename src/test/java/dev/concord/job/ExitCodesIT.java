package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes of {@code cli.md} from real processes, and two runs of one run id at once. */
class ExitCodesIT {
  @TempDir
  static Path dir;
  static Path conf;

  @BeforeAll
  static void quickConfiguration() throws Exception {
    conf = ChildRun.quickConfiguration(dir, java.util.Map.of());
  }

  private static String[] run(Path root, Path configuration, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("run", "--input", "data-samples/submissions",
        "--gold", "data-samples/gold", "--out", root.toString(), "--conf", configuration.toString(),
        "--run-id", "nightly"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void badUsageExitsTwoNamingTheOption() throws Exception {
    try (ChildRun child = ChildRun.start("run", "--input", "no/such/folder", "--out", dir.resolve("x").toString())) {
      assertEquals(2, child.exitCode(120), child.output());
      assertTrue(child.output().contains("--input no/such/folder does not exist"), child.output());
    }
  }

  @Test
  void aFailedErrorGateExitsThreeNamingTheGateAndPublishesNothing() throws Exception {
    Path strict = dev.concord.TestConfigs.write(dir, "strict", dev.concord.TestConfigs.with(
        dev.concord.TestConfigs.QUICK, java.util.Map.of("quality_gates",
            List.of(dev.concord.TestConfigs.gate("min_rows", "error", 1_000_000, "records")))));
    Path root = dir.resolve("gated");
    try (ChildRun child = ChildRun.start(run(root, strict))) {
      assertEquals(3, child.exitCode(900), child.output());
      assertTrue(child.output().contains("published nothing"), child.output());
      assertTrue(child.output().matches(
          "(?s).*\\n  error min_rows\\(records\\): \\d+\\.0, must be at least 1000000\\.0: FAILED\\n.*"),
          "the gate and its figure: " + child.output());
    }
    assertFalse(Files.exists(root.resolve("nightly")), "nothing published");
    assertFalse(Files.exists(root.resolve("LATEST")));
    List<String> events = Files.readAllLines(root.resolve(".concord/openlineage.jsonl"));
    assertEquals("FAIL", new ObjectMapper().readTree(events.get(events.size() - 1)).path("eventType").asText());
  }

  @Test
  void aFailureExitsOne() throws Exception {
    Path eval = dir.resolve("eval.jsonl");
    Files.writeString(eval, "{\"question\": \"no prompt\"}\n");
    try (ChildRun child = ChildRun.start(run(dir.resolve("failing"), conf, "--eval-prompts", eval.toString()))) {
      assertEquals(1, child.exitCode(600), child.output());
      assertTrue(child.output().contains("to resume from the failed step"), child.output());
    }
  }

  @Test
  void aSecondRunOfTheSameRunIdAtOnceIsRefusedAndTheFirstFinishes() throws Exception {
    Path root = dir.resolve("twice");
    try (ChildRun first = ChildRun.start(run(root, conf))) {
      assertTrue(first.awaitLine(l -> l.contains("step ingest started"), 300), first.output());
      try (ChildRun second = ChildRun.start(run(root, conf))) {
        assertEquals(1, second.exitCode(300), second.output());
        assertTrue(second.output().contains("run nightly is already running"), second.output());
      }
      assertEquals(0, first.exitCode(900), first.output());
    }
    assertEquals("nightly", Files.readString(root.resolve("LATEST")).trim());
    try (ChildRun again = ChildRun.start(run(root, conf))) {
      assertEquals(0, again.exitCode(300), again.output());
      assertTrue(again.output().contains("already completed"), again.output());
    }
  }
}
