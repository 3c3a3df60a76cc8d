package dev.concord.agreement;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Fleiss' kappa and Randolph's free-marginal kappa for any number of raters, from how many raters chose each category
 * on each unit. A unit's agreement is the share of agreeing rater pairs, (sum n_c^2 - m) / (m (m - 1)); units with
 * fewer than two ratings add nothing. Chance: Fleiss sums the squared overall category shares, Randolph takes 1/k.
 */
public final class Fleiss {
  private Fleiss() {}

  public static final String FLEISS_KAPPA = "fleiss_kappa";
  public static final String RANDOLPH_KAPPA = "randolph_kappa";
  public static final String UNITS = "units";

  /** From ratings ({@code groups, unit, category}): one row per group with its Fleiss and Randolph kappa. */
  public static Dataset<Row> fromRatings(Dataset<Row> ratings, List<String> groups) {
    List<Column> by = new ArrayList<>();
    groups.forEach(g -> by.add(col(g)));
    by.add(col(Col.UNIT));
    by.add(col(Col.CATEGORY));
    return of(ratings.filter(col(Col.CATEGORY).isNotNull()).groupBy(by.toArray(Column[]::new))
        .agg(count(lit(1)).as(Col.COUNT)), groups);
  }

  /** From category counts per unit ({@code groups, unit, category, count}). */
  public static Dataset<Row> of(Dataset<Row> counts, List<String> groups) {
    Column[] g = groups.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    String[] keys = groups.toArray(new String[0]);
    List<String> unitKey = new ArrayList<>(groups);
    unitKey.add(Col.UNIT);
    Dataset<Row> units = counts.groupBy(unitKey.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .agg(sum(Col.COUNT).as("m"), sum(pow(col(Col.COUNT), 2)).as("s"))
        .filter(col("m").geq(2));
    Dataset<Row> agreement = units.groupBy(g).agg(
        avg(col("s").minus(col("m")).divide(col("m").multiply(col("m").minus(1)))).as("p_bar"),
        sum(col("m")).as("ratings"), count(lit(1)).as(UNITS));
    Dataset<Row> shares = counts.join(units.select(cols(unitKey)), unitKey.toArray(new String[0]))
        .groupBy(cols(groups, col(Col.CATEGORY))).agg(sum(col(Col.COUNT)).as("n_c"))
        .join(agreement.select(cols(groups, col("ratings"))), keys)
        .groupBy(g).agg(sum(pow(col("n_c").divide(col("ratings")), 2)).as("p_e"), count(lit(1)).as("k"));
    Dataset<Row> joined = agreement.join(shares, keys);
    Column fleiss = when(col("p_e").equalTo(1), lit(1.0))
        .otherwise(col("p_bar").minus(col("p_e")).divide(lit(1.0).minus(col("p_e"))));
    Column free = lit(1.0).divide(col("k"));
    Column randolph = when(col("k").equalTo(1), lit(1.0))
        .otherwise(col("p_bar").minus(free).divide(lit(1.0).minus(free)));
    return joined.select(cols(groups, col(UNITS), fleiss.as(FLEISS_KAPPA), randolph.as(RANDOLPH_KAPPA)));
  }

  static Column[] cols(List<String> groups, Column... more) {
    List<Column> all = new ArrayList<>();
    groups.forEach(c -> all.add(col(c)));
    all.addAll(List.of(more));
    return all.toArray(Column[]::new);
  }
}
