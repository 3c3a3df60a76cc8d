package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;

import dev.concord.config.ConcordConfig;
import dev.concord.config.Projects;
import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The agreement step's arithmetic as one pass per project and task type ({@link ScopePass}): the units and gold
 * units are shuffled once by scope and sorted by unit, and each scope's figures are summed as its units stream by.
 * The rows it returns hold the whole-scope figures ({@link #scopeFigures}, as {@link ProjectAgreement#of} has them)
 * and each annotator's kappas against co-annotators and against gold ({@link #kappas}, as {@link Agreement#kappas}).
 */
public final class AgreementPass {
  private AgreementPass() {}

  static final String KIND = "kind";
  static final String SCOPE = "scope";
  static final String PEER = "peer";
  static final String GOLD = "gold";
  private static final String IS_GOLD = "is_gold";

  private static final List<String> SCOPE_COLUMNS = List.of("units", "annotators", "ratings", "fleiss_kappa",
      "alpha_nominal", "alpha_ordinal", "alpha_interval", "light_kappa", "light_kappa_low", "light_kappa_high",
      "light_kappa_pairs", "mean_tau_b", "mean_tau_b_low", "mean_tau_b_high", "mean_tau_b_pairs", "fleiss_kappa_low",
      "fleiss_kappa_high", "alpha_nominal_low", "alpha_nominal_high");
  private static final Set<String> COUNTS = Set.of("units", "annotators", "ratings", "light_kappa_pairs",
      "mean_tau_b_pairs");
  /** Scope columns carry this prefix in the pass's rows, apart from the kappa rows' own {@code units}. */
  private static final String S = "scope_";
  static final int FIRST_SCOPE_COLUMN = 11;

  static final StructType OUT;

  static {
    StructType t = new StructType().add(KIND, "string").add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
        .add(Col.ANNOTATOR, "string").add(Col.MEASURE, "string").add(Kappa.UNITS, "long")
        .add(Kappa.OBSERVED, "double").add(Kappa.KAPPA, "double").add(Kappa.STANDARD_ERROR, "double")
        .add(Kappa.SCOTT_PI, "double").add(Kappa.BENNETT_S, "double");
    for (String c : SCOPE_COLUMNS) {
      t = t.add(S + c, COUNTS.contains(c) ? DataTypes.LongType : DataTypes.DoubleType);
    }
    OUT = t;
  }

  /**
   * The pass over {@code units} ({@code project, task_type, unit, annotator, category, ordinal}) and
   * {@code goldUnits} ({@code project, task_type, unit, category, ordinal}).
   *
   * @param a the project-level figures' settings (bootstrap, Light's kappa)
   * @param notPartners annotators whose answers no one is compared against (empty: everyone's)
   * @param scopeFigures whether to work out the whole-scope figures too
   */
  public static Dataset<Row> of(Dataset<Row> units, Dataset<Row> goldUnits, Projects projects,
      ConcordConfig.AgreementSettings a, Set<String> notPartners, boolean scopeFigures) {
    // A row per project and task type: the shares of units and annotators the samples draw depend on these.
    Map<String, long[]> sizes = new HashMap<>();
    Map<String, String> measures = new HashMap<>();
    for (Row r : units.groupBy(Col.PROJECT, Col.TASK_TYPE).agg(countDistinct(Col.UNIT), countDistinct(Col.ANNOTATOR))
        .collectAsList()) {
      String key = ScopePass.scopeKey(r.getString(0), r.getString(1));
      sizes.put(key, new long[] {r.getLong(2), r.getLong(3)});
      measures.put(key, projects.of(r.getString(0)).dropMeasure(TaskType.parse(r.getString(1))));
    }
    ScopePass.Settings settings = new ScopePass.Settings(a.bootstrapReplicates(), a.bootstrapMaxUnits(),
        a.pairwiseMaxAnnotators(), sizes, measures, Set.copyOf(notPartners), scopeFigures);
    Column[] stream = {col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT), col(Col.ANNOTATOR), col(Col.CATEGORY),
        col(Col.ORDINAL), col(IS_GOLD)};
    Dataset<Row> rows = units.withColumn(IS_GOLD, lit(false)).select(stream)
        .unionByName(goldUnits.withColumn(Col.ANNOTATOR, lit(null).cast("string")).withColumn(IS_GOLD, lit(true))
            .select(stream))
        .repartition(col(Col.PROJECT), col(Col.TASK_TYPE))
        .sortWithinPartitions(Col.PROJECT, Col.TASK_TYPE, Col.UNIT);
    JavaRDD<Row> out = rows.javaRDD().mapPartitions(part -> ScopePass.run(part, settings));
    return units.sparkSession().createDataFrame(out, OUT);
  }

  /** The whole-scope figures: one row per project and task type, as {@link ProjectAgreement#of} returns them. */
  public static Dataset<Row> scopeFigures(Dataset<Row> pass) {
    Column[] columns = new Column[SCOPE_COLUMNS.size() + 2];
    columns[0] = col(Col.PROJECT);
    columns[1] = col(Col.TASK_TYPE);
    for (int i = 0; i < SCOPE_COLUMNS.size(); i++) {
      columns[i + 2] = col(S + SCOPE_COLUMNS.get(i)).as(SCOPE_COLUMNS.get(i));
    }
    return pass.filter(col(KIND).equalTo(SCOPE)).select(columns);
  }

  /**
   * Each annotator's kappa against co-annotators ({@code gold} false) or gold, as {@link Agreement#kappas} returns
   * them: {@code project, task_type, annotator, measure, units, observed_agreement, kappa, standard_error,
   * scott_pi, bennett_s}.
   */
  public static Dataset<Row> kappas(Dataset<Row> pass, boolean gold) {
    return pass.filter(col(KIND).equalTo(gold ? GOLD : PEER)).select(col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.ANNOTATOR), col(Col.MEASURE), col(Kappa.UNITS), col(Kappa.OBSERVED), col(Kappa.KAPPA),
        col(Kappa.STANDARD_ERROR), col(Kappa.SCOTT_PI), col(Kappa.BENNETT_S));
  }
}
