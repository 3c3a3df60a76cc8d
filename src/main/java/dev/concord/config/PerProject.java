package dev.concord.config;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/** A per-project setting as a column: the row's project's own value, else the default's. */
public final class PerProject {
  private PerProject() {}

  public static Column value(Projects projects, Column project, Function<ProjectSettings, Object> setting) {
    Column c = lit(setting.apply(projects.defaults()));
    for (String name : projects.names()) {
      c = when(project.equalTo(name), lit(setting.apply(projects.of(name)))).otherwise(c);
    }
    return c;
  }

  public static Column list(Projects projects, Column project, Function<ProjectSettings, List<String>> setting) {
    Column c = asArray(setting.apply(projects.defaults()));
    for (String name : projects.names()) {
      c = when(project.equalTo(name), asArray(setting.apply(projects.of(name)))).otherwise(c);
    }
    return c;
  }

  /** A per-project, per-task-type setting (the kappa thresholds). */
  public static Column byType(Projects projects, Column project, Column taskType,
      java.util.function.BiFunction<ProjectSettings, TaskType, Object> setting) {
    Column c = lit(null);
    for (TaskType t : TaskType.JUDGED) {
      c = when(taskType.equalTo(t.id()), value(projects, project, p -> setting.apply(p, t))).otherwise(c);
    }
    return c;
  }

  private static Column asArray(List<String> values) {
    return values == null ? lit(null).cast(DataTypes.createArrayType(DataTypes.StringType))
        : array(values.stream().map(functions::lit).toArray(Column[]::new));
  }
}
