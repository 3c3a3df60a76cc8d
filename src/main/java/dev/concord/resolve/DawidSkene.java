package dev.concord.resolve;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.zip_with;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dawid and Skene's expectation-maximisation (1979) as Spark aggregations. Each annotator has a confusion matrix per
 * project and task type (the chance of answering k when the truth is c) and each project and task type has class
 * priors; the posterior of each unit's true answer and those parameters are estimated in turn until the mean
 * log-likelihood per unit stops improving. Gold units stay at their gold answer throughout, so that they anchor
 * the annotators' matrices.
 *
 * <p>A unit's posterior is an array over its project and task type's classes (the answers seen there, sorted). An
 * iteration is one pass over the votes, which sit partitioned by unit: the E-step joins each vote to its annotator's
 * row of log probabilities (a small broadcast table) and sums them per unit; the M-step's sufficient statistics
 * (posterior mass per annotator, answer and true class; per class; the log-likelihood) are summed in the same pass
 * into one small table, the size of the model, from which the driver works out the next parameters. Posteriors are
 * rounded to nine digits so that the order in which Spark adds up floating-point numbers never changes an answer.
 */
public final class DawidSkene {
  private DawidSkene() {}

  private static final Logger LOG = LoggerFactory.getLogger(DawidSkene.class);

  public static final String POSTERIOR = "posterior";
  private static final String CLASSES = "classes";
  private static final String N_CLASSES = "n_classes";
  private static final String K = "k";
  private static final String C = "c";
  private static final String GOLD_K = "gold_k";
  private static final String VOTES = "votes";
  private static final String P = "p";
  private static final String LL = "ll";
  private static final String MASS = "mass";
  private static final String COUNT = "units";
  private static final String LCS = "lcs";
  private static final String LOG_PRIOR = "log_prior";
  /** The statistics' k of the class-prior rows and the c of the log-likelihood row. */
  private static final int NONE = -1;
  private static final int DIGITS = 9;
  /** Floor of a probability before its log, for smoothing 0: an impossible answer is very unlikely, not -inf. */
  private static final double FLOOR = 1e-12;

  /**
   * @param posteriors {@code unit, category, posterior}: every class of every voted unit
   * @param iterations EM iterations run
   * @param logLikelihood the last mean log-likelihood per unit without gold
   * @param converged whether the tolerance stopped it rather than the iteration cap
   */
  public record Estimate(Dataset<Row> posteriors, int iterations, double logLikelihood, boolean converged) {}

  /** The model: each annotator's log confusion rows ({@code lcs} over true classes, per answer k), the log priors. */
  record Params(Dataset<Row> logMatrix, Dataset<Row> logPriors, double logLikelihood) {}

