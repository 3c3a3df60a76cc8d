package dev.concord.job;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/** The short table printed at the end of a run. */
final class Summary {
  private Summary() {}

  static String of(Store store, JobExecution execution) {
    StringBuilder s = new StringBuilder();
    s.append("published ").append(store.versionDir()).append("\n");
    s.append(String.format("%-10s %10s%n", "step", "seconds"));
    for (StepExecution step : execution.getStepExecutions()) {
      if (step.getStartTime() != null && step.getEndTime() != null) {
        s.append(String.format("%-10s %10.1f%n", step.getStepName(),
            Duration.between(step.getStartTime(), step.getEndTime()).toMillis() / 1000.0));
      }
    }
    Path manifest = store.versionDir().resolve("manifest.json");
    if (Files.exists(manifest)) {
      try {
        Map<?, ?> counts = (Map<?, ?>) new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(manifest.toFile(), Map.class).get("counts");
        s.append(String.format("%-12s %10s%n", "table", "rows"));
        if (counts.get("tables") instanceof Map<?, ?> tables) {
          tables.forEach((t, n) -> s.append(String.format("%-12s %10s%n", t, n)));
        }
        if (counts.get("records_changed") instanceof Map<?, ?> changed) {
          s.append(changed.get("previous_run") == null ? "records (the first version): "
              : "records since run " + changed.get("previous_run") + ": ").append(changed.get("added"))
              .append(" added, ").append(changed.get("removed")).append(" removed, ").append(changed.get("changed"))
              .append(" changed (see changes/)\n");
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      s.append("counts: see ").append(manifest);
    }
    return s.toString();
  }
}
