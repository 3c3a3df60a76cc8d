package dev.concord.ingest;

import dev.concord.config.ConcordConfig;
import dev.concord.config.ProjectSettings;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What ingest needs of the configuration, and nothing more: the size limits, how texts are compared, and each
 * project's answer rules. Small and serializable, since every task reads it.
 *
 * @param maxFieldChars the longest text field (prompt, response, completion, justification, metadata value)
 * @param maxResponses the most responses one item may show
 * @param maxIdChars the longest id (submission, item, project, annotator, response, model, label, dimension,
 *     guideline version, metadata key)
 * @param ignoreCase whether texts are compared case-folded (two responses of one item must differ)
 * @param defaults the rules of a project not named in {@code projects}
 */
public record IngestSettings(int maxFieldChars, int maxIdChars, int maxResponses, boolean ignoreCase,
    ProjectRules defaults,
    Map<String, ProjectRules> projects) implements Serializable {

  /**
   * One project's answer rules; a null field checks nothing (the project takes what its data holds).
   *
   * @param scale the inclusive rating scale, {@code [min, max]}
   */
  public record ProjectRules(int[] scale, Set<String> dimensions, List<String> labels) implements Serializable {
    static ProjectRules of(ProjectSettings p) {
      return new ProjectRules(p.ratingScale() == null ? null
          : new int[] {p.ratingScale().min(), p.ratingScale().max()},
          p.ratingDimensions() == null ? null : new TreeSet<>(p.ratingDimensions().keySet()),
          p.labels() == null ? null : List.copyOf(p.labels()));
    }
  }

  public static IngestSettings of(ConcordConfig config) {
    Map<String, ProjectRules> projects = new TreeMap<>();
    config.projects().keySet().forEach(name -> projects.put(name, ProjectRules.of(config.forProject(name))));
    return new IngestSettings(config.limits().maxFieldChars(), config.limits().maxIdChars(),
        config.limits().maxResponses(), config.dedup().ignoreCase(), ProjectRules.of(config.defaults()), projects);
  }

  ProjectRules project(String name) {
    ProjectRules own = name == null ? null : projects.get(name);
    return own == null ? defaults : own;
  }
}
