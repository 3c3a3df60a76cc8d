package dev.concord.agreement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Cohen's and weighted kappa through the job's own code path, against published values. */
class KappaReferenceTest {

  static Stream<Arguments> published() {
    return Stream.of(
        Arguments.of("cohen1960_ex2", Weighting.NOMINAL, 0.492, 3),
        Arguments.of("cohen1960_ex1", Weighting.NOMINAL, -0.092, 3),
        Arguments.of("artstein_poesio2008_ex1", Weighting.NOMINAL, 0.348, 3),
        Arguments.of("artstein_poesio2008_ex2", Weighting.NOMINAL, 0.8013, 4),
        Arguments.of("agresti1992", Weighting.NOMINAL, 0.493, 3),
        Arguments.of("zwick1988_ex1", Weighting.NOMINAL, 0.467, 3),
        Arguments.of("zwick1988_ex2", Weighting.NOMINAL, 0.444, 3),
        Arguments.of("zwick1988_ex3", Weighting.NOMINAL, 0.474, 3),
        Arguments.of("krippendorff2004_ex4a", Weighting.NOMINAL, 0.186, 3),
        Arguments.of("krippendorff2004_ex4b", Weighting.NOMINAL, 0.258, 3),
        Arguments.of("sas_table10", Weighting.NOMINAL, 0.4842, 4),
        Arguments.of("sas_table10", Weighting.LINEAR, 0.4701, 4),
        Arguments.of("sklearn_weighted_kappa", Weighting.NOMINAL, 0.9315, 4),
        Arguments.of("sklearn_weighted_kappa", Weighting.LINEAR, 0.9412, 4),
        Arguments.of("sklearn_weighted_kappa", Weighting.QUADRATIC, 0.9541, 4));
  }

  @ParameterizedTest(name = "{0} {1} = {2}")
  @MethodSource("published")
  void reproducesPublishedKappa(String dataset, Weighting weighting, double published, int digits) throws IOException {
    Dataset<Row> counts = contingency(Files.readAllLines(SparkTest.shared("reference/agreement/" + dataset + "_pairs.csv")));
    Row r = Kappa.of(counts, List.of("g"), weighting).first();
    assertEquals(published, r.getDouble(r.fieldIndex(Kappa.KAPPA)), 0.5 * Math.pow(10, -digits));
    assertEquals(published, table(counts).figures(weighting).kappa(), 0.5 * Math.pow(10, -digits),
        "the one-pass agreement's table");
  }

  /** The counts as the one-pass agreement holds a table. */
  static CountTable table(Dataset<Row> counts) {
    CountTable t = new CountTable();
    for (Row r : counts.collectAsList()) {
      t.add(new CountTable.Category(r.getAs(Col.CATEGORY), r.getAs(Col.ORDINAL)),
          new CountTable.Category(r.getAs(Col.OTHER_CATEGORY), r.getAs(Col.OTHER_ORDINAL)), r.getAs(Col.COUNT));
    }
    return t;
  }

  @ParameterizedTest(name = "irr anxiety r2 vs r3 {0} = {1}")
  @MethodSource("anxiety")
  void weightsByRankNotByValue(Weighting weighting, double published) throws IOException {
    List<String> lines = Files.readAllLines(SparkTest.shared("reference/agreement/irr_anxiety_wide.csv"));
    List<String> pairs = new ArrayList<>(List.of("rater1,rater2,count"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      pairs.add(f[2] + "," + f[3] + ",1");
    }
    Row r = Kappa.of(contingency(pairs), List.of("g"), weighting).first();
    assertEquals(published, r.getDouble(r.fieldIndex(Kappa.KAPPA)), 5e-7);
    assertEquals(published, table(contingency(pairs)).figures(weighting).kappa(), 5e-7);
  }

  static Stream<Arguments> anxiety() {
    return Stream.of(Arguments.of(Weighting.NOMINAL, -0.006289308), Arguments.of(Weighting.LINEAR, 0.1459075),
        Arguments.of(Weighting.QUADRATIC, 0.2520325));
  }

  /** A contingency table file as rows of one group; numeric categories carry their value as the ordinal. */
  static Dataset<Row> contingency(List<String> lines) {
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      rows.add(RowFactory.create("g", f[0], ordinal(f[0]), f[1], ordinal(f[1]), Long.parseLong(f[2])));
    }
    StructType schema = new StructType().add("g", DataTypes.StringType)
        .add(Col.CATEGORY, DataTypes.StringType).add(Col.ORDINAL, DataTypes.DoubleType)
        .add(Col.OTHER_CATEGORY, DataTypes.StringType).add(Col.OTHER_ORDINAL, DataTypes.DoubleType)
        .add(Col.COUNT, DataTypes.LongType);
    return SparkTest.spark().createDataFrame(rows, schema);
  }

  private static Double ordinal(String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
