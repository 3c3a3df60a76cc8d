package dev.concord.job;

import dev.concord.config.ConcordConfig;
import java.util.Map;

/** What the job's beans share: the run's store, configuration and steps. */
public record JobContext(Store store, ConcordConfig config, byte[] pseudonymKey, Steps steps, RunInputs runInputs,
    RunRequest request) {
  void publish(Map<String, Double> stepSeconds) {
    new Publisher(store, config, pseudonymKey).publish(runInputs, steps.hasGold(), stepSeconds);
  }
}
