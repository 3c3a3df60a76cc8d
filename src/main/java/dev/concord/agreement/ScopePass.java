package dev.concord.agreement;

import dev.concord.config.TaskType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Every agreement figure of one project and task type in one streaming pass over its units, sorted by unit: the
 * whole-scope figures (Fleiss' kappa, Krippendorff's alpha at its levels, Light's kappa and mean tau-b, the bootstrap
 * intervals) and each annotator's contingency tables against co-annotators and against gold, from which their kappas
 * follow. Sums that decide a figure are kept as exact integers (per number of ratings on a unit, where a unit's term
 * is a fraction), so no partitioning or order of the input changes a figure; the figures are those of the SQL
 * definitions in {@link ProjectAgreement}, {@link Agreement} and {@link Kappa}, which the tests hold them to.
 */
final class ScopePass {
  private ScopePass() {}

  private static final double[] POISSON_CDF = {0.36788, 0.73576, 0.91970, 0.98101, 0.99634, 0.99941, 0.99992};
  private static final double Z95 = 1.959964;

  /**
   * What the pass needs to know.
   *
   * @param replicates bootstrap replicates (0: no intervals)
   * @param maxUnits units the bootstrap resamples at most, per scope
   * @param maxPairAnnotators annotators whose pairs Light's kappa averages at most, per scope
   * @param sizes per scope ("project\u001ftask_type"): its units and its annotators, which set the sample shares
   * @param measures per scope: the drop measure of its kappas
   * @param notPartners annotators whose answers are not compared against (dropped in a first round); empty for all
   * @param scopeFigures whether to work out the whole-scope figures (the second round needs only kappas)
   */
  record Settings(int replicates, int maxUnits, int maxPairAnnotators, Map<String, long[]> sizes,
      Map<String, String> measures, Set<String> notPartners, boolean scopeFigures) implements Serializable {}

  /** One input row: a rating of a unit by an annotator, or its gold answer (annotator null). */
  record Rating(String annotator, CountTable.Category category) {}

  static String scopeKey(String project, String taskType) {
    return project + "\u001f" + taskType;
  }

