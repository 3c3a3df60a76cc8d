package dev.concord.config;

import java.util.Arrays;
import java.util.List;

/** The five task types of the input contract. */
public enum TaskType {
  PAIRWISE, RANKING, RATING, LABEL, SFT;

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Task types whose answers are compared between annotators (every type but sft). */
  public static final List<TaskType> JUDGED = List.of(PAIRWISE, RANKING, RATING, LABEL);

  public static List<String> ids() {
    return Arrays.stream(values()).map(TaskType::id).toList();
  }

  public static TaskType parse(String id) {
    for (TaskType t : values()) {
      if (t.id().equals(id)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown task type '" + id + "' (expected one of " + ids() + ")");
  }
}
