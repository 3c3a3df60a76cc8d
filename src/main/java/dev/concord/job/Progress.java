package dev.concord.job;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;

/**
 * Progress of a long step in the log: at most every {@code intervalSeconds}, the step (its Spark job group), how long
 * it has run and how many Spark stages and tasks it has finished. Quiet for short steps. It also counts each step's
 * Spark jobs and stages for the whole run ({@link #work}), which bench/run reports.
 */
public final class Progress extends SparkListener {
  private static final Logger LOG = LogManager.getLogger(Progress.class);
  /** The local property Spark keeps a job group in: the step, as BatchConfig sets it. */
  static final String JOB_GROUP = "spark.jobGroup.id";

  private final long intervalNanos;
  private final AtomicLong lastReport = new AtomicLong(System.nanoTime());
  private final AtomicInteger stagesDone = new AtomicInteger();
  private final AtomicInteger tasksDone = new AtomicInteger();
  private volatile long groupStart = System.nanoTime();
  private volatile String group = "";

  private final java.util.function.Consumer<String> sink;
  /** The step of each running stage. */
  private final java.util.Map<Integer, String> stageSteps = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Per step (job group), in the order the steps first ran: its Spark jobs and its completed stages. Guarded by
   * itself: the listener bus and the driver both touch it.
   */
  private final java.util.Map<String, int[]> work = new java.util.LinkedHashMap<>();

  Progress(long intervalSeconds) {
    this(intervalSeconds, LOG::info);
  }

  /** @param sink where the progress lines go (the log, or a test's list) */
  public Progress(long intervalSeconds, java.util.function.Consumer<String> sink) {
    this.intervalNanos = intervalSeconds * 1_000_000_000L;
    this.sink = sink;
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    synchronized (work) {
      counts(start.properties() == null ? null : start.properties().getProperty(JOB_GROUP))[0]++;
    }
  }

  private int[] counts(String step) {
    return work.computeIfAbsent(step == null ? "(no step)" : step, s -> new int[2]);
  }

  /** Each step's Spark jobs and stages so far: "ingest 12 jobs 20 stages, reconcile ...". */
  public String work() {
    synchronized (work) {
      return work.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()[0] + " jobs " + e.getValue()[1]
          + " stages").collect(java.util.stream.Collectors.joining(", "));
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    String g = submitted.properties() == null ? null : submitted.properties().getProperty(JOB_GROUP);
    if (g != null) {
      stageSteps.put(submitted.stageInfo().stageId(), g);
    }
    if (g != null && !g.equals(group)) {
      group = g;
      stagesDone.set(0);
      tasksDone.set(0);
      groupStart = System.nanoTime();
      lastReport.set(groupStart);
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted completed) {
    synchronized (work) {
      counts(stageSteps.remove(completed.stageInfo().stageId()))[1]++;
    }
    int done = stagesDone.incrementAndGet();
    int tasks = tasksDone.addAndGet(completed.stageInfo().numTasks());
    long now = System.nanoTime();
    long last = lastReport.get();
    if (now - last >= intervalNanos && lastReport.compareAndSet(last, now)) {
      sink.accept("step " + group + " in progress: " + (now - groupStart) / 1_000_000_000L + " s in, " + done
          + " Spark stages and " + tasks + " tasks done");
    }
  }
}
