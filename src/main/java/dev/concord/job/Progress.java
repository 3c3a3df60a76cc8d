package dev.concord.job;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;

/**
 * Progress of a long step in the log: at most every {@code intervalSeconds}, the step (its Spark job group), how long
 * it has run and how many Spark stages and tasks it has finished. Quiet for short steps.
 */
public final class Progress extends SparkListener {
  private static final Logger LOG = LogManager.getLogger(Progress.class);
  private static final String JOB_GROUP = "spark.jobGroup.id";

  private final long intervalNanos;
  private final AtomicLong lastReport = new AtomicLong(System.nanoTime());
  private final AtomicInteger stagesDone = new AtomicInteger();
  private final AtomicInteger tasksDone = new AtomicInteger();
  private volatile long groupStart = System.nanoTime();
  private volatile String group = "";

  private final java.util.function.Consumer<String> sink;

  Progress(long intervalSeconds) {
    this(intervalSeconds, LOG::info);
  }

  /** @param sink where the progress lines go (the log, or a test's list) */
  public Progress(long intervalSeconds, java.util.function.Consumer<String> sink) {
    this.intervalNanos = intervalSeconds * 1_000_000_000L;
    this.sink = sink;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    String g = submitted.properties() == null ? null : submitted.properties().getProperty(JOB_GROUP);
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
