package dev.concord.job;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code concord} in a JVM of its own, as {@code bin/concord} starts it, with its output collected line by line so a
 * test can wait for a line (a step starting) and then kill the process.
 */
final class ChildRun implements AutoCloseable {
  private final Process process;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final List<Waiter> waiters = Collections.synchronizedList(new ArrayList<>());

  private record Waiter(Predicate<String> match, CountDownLatch seen) {}

  private ChildRun(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
          synchronized (waiters) {
            for (Waiter w : waiters) {
              if (w.match().test(line)) {
                w.seen().countDown();
              }
            }
          }
        }
      } catch (IOException e) {
        lines.add("(output closed: " + e + ")");
      }
    }, "child-run-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The shipped configuration without the bootstrap intervals, which have nothing to do with operations and would
   * only make each run longer, and with {@code settings} ("a.b.c" to value). Written to {@code dir/concord.yaml}.
   */
  static Path quickConfiguration(Path dir, java.util.Map<String, Object> settings) throws IOException {
    return dev.concord.TestConfigs.write(dir, "concord", dev.concord.TestConfigs.with(dev.concord.TestConfigs.QUICK,
        settings));
  }

  /** Starts {@code concord ARGS}: the test JVM's class path and module flags, the default log configuration. */
  static ChildRun start(String... args) throws IOException {
    return start(java.util.Map.of(), CONCORD_LOG, "dev.concord.cli.Main", System.getProperty("java.class.path"),
        args);
  }

  static final String PSEUDONYM_KEY = "integration-tests-pseudonym-key";

  /** bin/concord's log configuration: warnings, and Concord's own progress at info. */
  static final String CONCORD_LOG = "classpath:log4j2.properties";

  /**
   * Starts {@code mainClass ARGS} on {@code classPath} with the test JVM's module flags, {@code env} added and the
   * log4j configuration {@code logConfig}.
   */
  static ChildRun start(java.util.Map<String, String> env, String logConfig, String mainClass, String classPath,
      String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-") || flag.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
          || flag.startsWith("-Djdk.reflect") || flag.startsWith("-Dio.netty")) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-Xmx2g", "-Dlog4j2.configurationFile=" + logConfig, "-cp", classPath, mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // One pseudonym key for every run, as a nightly schedule has: runs into different roots are then comparable.
    builder.environment().put("CONCORD_PSEUDONYM_KEY", PSEUDONYM_KEY);
    builder.environment().putAll(env);
    return new ChildRun(builder.start());
  }

  /** Waits until a line matching {@code match} is printed; false if the process ended first or time ran out. */
  boolean awaitLine(Predicate<String> match, long seconds) throws InterruptedException {
    Waiter w = new Waiter(match, new CountDownLatch(1));
    synchronized (waiters) {
      waiters.add(w);
      if (lines.stream().anyMatch(match)) {
        return true;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (w.seen().await(200, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (!process.isAlive()) {
        return w.seen().getCount() == 0;
      }
    }
    return false;
  }

  /**
   * Waits until a line matching {@code then} is printed after one matching {@code first}; false if the process ended
   * first or time ran out.
   */
  boolean awaitLineAfter(Predicate<String> first, Predicate<String> then, long seconds) throws InterruptedException {
    java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    return awaitLine(l -> {
      if (started.get()) {
        return then.test(l);
      }
      started.set(first.test(l));
      return false;
    }, seconds);
  }

  /** A line of the job's log saying that the running step staged or published a table: work done inside a step. */
  static boolean tableWritten(String line) {
    return line.contains(" staged ") || line.contains(" wrote table ");
  }

  /** {@code kill -9}: no shutdown hooks, no clean-up. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  int exitCode(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("concord did not end within " + seconds + " s:\n" + output());
    }
    return process.exitValue();
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
