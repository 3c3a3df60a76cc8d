package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job repository on a real PostgreSQL server, which the test installs (Debian's package, if missing) and starts
 * on loopback through {@code .ci/postgres}: a run, a kill and a resume, and a refused concurrent run.
 */
class PostgresIT {
  static Path work;
  static String url;
  static Path conf;

  @BeforeAll
  static void startServer() throws Exception {
    // Not a JUnit temporary folder: the server runs as the postgres user, who cannot enter those.
    work = Files.createTempDirectory("concord-pg", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    shell(".ci/postgres", "start", work.resolve("pg").toString(), String.valueOf(port));
    url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    conf = ChildRun.quickConfiguration(work, java.util.Map.of("job_state.jdbc_url", url,
        "job_state.username", "concord"));
  }

  @AfterAll
  static void stopServer() throws Exception {
    shell(".ci/postgres", "stop", work.resolve("pg").toString());
    try (java.util.stream.Stream<Path> files = Files.walk(work)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  private static void shell(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).inheritIO().start();
    assertEquals(0, p.waitFor(), String.join(" ", args));
  }

  private static String[] run(Path root) {
    return new String[] {"run", "--input", "data-samples/submissions", "--gold", "data-samples/gold",
        "--eval-prompts", "data-samples/eval", "--out", root.toString(), "--conf", conf.toString(),
        "--run-id", "nightly"};
  }

  private static List<String> executions(Path root) throws Exception {
    List<String> statuses = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, "concord", "");
        var st = c.prepareStatement("""
            SELECT e.status FROM batch_job_execution e
            JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
            WHERE p.parameter_name = 'out' AND p.parameter_value = ?
            ORDER BY e.job_execution_id""")) {
      st.setString(1, root.toString());
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          statuses.add(rs.getString(1));
        }
      }
    }
    return statuses;
  }

  @Test
  void killedInResolveAndStartedAgainResumesFromThePostgresRepository() throws Exception {
    Path reference = work.resolve("reference");
    try (ChildRun child = ChildRun.start(run(reference))) {
      assertEquals(0, child.exitCode(900), child.output());
    }
    assertEquals(List.of("COMPLETED"), executions(reference));

    Path root = work.resolve("killed");
    try (ChildRun child = ChildRun.start(run(root))) {
      assertTrue(child.awaitLineAfter(l -> l.contains("step resolve started"), ChildRun::tableWritten, 900),
          child.output());
      child.kill();
    }
    assertEquals(List.of("STARTED"), executions(root), "a killed process ends nothing in the repository");
    try (ChildRun again = ChildRun.start(run(root))) {
      assertEquals(0, again.exitCode(900), again.output());
      assertTrue(again.output().contains("marking it failed and resuming"), again.output());
      assertFalse(again.output().contains("step agreement started"), "agreement was reused");
    }
    assertEquals(List.of("FAILED", "COMPLETED"), executions(root));
    ResumeIT.assertSamePublication(reference.resolve("nightly"), root.resolve("nightly"));
  }

  @Test
  void aConcurrentRunIsRefusedWithThePostgresRepository() throws Exception {
    Path root = work.resolve("twice");
    try (ChildRun first = ChildRun.start(run(root))) {
      assertTrue(first.awaitLine(l -> l.contains("step ingest started"), 300), first.output());
      try (ChildRun second = ChildRun.start(run(root))) {
        assertEquals(1, second.exitCode(300), second.output());
        assertTrue(second.output().contains("run nightly is already running"), second.output());
      }
      assertEquals(0, first.exitCode(900), first.output());
    }
    assertEquals(List.of("COMPLETED"), executions(root));
  }
}
