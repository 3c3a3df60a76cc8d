package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Runner#run} refuses before it touches anything. */
class RunnerTest {
  @TempDir
  Path dir;

  @Test
  void aPathSparkWouldReadAsAPatternIsRefusedNamingTheCharacter() {
    for (String name : List.of("out[1]", "out{a,b}", "out*", "out?")) {
      Path out = dir.resolve(name);
      ConfigException e = assertThrows(ConfigException.class, () -> Runner.run(new RunRequest(
          List.of(Path.of("data-samples/submissions")), List.of(), out, null, "nightly", "local[1]")));
      assertEquals("--out " + out + " contains '" + name.charAt(3) + "', which Spark reads as a file pattern; use a"
          + " path without any of [ ] { } * ? \\", e.getMessage());
      assertFalse(Files.exists(out), "nothing created");
    }
    Path input = dir.resolve("in[1]");
    ConfigException e = assertThrows(ConfigException.class, () -> Runner.run(new RunRequest(List.of(input),
        List.of(), dir.resolve("out"), null, "nightly", "local[1]")));
    assertEquals("--input " + input + " contains '[', which Spark reads as a file pattern; use a path without any of"
        + " [ ] { } * ? \\", e.getMessage());
  }

  @Test
  void anInputThatFitsNoFormatOrNoMappingIsRefusedBeforeAnythingRunsNamingTheFile() throws Exception {
    Path odd = Files.writeString(dir.resolve("odd.json"), "[{\"name\": 1}]");
    ConfigException e = assertThrows(ConfigException.class, () -> Runner.run(new RunRequest(List.of(odd),
        List.of(), dir.resolve("out"), null, "nightly", "local[1]")));
    assertTrue(e.getMessage().startsWith("--input " + odd.toAbsolutePath() + " is a JSON array whose first element"
        + " has the keys [name]"), e.getMessage());
    Path conf = dev.concord.TestConfigs.write(dir, "elsewhere", java.util.Map.of(
        "projects.preference-argilla.source.files", List.of("*.elsewhere")));
    e = assertThrows(ConfigException.class, () -> Runner.run(new RunRequest(List.of(Path.of("data-samples/argilla")),
        List.of(), dir.resolve("out"), conf, "nightly", "local[1]")));
    assertTrue(e.getMessage().contains("is an argilla export, but no project maps one"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out/nightly")), "nothing published");
  }

  @Test
  void aMappedControlThatAnswersNothingStopsTheRunAsAConfigurationFault() throws Exception {
    Path conf = dev.concord.TestConfigs.write(dir, "misspelt", java.util.Map.of(
        "projects.ranking-ls.source.controls", java.util.Map.of("rnak", "ranking")));
    ConfigException e = assertThrows(ConfigException.class, () -> Runner.run(new RunRequest(
        List.of(Path.of("data-samples/label-studio")), List.of(), dir.resolve("out"), conf, "nightly", "local[1]")));
    assertTrue(e.getMessage().startsWith("projects.ranking-ls.source.controls.rnak: 'rnak' (ranking) answers none of"
        + " the submissions read for ranking-ls"), e.getMessage());
  }
}
