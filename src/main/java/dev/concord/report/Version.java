package dev.concord.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the report shows of one published version: its manifest and its annotators, as {@link VersionReader} reads
 * them from the version's folder.
 *
 * @param runId the version's run id
 * @param manifest the version's {@code manifest.json}
 * @param annotators every row of its {@code annotators/} table
 */
record Version(String runId, JsonNode manifest, List<Annotator> annotators) {

  /** One row of {@code annotators/}, as {@code schemas/annotators.avsc} defines it. */
  record Annotator(String id, String decision, String reason, long submissions, List<Scope> scopes,
      List<TimeOnTask> timeOnTask, List<Cell> confusion, List<Estimated> dawidSkene) {}

  /** An annotator's figures in one project and task type. */
  record Scope(String project, String taskType, String measure, Double value, Double ciLow, Double ciHigh,
      double threshold, String decision, long peerUnits, long goldUnits) {

    /** The decision as the report tells them apart: kept, uncertain (any of the three), dropped or unscored. */
    String group() {
      return decision.startsWith("uncertain") ? "uncertain" : decision;
    }
  }

  /** An annotator's time on task in one project and task type. */
  record TimeOnTask(String project, String taskType, long submissions, long timedSubmissions, Double medianS,
      double fastFloorS, Double fastShare) {}

  /** A cell of an annotator's confusion against the resolved answers. */
  record Cell(String project, String taskType, String answer, String resolved, long count) {}

  /** A cell of an annotator's confusion matrix as Dawid-Skene estimated it: P(answer | truth). */
  record Estimated(String project, String taskType, String answer, String truth, double probability) {}

  /** A project and task type, the scope of agreement figures. */
  record Key(String project, String taskType) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = project.compareTo(o.project);
      return c != 0 ? c : taskType.compareTo(o.taskType);
    }

    @Override
    public String toString() {
      return project + " / " + taskType;
    }
  }
}
