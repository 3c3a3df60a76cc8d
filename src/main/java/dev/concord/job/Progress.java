package dev.concord.job;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.StageInfo;

/**
 * Progress of a long step in the log: at most every {@code intervalSeconds}, the step (its Spark job group), how
 * many Spark stages it has finished and the tasks of the stage that just finished. Quiet for short steps.
 */
final class Progress extends SparkListener {
  private static final Logger LOG = LogManager.getLogger(Progress.class);
  private static final String JOB_GROUP = "spark.jobGroup.id";

  private final long intervalNanos;
  private final AtomicLong lastReport = new AtomicLong(System.nanoTime());
  private final AtomicInteger stagesDone = new AtomicInteger();
  private volatile String group = "";

  Progress(long intervalSeconds) {
    this.intervalNanos = intervalSeconds * 1_000_000_000L;
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    String g = submitted.properties() == null ? null : submitted.properties().getProperty(JOB_GROUP);
    if (g != null && !g.equals(group)) {
      group = g;
      stagesDone.set(0);
      lastReport.set(System.nanoTime());
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted completed) {
    int done = stagesDone.incrementAndGet();
    long now = System.nanoTime();
    long last = lastReport.get();
    if (now - last >= intervalNanos && lastReport.compareAndSet(last, now)) {
      StageInfo s = completed.stageInfo();
      LOG.info("step {} in progress: {} Spark stages done, the last '{}' with {} tasks", group, done,
          s.name().split("\\s+at\\s+")[0], s.numTasks());
    }
  }
}