  /**
   * The pass over rows {@code project, task_type, unit, annotator, category, ordinal, gold}, sorted so that each
   * scope's rows are together and, within it, each unit's. Returns rows of {@link AgreementPass#OUT}.
   */
  static Iterator<Row> run(Iterator<Row> rows, Settings settings) {
    List<Row> out = new ArrayList<>();
    Scope scope = null;
    String unit = null;
    List<Rating> ratings = new ArrayList<>();
    CountTable.Category gold = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      String project = r.getString(0);
      String taskType = r.getString(1);
      String u = r.getString(2);
      if (scope == null || !scope.project.equals(project) || !scope.taskType.equals(taskType)) {
        if (scope != null) {
          scope.unit(unit, ratings, gold);
          scope.finish(out);
        }
        scope = new Scope(project, taskType, settings);
        unit = u;
        ratings.clear();
        gold = null;
      } else if (!u.equals(unit)) {
        scope.unit(unit, ratings, gold);
        unit = u;
        ratings.clear();
        gold = null;
      }
      CountTable.Category c = r.isNullAt(4) ? null
          : new CountTable.Category(r.getString(4), r.isNullAt(5) ? null : r.getDouble(5));
      if (r.getBoolean(6)) {
        gold = c;
      } else {
        ratings.add(new Rating(r.getString(3), c));
      }
    }
    if (scope != null) {
      scope.unit(unit, ratings, gold);
      scope.finish(out);
    }
    return out.iterator();
  }

  /** The running sums of one scope. */
  private static final class Scope {
    final String project;
    final String taskType;
    final Settings settings;
    final boolean rating;
    final Weighting measureWeighting;
    final boolean scottPi;
    final String measure;
    final double unitShare;
    final double annotatorShare;

    long units;
    long ratingRows;
    final Set<String> annotators = new HashSet<>();
    final Map<String, CountTable> peer = new HashMap<>();
    final Map<String, CountTable> gold = new HashMap<>();

    /** Fleiss: per number of ratings m of a unit (m >= 2), the sum of s - m (s: the sum of squared counts). */
    final TreeMap<Integer, Long> agreeing = new TreeMap<>();
    long pairableUnits;
    long pairableRatings;
    final TreeMap<String, Long> categoryRatings = new TreeMap<>();
    /** Alpha: per m, per (category, category), the sum of n_c (n_k - [c = k]). */
    final TreeMap<Integer, Map<List<CountTable.Category>, Long>> coincidences = new TreeMap<>();
    /** Bootstrap, per replicate: summed weights, weighted ratings; per m, weighted s - m and m^2 - s. */
    final long[] weights;
    final long[] weightedRatings;
    final TreeMap<Integer, long[]> weightedAgreeing = new TreeMap<>();
    final TreeMap<Integer, long[]> weightedDisagreeing = new TreeMap<>();
    final TreeMap<String, long[]> weightedCategories = new TreeMap<>();
    /** Light's kappa: the table of each sampled annotator pair (the smaller pseudonym first). */
    final TreeMap<String, TreeMap<String, CountTable>> pairs = new TreeMap<>();

    Scope(String project, String taskType, Settings settings) {
      this.project = project;
      this.taskType = taskType;
      this.settings = settings;
      this.rating = TaskType.RATING.id().equals(taskType);
      this.measure = settings.measures().get(scopeKey(project, taskType));
      this.measureWeighting = switch (measure) {
        case "weighted_kappa_linear" -> Weighting.LINEAR;
        case "weighted_kappa_quadratic" -> Weighting.QUADRATIC;
        default -> Weighting.NOMINAL;
      };
      this.scottPi = "scott_pi".equals(measure);
      long[] size = settings.sizes().getOrDefault(scopeKey(project, taskType), new long[] {1, 1});
      this.unitShare = Math.min(1.0, settings.maxUnits() / (double) size[0]);
      this.annotatorShare = Math.min(1.0, settings.maxPairAnnotators() / (double) size[1]);
      this.weights = new long[settings.replicates()];
      this.weightedRatings = new long[settings.replicates()];
    }

    void unit(String unit, List<Rating> ratings, CountTable.Category goldAnswer) {
      if (ratings.isEmpty()) {
        return;
      }
      units++;
      ratingRows += ratings.size();
      Map<CountTable.Category, Long> counts = new TreeMap<>(CATEGORY_ORDER);
      Map<CountTable.Category, Long> partnerCounts = new TreeMap<>(CATEGORY_ORDER);
      for (Rating r : ratings) {
        annotators.add(r.annotator());
        if (r.category() != null) {
          counts.merge(r.category(), 1L, Long::sum);
          if (!settings.notPartners().contains(r.annotator())) {
            partnerCounts.merge(r.category(), 1L, Long::sum);
          }
        }
      }
      for (Rating r : ratings) {
        if (r.category() == null) {
          continue;
        }
        boolean partner = !settings.notPartners().contains(r.annotator());
        for (Map.Entry<CountTable.Category, Long> other : partnerCounts.entrySet()) {
          long others = other.getValue() - (partner && other.getKey().equals(r.category()) ? 1 : 0);
          if (others > 0) {
            peer.computeIfAbsent(r.annotator(), a -> new CountTable()).add(r.category(), other.getKey(), others);
          }
        }
        if (goldAnswer != null) {
          gold.computeIfAbsent(r.annotator(), a -> new CountTable()).add(r.category(), goldAnswer, 1);
        }
      }
      if (settings.scopeFigures()) {
        scopeFigures(unit, ratings, counts);
      }
    }

    /** The whole-scope sums of one unit. */
    private void scopeFigures(String unit, List<Rating> ratings, Map<CountTable.Category, Long> counts) {
      long m = 0;
      long s = 0;
      for (long n : counts.values()) {
        m += n;
        s += n * n;
      }
      pairs(ratings);
      if (m < 2) {
        return;
      }
      int mi = (int) m;
      pairableUnits++;
      pairableRatings += m;
      agreeing.merge(mi, s - m, Long::sum);
      counts.forEach((c, n) -> categoryRatings.merge(c.name(), n, Long::sum));
      Map<List<CountTable.Category>, Long> o = coincidences.computeIfAbsent(mi, x -> new HashMap<>());
      for (Map.Entry<CountTable.Category, Long> c : counts.entrySet()) {
        for (Map.Entry<CountTable.Category, Long> k : counts.entrySet()) {
          long same = c.getKey().name().equals(k.getKey().name()) ? 1 : 0;
          o.merge(List.of(c.getKey(), k.getKey()), c.getValue() * (k.getValue() - same), Long::sum);
        }
      }
      if (settings.replicates() > 0) {
        bootstrap(unit, counts, m, s);
      }
    }

    /** A unit the bootstrap samples adds its terms to each replicate that draws it, times the draws. */
    private void bootstrap(String unit, Map<CountTable.Category, Long> counts, long m, long s) {
      if (SparkHash.uniform(project, taskType, unit, -1) >= unitShare) {
        return;
      }
      for (int r = 0; r < settings.replicates(); r++) {
        int w = poisson(SparkHash.uniform(project, taskType, unit, r));
        if (w == 0) {
          continue;
        }
        weights[r] += w;
        weightedRatings[r] += w * m;
        weightedAgreeing.computeIfAbsent((int) m, x -> new long[settings.replicates()])[r] += w * (s - m);
        weightedDisagreeing.computeIfAbsent((int) m, x -> new long[settings.replicates()])[r] += w * (m * m - s);
        for (Map.Entry<CountTable.Category, Long> c : counts.entrySet()) {
          weightedCategories.computeIfAbsent(c.getKey().name(), x -> new long[settings.replicates()])[r]
              += w * c.getValue();
        }
      }
    }

    private void pairs(List<Rating> ratings) {
      List<Rating> sampled = new ArrayList<>();
      for (Rating r : ratings) {
        if (r.category() != null && SparkHash.uniform(project, taskType, r.annotator(), -2) < annotatorShare) {
          sampled.add(r);
        }
      }
      for (Rating a : sampled) {
        for (Rating b : sampled) {
          if (a.annotator().compareTo(b.annotator()) < 0) {
            pairs.computeIfAbsent(a.annotator(), x -> new TreeMap<>())
                .computeIfAbsent(b.annotator(), x -> new CountTable()).add(a.category(), b.category(), 1);
          }
        }
      }
    }

    void finish(List<Row> out) {
      for (Map.Entry<String, CountTable> e : new TreeMap<>(peer).entrySet()) {
        out.add(kappaRow(AgreementPass.PEER, e.getKey(), e.getValue()));
      }
      for (Map.Entry<String, CountTable> e : new TreeMap<>(gold).entrySet()) {
        out.add(kappaRow(AgreementPass.GOLD, e.getKey(), e.getValue()));
      }
      if (settings.scopeFigures()) {
        out.add(scopeRow());
      }
    }

    private Row kappaRow(String kind, String annotator, CountTable table) {
      CountTable.Figures f = table.figures(measureWeighting);
      Object[] row = new Object[AgreementPass.OUT.size()];
      row[0] = kind;
      row[1] = project;
      row[2] = taskType;
      row[3] = annotator;
      row[4] = measure;
      row[5] = f.units();
      row[6] = f.observed();
      row[7] = scottPi ? f.scottPi() : f.kappa();
      row[8] = f.standardError();
      row[9] = f.scottPi();
      row[10] = f.bennettS();
      return RowFactory.create(row);
    }

    private Row scopeRow() {
      Object[] row = new Object[AgreementPass.OUT.size()];
      row[0] = AgreementPass.SCOPE;
      row[1] = project;
      row[2] = taskType;
      Double fleiss = fleiss();
      Double alphaNominal = alpha(Alpha.Level.NOMINAL);
      Double[] light = light(false);
      Double[] tau = light(true);
      int i = AgreementPass.FIRST_SCOPE_COLUMN;
      row[i++] = units;
      row[i++] = (long) annotators.size();
      row[i++] = ratingRows;
      row[i++] = fleiss;
      row[i++] = alphaNominal;
      row[i++] = rating ? alpha(Alpha.Level.ORDINAL) : null;
      row[i++] = rating ? alpha(Alpha.Level.INTERVAL) : null;
      for (Double[] mean : List.of(light, tau)) {
        row[i++] = mean[0];
        row[i++] = mean[1];
        row[i++] = mean[2];
        row[i++] = mean[3] == null ? null : (long) (double) mean[3];
      }
      Double[][] intervals = intervals();
      double factor = Math.sqrt(unitShare);
      Double[] figures = {fleiss, alphaNominal};
      for (int f = 0; f < 2; f++) {
        Double[] q = intervals[f];
        row[i++] = figures[f] == null || q == null ? null : figures[f] - (q[1] - q[0]) * factor;
        row[i++] = figures[f] == null || q == null ? null : figures[f] + (q[2] - q[1]) * factor;
      }
      return RowFactory.create(row);
    }

    private Double fleiss() {
      if (pairableUnits == 0) {
        return null;
      }
      double sum = 0;
      for (Map.Entry<Integer, Long> e : agreeing.entrySet()) {
        sum += e.getValue() / ((double) e.getKey() * (e.getKey() - 1));
      }
      double pBar = sum / pairableUnits;
      double pE = 0;
      for (long n : categoryRatings.values()) {
        double share = n / (double) pairableRatings;
        pE += share * share;
      }
      return pE == 1 ? 1.0 : (pBar - pE) / (1.0 - pE);
    }

    private Double alpha(Alpha.Level level) {
      Map<List<CountTable.Category>, Double> o = new TreeMap<>(PAIR_ORDER);
      coincidences.forEach((m, cells) -> cells.forEach((pair, n) -> o.merge(pair, n / (double) (m - 1),
          Double::sum)));
      if (o.isEmpty()) {
        return null;
      }
      TreeMap<CountTable.Category, Double> totals = new TreeMap<>(CATEGORY_ORDER);
      o.forEach((pair, n) -> totals.merge(pair.get(0), n, Double::sum));
      Map<CountTable.Category, Double> cumulative = new HashMap<>();
      double running = 0;
      for (Map.Entry<CountTable.Category, Double> c : totals.entrySet()) {
        running += c.getValue();
        cumulative.put(c.getKey(), running);
      }
      double observed = 0;
      double n = 0;
      for (Map.Entry<List<CountTable.Category>, Double> cell : o.entrySet()) {
        CountTable.Category c = cell.getKey().get(0);
        CountTable.Category k = cell.getKey().get(1);
        observed += cell.getValue() * difference(level, c, k, totals, cumulative);
        n += cell.getValue();
      }
      double expected = 0;
      for (CountTable.Category c : totals.keySet()) {
        for (CountTable.Category k : totals.keySet()) {
          expected += totals.get(c) * totals.get(k) * difference(level, c, k, totals, cumulative);
        }
      }
      return expected == 0 ? 1.0 : 1.0 - (n - 1) * observed / expected;
    }

    /** Mean pairwise kappa (or, for {@code tau}, Kendall's tau-b of rankings) with its normal interval and pairs. */
    private Double[] light(boolean tau) {
      if (tau && !TaskType.RANKING.id().equals(taskType)) {
        return new Double[4];
      }
      List<Double> values = new ArrayList<>();
      pairs.forEach((a, others) -> others.forEach((b, table) -> {
        CountTable.Figures f = table.figures(rating ? Weighting.QUADRATIC : Weighting.NOMINAL);
        values.add(tau ? f.observed() * 2 - 1 : f.kappa());
      }));
      if (values.isEmpty()) {
        return new Double[4];
      }
      double mean = values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
      Double half = null;
      if (values.size() > 1) {
        double squares = 0;
        for (double v : values) {
          squares += (v - mean) * (v - mean);
        }
        half = Z95 * Math.sqrt(squares / (values.size() - 1)) / Math.sqrt(values.size());
      }
      return new Double[] {mean, half == null ? null : mean - half, half == null ? null : mean + half,
          (double) values.size()};
    }

    /** Per figure (Fleiss, nominal alpha): the 2.5%, 50% and 97.5% points over the replicates, or null. */
    private Double[][] intervals() {
      List<Double> fleiss = new ArrayList<>();
      List<Double> alpha = new ArrayList<>();
      for (int r = 0; r < settings.replicates(); r++) {
        if (weights[r] == 0) {
          continue;
        }
        double agreeingSum = 0;
        for (Map.Entry<Integer, long[]> e : weightedAgreeing.entrySet()) {
          agreeingSum += e.getValue()[r] / ((double) e.getKey() * (e.getKey() - 1));
        }
        double disagreeing = 0;
        for (Map.Entry<Integer, long[]> e : weightedDisagreeing.entrySet()) {
          disagreeing += e.getValue()[r] / (double) (e.getKey() - 1);
        }
        double squares = 0;
        for (long[] n : weightedCategories.values()) {
          squares += (double) n[r] * n[r];
        }
        double n = weightedRatings[r];
        double chance = squares / (n * n);
        double expected = n * n - squares;
        fleiss.add(chance == 1 ? 1.0 : (agreeingSum / weights[r] - chance) / (1.0 - chance));
        alpha.add(expected == 0 ? 1.0 : 1.0 - (n - 1) * disagreeing / expected);
      }
      return new Double[][] {percentiles(fleiss), percentiles(alpha)};
    }
  }

  /**
   * As Spark's percentile_approx finds them on so few values (exactly): the value at rank ceil(q n) of the sorted
   * values, for q = 2.5%, 50% and 97.5%.
   */
  static Double[] percentiles(List<Double> values) {
    if (values.isEmpty()) {
      return null;
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    Double[] out = new Double[3];
    double[] qs = {0.025, 0.5, 0.975};
    for (int i = 0; i < 3; i++) {
      long rank = (long) Math.ceil(qs[i] * sorted.length);
      out[i] = sorted[(int) Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
    return out;
  }

  static int poisson(double uniform) {
    for (int k = 0; k < POISSON_CDF.length; k++) {
      if (uniform < POISSON_CDF[k]) {
        return k;
      }
    }
    return POISSON_CDF.length;
  }

  /** The squared difference of two categories at a level, as {@link Alpha} defines it. */
  static double difference(Alpha.Level level, CountTable.Category c, CountTable.Category k,
      Map<CountTable.Category, Double> totals, Map<CountTable.Category, Double> cumulative) {
    return switch (level) {
      case NOMINAL -> c.name().equals(k.name()) ? 0.0 : 1.0;
      case INTERVAL -> Math.pow(c.ordinal() - k.ordinal(), 2);
      case RATIO -> c.ordinal() + k.ordinal() == 0 ? 0.0
          : Math.pow((c.ordinal() - k.ordinal()) / (c.ordinal() + k.ordinal()), 2);
      case ORDINAL -> {
        double cc = cumulative.get(c);
        double ck = cumulative.get(k);
        double nc = totals.get(c);
        double nk = totals.get(k);
        yield Math.pow(Math.max(cc, ck) - Math.min(cc, ck) + (cc < ck ? nc : nk) - (nc + nk) / 2, 2);
      }
    };
  }

  static final java.util.Comparator<CountTable.Category> CATEGORY_ORDER = java.util.Comparator
      .comparing(CountTable.Category::ordinal, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
      .thenComparing(CountTable.Category::name, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));

  static final java.util.Comparator<List<CountTable.Category>> PAIR_ORDER =
      java.util.Comparator.<List<CountTable.Category>, CountTable.Category>comparing(p -> p.get(0), CATEGORY_ORDER)
          .thenComparing(p -> p.get(1), CATEGORY_ORDER);
}
