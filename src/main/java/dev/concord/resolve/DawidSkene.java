package dev.concord.resolve;

import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.schema.Col;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dawid and Skene's expectation-maximisation (1979). Each annotator has a confusion matrix per project and task type
 * (the chance of answering k when the truth is c) and each project and task type has class priors; the posterior of
 * each unit's true answer and those parameters are estimated in turn until the mean log-likelihood per unit stops
 * improving. Gold units stay at their gold answer throughout, so that they anchor the annotators' matrices.
 *
 * <p>The votes are grouped by unit once, into compact rows of integers (the unit's scope, its gold answer, and per
 * vote the annotator's slot in the model and the answer's class index), kept in memory. An iteration is then one
 * pass over those rows with no shuffle: the E-step reads the parameters from a broadcast array, and the M-step's
 * sufficient statistics (posterior mass per annotator, answer and true class; per class; the log-likelihood) are
 * summed into arrays the size of the model, from which the driver works out the next parameters. The model is
 * indexed by integers; no annotator name or unit reaches the driver.
 *
 * <p>Posteriors are rounded to nine digits and the statistics summed as integers of 10^-9, so the sums are exact and
 * neither the partitioning nor the order of the votes changes any figure.
 */
public final class DawidSkene {
  private DawidSkene() {}

  private static final Logger LOG = LoggerFactory.getLogger(DawidSkene.class);

  public static final String POSTERIOR = "posterior";
  private static final String CLASSES = "classes";
  private static final String SCOPE = "scope";
  private static final String SLOT = "slot";
  private static final String K = "k";
  private static final String GOLD_K = "gold_k";
  private static final String VOTES = "votes";
  /** Posteriors are kept to this many decimals; the statistics count in units of 10^-DIGITS. */
  static final double SCALE = 1e9;
  /** Floor of a probability before its log, for smoothing 0: an impossible answer is very unlikely, not -inf. */
  private static final double FLOOR = 1e-12;
  /** Gold answer of a unit that has none. */
  static final int NO_GOLD = -1;

  /**
   * @param posteriors {@code unit, category, posterior}: every class of every voted unit
   * @param iterations EM iterations run
   * @param logLikelihood the last mean log-likelihood per unit without gold
   * @param converged whether the tolerance stopped it rather than the iteration cap
   */
  public record Estimate(Dataset<Row> posteriors, int iterations, double logLikelihood, boolean converged) {}

  /** The shape of {@link Estimate#posteriors}. */
  public static final StructType POSTERIORS = new StructType().add(Col.UNIT, "string").add(Col.CATEGORY, "string")
      .add(POSTERIOR, "double");

  // Unit, Shape and Params are classes rather than records: Spark's Kryo cannot write records.

  /** The votes on one unit as indexes into the model: the unit's scope, gold class, and per vote slot and class. */
  static final class Unit implements Serializable {
    private final String id;
    private final int scope;
    private final int goldK;
    private final int[] slots;
    private final int[] answers;

    Unit(String id, int scope, int goldK, int[] slots, int[] answers) {
      this.id = id;
      this.scope = scope;
      this.goldK = goldK;
      this.slots = slots;
      this.answers = answers;
    }

    String id() {
      return id;
    }

    int scope() {
      return scope;
    }

    int goldK() {
      return goldK;
    }

    int[] slots() {
      return slots;
    }

    int[] answers() {
      return answers;
    }
  }

  /**
   * The model's layout. Scopes (project and task type) are numbered in sorted order; scope s has {@code classes[s]}
   * classes and the annotator slots {@code firstSlot[s]} up to {@code firstSlot[s + 1]}. Slot a's confusion matrix
   * sits at {@code matrixBase[s] + (a - firstSlot[s]) * K * K}, row k (the answer) of K true classes c.
   */
  static final class Shape implements Serializable {
    private final int[] classes;
    private final int[] firstSlot;

    Shape(int[] classes, int[] firstSlot) {
      this.classes = classes;
      this.firstSlot = firstSlot;
    }

    int[] classes() {
      return classes;
    }

    int[] firstSlot() {
      return firstSlot;
    }

    int scopes() {
      return classes.length;
    }

    int matrixBase(int scope) {
      int base = 0;
      for (int s = 0; s < scope; s++) {
        base += (firstSlot[s + 1] - firstSlot[s]) * classes[s] * classes[s];
      }
      return base;
    }

    int[] matrixBases() {
      int[] out = new int[scopes() + 1];
      for (int s = 0; s <= scopes(); s++) {
        out[s] = matrixBase(s);
      }
      return out;
    }

