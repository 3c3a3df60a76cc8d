package dev.concord.agreement;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.config.Projects;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Per annotator, project and task type: agreement with co-annotators and with gold. The co-annotator figure is
 * Cohen's kappa of the pooled table of (this annotator's answer, a co-annotator's answer) over every unit they share,
 * which weighs each co-annotator by the units shared; pooling keeps the figure meaningful where most pairs share a
 * unit or two. Which measure decides is configured per task type ({@code drop_measures}).
 */
public final class Agreement {
  private Agreement() {}

  public static final List<String> SCOPE = List.of(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR);

  /**
   * Contingency counts of each annotator against every co-annotator drawn from {@code partners} (a subset of
   * {@code units}, whole annotators left out) on their shared units. The partners' answers are counted per unit and
   * category first, so each of an annotator's answers meets a unit's few categories rather than each co-annotator:
   * the count against category y is the partners who answered y, less the annotator's own answer when the annotator
   * is one of the partners.
   */
  public static Dataset<Row> peerCounts(Dataset<Row> units, Dataset<Row> partners) {
    Dataset<Row> answered = partners.groupBy(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT),
            col(Col.CATEGORY).as(Col.OTHER_CATEGORY), col(Col.ORDINAL).as(Col.OTHER_ORDINAL))
        .agg(count(lit(1)).as("answers"));
    Dataset<Row> partnerAnnotators = partners.select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR).distinct()
        .withColumn("partner", lit(true));
    Column self = coalesce(col("partner"), lit(false))
        .and(col(Col.CATEGORY).eqNullSafe(col(Col.OTHER_CATEGORY)))
        .and(col(Col.ORDINAL).eqNullSafe(col(Col.OTHER_ORDINAL)));
    return units.select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT), col(Col.ANNOTATOR), col(Col.CATEGORY),
            col(Col.ORDINAL))
        .join(answered, new String[] {Col.PROJECT, Col.TASK_TYPE, Col.UNIT})
        .join(broadcast(partnerAnnotators), new String[] {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR}, "left")
        .withColumn("others", col("answers").minus(when(self, lit(1L)).otherwise(lit(0L))))
        .filter(col("others").gt(0))
        .groupBy(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR), col(Col.CATEGORY), col(Col.ORDINAL),
            col(Col.OTHER_CATEGORY), col(Col.OTHER_ORDINAL))
        .agg(sum("others").as(Col.COUNT));
  }

  /** Contingency counts of each annotator against gold on gold units. */
  public static Dataset<Row> goldCounts(Dataset<Row> units, Dataset<Row> goldUnits) {
    Dataset<Row> g = goldUnits.select(col(Col.PROJECT).as("g_project"), col(Col.TASK_TYPE).as("g_task_type"),
        col(Col.UNIT).as("g_unit"), col(Col.CATEGORY).as(Col.OTHER_CATEGORY), col(Col.ORDINAL).as(Col.OTHER_ORDINAL));
    return units.join(g, col(Col.UNIT).equalTo(col("g_unit")).and(col(Col.PROJECT).equalTo(col("g_project")))
            .and(col(Col.TASK_TYPE).equalTo(col("g_task_type"))))
        .groupBy(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR), col(Col.CATEGORY), col(Col.ORDINAL),
            col(Col.OTHER_CATEGORY), col(Col.OTHER_ORDINAL))
        .count();
  }

  /**
   * Per scope, the configured drop measure ({@code drop_measures} per task type) from contingency counts, as
   * {@code kappa} with its {@code standard_error}, and the measure's name in {@code measure}. Only the weightings
   * some scope uses are computed.
   */
  public static Dataset<Row> kappas(Dataset<Row> counts, Projects projects) {
    Dataset<Row> tagged = counts.withColumn(Col.MEASURE, PerProject.byType(projects, col(Col.PROJECT),
        col(Col.TASK_TYPE), ProjectSettings::dropMeasure));
    java.util.Set<String> used = new java.util.TreeSet<>();
    java.util.stream.Stream.concat(java.util.stream.Stream.of(projects.defaults()),
            projects.names().stream().map(projects::of))
        .forEach(p -> TaskType.JUDGED.forEach(t -> used.add(p.dropMeasure(t))));
    List<String> groups = new java.util.ArrayList<>(SCOPE);
    groups.add(Col.MEASURE);
    Dataset<Row> out = null;
    for (Weighting w : Weighting.values()) {
      List<String> names = MEASURES_BY_WEIGHTING.get(w).stream().filter(used::contains).toList();
      if (names.isEmpty()) {
        continue;
      }
      Dataset<Row> k = Kappa.of(tagged.filter(col(Col.MEASURE).isin(names.toArray())), groups, w)
          .withColumn(Kappa.KAPPA, when(col(Col.MEASURE).equalTo("scott_pi"), col(Kappa.SCOTT_PI))
              .otherwise(col(Kappa.KAPPA)));
      out = out == null ? k : out.unionByName(k);
    }
    return out;
  }

  private static final java.util.Map<Weighting, List<String>> MEASURES_BY_WEIGHTING = java.util.Map.of(
      Weighting.NOMINAL, List.of("cohen_kappa", "scott_pi"),
      Weighting.LINEAR, List.of("weighted_kappa_linear"),
      Weighting.QUADRATIC, List.of("weighted_kappa_quadratic"));
}
