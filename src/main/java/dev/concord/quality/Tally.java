package dev.concord.quality;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A count per value of an expression over a table, such as the decisions per fate: a figure bounded by the
 * expression's distinct values, never by the data. A null value counts as {@code "null"}.
 */
public record Tally(String name, Column value) {
  static final String NAME = "tally";
  static final String VALUE = "value";
  static final String COUNT = "count";
  /** More distinct values than this means a tally was given a column that is not a category. */
  static final int MAX_VALUES = 100_000;

  public static Tally of(String name, String column) {
    return new Tally(name, col(column));
  }

  /** A table and the tallies to take over it. */
  public record Over(Dataset<Row> table, List<Tally> tallies) {}

  /**
   * Every tally of every table in one aggregation: each row of a table gives one (tally, value) pair per tally, the
   * pairs of all tables are grouped once. Returns (tally, value, count).
   */
  static Dataset<Row> counted(List<Over> tables) {
    Dataset<Row> pairs = null;
    for (Over t : tables) {
      Column[] entries = t.tallies().stream().map(x -> struct(lit(x.name()).as(NAME),
          coalesce(x.value().cast("string"), lit("null")).as(VALUE))).toArray(Column[]::new);
      Dataset<Row> part = t.table().select(explode(array(entries)).as("pair")).select("pair.*");
      pairs = pairs == null ? part : pairs.union(part);
    }
    return pairs.groupBy(NAME, VALUE).count().withColumnRenamed("count", COUNT);
  }

  /**
   * The counts per value of every tally, each tally's values in order; a tally of tables without rows is an empty
   * map. One Spark job, whatever the number of tallies.
   */
  public static Map<String, Map<String, Long>> count(List<Over> tables) {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    tables.forEach(t -> t.tallies().forEach(x -> out.putIfAbsent(x.name(), new TreeMap<>())));
    List<Row> rows = counted(tables).limit(MAX_VALUES + 1).collectAsList();
    if (rows.size() > MAX_VALUES) {
      throw new IllegalStateException("the tallies " + out.keySet() + " have more than " + MAX_VALUES
          + " distinct values together: one of them counts a column that is not a category");
    }
    for (Row r : rows) {
      out.get(r.getString(0)).put(r.getString(1), r.getLong(2));
    }
    return out;
  }

  /** The tables with their tallies, as {@link #count} takes them. */
  public static final class Tables {
    private final List<Over> tables = new ArrayList<>();

    public Tables over(Dataset<Row> table, List<Tally> tallies) {
      tables.add(new Over(table, List.copyOf(tallies)));
      return this;
    }

    public Tables over(Dataset<Row> table, Tally... tallies) {
      return over(table, List.of(tallies));
    }

    public Map<String, Map<String, Long>> count() {
      return Tally.count(tables);
    }
  }
}
