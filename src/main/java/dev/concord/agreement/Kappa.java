package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Cohen's kappa, plain or weighted, from contingency tables held as rows, one kappa per group, all by distributed
 * aggregation: kappa = 1 - sum(w * observed) / sum(w * expected), where expected is the product of the two
 * marginals. With nominal weights this is (po - pe) / (1 - pe). When chance agreement is total (one category for
 * both raters) kappa is 1 if they agree everywhere, as the limit of perfect agreement.
 */
public final class Kappa {
  private Kappa() {}

  public static final String UNITS = "units";
  public static final String OBSERVED = "observed_agreement";
  public static final String KAPPA = "kappa";
  /** Scott's pi: chance agreement from the two raters' pooled marginals, ((pa + pb) / 2)^2. */
  public static final String SCOTT_PI = "scott_pi";
  /** Bennett, Alpert and Goldstein's S: chance agreement 1/k over the k categories seen. */
  public static final String BENNETT_S = "bennett_s";
  /** Cohen's (1960) large-sample standard error, sqrt(po (1 - po) / n) / (1 - pe), on the weighted agreements. */
  public static final String STANDARD_ERROR = "standard_error";

  private static final String N = Col.COUNT;

  /**
   * {@code counts}: the group columns, {@code category, ordinal, other_category, other_ordinal, count}, the ordinal
   * null for nominal categories (they sort by name). Returns the group columns, {@code units} (the table's total),
   * {@code observed_agreement} and {@code kappa}. The caller makes {@code counts} cheap to read more than once.
   */
  public static Dataset<Row> of(Dataset<Row> counts, List<String> groups, Weighting weighting) {
    return of(counts, groups, (Weights) weighting);
  }

  /**
   * The same with any disagreement weights: {@code weights} gives the weight of a (category, category) cell from the
   * two categories, their ranks and the number of categories.
   */
  public static Dataset<Row> of(Dataset<Row> counts, List<String> groups, Weights weighting) {
    Column[] g = groups.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);

    Dataset<Row> cats = counts.select(cols(groups, col(Col.CATEGORY), col(Col.ORDINAL)))
        .union(counts.select(cols(groups, col(Col.OTHER_CATEGORY).as(Col.CATEGORY), col(Col.OTHER_ORDINAL).as(Col.ORDINAL))))
        .distinct()
        .withColumn("rank", dense_rank().over(Window.partitionBy(g).orderBy(col(Col.ORDINAL), col(Col.CATEGORY))))
        .withColumn("k", max("rank").over(Window.partitionBy(g)))
        .select(cols(groups, col(Col.CATEGORY), col("rank"), col("k")));

    Dataset<Row> totals = counts.groupBy(g).agg(sum(N).as("n"),
        sum(when(col(Col.CATEGORY).equalTo(col(Col.OTHER_CATEGORY)), col(N)).otherwise(lit(0L))).as("agree"));

    Dataset<Row> ranked = counts.as("c")
        .join(cats.as("a"), joinOn(groups, "c", "a").and(col("c." + Col.CATEGORY).equalTo(col("a." + Col.CATEGORY))))
        .join(cats.as("b"), joinOn(groups, "c", "b").and(col("c." + Col.OTHER_CATEGORY).equalTo(col("b." + Col.CATEGORY))));
    Dataset<Row> observed = ranked.groupBy(prefixed(groups, "c")).agg(sum(col("c." + N).multiply(
        weighting.weight(col("a." + Col.CATEGORY), col("b." + Col.CATEGORY), col("a.rank"), col("b.rank"),
            col("a.k")))).as("w_observed"));

