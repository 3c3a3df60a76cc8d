package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.Lines;
import dev.concord.SparkTest;
import dev.concord.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed run started again under its id: resumed over the same inputs, started over when they changed. */
class RestartIT {
  @TempDir
  Path dir;

  private static String lines(int bad) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      out.add(Lines.pairwise("s" + i, "i" + (i / 3), "w" + (i % 3), i % 2 == 0 ? "r1" : "r2",
          "2026-11-21T03:12:44Z"));
    }
    for (int i = 0; i < bad; i++) {
      out.add("{\"submission_id\": broken " + i);
    }
    return String.join("\n", out) + "\n";
  }

  @Test
  void aRunStartedAgainAfterItsInputWasFixedStartsOverAndPublishes() throws Exception {
    SparkTest.spark();
    Path input = dir.resolve("in");
    Files.createDirectories(input);
    Files.writeString(input.resolve("night.jsonl"), lines(6));
    Path conf = TestConfigs.write(dir, "strict", Map.of("agreement.bootstrap_replicates", 0,
        "quality_gates", List.of(TestConfigs.gate("quarantined_share", "error", 0.1, null))));
    Path out = dir.resolve("out");
    RunRequest request = new RunRequest(List.of(input), List.of(), out, conf, "night", null);

    assertEquals(3, Runner.run(request), "a third of the lines are bad: the error gate stops the run");
    assertFalse(Files.exists(out.resolve("night")));
    assertEquals(3, Runner.run(request), "resumed over the same input, it fails the same way");

    Files.writeString(input.resolve("night.jsonl"), lines(0));
    assertEquals(0, Runner.run(request), "the fixed input is read again: the run starts over");
    assertTrue(Files.exists(out.resolve("night/manifest.json")));
    long quarantined = SparkTest.spark().read().parquet(out.resolve("night/quarantine").toString()).count();
    assertEquals(0, quarantined, "nothing of the first input's staged lines survives");

    Files.writeString(input.resolve("late.jsonl"), lines(0).replace("\"s", "\"late-s"));
    assertEquals(0, Runner.run(request), "a published run id is never redone, even over other inputs");
    assertEquals(12, SparkTest.spark().read().parquet(out.resolve("night/decisions").toString()).count());
  }

  @Test
  void differencesAreNamed(@TempDir Path d) throws Exception {
    Path a = d.resolve("a.jsonl");
    Files.writeString(a, "x\n");
    RunInputs before = RunInputs.of(List.of(d), List.of(), List.of(), "conf: 1", List.of());
    Files.writeString(a, "y\n");
    Files.writeString(d.resolve("b.jsonl"), "z\n");
    RunInputs after = RunInputs.of(List.of(d), List.of(), List.of(), "conf: 2", List.of("ann-1"));
    assertEquals("changed file " + a.toAbsolutePath().normalize() + ", new file " + d.resolve("b.jsonl")
        .toAbsolutePath().normalize() + ", the configuration, the --exclude-annotators list",
        after.differencesFrom(before));
    assertEquals(after.fingerprint(), RunInputs.of(List.of(d), List.of(), List.of(), "conf: 2", List.of("ann-1"))
        .fingerprint(), "the same inputs, the same fingerprint");
    assertFalse(before.fingerprint().equals(after.fingerprint()));
  }
}
