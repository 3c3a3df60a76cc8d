package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
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
import org.apache.spark.sql.expressions.Window;

/**
 * Krippendorff's alpha from the coincidence matrix, for any number of raters and missing ratings: a unit with m >= 2
 * values adds every ordered pair of its values with weight 1 / (m - 1); a unit with fewer adds nothing.
 * alpha = 1 - (n - 1) * sum(o_ck * d_ck) / sum(n_c * n_k * d_ck), with the level's squared difference d.
 */
public final class Alpha {
  private Alpha() {}

  public static final String ALPHA = "alpha";
  public static final String PAIRABLE = "pairable_values";

  public enum Level {
    NOMINAL, ORDINAL, INTERVAL, RATIO
  }

  /**
   * From ratings ({@code groups, unit, category, ordinal}); ordinal, interval and ratio alpha read {@code ordinal} as
   * the value. Returns one row per group: {@code pairable_values} and {@code alpha}.
   */
  public static Dataset<Row> of(Dataset<Row> ratings, List<String> groups, Level level) {
    return fromCoincidences(coincidences(ratings, groups), groups, level);
  }

  /**
   * The coincidence matrix ({@code groups, c, k, o}) with each category's value ({@code v_c}, {@code v_k}): the one
   * pass over the ratings that every level shares. Callers that need several levels compute it once.
   */
  public static Dataset<Row> coincidences(Dataset<Row> ratings, List<String> groups) {
    List<String> unitKey = new ArrayList<>(groups);
    unitKey.add(Col.UNIT);
    return coincidencesFromCounts(ratings.filter(col(Col.CATEGORY).isNotNull())
        .groupBy(Fleiss.cols(unitKey, col(Col.CATEGORY), col(Col.ORDINAL)))
        .agg(count(lit(1)).as(Col.COUNT)), groups);
  }

  /**
   * The coincidence matrix from how many ratings chose each value on each unit ({@code groups, unit, category,
   * ordinal, count}).
   */
  public static Dataset<Row> coincidencesFromCounts(Dataset<Row> counts, List<String> groups) {
    List<String> unitKey = new ArrayList<>(groups);
    unitKey.add(Col.UNIT);
    Dataset<Row> values = counts.withColumnRenamed(Col.COUNT, "n_uc");
    Dataset<Row> units = values.groupBy(unitKey.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .agg(sum("n_uc").as("m")).filter(col("m").geq(2));
    Dataset<Row> pairable = values.join(units, unitKey.toArray(new String[0]));

    Dataset<Row> a = pairable.select(Fleiss.cols(unitKey, col(Col.CATEGORY).as("c"), col(Col.ORDINAL).as("v_c"),
        col("n_uc").as("n_c_u"), col("m")));
    Dataset<Row> b = pairable.select(Fleiss.cols(unitKey, col(Col.CATEGORY).as("k"), col(Col.ORDINAL).as("v_k"),
        col("n_uc").as("n_k_u")));
    return a.join(b, unitKey.toArray(new String[0]))
        .withColumn("o", col("n_c_u").multiply(col("n_k_u").minus(when(col("c").equalTo(col("k")), lit(1))
            .otherwise(lit(0)))).divide(col("m").minus(1)))
        .groupBy(Fleiss.cols(groups, col("c"), col("v_c"), col("k"), col("v_k"))).agg(sum("o").as("o"));
  }

  /** Alpha at a level from the coincidence matrix: small tables only, whatever the size of the ratings. */
  public static Dataset<Row> fromCoincidences(Dataset<Row> coincidences, List<String> groups, Level level) {
    String[] keys = groups.toArray(new String[0]);
    Dataset<Row> categories = coincidences.groupBy(Fleiss.cols(groups, col("c"), col("v_c"))).agg(sum("o").as("n_c"))
        .withColumn("cum", sum("n_c").over(Window.partitionBy(groups.stream()
            .map(org.apache.spark.sql.functions::col).toArray(Column[]::new)).orderBy(col("v_c"), col("c"))));
    Dataset<Row> left = categories.select(Fleiss.cols(groups, col("c"), col("v_c"), col("n_c"),
        col("cum").as("cum_c")));
    Dataset<Row> right = categories.select(Fleiss.cols(groups, col("c").as("k"), col("v_c").as("v_k"),
        col("n_c").as("n_k"), col("cum").as("cum_k")));
    Column d = difference(level);

    Dataset<Row> observed = coincidences.drop("v_c", "v_k").join(left, concat(keys, "c")).join(right, concat(keys, "k"))
        .groupBy(Fleiss.cols(groups)).agg(sum(col("o").multiply(d)).as("d_o"), sum("o").as("n"));
    Dataset<Row> expected = left.join(right, keys)
        .groupBy(Fleiss.cols(groups)).agg(sum(col("n_c").multiply(col("n_k")).multiply(d)).as("d_e"));
    Column alpha = when(col("d_e").equalTo(0), lit(1.0))
        .otherwise(lit(1.0).minus(col("n").minus(1).multiply(col("d_o")).divide(col("d_e"))));
    return observed.join(expected, keys).select(Fleiss.cols(groups, col("n").as(PAIRABLE), alpha.as(ALPHA)));
  }

  /** The squared difference of two values (c, k) at a level, over columns of the joined category tables. */
  private static Column difference(Level level) {
    Column same = col("c").equalTo(col("k"));
    return switch (level) {
      case NOMINAL -> when(same, lit(0.0)).otherwise(lit(1.0));
      case INTERVAL -> pow(col("v_c").minus(col("v_k")), 2);
      case RATIO -> when(col("v_c").plus(col("v_k")).equalTo(0), lit(0.0))
          .otherwise(pow(col("v_c").minus(col("v_k")).divide(col("v_c").plus(col("v_k"))), 2));
      // The ratings between the two values, inclusive, less half of each end's.
      case ORDINAL -> pow(greatest(col("cum_c"), col("cum_k")).minus(least(col("cum_c"), col("cum_k")))
          .plus(when(col("cum_c").lt(col("cum_k")), col("n_c")).otherwise(col("n_k")))
          .minus(col("n_c").plus(col("n_k")).divide(2)), 2);
    };
  }

  private static String[] concat(String[] keys, String more) {
    String[] all = java.util.Arrays.copyOf(keys, keys.length + 1);
    all[keys.length] = more;
    return all;
  }
}
