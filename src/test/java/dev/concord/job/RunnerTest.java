package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