    Dataset<Row> left = counts.groupBy(cols(groups, col(Col.CATEGORY))).agg(sum(N).as("na"));
    Dataset<Row> right = counts.groupBy(cols(groups, col(Col.OTHER_CATEGORY).as(Col.CATEGORY))).agg(sum(N).as("nb"));
    Dataset<Row> expected = left.as("l")
        .join(cats.as("a"), joinOn(groups, "l", "a").and(col("l." + Col.CATEGORY).equalTo(col("a." + Col.CATEGORY))))
        .join(right.as("r"), joinOn(groups, "l", "r"))
        .join(cats.as("b"), joinOn(groups, "r", "b").and(col("r." + Col.CATEGORY).equalTo(col("b." + Col.CATEGORY))))
        .groupBy(prefixed(groups, "l"))
        .agg(sum(col("na").multiply(col("nb")).multiply(weighting.weight(col("a." + Col.CATEGORY),
                col("b." + Col.CATEGORY), col("a.rank"), col("b.rank"), col("a.k")))).as("w_expected_nn"),
            sum(when(col("l." + Col.CATEGORY).equalTo(col("r." + Col.CATEGORY)), col("na").multiply(col("nb")))
                .otherwise(lit(0L))).as("cohen_chance_nn"),
            max(col("a.k")).as("k"));
    // Scott's pi pools the marginals: sum over categories of ((na + nb) / 2n)^2.
    Dataset<Row> pooled = left.as("l").join(right.as("r"), joinOn(groups, "l", "r")
            .and(col("l." + Col.CATEGORY).equalTo(col("r." + Col.CATEGORY))), "full_outer")
        .select(cols2(groups, "l", "r", org.apache.spark.sql.functions.coalesce(col("na"), lit(0L)).plus(
            org.apache.spark.sql.functions.coalesce(col("nb"), lit(0L))).as("nab")))
        .groupBy(groups.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .agg(sum(col("nab").multiply(col("nab"))).as("pooled_nn"));

    Dataset<Row> joined = totals.join(observed, groups.toArray(new String[0]))
        .join(expected, groups.toArray(new String[0]))
        .join(pooled, groups.toArray(new String[0]));
    Column n = col("n").cast("double");
    Column wObserved = col("w_observed").divide(n);
    Column wExpected = col("w_expected_nn").divide(n.multiply(n));
    Column kappa = when(wExpected.equalTo(0), when(wObserved.equalTo(0), lit(1.0)).otherwise(lit(0.0)))
        .otherwise(lit(1.0).minus(wObserved.divide(wExpected)));
    Column po = lit(1.0).minus(wObserved);
    Column pe = lit(1.0).minus(wExpected);
    Column se = when(pe.lt(1.0), org.apache.spark.sql.functions.sqrt(po.multiply(lit(1.0).minus(po)).divide(n))
        .divide(lit(1.0).minus(pe)));
    Column agreement = col("agree").divide(n);
    Column piChance = col("pooled_nn").divide(n.multiply(n).multiply(4));
    Column pi = when(piChance.equalTo(1), lit(1.0)).otherwise(agreement.minus(piChance).divide(lit(1.0).minus(piChance)));
    Column sChance = lit(1.0).divide(col("k"));
    Column bennett = when(col("k").equalTo(1), lit(1.0)).otherwise(agreement.minus(sChance).divide(lit(1.0).minus(sChance)));
    return joined.select(cols(groups, col("n").as(UNITS), agreement.as(OBSERVED), kappa.as(KAPPA),
        se.as(STANDARD_ERROR), pi.as(SCOTT_PI), bennett.as(BENNETT_S)));
  }

  private static Column[] cols(List<String> groups, Column... more) {
    List<Column> all = new ArrayList<>();
    groups.forEach(c -> all.add(col(c)));
    all.addAll(List.of(more));
    return all.toArray(Column[]::new);
  }

  /** The group columns taken from whichever side of a full outer join has them, then {@code more}. */
  private static Column[] cols2(List<String> groups, String left, String right, Column... more) {
    List<Column> all = new ArrayList<>();
    groups.forEach(c -> all.add(org.apache.spark.sql.functions.coalesce(col(left + "." + c), col(right + "." + c)).as(c)));
    all.addAll(List.of(more));
    return all.toArray(Column[]::new);
  }

  private static Column[] prefixed(List<String> groups, String alias) {
    return groups.stream().map(c -> col(alias + "." + c).as(c)).toArray(Column[]::new);
  }

  private static Column joinOn(List<String> groups, String left, String right) {
    Column on = lit(true);
    for (String c : groups) {
      on = on.and(col(left + "." + c).equalTo(col(right + "." + c)));
    }
    return on;
  }
}
