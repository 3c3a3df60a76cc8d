package dev.concord.agreement;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Agreement of a whole project and task type: Fleiss' kappa, Krippendorff's alpha (nominal; for ratings also ordinal
 * and interval) and mean pairwise Cohen's kappa (Light's), each with a 95% interval. Fleiss and alpha take a Poisson
 * bootstrap over units, in one distributed pass: each unit gets, per replicate, a Poisson(1) weight drawn from a hash
 * of the unit and the replicate, so the intervals are the same in every run. To keep the cost bounded whatever the
 * data size, the bootstrap runs on a hash-drawn sample of at most {@code maxUnits} units per project and task type,
 * and the interval's half-widths are scaled by sqrt(sample / units) around the full data's figure (a standard error
 * shrinks as the square root of the units). Light's kappa (and, for rankings, the mean pairwise Kendall's tau-b)
 * takes the normal interval of a mean over annotator pairs; with more annotators than {@code maxPairAnnotators}, the
 * pairs among a hash-drawn subset of that many estimate the mean.
 */
public final class ProjectAgreement {
  private ProjectAgreement() {}

  public static final List<String> GROUP = List.of(Col.PROJECT, Col.TASK_TYPE);
  public static final String REPLICATE = "replicate";
  static final String WEIGHT = "weight";
  /** Cumulative Poisson(1) probabilities of 0 to 6; a uniform draw above the last gives 7. */
  private static final double[] POISSON_CDF = {0.36788, 0.73576, 0.91970, 0.98101, 0.99634, 0.99941, 0.99992};
  private static final double Z95 = 1.959964;

  /**
   * @param units the units of the run ({@code project, task_type, unit, annotator, category, ordinal})
   * @param replicates bootstrap replicates; 0 leaves the Fleiss and alpha intervals null
   * @param maxUnits the most units per project and task type the bootstrap resamples
   * @param maxPairAnnotators the most annotators per project and task type whose pairs the pairwise means take
   */
  public static Dataset<Row> of(Dataset<Row> units, int replicates, int maxUnits, int maxPairAnnotators) {
    String[] keys = GROUP.toArray(new String[0]);
    // A handful of rows, and every figure below joins them: computed once rather than once per join.
    Dataset<Row> sizes = units.groupBy(col(Col.PROJECT), col(Col.TASK_TYPE)).agg(
        countDistinct(Col.UNIT).as("units"), countDistinct(Col.ANNOTATOR).as("annotators"),
        count(lit(1)).as("ratings")).localCheckpoint();
    // Fleiss, alpha and the bootstrap read only how many raters chose each category on each unit: counted once.
    Dataset<Row> counts = categoryCounts(units).localCheckpoint();
    // One coincidence matrix serves every level of alpha.
    Dataset<Row> coincidences = Alpha.coincidencesFromCounts(counts, GROUP).localCheckpoint();
    Dataset<Row> ratingCoincidences = coincidences.filter(col(Col.TASK_TYPE).equalTo(TaskType.RATING.id()));
    Dataset<Row> out = sizes
        .join(Fleiss.of(counts, GROUP).select(col(Col.PROJECT), col(Col.TASK_TYPE),
            col(Fleiss.FLEISS_KAPPA)), keys, "left")
        .join(alpha(coincidences, Alpha.Level.NOMINAL, "alpha_nominal"), keys, "left")
        .join(alpha(ratingCoincidences, Alpha.Level.ORDINAL, "alpha_ordinal"), keys, "left")
        .join(alpha(ratingCoincidences, Alpha.Level.INTERVAL, "alpha_interval"), keys, "left")
        .join(light(pairSample(units, sizes, maxPairAnnotators)), keys, "left");
    if (replicates > 0) {
      Column share = lit((double) maxUnits).divide(col("units"));
      Dataset<Row> sample = counts.join(broadcast(sizes.select(col(Col.PROJECT), col(Col.TASK_TYPE),
              org.apache.spark.sql.functions.least(lit(1.0), share).as("fraction"))), keys)
          .filter(uniform(col(Col.UNIT), lit(-1)).lt(col("fraction")));
      Dataset<Row> perReplicate = replicates(sample.drop("fraction"), replicates).localCheckpoint();
      out = scaled(out.join(interval(perReplicate, Fleiss.FLEISS_KAPPA, "fleiss_kappa"), keys, "left")
          .join(interval(perReplicate, Alpha.ALPHA, "alpha_nominal"), keys, "left"), maxUnits);
    } else {
      out = out.withColumn("fleiss_kappa_low", lit(null).cast("double"))
          .withColumn("fleiss_kappa_high", lit(null).cast("double"))
          .withColumn("alpha_nominal_low", lit(null).cast("double"))
          .withColumn("alpha_nominal_high", lit(null).cast("double"));
    }
    return out;
  }