    int priorBase(int scope) {
      int base = 0;
      for (int s = 0; s < scope; s++) {
        base += classes[s];
      }
      return base;
    }
  }

  /** Log confusion cells, laid out by {@link Shape}, and log class priors, scope after scope. */
  static final class Params implements Serializable {
    private final double[] logMatrix;
    private final double[] logPriors;

    Params(double[] logMatrix, double[] logPriors) {
      this.logMatrix = logMatrix;
      this.logPriors = logPriors;
    }

    double[] logMatrix() {
      return logMatrix;
    }

    double[] logPriors() {
      return logPriors;
    }
  }

  /**
   * @param votes {@code project, task_type, unit, annotator, category}, one row per annotator and unit
   * @param gold {@code unit, category} of the gold units
   */
  public static Estimate estimate(Dataset<Row> votes, Dataset<Row> gold, DawidSkeneSettings settings) {
    SparkSession spark = votes.sparkSession();
    Dataset<Row> goldSeen = gold.select(col(Col.UNIT), col(Col.CATEGORY))
        .join(votes.select(Col.UNIT, Col.PROJECT, Col.TASK_TYPE).distinct(), Col.UNIT);
    // One row per scope: as many as the configuration has projects and task types.
    List<Row> scopeRows = votes.select(Col.PROJECT, Col.TASK_TYPE, Col.CATEGORY)
        .unionByName(goldSeen.select(Col.PROJECT, Col.TASK_TYPE, Col.CATEGORY))
        .groupBy(Col.PROJECT, Col.TASK_TYPE).agg(array_sort(collect_set(Col.CATEGORY)).as(CLASSES))
        .orderBy(Col.PROJECT, Col.TASK_TYPE).collectAsList();
    List<Row> scoped = new ArrayList<>();
    String[][] names = new String[scopeRows.size()][];
    for (int s = 0; s < scopeRows.size(); s++) {
      Row r = scopeRows.get(s);
      names[s] = r.getList(2).toArray(String[]::new);
      scoped.add(RowFactory.create(r.getString(0), r.getString(1), s, r.getList(2)));
    }
    Dataset<Row> scopes = spark.createDataFrame(scoped, new StructType().add(Col.PROJECT, "string")
        .add(Col.TASK_TYPE, "string").add(SCOPE, "int").add(CLASSES, "array<string>"));
    Column index = array_position(col(CLASSES), col(Col.CATEGORY)).minus(1).cast("int");

    // Slots numbered by scope, then annotator: each scope's slots are one contiguous range.
    Dataset<Row> slots = votes.select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR).distinct()
        .join(broadcast(scopes.select(Col.PROJECT, Col.TASK_TYPE, SCOPE)), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .withColumn(SLOT, row_number().over(Window.partitionBy(SCOPE).orderBy(Col.ANNOTATOR)).minus(1).cast("int"))
        .localCheckpoint();
    int[] perScope = new int[names.length];
    for (Row r : slots.groupBy(SCOPE).agg(count(lit(1))).collectAsList()) {
      perScope[r.getInt(0)] = (int) r.getLong(1);
    }
    int[] firstSlot = new int[names.length + 1];
    int[] classes = new int[names.length];
    for (int s = 0; s < names.length; s++) {
      firstSlot[s + 1] = firstSlot[s] + perScope[s];
      classes[s] = names[s].length;
    }
    Shape shape = new Shape(classes, firstSlot);
    Dataset<Row> firstSlots = spark.createDataFrame(java.util.stream.IntStream.range(0, names.length)
        .mapToObj(s -> RowFactory.create(s, firstSlot[s])).toList(),
        new StructType().add(SCOPE, "int").add("first_slot", "int"));

    Dataset<Row> goldK = goldSeen.join(broadcast(scopes), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .select(col(Col.UNIT), index.as(GOLD_K));
    JavaRDD<Unit> units = votes
        .join(broadcast(scopes), new String[] {Col.PROJECT, Col.TASK_TYPE})
        .select(col(Col.PROJECT), col(Col.TASK_TYPE), col(SCOPE), col(Col.UNIT), col(Col.ANNOTATOR), index.as(K))
        .join(slots.join(broadcast(firstSlots), SCOPE).select(col(Col.PROJECT), col(Col.TASK_TYPE),
            col(Col.ANNOTATOR), col(SLOT).plus(col("first_slot")).as(SLOT)),
            new String[] {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR})
        .join(goldK, new String[] {Col.UNIT}, "left")
        .groupBy(Col.UNIT).agg(first(SCOPE).as(SCOPE), first(GOLD_K).as(GOLD_K),
            array_sort(collect_list(struct(col(SLOT), col(K)))).as(VOTES))
        .javaRDD()
        .map(DawidSkene::unit)
        .persist(StorageLevel.MEMORY_AND_DISK());

    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Statistics stats = Statistics.of(units, shape, null);
    Params params = params(stats, shape, settings);
    int iteration = 0;
    double previous = Double.NEGATIVE_INFINITY;
    boolean converged = false;
    List<Broadcast<Params>> sent = new ArrayList<>();
    while (iteration < settings.maxIterations() && !converged) {
      iteration++;
      Broadcast<Params> current = context.broadcast(params);
      sent.add(current);
      stats = Statistics.of(units, shape, current);
      params = params(stats, shape, settings);
      double ll = stats.meanLogLikelihood();
      converged = Math.abs(ll - previous) < settings.tolerance();
      LOG.info("Dawid-Skene iteration {}: mean log-likelihood per unit {}", iteration, ll);
      previous = ll;
    }
    Broadcast<Params> last = context.broadcast(params);
    sent.add(last);
    Broadcast<String[][]> categories = context.broadcast(names);
    JavaRDD<Row> rows = units.flatMap(u -> {
      double[] p = new double[shape.classes()[u.scope()]];
      posterior(u, shape, last.value(), p);
      List<Row> out = new ArrayList<>(p.length);
      for (int c = 0; c < p.length; c++) {
        out.add(RowFactory.create(u.id(), categories.value()[u.scope()][c], p[c]));
      }
      return out.iterator();
    });
    Dataset<Row> posteriors = spark.createDataFrame(rows, POSTERIORS).localCheckpoint();
    units.unpersist(false);
    sent.forEach(b -> b.destroy());
    categories.destroy();
    return new Estimate(posteriors, iteration, previous, converged);
  }

  private static Unit unit(Row r) {
    List<Row> votes = r.getList(3);
    int[] slots = new int[votes.size()];
    int[] answers = new int[votes.size()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = votes.get(i).getInt(0);
      answers[i] = votes.get(i).getInt(1);
    }
    return new Unit(r.getString(0), r.getInt(1), r.isNullAt(2) ? NO_GOLD : r.getInt(2), slots, answers);
  }

  /**
   * The E-step for one unit: its posterior over the scope's classes into {@code p}, rounded to nine digits, and its
   * log-likelihood as the return value. With null params the posterior is the share of votes (the start); a gold unit
   * holds all mass on its gold answer. Both return NaN, having no likelihood to count.
   */
  static double posterior(Unit u, Shape shape, Params params, double[] p) {
    int n = p.length;
    if (u.goldK() != NO_GOLD || params == null) {
      java.util.Arrays.fill(p, 0.0);
      if (u.goldK() != NO_GOLD) {
        p[u.goldK()] = 1.0;
      } else {
        for (int k : u.answers()) {
          p[k] += 1.0;
        }
        for (int c = 0; c < n; c++) {
          p[c] = Math.round(p[c] / u.answers().length * SCALE) / SCALE;
        }
      }
      return Double.NaN;
    }
    int scope = u.scope();
    int priorBase = shape.priorBase(scope);
    for (int c = 0; c < n; c++) {
      p[c] = params.logPriors()[priorBase + c];
    }
    int matrixBase = shape.matrixBase(scope);
    int first = shape.firstSlot()[scope];
    for (int v = 0; v < u.slots().length; v++) {
      int row = matrixBase + ((u.slots()[v] - first) * n + u.answers()[v]) * n;
      for (int c = 0; c < n; c++) {
        p[c] += params.logMatrix()[row + c];
      }
    }
    double top = Double.NEGATIVE_INFINITY;
    for (double s : p) {
      top = Math.max(top, s);
    }
    double z = 0;
    for (int c = 0; c < n; c++) {
      p[c] = Math.exp(p[c] - top);
      z += p[c];
    }
    for (int c = 0; c < n; c++) {
      p[c] = Math.round(p[c] / z * SCALE) / SCALE;
    }
    return top + Math.log(z);
  }

  /**
   * The M-step's sufficient statistics, in units of 10^-9: posterior {@code mass} per annotator slot, answer k and
   * true class c (laid out like the matrix); {@code classMass} per scope and class with {@code units} per scope; the
   * summed log-likelihood of the units without gold and their number.
   */
  static final class Statistics implements Serializable {
    final long[] mass;
    final long[] classMass;
    final long[] units;
    long logLikelihood;
    long likelihoodUnits;

    Statistics(Shape shape) {
      mass = new long[shape.matrixBase(shape.scopes())];
      classMass = new long[shape.priorBase(shape.scopes())];
      units = new long[shape.scopes()];
    }

    /** One pass over the units: the E-step under {@code params} (null: vote shares) and the sums of the M-step. */
    static Statistics of(JavaRDD<Unit> units, Shape shape, Broadcast<Params> params) {
      if (units.getNumPartitions() == 0) {
        return new Statistics(shape);
      }
      int[] bases = shape.matrixBases();
      // Each task makes its own arrays: a zero value would be shipped in every task's closure.
      return units.mapPartitions(part -> {
        Statistics acc = new Statistics(shape);
        Params current = params == null ? null : params.value();
        part.forEachRemaining(u -> acc.add(u, shape, bases, current));
        return List.of(acc).iterator();
      }).treeReduce(Statistics::merge);
    }

    Statistics add(Unit u, Shape shape, int[] matrixBases, Params params) {
      int scope = u.scope();
      int n = shape.classes()[scope];
      double[] p = new double[n];
      double ll = posterior(u, shape, params, p);
      int first = shape.firstSlot()[scope];
      int priorBase = shape.priorBase(scope);
      for (int c = 0; c < n; c++) {
        long m = Math.round(p[c] * SCALE);
        classMass[priorBase + c] += m;
        for (int v = 0; v < u.slots().length; v++) {
          mass[matrixBases[scope] + ((u.slots()[v] - first) * n + u.answers()[v]) * n + c] += m;
        }
      }
      units[scope]++;
      if (!Double.isNaN(ll)) {
        logLikelihood += Math.round(ll * SCALE);
        likelihoodUnits++;
      }
      return this;
    }

    Statistics merge(Statistics other) {
      for (int i = 0; i < mass.length; i++) {
        mass[i] += other.mass[i];
      }
      for (int i = 0; i < classMass.length; i++) {
        classMass[i] += other.classMass[i];
      }
      for (int i = 0; i < units.length; i++) {
        units[i] += other.units[i];
      }
      logLikelihood += other.logLikelihood;
      likelihoodUnits += other.likelihoodUnits;
      return this;
    }

    double meanLogLikelihood() {
      return likelihoodUnits == 0 ? 0.0 : logLikelihood / SCALE / likelihoodUnits;
    }
  }

  /**
   * Smoothed log confusion rows and log priors from the statistics. Each annotator's row for true class c is pulled
   * towards the pooled row of every annotator in the scope by {@code pooled_prior} units of weight.
   */
  static Params params(Statistics stats, Shape shape, DawidSkeneSettings settings) {
    double alpha = settings.smoothing();
    double strength = settings.pooledPrior();
    double[] logMatrix = new double[stats.mass.length];
    double[] logPriors = new double[stats.classMass.length];
    for (int s = 0; s < shape.scopes(); s++) {
      int n = shape.classes()[s];
      int base = shape.matrixBase(s);
      int slots = shape.firstSlot()[s + 1] - shape.firstSlot()[s];
      double[][] pooled = new double[n][n];
      double[] pooledTotal = new double[n];
      for (int a = 0; a < slots; a++) {
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            double m = stats.mass[base + (a * n + k) * n + c] / SCALE;
            pooled[k][c] += m;
            pooledTotal[c] += m;
          }
        }
      }
      for (int a = 0; a < slots; a++) {
        double[] rowTotal = new double[n];
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            rowTotal[c] += stats.mass[base + (a * n + k) * n + c] / SCALE;
          }
        }
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            int cell = base + (a * n + k) * n + c;
            double share = pooledTotal[c] > 0 ? pooled[k][c] / pooledTotal[c] : 1.0 / n;
            logMatrix[cell] = smoothedLog(stats.mass[cell] / SCALE + strength * share, rowTotal[c] + strength, n,
                alpha);
          }
        }
      }
      int priorBase = shape.priorBase(s);
      for (int c = 0; c < n; c++) {
        logPriors[priorBase + c] = smoothedLog(stats.classMass[priorBase + c] / SCALE, stats.units[s], n, alpha);
      }
    }
    return new Params(logMatrix, logPriors);
  }

  private static double smoothedLog(double mass, double total, int classes, double alpha) {
    double denominator = total + classes * alpha;
    return Math.log(Math.max(denominator > 0 ? (mass + alpha) / denominator : 1.0 / classes, FLOOR));
  }
}
