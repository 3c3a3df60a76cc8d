package dev.concord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes of cli.md for usage and configuration errors: 2, with the option or key named. */
class MainTest {
  @Test
  void usageErrorsExitTwo(@TempDir Path dir) throws Exception {
    assertEquals(2, Main.execute(new String[] {}));
    assertEquals(2, Main.execute(new String[] {"fly"}));
    assertEquals(2, Main.execute(new String[] {"run", "--out", dir.toString()}));
    assertEquals(2, Main.execute(new String[] {"run", "--input", "data-samples/submissions"}));
    assertEquals(2, Main.execute(new String[] {"run", "--input", "data-samples/submissions", "--out", dir.toString(),
        "--colour", "blue"}));
    assertEquals(2, Main.execute(new String[] {"run", "--input", "no/such/path", "--out", dir.toString()}));
    assertEquals(2, Main.execute(new String[] {"run", "--input", "data-samples/submissions", "--out", dir.toString(),
        "--run-id", "../escape"}));
    Path conf = dev.concord.TestConfigs.write(dir, "bad", java.util.Map.of("defaults.rating_margn", 1.0));
    assertEquals(2, Main.execute(new String[] {"run", "--input", "data-samples/submissions", "--out", dir.toString(),
        "--conf", conf.toString()}));
    assertEquals(0, Main.execute(new String[] {"--help"}));
  }
}
