package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one-pass agreement figures against the SQL definitions they replace, which serve as the oracle here: on random
 * studies of every task type, with missing ratings, gold units, several scopes and annotators left out as partners.
 */
class AgreementPassTest {
  static final ConcordConfig CONFIG = ConcordConfig.parse(
      "defaults:\n  kappa_thresholds: {pairwise: 0.2, ranking: 0.2, rating: 0.2, label: 0.2}\n"
          + "  min_shared_units: 3\n  consensus_threshold: 0.6\n  rating_margin: 1.0\n  ranking_pairs: all\n"
          + "  unscored_weight: 0.5\n  drop_confidence: 0.95\n  uncertain_policy: keep\n"
          + "  drop_measures: {pairwise: cohen_kappa, ranking: cohen_kappa, rating: weighted_kappa_quadratic,"
          + " label: scott_pi}\n  resolution_method: dawid_skene\n"
          + "projects:\n  lin:\n    drop_measures: {rating: weighted_kappa_linear}\n"
          + "agreement: {bootstrap_replicates: 60, bootstrap_max_units: 40, pairwise_max_annotators: 5}\n", "test");
  static final StructType UNITS = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.UNIT, "string").add(Col.ANNOTATOR, "string").add(Col.CATEGORY, "string").add(Col.ORDINAL, "double");
  static final StructType GOLD = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.UNIT, "string").add(Col.CATEGORY, "string").add(Col.ORDINAL, "double");
  static Dataset<Row> units;
  static Dataset<Row> gold;

  @BeforeAll
  static void study() {
    Random random = new Random(11);
    List<Row> rows = new ArrayList<>();
    List<Row> goldRows = new ArrayList<>();
    String[][] scopes = {{"p", "pairwise"}, {"p", "label"}, {"p", "rating"}, {"lin", "rating"}, {"q", "ranking"}};
    for (String[] scope : scopes) {
      int annotators = 9;
      for (int u = 0; u < 70; u++) {
        String unit = scope[1] + "-u" + u;
        int truth = random.nextInt(scope[1].equals("rating") ? 5 : 3);
        for (int a = 0; a < annotators; a++) {
          if (random.nextDouble() < 0.55) {
            continue;
          }
          int answer = random.nextDouble() < 0.3 + 0.07 * a ? truth
              : random.nextInt(scope[1].equals("rating") ? 5 : 3);
          rows.add(row(scope, unit, "ann-" + a, answer));
        }
        if (u % 4 == 0) {
          goldRows.add(RowFactory.create(scope[0], scope[1], unit, category(scope[1], truth), ordinal(scope[1], truth)));
        }
      }
    }
    units = SparkTest.spark().createDataFrame(rows, UNITS).repartition(3);
    gold = SparkTest.spark().createDataFrame(goldRows, GOLD);
  }

  private static Row row(String[] scope, String unit, String annotator, int answer) {
    return RowFactory.create(scope[0], scope[1], unit, annotator, category(scope[1], answer),
        ordinal(scope[1], answer));
  }

  private static String category(String type, int answer) {
    return switch (type) {
      case "rating" -> String.valueOf(answer + 1);
      case "ranking" -> answer == 0 ? Units.ABOVE : Units.BELOW;
      default -> "c" + answer;
    };
  }

  private static Double ordinal(String type, int answer) {
    return type.equals("rating") ? (double) answer + 1 : null;
  }

  private static Map<String, Row> byKey(Dataset<Row> d, String... keys) {
    Map<String, Row> out = new TreeMap<>();
    for (Row r : d.collectAsList()) {
      StringBuilder k = new StringBuilder();
      for (String key : keys) {
        k.append(r.<Object>getAs(key)).append('/');
      }
      out.put(k.toString(), r);
    }
    return out;
  }

  private static void assertSameFigures(Map<String, Row> expected, Map<String, Row> actual, List<String> columns) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String key : expected.keySet()) {
      for (String c : columns) {
        Object e = expected.get(key).getAs(c);
        Object a = actual.get(key).getAs(c);
        if (e instanceof Double d) {
          assertNotNull(a, key + " " + c);
          assertEquals(d, (Double) a, 1e-9, key + " " + c);
        } else {
          assertEquals(e == null ? null : ((Number) e).longValue(), a == null ? null : ((Number) a).longValue(),
              key + " " + c);
        }
      }
    }
  }

  @Test
  void scopeFiguresAreTheSqlOnes() {
    Dataset<Row> sql = ProjectAgreement.of(units, 60, 40, 5);
    Dataset<Row> pass = AgreementPass.scopeFigures(AgreementPass.of(units, gold, CONFIG.perProject(),
        CONFIG.agreement(), Set.of(), true));
    assertEquals(List.of(sql.columns()), List.of(pass.columns()), "the same columns in the same order");
    List<String> figures = List.of(sql.columns()).subList(2, sql.columns().length);
    assertSameFigures(byKey(sql, Col.PROJECT, Col.TASK_TYPE), byKey(pass, Col.PROJECT, Col.TASK_TYPE), figures);
    Row rating = byKey(pass, Col.PROJECT, Col.TASK_TYPE).get("p/rating/");
    assertNotNull(rating.getAs("alpha_ordinal"), "ratings have the ordinal alpha");
    assertNotNull(rating.getAs("fleiss_kappa_low"), "and intervals");
  }

  @Test
  void peerAndGoldKappasAreTheSqlOnesInBothRounds() {
    for (Set<String> left : List.of(Set.<String>of(), Set.of("ann-0", "ann-3"))) {
      Dataset<Row> partners = left.isEmpty() ? units : units.filter(col(Col.ANNOTATOR).isin(left.toArray()).unary_$bang());
      Dataset<Row> pass = AgreementPass.of(units, gold, CONFIG.perProject(), CONFIG.agreement(), left, false);
      List<String> figures = List.of(Kappa.UNITS, Kappa.OBSERVED, Kappa.KAPPA, Kappa.STANDARD_ERROR, Kappa.SCOTT_PI,
          Kappa.BENNETT_S);
      String[] key = {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR, Col.MEASURE};
      assertSameFigures(byKey(Agreement.kappas(Agreement.peerCounts(units, partners), CONFIG.perProject()), key),
          byKey(AgreementPass.kappas(pass, false), key), figures);
      assertSameFigures(byKey(Agreement.kappas(Agreement.goldCounts(units, gold), CONFIG.perProject()), key),
          byKey(AgreementPass.kappas(pass, true), key), figures);
    }
    Set<String> measures = new java.util.TreeSet<>(AgreementPass.kappas(AgreementPass.of(units, gold,
        CONFIG.perProject(), CONFIG.agreement(), Set.of(), false), false).select(Col.MEASURE).distinct().as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList());
    assertEquals(Set.of("cohen_kappa", "scott_pi", "weighted_kappa_linear", "weighted_kappa_quadratic"), measures);
  }

  @Test
  void theHashDrawsAreSparksOwn() {
    Dataset<Row> keys = SparkTest.spark().sql("SELECT 'p' AS project, 'rating' AS task_type, concat('u', id) AS unit,"
        + " CAST(id % 7 - 2 AS INT) AS replicate FROM range(500)");
    for (Row r : keys.select(col("unit"), col("replicate"), org.apache.spark.sql.functions.pmod(
            org.apache.spark.sql.functions.xxhash64(col(Col.PROJECT), col(Col.TASK_TYPE), col("unit"),
                col("replicate")), org.apache.spark.sql.functions.lit(1L << 30))
        .divide((double) (1L << 30))).collectAsList()) {
      assertEquals(r.getDouble(2), SparkHash.uniform("p", "rating", r.getString(0), r.getInt(1)), 0.0);
    }
  }

  @Test
  void percentilesAreThoseOfPercentileApprox() {
    List<Double> values = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 199; i++) {
      values.add(random.nextGaussian());
    }
    Dataset<Row> d = SparkTest.spark().createDataset(values, org.apache.spark.sql.Encoders.DOUBLE()).toDF("v");
    Row r = d.agg(org.apache.spark.sql.functions.percentile_approx(col("v"), org.apache.spark.sql.functions.lit(0.025),
            org.apache.spark.sql.functions.lit(10000)),
        org.apache.spark.sql.functions.percentile_approx(col("v"), org.apache.spark.sql.functions.lit(0.5),
            org.apache.spark.sql.functions.lit(10000)),
        org.apache.spark.sql.functions.percentile_approx(col("v"), org.apache.spark.sql.functions.lit(0.975),
            org.apache.spark.sql.functions.lit(10000))).first();
    Double[] p = ScopePass.percentiles(values);
    assertEquals(List.of(r.getDouble(0), r.getDouble(1), r.getDouble(2)), List.of(p));
    assertTrue(p[0] < p[1] && p[1] < p[2]);
  }
}
