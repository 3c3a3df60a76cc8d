package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  @TempDir
  Path dir;

  @Test
  void oneHolderAtATimeWithinAProcess() {
    try (RunLock first = RunLock.tryAcquire(dir, "r1").orElseThrow()) {
      assertTrue(RunLock.tryAcquire(dir, "r1").isEmpty());
      java.util.Optional<RunLock> other = RunLock.tryAcquire(dir, "r2");
      assertTrue(other.isPresent(), "another run id has its own lock");
      other.get().close();
    }
    RunLock.tryAcquire(dir, "r1").orElseThrow().close();
  }

  @Test
  void aRunWhoseLockAnotherProcessHoldsIsRefusedAndTheLockDiesWithItsHolder() throws Exception {
    Path root = dir.resolve("out");
    Path state = root.resolve(".concord");
    Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), HoldLock.class.getName(), state.toString(), "nightly")
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertTrue(line != null && line.startsWith("held"), "the holder says: " + line);
      assertTrue(RunLock.tryAcquire(state, "nightly").isEmpty(), "held by the other process");

      int code = Runner.run(new RunRequest(List.of(Path.of("data-samples/submissions/showcase.jsonl")), List.of(),
          root, null, "nightly", null));
      assertEquals(1, code);
      assertFalse(Files.exists(state.resolve("staging").resolve("nightly")), "the refused run staged nothing");
      assertFalse(Files.exists(root.resolve("nightly")));
    } finally {
      holder.destroyForcibly();
      holder.waitFor(30, TimeUnit.SECONDS);
    }
    RunLock.tryAcquire(state, "nightly").orElseThrow(() -> new AssertionError("kill -9 released the lock")).close();
  }
}