  private static Dataset<Row> alpha(Dataset<Row> coincidences, Alpha.Level level, String name) {
    return Alpha.fromCoincidences(coincidences, GROUP, level)
        .select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Alpha.ALPHA).as(name));
  }

  /**
   * Mean pairwise agreement: Cohen's kappa of every annotator pair (quadratic weights for ratings, nominal otherwise)
   * and, for rankings, Kendall's tau-b of every pair; each mean with the normal interval over pairs.
   */
  private static Dataset<Row> light(Dataset<Row> units) {
    List<String> pair = new ArrayList<>(GROUP);
    pair.add(Col.ANNOTATOR);
    pair.add(PairAgreement.OTHER);
    // Kappa reads its counts several times.
    Dataset<Row> counts = PairAgreement.counts(units, GROUP).localCheckpoint();
    Column rating = col(Col.TASK_TYPE).equalTo(TaskType.RATING.id());
    Dataset<Row> pairs = Kappa.of(counts.filter(rating), pair, Weighting.QUADRATIC)
        .unionByName(Kappa.of(counts.filter(rating.unary_$bang()), pair, Weighting.NOMINAL))
        .withColumn(PairAgreement.TAU_B, when(col(Col.TASK_TYPE).equalTo(TaskType.RANKING.id()),
            col(Kappa.OBSERVED).multiply(2).minus(1)));
    Dataset<Row> light = aggregate(pairs.groupBy(col(Col.PROJECT), col(Col.TASK_TYPE)),
        meanWithInterval(Kappa.KAPPA, "light_kappa"));
    Dataset<Row> tau = aggregate(pairs.filter(col(PairAgreement.TAU_B).isNotNull())
        .groupBy(col(Col.PROJECT), col(Col.TASK_TYPE)), meanWithInterval(PairAgreement.TAU_B, "mean_tau_b"));
    return light.join(tau, GROUP.toArray(new String[0]), "left");
  }

  /**
   * The units of at most {@code max} annotators per project and task type, drawn by a hash of the annotator: their
   * pairs are a uniform sample of all pairs, so the pairwise means stay unbiased while the self-join stays small.
   */
  private static Dataset<Row> pairSample(Dataset<Row> units, Dataset<Row> sizes, int max) {
    Column fraction = org.apache.spark.sql.functions.least(lit(1.0), lit((double) max).divide(col("annotators")));
    return units.join(org.apache.spark.sql.functions.broadcast(sizes.select(col(Col.PROJECT), col(Col.TASK_TYPE),
            fraction.as("annotator_fraction"))), GROUP.toArray(new String[0]))
        .filter(uniform(col(Col.ANNOTATOR), lit(-2)).lt(col("annotator_fraction")))
        .drop("annotator_fraction");
  }

  private static Dataset<Row> aggregate(org.apache.spark.sql.RelationalGroupedDataset groups, List<Column> columns) {
    return groups.agg(columns.get(0), columns.subList(1, columns.size()).toArray(Column[]::new));
  }

  private static List<Column> meanWithInterval(String column, String name) {
    Column mean = avg(column);
    Column half = lit(Z95).multiply(stddev_samp(column)).divide(sqrt(count(lit(1))));
    return List.of(mean.as(name), mean.minus(half).as(name + "_low"), mean.plus(half).as(name + "_high"),
        count(lit(1)).as(name + "_pairs"));
  }

  /** Half-widths of the sample's percentile interval, scaled to the full data and placed around its figure. */
  private static Dataset<Row> scaled(Dataset<Row> figures, int maxUnits) {
    Column factor = sqrt(org.apache.spark.sql.functions.least(lit(1.0), lit((double) maxUnits).divide(col("units"))));
    Dataset<Row> out = figures;
    for (String name : List.of("fleiss_kappa", "alpha_nominal")) {
      Column mid = col(name + "_mid");
      out = out.withColumn(name + "_low", col(name).minus(mid.minus(col(name + "_low")).multiply(factor)))
          .withColumn(name + "_high", col(name).plus(col(name + "_high").minus(mid).multiply(factor)))
          .drop(name + "_mid");
    }
    return out;
  }

  /** A uniform draw in [0, 1) from a hash of the unit and the replicate: the same in every run. */
  private static Column uniform(Column unit, Column replicate) {
    return pmod(xxhash64(col(Col.PROJECT), col(Col.TASK_TYPE), unit, replicate), lit(1L << 30))
        .divide((double) (1L << 30));
  }

  /**
   * How many ratings chose each category on each unit: {@code project, task_type, unit, category, ordinal, count}.
   * Ratings without a category are left out.
   */
  static Dataset<Row> categoryCounts(Dataset<Row> ratings) {
    return ratings.filter(col(Col.CATEGORY).isNotNull())
        .groupBy(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.UNIT), col(Col.CATEGORY), col(Col.ORDINAL))
        .agg(count(lit(1)).as(Col.COUNT));
  }

  /**
   * Fleiss' kappa and nominal alpha of every bootstrap replicate, from {@link #categoryCounts}: {@code project,
   * task_type, replicate, fleiss_kappa, alpha}. Both are ratios of sums over units, and a unit drawn w times adds w
   * times its terms, so each replicate is one weighted sum of per-unit terms and no replicate ever pairs ratings.
   * With m_u ratings on a unit, s_u the sum of its squared category counts, n_c the weighted count of category c and
   * n the weighted ratings: Fleiss' agreement is the weighted mean of (s_u - m_u) / (m_u (m_u - 1)) and chance
   * sum(n_c^2) / n^2; alpha's disagreement is sum(w (m_u^2 - s_u) / (m_u - 1)) against n^2 - sum(n_c^2).
   */
  static Dataset<Row> replicates(Dataset<Row> counts, int replicates) {
    List<String> unitKey = new ArrayList<>(GROUP);
    unitKey.add(Col.UNIT);
    List<String> byReplicate = new ArrayList<>(GROUP);
    byReplicate.add(REPLICATE);
    Dataset<Row> perCategory = counts.select(Fleiss.cols(unitKey, col(Col.CATEGORY), col(Col.COUNT).as("n")));
    Dataset<Row> perUnit = perCategory.groupBy(Fleiss.cols(unitKey))
        .agg(sum("n").as("m"), sum(col("n").multiply(col("n"))).as("s")).filter(col("m").geq(2));
    Column m = col("m");
    Column s = col("s");
    Column w = col(WEIGHT);
    Dataset<Row> totals = resample(perUnit, replicates).groupBy(Fleiss.cols(byReplicate)).agg(
        sum(w).as("w"), sum(w.multiply(s.minus(m)).divide(m.multiply(m.minus(1)))).as("agreeing"),
        sum(w.multiply(m)).as("n"), sum(w.multiply(m.multiply(m).minus(s)).divide(m.minus(1))).as("d_o"));
    Dataset<Row> squares = resample(perCategory.join(perUnit.select(Fleiss.cols(unitKey)),
            unitKey.toArray(new String[0])), replicates)
        .groupBy(Fleiss.cols(byReplicate, col(Col.CATEGORY))).agg(sum(w.multiply(col("n"))).as("n_c"))
        .groupBy(Fleiss.cols(byReplicate)).agg(sum(col("n_c").multiply(col("n_c"))).as("squares"));
    Column n = col("n");
    Column chance = col("squares").divide(n.multiply(n));
    Column expected = n.multiply(n).minus(col("squares"));
    return totals.join(squares, byReplicate.toArray(new String[0])).select(Fleiss.cols(byReplicate,
        when(chance.equalTo(1), lit(1.0)).otherwise(col("agreeing").divide(col("w")).minus(chance)
            .divide(lit(1.0).minus(chance))).as(Fleiss.FLEISS_KAPPA),
        when(expected.equalTo(0), lit(1.0)).otherwise(lit(1.0).minus(n.minus(1).multiply(col("d_o"))
            .divide(expected))).as(Alpha.ALPHA)));
  }

  /** Every row repeated per replicate, with its unit's Poisson(1) {@code weight}; units drawn 0 times are left out. */
  static Dataset<Row> resample(Dataset<Row> units, int replicates) {
    Dataset<Row> r = units.withColumn(REPLICATE, explode(sequence(lit(0), lit(replicates - 1))));
    Column uniform = uniform(col(Col.UNIT), col(REPLICATE));
    Column draw = lit(POISSON_CDF.length);
    for (int k = POISSON_CDF.length - 1; k >= 0; k--) {
      draw = when(uniform.lt(POISSON_CDF[k]), lit(k)).otherwise(draw);
    }
    return r.withColumn(WEIGHT, draw.cast("double")).filter(col(WEIGHT).gt(0));
  }

  private static Dataset<Row> interval(Dataset<Row> perReplicate, String column, String name) {
    return perReplicate.groupBy(col(Col.PROJECT), col(Col.TASK_TYPE)).agg(
        percentile_approx(col(column), lit(0.025), lit(10000)).as(name + "_low"),
        percentile_approx(col(column), lit(0.5), lit(10000)).as(name + "_mid"),
        percentile_approx(col(column), lit(0.975), lit(10000)).as(name + "_high"));
  }
}
