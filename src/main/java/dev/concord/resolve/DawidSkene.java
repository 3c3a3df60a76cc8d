package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.config.ProjectSettings;
import dev.concord.schema.Col;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dawid and Skene's expectation-maximisation (1979). Each annotator has a confusion matrix per project and task type
 * (the chance of answering k when the truth is c) and each project and task type has class priors; the posterior of
 * each unit's true answer and those parameters are estimated in turn until the mean log-likelihood per unit stops
 * improving. Gold units stay at their gold answer throughout, so that they anchor the annotators' matrices. A
 * project resolved by {@code one_coin} or {@code mace} fits a constrained matrix ({@link Model}) in the same pass;
 * one resolved by {@code minimax_entropy} also gives each unit terms of its own ({@link MinimaxEntropy}); under
 * {@code auto} each project and task type first takes the model that best predicts held-out answers
 * ({@link #choose}).
 *
 * <p>The whole estimation is one Spark task: the votes, sorted by unit, are read once into compact rows of integers
 * (the unit's scope, its gold answer, and per vote the annotator's slot in the model and the answer's class index),
 * and every iteration is a pass over them in memory, the E-step under the current parameters and the M-step's
 * sufficient statistics (posterior mass per annotator, answer and true class; per class; the log-likelihood) summed
 * into arrays the size of the model. A Spark job per iteration would cost more in scheduling than the pass itself;
 * the memory is a few integers a vote. No annotator name or unit reaches the driver.
 *
 * <p>Posteriors are rounded to nine digits and the statistics summed as integers of 10^-9, so the sums are exact and
 * neither the partitioning nor the order of the votes changes any figure.
 */
public final class DawidSkene {
  private DawidSkene() {}

  private static final Logger LOG = LoggerFactory.getLogger(DawidSkene.class);

  public static final String POSTERIOR = "posterior";
  /** Column of the votes: whether the vote enters its unit's posterior (its annotator is kept), or only the estimate. */
  public static final String COUNTED = "counted";
  private static final String IS_GOLD = "is_gold";
  /** Posteriors are kept to this many decimals; the statistics count in units of 10^-DIGITS. */
  static final double SCALE = 1e9;
  /** Gold answer of a unit that has none. */
  static final int NO_GOLD = -1;

  /**
   * @param posteriors {@code unit, category, posterior}: every class of every voted unit
   * @param iterations EM iterations run
   * @param logLikelihood the last mean log-likelihood per unit without gold
   * @param converged whether the tolerance stopped it rather than the iteration cap
   * @param matrices {@code project, task_type, annotator, answer, truth, probability}: every annotator's estimated
   *     confusion matrix, the probability of each answer given each true class; bounded by the annotators and classes
   * @param models the model each project and task type was estimated by, as its {@code resolution_method} (where
   *     the project's is {@code auto}, the one chosen), keyed by {@link #scope}
   */
  public record Estimate(Dataset<Row> posteriors, int iterations, double logLikelihood, boolean converged,
      Dataset<Row> matrices, Map<List<String>, String> models) {}

  /** The key of a project and task type in {@link Estimate#models}. */
  public static List<String> scope(String project, String taskType) {
    return List.of(project, taskType);
  }

  /** The shape of {@link Estimate#matrices}. */
  public static final StructType MATRICES = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.ANNOTATOR, "string").add(Col.ANSWER, "string").add(Col.TRUTH, "string").add(Col.PROBABILITY, "double");

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
    private final int ordinal;

    /** @param ordinal the unit's place among the estimate's units, where a model with unit terms keeps them */
    Unit(String id, int scope, int goldK, int[] slots, int[] answers, int ordinal) {
      this.id = id;
      this.scope = scope;
      this.goldK = goldK;
      this.slots = slots;
      this.answers = answers;
      this.ordinal = ordinal;
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

    int ordinal() {
      return ordinal;
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
    private final Model[] models;
    private final double[] itemPenalty;
    private final int[] bases;

    Shape(int[] classes, int[] firstSlot) {
      this(classes, firstSlot, null, null);
    }

    /**
     * @param models each scope's model; null: Dawid-Skene's full matrices throughout
     * @param itemPenalty each scope's penalty on a unit's own terms ({@link MinimaxEntropy#itemPenalty}); null where
     *     no model has any
     */
    Shape(int[] classes, int[] firstSlot, Model[] models, double[] itemPenalty) {
      this.classes = classes;
      this.firstSlot = firstSlot;
      this.models = models;
      this.itemPenalty = itemPenalty;
      this.bases = new int[classes.length + 1];
      for (int s = 0; s < classes.length; s++) {
        bases[s + 1] = bases[s] + (firstSlot[s + 1] - firstSlot[s]) * classes[s] * classes[s];
      }
    }

    /** The same layout with other models. */
    Shape with(Model[] others) {
      return new Shape(classes, firstSlot, others, itemPenalty);
    }

    Model model(int scope) {
      return models == null ? Model.FULL : models[scope];
    }

    double itemPenalty(int scope) {
      return itemPenalty[scope];
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
      return bases[scope];
    }

    int[] matrixBases() {
      return bases.clone();
    }

    int priorBase(int scope) {
      int base = 0;
      for (int s = 0; s < scope; s++) {
        base += classes[s];
      }
      return base;
    }
  }

  /**
   * Log confusion cells, laid out by {@link Shape}, and log class priors, scope after scope; for a model with unit
   * terms ({@link Model#itemTerms}) also the annotators' terms ({@code logits}, laid out as the cells, whose softmax
   * the cells are) and each unit's, by {@link Unit#ordinal}.
   */
  static final class Params implements Serializable {
    private final double[] logMatrix;
    private final double[] logPriors;
    private final double[] logits;
    private final double[][] itemLogits;

    Params(double[] logMatrix, double[] logPriors) {
      this(logMatrix, logPriors, null, null);
    }

    Params(double[] logMatrix, double[] logPriors, double[] logits, double[][] itemLogits) {
      this.logMatrix = logMatrix;
      this.logPriors = logPriors;
      this.logits = logits;
      this.itemLogits = itemLogits;
    }

    double[] logits() {
      return logits;
    }

    /** A unit's own terms, or null while it has none. */
    double[] item(int ordinal) {
      return itemLogits == null || ordinal >= itemLogits.length ? null : itemLogits[ordinal];
    }

    double[] logMatrix() {
      return logMatrix;
    }

    double[] logPriors() {
      return logPriors;
    }
  }

  /**
   * @param votes {@code project, task_type, unit, annotator, category}, one row per annotator and unit, and the
   *     project's {@code method} (one of {@link ProjectSettings#ESTIMATED}; without the column, {@code dawid_skene})
   *     and whether it is {@code counted} in its unit's posterior (without the column, every vote is): an uncounted
   *     vote informs the annotators' matrices and the priors, and no unit's posterior; a unit with no counted vote
   *     has no posterior
   * @param gold {@code unit, category} of the gold units
   */
  public static Estimate estimate(Dataset<Row> votes, Dataset<Row> gold, DawidSkeneSettings settings) {
    SparkSession spark = votes.sparkSession();
    // The whole estimation is one task: every iteration is a pass over arrays in memory, where a Spark job per
    // iteration would cost more in scheduling than the pass itself. Its input is the votes, sorted by unit.
    List<String> columns = Arrays.asList(votes.columns());
    Column method = columns.contains(Resolve.METHOD) ? col(Resolve.METHOD) : lit(ProjectSettings.DAWID_SKENE);
    Column counted = columns.contains(COUNTED) ? col(COUNTED) : lit(true);
    Dataset<Row> rows = votes.select(col(Col.UNIT), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR),
            col(Col.CATEGORY), lit(false).as(IS_GOLD), method.as(Resolve.METHOD), counted.as(COUNTED))
        .unionByName(gold.select(col(Col.UNIT), lit(null).cast("string").as(Col.PROJECT),
            lit(null).cast("string").as(Col.TASK_TYPE), lit(null).cast("string").as(Col.ANNOTATOR),
            col(Col.CATEGORY), lit(true).as(IS_GOLD), lit(null).cast("string").as(Resolve.METHOD),
            lit(null).cast("boolean").as(COUNTED)))
        .repartition(1).sortWithinPartitions(Col.UNIT, IS_GOLD);
    CollectionAccumulator<double[]> summary = spark.sparkContext().collectionAccumulator();
    CollectionAccumulator<List<Object[]>> matrices = spark.sparkContext().collectionAccumulator();
    CollectionAccumulator<List<String[]>> models = spark.sparkContext().collectionAccumulator();
    JavaRDD<Row> estimated = rows.javaRDD().mapPartitions(part -> fit(part, settings, summary, matrices, models));
    Dataset<Row> posteriors = spark.createDataFrame(estimated, POSTERIORS).localCheckpoint();
    // A retried task adds its figures again: the last attempt's are the estimate's.
    List<double[]> runs = summary.value();
    double[] last = runs.isEmpty() ? new double[] {0, 0, 1} : runs.get(runs.size() - 1);
    List<List<Object[]>> fitted = matrices.value();
    List<Row> cells = fitted.isEmpty() ? List.of() : fitted.get(fitted.size() - 1).stream()
        .map(RowFactory::create).toList();
    Map<List<String>, String> chosen = new HashMap<>();
    List<List<String[]>> modelRuns = models.value();
    if (!modelRuns.isEmpty()) {
      modelRuns.get(modelRuns.size() - 1).forEach(m -> chosen.put(scope(m[0], m[1]), m[2]));
    }
    return new Estimate(posteriors, (int) last[0], last[1], last[2] == 1, spark.createDataFrame(cells, MATRICES),
        Map.copyOf(chosen));
  }

  /**
   * The estimation in one task over rows sorted by unit: the model laid out (scopes in sorted order, each scope's
   * classes and annotators sorted), the units compacted, EM run to convergence, the posteriors returned. The
   * iteration count, the last mean log-likelihood and whether it converged go to {@code summary}, each scope's
   * {@code project, task_type, method} to {@code methods}.
   */
  static Iterator<Row> fit(Iterator<Row> rows, DawidSkeneSettings settings, CollectionAccumulator<double[]> summary,
      CollectionAccumulator<List<Object[]>> matrices, CollectionAccumulator<List<String[]>> methods) {
    record Vote(String annotator, String category, boolean counted) {}
    TreeMap<String, TreeSet<String>> classesOf = new TreeMap<>();
    TreeMap<String, TreeSet<String>> annotatorsOf = new TreeMap<>();
    Map<String, Model> modelOf = new HashMap<>();
    List<String> unitIds = new ArrayList<>();
    List<String> unitScopes = new ArrayList<>();
    List<String> unitGold = new ArrayList<>();
    List<List<Vote>> unitVotes = new ArrayList<>();
    String current = null;
    List<Vote> votes = new ArrayList<>();
    String scope = null;
    String goldAnswer = null;
    while (true) {
      Row r = rows.hasNext() ? rows.next() : null;
      if (current != null && (r == null || !r.getString(0).equals(current))) {
        if (!votes.isEmpty()) {
          unitIds.add(current);
          unitScopes.add(scope);
          unitGold.add(goldAnswer);
          unitVotes.add(votes);
          if (goldAnswer != null) {
            classesOf.get(scope).add(goldAnswer);
          }
        }
        votes = new ArrayList<>();
        scope = null;
        goldAnswer = null;
      }
      if (r == null) {
        break;
      }
      current = r.getString(0);
      if (r.getBoolean(5)) {
        goldAnswer = r.getString(4);
      } else {
        scope = r.getString(1) + "\u001f" + r.getString(2);
        votes.add(new Vote(r.getString(3), r.getString(4), r.isNullAt(7) || r.getBoolean(7)));
        classesOf.computeIfAbsent(scope, x -> new TreeSet<>()).add(r.getString(4));
        annotatorsOf.computeIfAbsent(scope, x -> new TreeSet<>()).add(r.getString(3));
        Model model = Model.of(r.getString(6));
        if (modelOf.computeIfAbsent(scope, x -> model) != model) {
          throw new IllegalArgumentException("project '" + r.getString(1) + "', task type '" + r.getString(2)
              + "': its votes name two estimated methods, " + modelOf.get(scope) + " and " + model);
        }
      }
    }
    List<String> scopes = new ArrayList<>(classesOf.keySet());
    String[][] names = new String[scopes.size()][];
    int[] classes = new int[scopes.size()];
    int[] firstSlot = new int[scopes.size() + 1];
    Model[] models = new Model[scopes.size()];
    Map<String, Integer> scopeIndex = new HashMap<>();
    List<Map<String, Integer>> classIndex = new ArrayList<>();
    List<Map<String, Integer>> slotIndex = new ArrayList<>();
    for (int s = 0; s < scopes.size(); s++) {
      scopeIndex.put(scopes.get(s), s);
      models[s] = modelOf.get(scopes.get(s));
      names[s] = classesOf.get(scopes.get(s)).toArray(String[]::new);
      classes[s] = names[s].length;
      Map<String, Integer> ks = new HashMap<>();
      for (int k = 0; k < names[s].length; k++) {
        ks.put(names[s][k], k);
      }
      classIndex.add(ks);
      Map<String, Integer> slots = new HashMap<>();
      for (String a : annotatorsOf.get(scopes.get(s))) {
        slots.put(a, firstSlot[s] + slots.size());
      }
      slotIndex.add(slots);
      firstSlot[s + 1] = firstSlot[s] + slots.size();
    }
    long[] unitsOf = new long[scopes.size()];
    unitScopes.forEach(x -> unitsOf[scopeIndex.get(x)]++);
    double[] itemPenalty = new double[scopes.size()];
    for (int s = 0; s < scopes.size(); s++) {
      itemPenalty[s] = MinimaxEntropy.itemPenalty(classes[s], unitsOf[s], firstSlot[s + 1] - firstSlot[s]);
    }
    Shape shape = new Shape(classes, firstSlot, models, itemPenalty);
    List<Unit> units = new ArrayList<>(unitIds.size());
    // Every vote informs the estimate; only the counted ones (the kept annotators') make a unit's posterior.
    List<Unit> posteriorUnits = new ArrayList<>(unitIds.size());
    // Under auto, the answers a candidate model is fitted on, and those it is judged by, unit by unit of the scopes
    // being chosen: the others' models are settled and need no trial fits.
    List<Unit> fitted = new ArrayList<>();
    List<Unit> heldOut = new ArrayList<>();
    for (int u = 0; u < unitIds.size(); u++) {
      int s = scopeIndex.get(unitScopes.get(u));
      List<Vote> vs = unitVotes.get(u);
      boolean auto = models[s] == Model.AUTO;
      int[][] triples = new int[vs.size()][];
      for (int v = 0; v < triples.length; v++) {
        triples[v] = new int[] {slotIndex.get(s).get(vs.get(v).annotator()),
            classIndex.get(s).get(vs.get(v).category()), vs.get(v).counted() ? 1 : 0,
            auto && heldOut(unitIds.get(u), vs.get(v).annotator()) ? 1 : 0};
      }
      // Votes in (slot, class) order: the E-step adds their logs in this order, the same in every run.
      Arrays.sort(triples, Comparator.<int[]>comparingInt(x -> x[0]).thenComparingInt(x -> x[1]));
      String g = unitGold.get(u);
      int goldK = g == null ? NO_GOLD : classIndex.get(s).get(g);
      Unit all = unit(unitIds.get(u), s, goldK, triples, t -> true, u);
      units.add(all);
      // Mostly every vote counts, and the unit serves both; otherwise the counted votes make a unit of their own.
      Unit counted = Arrays.stream(triples).allMatch(t -> t[2] == 1) ? all
          : unit(unitIds.get(u), s, goldK, triples, t -> t[2] == 1, u);
      if (counted.slots().length > 0) {
        posteriorUnits.add(counted);
      }
      if (auto) {
        fitted.add(unit(unitIds.get(u), s, goldK, triples, t -> t[3] == 0, u));
        heldOut.add(unit(unitIds.get(u), s, NO_GOLD, triples, t -> t[3] == 1, u));
      }
    }
    if (!fitted.isEmpty()) {
      shape = shape.with(choose(shape, fitted, heldOut, settings, scopes));
    }

    Fit fit = run(units, shape, settings);
    Params params = fit.params();
    summary.add(new double[] {fit.iterations(), fit.logLikelihood(), fit.converged() ? 1 : 0});
    matrices.add(matrices(scopes, names, slotIndex, shape, params));
    List<String[]> used = new ArrayList<>();
    for (int s = 0; s < scopes.size(); s++) {
      String[] projectAndType = scopes.get(s).split("\u001f", 2);
      used.add(new String[] {projectAndType[0], projectAndType[1], shape.model(s).method()});
    }
    methods.add(used);
    List<Row> out = new ArrayList<>();
    for (Unit u : posteriorUnits) {
      double[] p = new double[shape.classes()[u.scope()]];
      posterior(u, shape, params, p);
      for (int c = 0; c < p.length; c++) {
        out.add(RowFactory.create(u.id(), names[u.scope()][c], p[c]));
      }
    }
    return out.iterator();
  }

  /** A unit of the (slot, class, counted, held out) votes that pass {@code keep}. */
  private static Unit unit(String id, int scope, int goldK, int[][] triples, Predicate<int[]> keep, int ordinal) {
    int[][] kept = Arrays.stream(triples).filter(keep).toArray(int[][]::new);
    int[] slots = new int[kept.length];
    int[] answers = new int[kept.length];
    for (int i = 0; i < kept.length; i++) {
      slots[i] = kept[i][0];
      answers[i] = kept[i][1];
    }
    return new Unit(id, scope, goldK, slots, answers, ordinal);
  }

  /** One estimation's parameters, iterations, last mean log-likelihood per unit and whether it converged. */
  record Fit(Params params, int iterations, double logLikelihood, boolean converged) {}

  /** EM from the vote shares until the mean log-likelihood per unit gains less than the tolerance. */
  static Fit run(List<Unit> units, Shape shape, DawidSkeneSettings settings) {
    Statistics stats = Statistics.of(units, shape, null);
    Params params = params(stats, shape, settings);
    int iteration = 0;
    double previous = Double.NEGATIVE_INFINITY;
    boolean converged = false;
    while (iteration < settings.maxIterations() && !converged) {
      iteration++;
      stats = Statistics.of(units, shape, params);
      params = params(stats, shape, settings, params);
      double ll = stats.meanLogLikelihood();
      converged = Math.abs(ll - previous) < settings.tolerance();
      LOG.info("Dawid-Skene iteration {}: mean log-likelihood per unit {}", iteration, ll);
      previous = ll;
    }
    return new Fit(params, iteration, previous, converged);
  }

  /**
   * The fewest held-out answers on which {@link Model#AUTO} compares models: the samples' 32 held-out pairwise
   * answers favoured minimax entropy, which then resolved an item for one adversary against three careful annotators.
   */
  static final int MIN_HELD_OUT = 200;

  /**
   * How far each candidate is fitted before it is scored: until its mean log-likelihood per unit gains less than this
   * in an iteration (or than the configured tolerance, if that is looser). Ranking models needs less than resolving
   * items: at a million submissions the minimax entropy candidate stops after 18 iterations instead of 35.
   */
  static final double CANDIDATE_TOLERANCE = 1e-4;

  /** One answer in this many is held out of the fits that {@link Model#AUTO} chooses by. */
  static final int HELD_OUT_EVERY = 5;

  /** Whether an annotator's answer on a unit is held out: by a hash of both, the same in every run. */
  static boolean heldOut(String unit, String annotator) {
    return Math.floorMod((unit + "\u001f" + annotator).hashCode(), HELD_OUT_EVERY) == 0;
  }

  /**
   * Each {@link Model#AUTO} scope's model: every candidate is fitted on the {@code fitted} answers, and scored by the
   * log-likelihood of each {@code heldOut} answer (the same units, by index; both only of the scopes being chosen):
   * the sum over classes c of the unit's posterior P(c) times P(k | c), what the model predicts an annotator answers,
   * which needs no gold. Of the candidates, simplest first, the scope takes the first within one standard error of
   * the best ({@link #simplestWithinOneError}): a richer model must predict clearly better to be used; with fewer
   * than {@link #MIN_HELD_OUT} held-out answers, the simplest. Other scopes keep their model.
   */
  static Model[] choose(Shape shape, List<Unit> fitted, List<Unit> heldOut, DawidSkeneSettings settings,
      List<String> scopes) {
    List<Model> candidates = Model.CANDIDATES;
    DawidSkeneSettings trialSettings = settings.withTolerance(Math.max(settings.tolerance(), CANDIDATE_TOLERANCE));
    double[][] likelihoods = new double[candidates.size()][];
    for (int m = 0; m < candidates.size(); m++) {
      Model[] trial = new Model[shape.scopes()];
      for (int s = 0; s < trial.length; s++) {
        trial[s] = shape.model(s) == Model.AUTO ? candidates.get(m) : shape.model(s);
      }
      likelihoods[m] = heldOutLikelihoods(shape.with(trial), fitted, heldOut, trialSettings);
    }
    // Each held-out answer's index, by scope.
    List<List<Integer>> answersOf = new ArrayList<>();
    for (int s = 0; s < shape.scopes(); s++) {
      answersOf.add(new ArrayList<>());
    }
    int i = 0;
    for (Unit held : heldOut) {
      for (int v = 0; v < held.slots().length; v++) {
        answersOf.get(held.scope()).add(i++);
      }
    }
    Model[] chosen = new Model[shape.scopes()];
    for (int s = 0; s < chosen.length; s++) {
      chosen[s] = shape.model(s);
      if (chosen[s] == Model.AUTO) {
        List<Integer> answers = answersOf.get(s);
        double[][] scope = new double[candidates.size()][answers.size()];
        for (int m = 0; m < candidates.size(); m++) {
          for (int a = 0; a < answers.size(); a++) {
            scope[m][a] = likelihoods[m][answers.get(a)];
          }
        }
        // On a few answers the comparison (and its standard error) is noise: the simplest model is the safe one.
        chosen[s] = candidates.get(answers.size() < MIN_HELD_OUT ? 0 : simplestWithinOneError(scope));
        LOG.info("auto for {}: {} (held-out log-likelihood of {} answers {} against {})",
            scopes.get(s).replace('\u001f', '/'), chosen[s], answers.size(),
            Arrays.stream(scope).mapToDouble(x -> Arrays.stream(x).sum()).boxed().toList(), candidates);
      }
    }
    return chosen;
  }

  /**
   * The log-likelihood of every held-out answer (units in order, answers in order) under the model of {@code shape}
   * fitted on the {@code fitted} answers.
   */
  private static double[] heldOutLikelihoods(Shape shape, List<Unit> fitted, List<Unit> heldOut,
      DawidSkeneSettings settings) {
    Params params = run(fitted, shape, settings).params();
    double[] out = new double[heldOut.stream().mapToInt(u -> u.slots().length).sum()];
    int i = 0;
    for (int u = 0; u < heldOut.size(); u++) {
      Unit held = heldOut.get(u);
      int n = shape.classes()[held.scope()];
      double[] p = new double[n];
      double[] logP = new double[n * n];
      posterior(fitted.get(u), shape, params, p);
      for (int v = 0; v < held.slots().length; v++, i++) {
        answerLogs(held, v, shape, params, params.item(held.ordinal()), logP);
        double likelihood = 0;
        for (int c = 0; c < n; c++) {
          likelihood += p[c] * Math.exp(logP[held.answers()[v] * n + c]);
        }
        out[i] = Math.log(Math.max(likelihood, Model.FLOOR));
      }
    }
    return out;
  }

  /**
   * The one-standard-error rule (Breiman et al. 1984) over candidates ordered simplest first, from each one's
   * log-likelihood of the same held-out answers ({@code [candidate][answer]}): the first whose summed log-likelihood
   * falls short of the best's by at most one standard error of that shortfall (the answers' paired differences:
   * sqrt(n) times their standard deviation).
   */
  static int simplestWithinOneError(double[][] likelihoods) {
    int best = 0;
    double[] totals = Arrays.stream(likelihoods).mapToDouble(x -> Arrays.stream(x).sum()).toArray();
    for (int m = 1; m < totals.length; m++) {
      best = totals[m] > totals[best] ? m : best;
    }
    int n = likelihoods[best].length;
    for (int m = 0; m < best; m++) {
      double mean = (totals[best] - totals[m]) / n;
      double squares = 0;
      for (int a = 0; a < n; a++) {
        double d = likelihoods[best][a] - likelihoods[m][a] - mean;
        squares += d * d;
      }
      double error = n < 2 ? Double.POSITIVE_INFINITY : Math.sqrt(n * squares / (n - 1));
      if (totals[best] - totals[m] <= error) {
        return m;
      }
    }
    return best;
  }

  /** Every slot's matrix as {@link #MATRICES} values: P(answer k | true class c), rounded to nine digits. */
  private static List<Object[]> matrices(List<String> scopes, String[][] names,
      List<Map<String, Integer>> slotIndex, Shape shape, Params params) {
    List<Object[]> out = new ArrayList<>();
    for (int s = 0; s < scopes.size(); s++) {
      String[] scope = scopes.get(s).split("\u001f", 2);
      int n = shape.classes()[s];
      int first = shape.firstSlot()[s];
      int base = shape.matrixBase(s);
      for (Map.Entry<String, Integer> slot : new TreeMap<>(slotIndex.get(s)).entrySet()) {
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            double p = Math.exp(params.logMatrix()[base + ((slot.getValue() - first) * n + k) * n + c]);
            out.add(new Object[] {scope[0], scope[1], slot.getKey(), names[s][k], names[s][c],
                Math.round(p * SCALE) / SCALE});
          }
        }
      }
    }
    return out;
  }

  /**
   * The E-step for one unit: its posterior over the scope's classes into {@code p}, rounded to nine digits, and its
   * log-likelihood as the return value. With null params the posterior is the share of votes (the start); a gold unit
   * holds all mass on its gold answer. Both return NaN, having no likelihood to count.
   */
  static double posterior(Unit u, Shape shape, Params params, double[] p) {
    int n = p.length;
    if (u.goldK() != NO_GOLD || params == null) {
      Arrays.fill(p, 0.0);
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
    double[] logP = new double[n * n];
    double[] item = params.item(u.ordinal());
    for (int v = 0; v < u.slots().length; v++) {
      answerLogs(u, v, shape, params, item, logP);
      for (int c = 0; c < n; c++) {
        p[c] += logP[u.answers()[v] * n + c];
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
   * log P(k | c) of the annotator of vote {@code v} on unit {@code u} into {@code out[k * K + c]}: the annotator's
   * confusion cells, or under a model with unit terms the softmax of the annotator's and the unit's {@code item}
   * terms (null: none yet; null params: none at all, the start).
   */
  static void answerLogs(Unit u, int v, Shape shape, Params params, double[] item, double[] out) {
    int scope = u.scope();
    int n = shape.classes()[scope];
    int block = shape.matrixBase(scope) + (u.slots()[v] - shape.firstSlot()[scope]) * n * n;
    if (shape.model(scope).itemTerms()) {
      MinimaxEntropy.logProbabilities(params == null ? null : params.logits(), block, item, n, out);
    } else {
      System.arraycopy(params.logMatrix(), block, out, 0, n * n);
    }
  }

  /**
   * The M-step's sufficient statistics, in units of 10^-9: posterior {@code mass} per annotator slot, answer k and
   * true class c (laid out like the matrix); {@code classMass} per scope and class with {@code units} per scope; the
   * summed log-likelihood of the units without gold and their number. Under a model with unit terms, also each
   * unit's terms after its Newton step and, per annotator slot, the gradient and curvature of the annotator's terms
   * ({@link MinimaxEntropy}).
   */
  static final class Statistics implements Serializable {
    final long[] mass;
    final long[] classMass;
    final long[] units;
    long logLikelihood;
    long likelihoodUnits;
    final double[][] gradient;
    final double[][] curvature;
    double[][] itemLogits = new double[0][];

    Statistics(Shape shape) {
      mass = new long[shape.matrixBase(shape.scopes())];
      classMass = new long[shape.priorBase(shape.scopes())];
      units = new long[shape.scopes()];
      gradient = new double[shape.firstSlot()[shape.scopes()]][];
      curvature = new double[gradient.length][];
    }

    /** One pass over the units: the E-step under {@code params} (null: vote shares) and the sums of the M-step. */
    static Statistics of(List<Unit> units, Shape shape, Params params) {
      int[] bases = shape.matrixBases();
      Statistics acc = new Statistics(shape);
      units.forEach(u -> acc.add(u, shape, bases, params));
      return acc;
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
      if (shape.model(scope).itemTerms()) {
        unitTerms(u, shape, params, p);
      }
      return this;
    }

    /**
     * The unit's Newton step on its own terms under posterior {@code q}, then its answers' share of the annotators'
     * gradient and curvature, which see the unit's new terms.
     */
    private void unitTerms(Unit u, Shape shape, Params params, double[] q) {
      int n = q.length;
      double[] old = params == null ? null : params.item(u.ordinal());
      double[] item = old == null ? new double[n * n] : old.clone();
      double[] logP = new double[n * n];
      double[] g = new double[n * n];
      double[] h = new double[n * n * n];
      for (int v = 0; v < u.slots().length; v++) {
        answerLogs(u, v, shape, params, old, logP);
        MinimaxEntropy.accumulate(logP, u.answers()[v], q, n, g, h);
      }
      MinimaxEntropy.newtonStep(item, 0, g, h, shape.itemPenalty(u.scope()), n);
      if (u.ordinal() >= itemLogits.length) {
        itemLogits = Arrays.copyOf(itemLogits, Math.max(u.ordinal() + 1, 2 * itemLogits.length));
      }
      itemLogits[u.ordinal()] = item;
      for (int v = 0; v < u.slots().length; v++) {
        int slot = u.slots()[v];
        if (gradient[slot] == null) {
          gradient[slot] = new double[n * n];
          curvature[slot] = new double[n * n * n];
        }
        answerLogs(u, v, shape, params, item, logP);
        MinimaxEntropy.accumulate(logP, u.answers()[v], q, n, gradient[slot], curvature[slot]);
      }
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
      for (int a = 0; a < gradient.length; a++) {
        if (other.gradient[a] != null) {
          gradient[a] = gradient[a] == null ? other.gradient[a].clone() : add(gradient[a], other.gradient[a]);
          curvature[a] = curvature[a] == null ? other.curvature[a].clone() : add(curvature[a], other.curvature[a]);
        }
      }
      if (other.itemLogits.length > itemLogits.length) {
        itemLogits = Arrays.copyOf(itemLogits, other.itemLogits.length);
      }
      for (int i = 0; i < other.itemLogits.length; i++) {
        if (other.itemLogits[i] != null) {
          itemLogits[i] = other.itemLogits[i];
        }
      }
      return this;
    }

    private static double[] add(double[] into, double[] more) {
      for (int i = 0; i < into.length; i++) {
        into[i] += more[i];
      }
      return into;
    }

    double meanLogLikelihood() {
      return likelihoodUnits == 0 ? 0.0 : logLikelihood / SCALE / likelihoodUnits;
    }
  }

  /**
   * Log confusion rows, each scope's by its {@link Model}, and smoothed log priors from the statistics. Each
   * annotator's figures are pulled towards the scope's pooled ones by {@code pooled_prior} units of weight.
   */
  static Params params(Statistics stats, Shape shape, DawidSkeneSettings settings) {
    return params(stats, shape, settings, null);
  }

  /** @param previous the last iteration's parameters, from which a model may start its own fixed point; or null */
  static Params params(Statistics stats, Shape shape, DawidSkeneSettings settings, Params previous) {
    double[] logMatrix = new double[stats.mass.length];
    double[] logPriors = new double[stats.classMass.length];
    double[] logits = null;
    for (int s = 0; s < shape.scopes(); s++) {
      int n = shape.classes()[s];
      Model model = shape.model(s);
      if (model.itemTerms()) {
        if (logits == null) {
          logits = previous == null || previous.logits() == null ? new double[logMatrix.length]
              : previous.logits().clone();
        }
        annotatorTerms(stats, shape, s, logits, logMatrix);
      } else {
        model.mStep(stats.mass, shape.matrixBase(s), shape.firstSlot()[s + 1] - shape.firstSlot()[s], n,
            settings, previous == null ? null : previous.logMatrix(), logMatrix);
      }
      int priorBase = shape.priorBase(s);
      for (int c = 0; c < n; c++) {
        logPriors[priorBase + c] = Math.log(Math.max(Model.smoothed(stats.classMass[priorBase + c] / SCALE,
            stats.units[s], n, settings.smoothing()), Model.FLOOR));
      }
    }
    return new Params(logMatrix, logPriors, logits, stats.itemLogits);
  }

  /**
   * The annotators' Newton step of a scope with unit terms, into {@code logits}; their confusion cells, written for
   * the audit, are those of a unit with no terms of its own.
   */
  private static void annotatorTerms(Statistics stats, Shape shape, int s, double[] logits, double[] logMatrix) {
    int n = shape.classes()[s];
    double[] cells = new double[n * n];
    for (int a = shape.firstSlot()[s]; a < shape.firstSlot()[s + 1]; a++) {
      int block = shape.matrixBase(s) + (a - shape.firstSlot()[s]) * n * n;
      if (stats.gradient[a] != null) {
        MinimaxEntropy.newtonStep(logits, block, stats.gradient[a], stats.curvature[a],
            MinimaxEntropy.annotatorPenalty(n), n);
      }
      MinimaxEntropy.logProbabilities(logits, block, null, n, cells);
      System.arraycopy(cells, 0, logMatrix, block, n * n);
    }
  }
}
