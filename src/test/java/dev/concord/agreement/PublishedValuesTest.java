package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * Every figure of ../shared/reference/agreement/expected_values.csv, computed from its data file through the same
 * Spark functions the job uses, to the published precision (1e-4 where the reference itself marks it NEAR).
 */
class PublishedValuesTest {
  static final Path DIR = SparkTest.shared("reference/agreement");
  static final List<String> G = List.of("g");
  static final StructType RATING = new StructType().add("g", DataTypes.StringType)
      .add(Col.UNIT, DataTypes.StringType).add(Col.ANNOTATOR, DataTypes.StringType)
      .add(Col.CATEGORY, DataTypes.StringType).add(Col.ORDINAL, DataTypes.DoubleType);

  static Stream<Arguments> published() throws IOException {
    List<Arguments> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(DIR.resolve("expected_values.csv"));
    for (String line : lines.subList(1, lines.size())) {
      List<String> f = csv(line);
      out.add(Arguments.of(f.get(0), f.get(1), f.get(2), f.get(5)));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} = {2}")
  @MethodSource("published")
  void reproduces(String dataset, String measure, String published, String status) throws IOException {
    assertEquals(Double.parseDouble(published), compute(dataset, measure), tolerance(published, status));
  }

  /** To the published precision, or 1e-4 where the reference marks the figure NEAR. */
  static double tolerance(String published, String status) {
    int decimals = published.contains(".") ? published.length() - published.indexOf('.') - 1 : 0;
    return status.startsWith("NEAR") ? 1e-4 : 0.5 * Math.pow(10, -decimals) + 1e-9;
  }

  /** The measures the job's one-pass agreement works out per scope, by the task type that carries each. */
  static Stream<Arguments> publishedScopeFigures() throws IOException {
    return published().filter(a -> {
      String measure = (String) a.get()[1];
      String dataset = (String) a.get()[0];
      return (measure.startsWith("kripp_alpha_nominal") || measure.startsWith("kripp_alpha_ordinal")
          || measure.startsWith("kripp_alpha_interval") || measure.startsWith("light_kappa")
          || measure.startsWith("fleiss_kappa")) && !dataset.startsWith("fleiss_wikipedia");
    });
  }

  @ParameterizedTest(name = "{0} {1} = {2}, in one pass")
  @MethodSource("publishedScopeFigures")
  void reproducesInTheOnePass(String dataset, String measure, String published, String status) throws IOException {
    // Ordinal and interval alpha are the rating task type's; Light's kappa is nominal outside ratings.
    String taskType = measure.startsWith("kripp_alpha_ordinal") || measure.startsWith("kripp_alpha_interval")
        ? "rating" : "label";
    Dataset<Row> units = ratings(dataset.replaceAll(" .*", "")).select(col("g").as(Col.PROJECT),
        lit(taskType).as(Col.TASK_TYPE), col(Col.UNIT), col(Col.ANNOTATOR), col(Col.CATEGORY), col(Col.ORDINAL));
    Dataset<Row> noGold = units.limit(0).drop(Col.ANNOTATOR);
    dev.concord.config.ConcordConfig config = dev.concord.config.ConcordConfig.parse(
        dev.concord.config.ConcordConfigTest.MINIMAL + "agreement: {bootstrap_replicates: 0}\n", "test");
    String column = measure.startsWith("kripp_alpha_") ? "alpha_" + measure.substring("kripp_alpha_".length())
        .replaceAll("[^a-z].*", "") : measure.startsWith("light_kappa") ? "light_kappa" : "fleiss_kappa";
    assertEquals(Double.parseDouble(published), value(AgreementPass.scopeFigures(AgreementPass.of(units, noGold,
        config.perProject(), config.agreement(), java.util.Set.of(), true)), column), tolerance(published, status));
  }

  static double compute(String dataset, String measure) throws IOException {
    String name = dataset.replaceAll(" .*", "");
    if (measure.startsWith("kripp_alpha_")) {
      Alpha.Level level = Alpha.Level.valueOf(measure.substring("kripp_alpha_".length()).toUpperCase());
      return value(Alpha.of(ratings(name), G, level), Alpha.ALPHA);
    }
    if (measure.startsWith("fleiss_kappa") || measure.startsWith("randolph_kappa")) {
      Dataset<Row> result = name.equals("fleiss_wikipedia") ? Fleiss.of(wikipediaCounts(), G)
          : Fleiss.fromRatings(ratings(name), G);
      return value(result, measure.startsWith("fleiss") ? Fleiss.FLEISS_KAPPA : Fleiss.RANDOLPH_KAPPA);
    }
    if (measure.startsWith("light_kappa")) {
      return value(PairAgreement.light(PairAgreement.counts(ratings(name), G), G, Weighting.NOMINAL),
          PairAgreement.LIGHT_KAPPA);
    }
    Dataset<Row> counts = dataset.startsWith("irr_anxiety") ? PairAgreement.counts(ratings(name)
        .filter(col(Col.ANNOTATOR).isin("r2", "r3")), G) : KappaReferenceTest.contingency(pairsFile(name));
    Weights weights = measure.contains("quadratic") ? Weighting.QUADRATIC
        : measure.contains("linear") ? Weighting.LINEAR
        : measure.contains("Chck=0.5") ? PublishedValuesTest::checkHalf
        : Weighting.NOMINAL;
    String column = measure.startsWith("scott_pi") ? Kappa.SCOTT_PI
        : measure.startsWith("bennett_S") ? Kappa.BENNETT_S : Kappa.KAPPA;
    List<String> groups = dataset.startsWith("irr_anxiety") ? List.of("g", Col.ANNOTATOR, PairAgreement.OTHER) : G;
    return value(Kappa.of(counts, groups, weights), column);
  }

  /** Artstein and Poesio's example: a disagreement involving Chck counts half. */
  static org.apache.spark.sql.Column checkHalf(org.apache.spark.sql.Column a, org.apache.spark.sql.Column b,
      org.apache.spark.sql.Column rankA, org.apache.spark.sql.Column rankB, org.apache.spark.sql.Column k) {
    return when(a.equalTo(b), lit(0.0)).when(a.equalTo("Chck").or(b.equalTo("Chck")), lit(0.5)).otherwise(lit(1.0));
  }

  static double value(Dataset<Row> result, String column) {
    List<Row> rows = result.collectAsList();
    assertEquals(1, rows.size());
    return rows.get(0).getDouble(rows.get(0).fieldIndex(column));
  }

  static List<String> pairsFile(String name) throws IOException {
    String file = name.equals("sklearn_wk") ? "sklearn_weighted_kappa_pairs.csv" : name + "_pairs.csv";
    return Files.readAllLines(DIR.resolve(file));
  }

  /** A data file as ratings: wide files cell by cell (empty cells missing), pair tables unit by unit. */
  static Dataset<Row> ratings(String name) throws IOException {
    List<Row> rows = new ArrayList<>();
    Path wide;
    try (Stream<Path> files = Files.list(DIR)) {
      wide = files.filter(p -> p.getFileName().toString().startsWith(name + "_")
          && p.getFileName().toString().endsWith("_wide.csv")).findFirst().orElse(null);
    }
    if (wide != null) {
      List<String> lines = Files.readAllLines(wide);
      List<String> raters = csv(lines.get(0));
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = csv(line);
        for (int r = 1; r < raters.size(); r++) {
          String v = r < f.size() ? f.get(r).trim() : "";
          if (!v.isEmpty()) {
            rows.add(RowFactory.create("g", f.get(0), raters.get(r), v, number(v)));
          }
        }
      }
    } else {
      List<String> lines = pairsFile(name);
      int unit = 0;
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = csv(line);
        for (int i = 0; i < Integer.parseInt(f.get(2)); i++, unit++) {
          rows.add(RowFactory.create("g", "u" + unit, "r1", f.get(0), number(f.get(0))));
          rows.add(RowFactory.create("g", "u" + unit, "r2", f.get(1), number(f.get(1))));
        }
      }
    }
    return SparkTest.spark().createDataFrame(rows, RATING);
  }

  static Dataset<Row> wikipediaCounts() throws IOException {
    List<String> lines = Files.readAllLines(DIR.resolve("fleiss_wikipedia_counts.csv"));
    List<String> categories = csv(lines.get(0));
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> f = csv(line);
      for (int c = 1; c < categories.size(); c++) {
        rows.add(RowFactory.create("g", f.get(0), categories.get(c), Long.parseLong(f.get(c))));
      }
    }
    return SparkTest.spark().createDataFrame(rows, new StructType().add("g", DataTypes.StringType)
        .add(Col.UNIT, DataTypes.StringType).add(Col.CATEGORY, DataTypes.StringType)
        .add(Col.COUNT, DataTypes.LongType)).filter(col(Col.COUNT).gt(0));
  }

  private static Double number(String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Splits a CSV line, honouring double quotes. */
  static List<String> csv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (char ch : line.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
