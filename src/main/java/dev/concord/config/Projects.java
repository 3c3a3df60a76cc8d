package dev.concord.config;

import java.util.Map;
import java.util.Set;

/**
 * The per-project settings, each named project's already merged over the defaults: what the stages that decide per
 * project receive, instead of the whole configuration.
 *
 * @param defaults the settings of every project not named
 * @param named the settings of each named project
 */
public record Projects(ProjectSettings defaults, Map<String, ProjectSettings> named) {
  public Projects {
    named = Map.copyOf(named);
  }

  /** The settings of {@code project}: its own where set, the defaults elsewhere. */
  public ProjectSettings of(String project) {
    return named.getOrDefault(project, defaults);
  }

  /** The projects with settings of their own. */
  public Set<String> names() {
    return new java.util.TreeSet<>(named.keySet());
  }
}