  /** The shape of {@link Estimate#posteriors}. */
  public static final StructType POSTERIORS = new StructType().add(Col.UNIT, "string").add(Col.CATEGORY, "string")
      .add(POSTERIOR, "double");
  private static final StructType MATRIX = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.ANNOTATOR, "string").add(K, "int").add(LCS, "array<double>");
  private static final StructType PRIORS = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(LOG_PRIOR, "array<double>");

  /**
   * @param votes {@code project, task_type, unit, annotator, category}, one row per annotator and unit
   * @param gold {@code unit, category} of the gold units
   */
  public static Estimate estimate(Dataset<Row> votes, Dataset<Row> gold, DawidSkeneSettings settings) {
    Dataset<Row> goldSeen = gold.select(col(Col.UNIT), col(Col.CATEGORY))
        .join(votes.select(Col.UNIT, Col.PROJECT, Col.TASK_TYPE).distinct(), Col.UNIT);
    Dataset<Row> classes = votes.select(Col.PROJECT, Col.TASK_TYPE, Col.CATEGORY)
        .unionByName(goldSeen.select(Col.PROJECT, Col.TASK_TYPE, Col.CATEGORY))
        .groupBy(Col.PROJECT, Col.TASK_TYPE).agg(array_sort(collect_set(Col.CATEGORY)).as(CLASSES))
        .withColumn(N_CLASSES, size(col(CLASSES)))
        .localCheckpoint();
    Column index = array_position(col(CLASSES), col(Col.CATEGORY)).minus(1).cast("int");
    Dataset<Row> goldK = goldSeen.join(broadcast(classes), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .select(col(Col.UNIT), index.as(GOLD_K));
    Dataset<Row> obs = votes.join(broadcast(classes), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT), col(Col.ANNOTATOR), index.as(K),
            col(N_CLASSES))
        .join(goldK, new String[] {Col.UNIT}, "left")
        .repartition(col(Col.UNIT))
        .localCheckpoint();

    SparkSession spark = votes.sparkSession();
    Map<List<String>, Integer> sizes = new HashMap<>();
    for (Row r : classes.select(Col.PROJECT, Col.TASK_TYPE, N_CLASSES).collectAsList()) {
      sizes.put(List.of(r.getString(0), r.getString(1)), r.getInt(2));
    }
    Params params = params(statistics(posteriors(obs, null)).collectAsList(), sizes, settings, spark);
    int iteration = 0;
    double previous = Double.NEGATIVE_INFINITY;
    boolean converged = false;
    while (iteration < settings.maxIterations() && !converged) {
      iteration++;
      params = params(statistics(posteriors(obs, params)).collectAsList(), sizes, settings, spark);
      converged = Math.abs(params.logLikelihood() - previous) < settings.tolerance();
      LOG.info("Dawid-Skene iteration {}: mean log-likelihood per unit {}", iteration, params.logLikelihood());
      previous = params.logLikelihood();
    }
    Dataset<Row> posteriors = posteriors(obs, params)
        .join(broadcast(classes.select(Col.PROJECT, Col.TASK_TYPE, CLASSES)), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .select(col(Col.UNIT), posexplode(col(P)).as(new String[] {C, POSTERIOR}), col(CLASSES))
        .select(col(Col.UNIT), element_at(col(CLASSES), col(C).plus(1)).as(Col.CATEGORY), col(POSTERIOR));
    return new Estimate(posteriors, iteration, previous, converged);
  }

  /**
   * One row per unit: {@code project, task_type, n_classes, votes} (annotator and answer k), its posterior {@code p}
   * and log-likelihood {@code ll} under {@code params}, or, with null params, the vote shares. Gold units hold all
   * mass on the gold answer and have no log-likelihood.
   */
  static Dataset<Row> posteriors(Dataset<Row> obs, Params params) {
    Dataset<Row> joined = params == null ? obs
        : obs.join(broadcast(params.logMatrix()), new String[] {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR, K});
    Dataset<Row> perUnit = joined.groupBy(Col.UNIT).agg(first(Col.PROJECT).as(Col.PROJECT),
        first(Col.TASK_TYPE).as(Col.TASK_TYPE), first(N_CLASSES).as(N_CLASSES), first(GOLD_K).as(GOLD_K),
        collect_list(struct(col(Col.ANNOTATOR), col(K))).as(VOTES),
        params == null ? lit(null).as(LCS) : collect_list(LCS).as(LCS));
    Column everyClass = sequence(lit(0), col(N_CLASSES).minus(1));
    Column p;
    Column ll;
    if (params == null) {
      p = transform(everyClass, c -> size(filter(col(VOTES), v -> v.getField(K).equalTo(c))).divide(size(col(VOTES))));
      ll = lit(null).cast("double");
    } else {
      perUnit = perUnit.join(broadcast(params.logPriors()), new String[] {Col.PROJECT, Col.TASK_TYPE});
      Column s = aggregate(col(LCS), col(LOG_PRIOR), (acc, x) -> zip_with(acc, x, Column::plus));
      Column top = array_max(s);
      Column e = transform(s, x -> exp(x.minus(top)));
      Column z = aggregate(e, lit(0.0), Column::plus);
      p = transform(e, x -> round(x.divide(z), DIGITS));
      ll = top.plus(log(z));
    }
    Column isGold = col(GOLD_K).isNotNull();
    return perUnit.select(col(Col.UNIT), col(Col.PROJECT), col(Col.TASK_TYPE), col(N_CLASSES), col(VOTES),
        when(isGold, transform(everyClass, c -> when(c.equalTo(col(GOLD_K)), lit(1.0)).otherwise(lit(0.0))))
            .otherwise(p).as(P),
        when(isGold, lit(null).cast("double")).otherwise(ll).as(LL));
  }

  /**
   * The M-step's sufficient statistics in one small table: posterior {@code mass} per (annotator, answer k, true
   * class c); per class c with k = -1 (the priors, with the number of units); and the summed log-likelihood at
   * c = -1.
   */
  static Dataset<Row> statistics(Dataset<Row> units) {
    Dataset<Row> perAnswer = units
        .select(col(Col.PROJECT), col(Col.TASK_TYPE), explode(col(VOTES)).as("v"), col(P))
        .select(col(Col.PROJECT), col(Col.TASK_TYPE), col("v." + Col.ANNOTATOR).as(Col.ANNOTATOR),
            col("v." + K).as(K), posexplode(col(P)).as(new String[] {C, MASS}), lit(0L).as(COUNT));
    Dataset<Row> perClass = units.select(col(Col.PROJECT), col(Col.TASK_TYPE),
        lit(null).cast("string").as(Col.ANNOTATOR), lit(NONE).as(K), posexplode(col(P)).as(new String[] {C, MASS}),
        lit(1L).as(COUNT));
    Dataset<Row> likelihood = units.filter(col(LL).isNotNull()).select(col(Col.PROJECT), col(Col.TASK_TYPE),
        lit(null).cast("string").as(Col.ANNOTATOR), lit(NONE).as(K), lit(NONE).as(C), col(LL).as(MASS),
        lit(1L).as(COUNT));
    return perAnswer.unionByName(perClass).unionByName(likelihood)
        .groupBy(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR, K, C).agg(sum(MASS).as(MASS), sum(COUNT).as(COUNT));
  }

  /**
   * Smoothed log confusion rows and log priors from the statistics, and the mean log-likelihood they record. The
   * statistics have one row per annotator, answer and true class: the size of the model, not of the data, and the
   * rows a broadcast join of the parameters would bring to the driver anyway; working them out here saves a handful
   * of Spark stages per iteration.
   */
  static Params params(List<Row> stats, Map<List<String>, Integer> sizes, DawidSkeneSettings settings,
      SparkSession spark) {
    double alpha = settings.smoothing();
    double strength = settings.pooledPrior();
    Map<List<String>, double[]> rowTotals = new HashMap<>();
    Map<List<Object>, Double> pooled = new HashMap<>();
    Map<List<Object>, Double> pooledTotals = new HashMap<>();
    Map<List<String>, double[]> classMass = new HashMap<>();
    Map<List<String>, Long> unitCount = new HashMap<>();
    double ll = 0;
    long llUnits = 0;
    for (Row r : stats) {
      List<String> scope = List.of(r.getString(0), r.getString(1));
      int k = r.getInt(3);
      int c = r.getInt(4);
      if (c == NONE) {
        ll += r.getDouble(5);
        llUnits += r.getLong(6);
      } else if (k == NONE) {
        classMass.computeIfAbsent(scope, x -> new double[sizes.get(x)])[c] += r.getDouble(5);
        unitCount.put(scope, r.getLong(6));
      } else {
        rowTotals.computeIfAbsent(List.of(r.getString(0), r.getString(1), r.getString(2)),
            x -> new double[sizes.get(scope)])[c] += r.getDouble(5);
        pooled.merge(List.of(r.getString(0), r.getString(1), c, k), r.getDouble(5), Double::sum);
        pooledTotals.merge(List.of(r.getString(0), r.getString(1), c), r.getDouble(5), Double::sum);
      }
    }
    Map<List<Object>, Double[]> rows = new HashMap<>();
    for (Row r : stats) {
      int k = r.getInt(3);
      int c = r.getInt(4);
      if (k != NONE && c != NONE) {
        int n = sizes.get(List.of(r.getString(0), r.getString(1)));
        double total = rowTotals.get(List.of(r.getString(0), r.getString(1), r.getString(2)))[c];
        rows.computeIfAbsent(List.of(r.getString(0), r.getString(1), r.getString(2), k), x -> new Double[n])[c] =
            smoothedLog(r.getDouble(5) + strength * pooledShare(pooled, pooledTotals, r, n), total + strength, n, alpha);
      }
    }
    List<Row> matrix = new ArrayList<>();
    rows.forEach((key, lcs) -> matrix.add(RowFactory.create(key.get(0), key.get(1), key.get(2), key.get(3),
        List.of(lcs))));
    List<Row> priors = new ArrayList<>();
    classMass.forEach((scope, mass) -> {
      Double[] lp = new Double[mass.length];
      for (int c = 0; c < mass.length; c++) {
        lp[c] = smoothedLog(mass[c], unitCount.get(scope), mass.length, alpha);
      }
      priors.add(RowFactory.create(scope.get(0), scope.get(1), List.of(lp)));
    });
    return new Params(spark.createDataFrame(matrix, MATRIX), spark.createDataFrame(priors, PRIORS),
        llUnits == 0 ? 0.0 : ll / llUnits);
  }

  /** The average annotator's chance of answer k given class c, in the scope of {@code stat}. */
  private static double pooledShare(Map<List<Object>, Double> pooled, Map<List<Object>, Double> totals, Row stat,
      int classes) {
    double total = totals.getOrDefault(List.of(stat.getString(0), stat.getString(1), stat.getInt(4)), 0.0);
    return total > 0
        ? pooled.getOrDefault(List.of(stat.getString(0), stat.getString(1), stat.getInt(4), stat.getInt(3)), 0.0) / total
        : 1.0 / classes;
  }

  private static double smoothedLog(double mass, double total, int classes, double alpha) {
    double denominator = total + classes * alpha;
    return Math.log(Math.max(denominator > 0 ? (mass + alpha) / denominator : 1.0 / classes, FLOOR));
  }

}
