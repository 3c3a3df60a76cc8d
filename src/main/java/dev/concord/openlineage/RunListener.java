package dev.concord.openlineage;

import dev.concord.config.ConcordConfig.OpenLineageSettings;
import dev.concord.publish.Manifest;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;

/**
 * Emits a run's OpenLineage events around each execution of the job: START before it, COMPLETE with the published
 * tables' row counts after a success, FAIL with the error otherwise. A rerun of a completed run never executes, so
 * it emits nothing.
 */
public final class RunListener implements JobExecutionListener {
  private final OpenLineageSettings settings;
  private final Path stateDir;
  private final RunEvents events;
  private final Path versionDir;
  private Emitter emitter;

  public RunListener(OpenLineageSettings settings, Path stateDir, RunEvents.Description run) {
    this.settings = settings;
    this.stateDir = stateDir;
    this.events = new RunEvents(run);
    this.versionDir = run.versionDir();
  }

  @Override
  public void beforeJob(JobExecution execution) {
    emitter = new Emitter(settings, stateDir);
    emitter.emit(events.start(now()));
  }

  @Override
  public void afterJob(JobExecution execution) {
    try {
      if (execution.getStatus() == BatchStatus.COMPLETED) {
        emitter.emit(events.complete(now(), Manifest.tableRows(versionDir)));
      } else {
        Throwable error = execution.getAllFailureExceptions().stream().findFirst()
            .orElseGet(() -> new IllegalStateException("the run ended " + execution.getStatus()));
        emitter.emit(events.fail(now(), error));
      }
    } finally {
      emitter.close();
    }
  }

  private static ZonedDateTime now() {
    return ZonedDateTime.now(ZoneOffset.UTC);
  }
}
