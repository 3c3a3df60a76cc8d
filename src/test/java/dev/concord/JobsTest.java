package dev.concord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduling files in jobs/: the cron entry's shape, and the Airflow DAG's own Python tests. */
class JobsTest {
  @Test
  void theCronEntryRunsNightlyWithADatedRunIdAndReportsTheExitCode() throws Exception {
    List<String> entries = Files.readAllLines(Path.of("jobs/concord.cron")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.matches("[A-Z_]+=.*")).toList();
    assertEquals(1, entries.size(), entries.toString());
    String[] fields = entries.get(0).split("\\s+", 6);
    assertEquals(List.of("30", "2", "*", "*", "*"), List.of(fields).subList(0, 5));
    String command = fields[5];
    assertTrue(command.contains("bin/concord run "), command);
    assertTrue(command.contains("--run-id nightly-$d"), command);
    assertTrue(command.contains("d=$(date -u -d yesterday +\\%F)"), "% is escaped for cron: " + command);
    assertTrue(command.contains("exited $?"), command);
  }

  @Test
  void theAirflowDagPassesItsTests() throws Exception {
    Process p = new ProcessBuilder("python3", "jobs/test_concord_nightly.py").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("Ran 4 tests"), out);
  }
}
