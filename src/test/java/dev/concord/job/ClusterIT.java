package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a Spark standalone cluster, master and worker started on loopback from the project's own jars (the
 * worker launches each executor in a JVM of its own), publishing the same dataset as a local run.
 */
class ClusterIT {
  static final String MASTER = "spark://127.0.0.1:7077";
  /** Every process binds to loopback, whatever the machine's name resolves to. */
  static final String SPARK_LOG = "classpath:org/apache/spark/log4j2-defaults.properties";
  static final Map<String, String> LOOPBACK = Map.of("SPARK_LOCAL_IP", "127.0.0.1", "SPARK_SCALA_VERSION", "2.13");

  @TempDir
  static Path dir;
  static Path conf;
  static ChildRun master;
  static ChildRun worker;
  static Path workerDir;

  @BeforeAll
  static void startCluster() throws Exception {
    conf = ChildRun.quickConfiguration(dir, java.util.Map.of());
    // A Spark home made of the project's own jars: the worker builds each executor's class path from its jars/.
    Path sparkHome = Path.of("target", "it-spark-home").toAbsolutePath();
    deleteTree(sparkHome);
    Files.createDirectories(sparkHome.resolve("jars"));
    Files.writeString(sparkHome.resolve("RELEASE"), "Spark jars of Concord's build (target/lib)\n");
    try (Stream<Path> jars = Files.list(Path.of("target/lib"))) {
      for (Path jar : jars.toList()) {
        Files.createSymbolicLink(sparkHome.resolve("jars").resolve(jar.getFileName()), jar.toAbsolutePath());
      }
    }
    Files.createSymbolicLink(sparkHome.resolve("jars/concord.jar"), Path.of("target/concord.jar").toAbsolutePath());
    String classPath = "target/concord.jar" + File.pathSeparator + "target/lib/*";
    Map<String, String> env = new java.util.HashMap<>(LOOPBACK);
    env.put("SPARK_HOME", sparkHome.toString());

    // Spark's own log configuration for master and worker: their readiness shows in info lines.
    master = ChildRun.start(env, SPARK_LOG, "org.apache.spark.deploy.master.Master", classPath,
        "--host", "127.0.0.1", "--port", "7077", "--webui-port", String.valueOf(freePort()));
    assertTrue(master.awaitLine(l -> l.contains("I have been elected leader"), 120), master.output());
    workerDir = dir.resolve("worker");
    worker = ChildRun.start(env, SPARK_LOG, "org.apache.spark.deploy.worker.Worker", classPath,
        "--host", "127.0.0.1", "--cores", "2", "--memory", "3g", "--webui-port", String.valueOf(freePort()),
        "--work-dir", workerDir.toString(), MASTER);
    assertTrue(worker.awaitLine(l -> l.contains("Successfully registered with master"), 120), worker.output());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (master != null) {
      master.close();
    }
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String[] run(Path root, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("run", "--input", "data-samples/submissions",
        "--gold", "data-samples/gold", "--eval-prompts", "data-samples/eval", "--out", root.toString(),
        "--conf", conf.toString(), "--run-id", "nightly"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void theJobOnAStandaloneClusterPublishesWhatALocalRunPublishes() throws Exception {
    Path local = dir.resolve("local");
    try (ChildRun child = ChildRun.start(run(local))) {
      assertEquals(0, child.exitCode(900), child.output());
    }
    Path cluster = dir.resolve("cluster");
    String output;
    try (ChildRun child = ChildRun.start(LOOPBACK, ChildRun.CONCORD_LOG, "dev.concord.cli.Main",
        System.getProperty("java.class.path"),
        run(cluster, "--master", MASTER))) {
      assertEquals(0, child.exitCode(1200), child.output() + "\n--- worker:\n" + worker.output());
      output = child.output();
    }
    try (Stream<Path> logs = Files.walk(workerDir)) {
      List<Path> executorLogs = logs.filter(p -> p.getFileName().toString().equals("stderr")).toList();
      assertTrue(!executorLogs.isEmpty(), "the worker ran executors in JVMs of their own: " + workerDir);
    }
    assertTrue(worker.output().contains("Asked to launch executor"), worker.output());
    assertTrue(!output.contains("local["), "not a local master");
    ResumeIT.assertSamePublication(local.resolve("nightly"), cluster.resolve("nightly"));
  }
}
