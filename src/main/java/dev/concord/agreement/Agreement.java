package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;

import dev.concord.schema.Col;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Per annotator, project and task type: agreement with co-annotators and with gold. The co-annotator figure is
 * Cohen's kappa of the pooled table of (this annotator's answer, a co-annotator's answer) over every unit they share,
 * which weighs each co-annotator by the units shared; pooling keeps the figure meaningful where most pairs share a
 * unit or two. Ratings are ordinal and use quadratic weights; every other answer is nominal.
 */
public final class Agreement {
  private Agreement() {}

  public static final List<String> SCOPE = List.of(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR);

  /**
   * Contingency counts of each annotator against every co-annotator drawn from {@code partners} (a subset of
   * {@code units}) on their shared units.
   */
  public static Dataset<Row> peerCounts(Dataset<Row> units, Dataset<Row> partners) {
    Dataset<Row> a = units.select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT), col(Col.ANNOTATOR),
        col(Col.CATEGORY), col(Col.ORDINAL));
    Dataset<Row> b = partners.select(col(Col.PROJECT).as("b_project"), col(Col.TASK_TYPE).as("b_task_type"),
        col(Col.UNIT).as("b_unit"), col(Col.ANNOTATOR).as("b_annotator"),
        col(Col.CATEGORY).as(Col.OTHER_CATEGORY), col(Col.ORDINAL).as(Col.OTHER_ORDINAL));
    return a.join(b, col(Col.UNIT).equalTo(col("b_unit")).and(col(Col.PROJECT).equalTo(col("b_project")))
            .and(col(Col.TASK_TYPE).equalTo(col("b_task_type"))).and(col(Col.ANNOTATOR).notEqual(col("b_annotator"))))
        .groupBy(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR), col(Col.CATEGORY), col(Col.ORDINAL),
            col(Col.OTHER_CATEGORY), col(Col.OTHER_ORDINAL))
        .count();
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

  /** Kappa per scope from contingency counts: ratings with quadratic weights, the rest nominal. */
  public static Dataset<Row> kappas(Dataset<Row> counts) {
    Dataset<Row> ordinal = Kappa.of(counts.filter(col(Col.TASK_TYPE).equalTo("rating")), SCOPE, Weighting.QUADRATIC);
    Dataset<Row> nominal = Kappa.of(counts.filter(col(Col.TASK_TYPE).notEqual("rating")), SCOPE, Weighting.NOMINAL);
    return ordinal.unionByName(nominal);
  }
}
