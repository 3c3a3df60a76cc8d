package dev.concord.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import dev.concord.job.Sparks;
import dev.concord.schema.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * Whether two published versions hold the same tables, row for row: every row as JSON (every double, nested ones
 * too, to 9 decimals, since sums in another order differ in the last bits), compared both ways. Prints a line per table and, for a table that
 * differs, a few rows of each side. Usage: {@code SameTables EXPECTED_VERSION ACTUAL_VERSION}.
 */
public final class SameTables {
  private SameTables() {}

  public static void main(String[] args) {
    SparkSession spark = Sparks.open("concord same-tables", "local[*]", java.util.Map.of()).spark();
    int differing = 0;
    for (Table t : Table.values()) {
      Path a = Path.of(args[0], t.folder());
      Path b = Path.of(args[1], t.folder());
      if (!t.published() || !Files.exists(a) || !Files.exists(b)) {
        continue;
      }
      Dataset<Row> expected = rows(spark, a);
      Dataset<Row> actual = rows(spark, b);
      long missing = expected.exceptAll(actual).count();
      long extra = actual.exceptAll(expected).count();
      System.out.printf("%-12s %9d rows, %9d rows: %s%n", t.folder(), expected.count(), actual.count(),
          missing + extra == 0 ? "same" : missing + " rows only in the first, " + extra + " only in the second");
      if (missing + extra > 0) {
        differing++;
        expected.exceptAll(actual).limit(3).as(Encoders.STRING()).collectAsList()
            .forEach(r -> System.out.println("    - " + abbreviate(r)));
        actual.exceptAll(expected).limit(3).as(Encoders.STRING()).collectAsList()
            .forEach(r -> System.out.println("    + " + abbreviate(r)));
      }
    }
    System.out.println(differing == 0 ? "every table is the same" : differing + " tables differ");
    spark.stop();
  }

  private static Dataset<Row> rows(SparkSession spark, Path table) {
    Dataset<Row> df = spark.read().parquet(table.toString());
    Column[] columns = Arrays.stream(df.schema().fields())
        .map(f -> rounded(col(f.name()), f.dataType()).as(f.name()))
        .toArray(Column[]::new);
    return df.select(to_json(struct(columns)).as("row"));
  }

  /** Every double in a value, however deep in structs, lists and maps, rounded to 9 decimals. */
  private static Column rounded(Column c, DataType type) {
    if (type instanceof DoubleType) {
      return org.apache.spark.sql.functions.round(c, 9);
    }
    if (type instanceof StructType s) {
      Column[] fields = Arrays.stream(s.fields()).map(f -> rounded(c.getField(f.name()), f.dataType()).as(f.name()))
          .toArray(Column[]::new);
      return org.apache.spark.sql.functions.when(c.isNotNull(), struct(fields));
    }
    if (type instanceof ArrayType a) {
      return org.apache.spark.sql.functions.transform(c, x -> rounded(x, a.elementType()));
    }
    if (type instanceof MapType m) {
      return org.apache.spark.sql.functions.transform_values(c, (k, v) -> rounded(v, m.valueType()));
    }
    return c;
  }

  private static String abbreviate(String s) {
    return s.length() > 400 ? s.substring(0, 400) + "…" : s;
  }
}
