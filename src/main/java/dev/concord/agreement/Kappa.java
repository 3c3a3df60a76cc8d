package dev.concord.agreement;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
  private static final String A = "a";
  private static final String B = "b";
  private static final String VA = "va";
  private static final String VB = "vb";
  private static final String K = "k";
  private static final String CELLS = "cells";
  private static final String CATEGORIES = "categories";

  /**
   * {@code counts}: the group columns, {@code category, ordinal, other_category, other_ordinal, count}, the ordinal
   * null for nominal categories (they sort by name). Returns the group columns, {@code units} (the table's total),
   * {@code observed_agreement} and {@code kappa}.
   */
  public static Dataset<Row> of(Dataset<Row> counts, List<String> groups, Weighting weighting) {
    return of(counts, groups, (Weights) weighting);
  }

  /**
   * The same with any disagreement weights: {@code weights} gives the weight of a (category, category) cell from the
   * two categories, their ranks and the number of categories.
   */
  public static Dataset<Row> of(Dataset<Row> counts, List<String> groups, Weights weighting) {
    // One row per table with its cells, every figure worked out from them with array functions: a single shuffle
    // however many tables there are, where joins of marginals would take a dozen (a table has a few dozen cells).
    Column cell = struct(col(Col.CATEGORY).as(A), col(Col.ORDINAL).as(VA), col(Col.OTHER_CATEGORY).as(B),
        col(Col.OTHER_ORDINAL).as(VB), col(N).cast("long").as(N));
    Dataset<Row> tables = counts.groupBy(cols(groups)).agg(collect_list(cell).as(CELLS));
    Column cells = col(CELLS);
    // The categories either rater used, ordered by ordinal, then name; a category's rank is its place here.
    Column categories = transform(array_sort(array_distinct(concat(
            transform(cells, x -> struct(x.getField(VA).as("v"), x.getField(A).as("c"))),
            transform(cells, x -> struct(x.getField(VB).as("v"), x.getField(B).as("c")))))),
        x -> x.getField("c"));
    Dataset<Row> ranked = tables.select(cols(groups, cells, categories.as(CATEGORIES)))
        .withColumn(K, size(col(CATEGORIES)));
    Column names = col(CATEGORIES);
    Column k = col(K);

    Column n = total(cells, x -> x.getField(N));
    Column agree = total(cells, x -> when(x.getField(A).equalTo(x.getField(B)), x.getField(N)).otherwise(lit(0L)));
    Column wObservedN = aggregate(cells, lit(0.0), (acc, x) -> acc.plus(x.getField(N).multiply(weighting.weight(
        x.getField(A), x.getField(B), array_position(names, x.getField(A)), array_position(names, x.getField(B)), k))));
    Column rowTotals = transform(names, c -> total(filter(cells, x -> x.getField(A).equalTo(c)), x -> x.getField(N)));
    Column columnTotals = transform(names, c -> total(filter(cells, x -> x.getField(B).equalTo(c)), x -> x.getField(N)));
    Dataset<Row> margins = ranked.select(cols(groups, col(K), n.as("n"), agree.as("agree"),
        wObservedN.as("w_observed_n"), rowTotals.as("na"), columnTotals.as("nb"), names));
    Column na = col("na");
    Column nb = col("nb");
    Column every = sequence(lit(1), k);
    // Chance: the weighted products of the two raters' marginals over every pair of categories.
    Column wExpectedNN = aggregate(every, lit(0.0), (acc, i) -> acc.plus(aggregate(every, lit(0.0),
        (inner, j) -> inner.plus(element_at(na, i).multiply(element_at(nb, j)).multiply(weighting.weight(
            element_at(names, i), element_at(names, j), i, j, k))))));
    // Scott's pi pools the marginals: sum over categories of ((na + nb) / 2n)^2.
    Column pooledNN = aggregate(every, lit(0L), (acc, i) -> acc.plus(element_at(na, i).plus(element_at(nb, i))
        .multiply(element_at(na, i).plus(element_at(nb, i)))));

    Column total = col("n").cast("double");
    Column wObserved = col("w_observed_n").divide(total);
    Column wExpected = wExpectedNN.divide(total.multiply(total));
    Column kappa = when(wExpected.equalTo(0), when(wObserved.equalTo(0), lit(1.0)).otherwise(lit(0.0)))
        .otherwise(lit(1.0).minus(wObserved.divide(wExpected)));
    Column po = lit(1.0).minus(wObserved);
    Column pe = lit(1.0).minus(wExpected);
    Column se = when(pe.lt(1.0), org.apache.spark.sql.functions.sqrt(po.multiply(lit(1.0).minus(po)).divide(total))
        .divide(lit(1.0).minus(pe)));
    Column agreement = col("agree").divide(total);
    Column piChance = pooledNN.divide(total.multiply(total).multiply(4));
    Column pi = when(piChance.equalTo(1), lit(1.0)).otherwise(agreement.minus(piChance).divide(lit(1.0).minus(piChance)));
    Column sChance = lit(1.0).divide(k);
    Column bennett = when(k.equalTo(1), lit(1.0)).otherwise(agreement.minus(sChance).divide(lit(1.0).minus(sChance)));
    return margins.select(cols(groups, col("n").as(UNITS), agreement.as(OBSERVED), kappa.as(KAPPA),
        se.as(STANDARD_ERROR), pi.as(SCOTT_PI), bennett.as(BENNETT_S)));
  }

  /** The sum of {@code value} over an array's elements, as a long. */
  private static Column total(Column array, java.util.function.Function<Column, Column> value) {
    return aggregate(array, lit(0L), (acc, x) -> acc.plus(value.apply(x)));
  }

  private static Column[] cols(List<String> groups, Column... more) {
    List<Column> all = new ArrayList<>();
    groups.forEach(c -> all.add(col(c)));
    all.addAll(List.of(more));
    return all.toArray(Column[]::new);
  }
}
