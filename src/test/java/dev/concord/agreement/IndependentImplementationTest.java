package dev.concord.agreement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.dkpro.statistics.agreement.coding.CodingAnnotationStudy;
import org.dkpro.statistics.agreement.coding.CohenKappaAgreement;
import org.dkpro.statistics.agreement.coding.FleissKappaAgreement;
import org.dkpro.statistics.agreement.coding.KrippendorffAlphaAgreement;
import org.dkpro.statistics.agreement.coding.ScottPiAgreement;
import org.dkpro.statistics.agreement.distance.IntervalDistanceFunction;
import org.dkpro.statistics.agreement.distance.NominalDistanceFunction;
import org.junit.jupiter.api.Test;

/**
 * Random studies (raters, categories, missing shares varying) through the job's Spark functions, against DKPro
 * Statistics. All studies of a kind are one Spark computation, a study per group.
 */
class IndependentImplementationTest {
  static final int STUDIES = 12;

  /** A random study: items x raters, values 1..categories, a share missing (null). */
  static Integer[][] study(Random rnd, int items, int raters, int categories, double missing) {
    Integer[][] s = new Integer[items][raters];
    for (int i = 0; i < items; i++) {
      int truth = 1 + rnd.nextInt(categories);
      for (int r = 0; r < raters; r++) {
        if (rnd.nextDouble() < missing) {
          continue;
        }
        s[i][r] = rnd.nextDouble() < 0.6 ? truth : 1 + rnd.nextInt(categories);
      }
    }
    return s;
  }

  static Dataset<Row> ratings(Map<String, Integer[][]> studies) {
    List<Row> rows = new ArrayList<>();
    studies.forEach((g, s) -> {
      for (int i = 0; i < s.length; i++) {
        for (int r = 0; r < s[i].length; r++) {
          if (s[i][r] != null) {
            rows.add(RowFactory.create(g, "u" + i, "r" + r, String.valueOf(s[i][r]), (double) s[i][r]));
          }
        }
      }
    });
    return SparkTest.spark().createDataFrame(rows, PublishedValuesTest.RATING);
  }

  static CodingAnnotationStudy dkpro(Integer[][] s) {
    CodingAnnotationStudy study = new CodingAnnotationStudy(s[0].length);
    for (Integer[] item : s) {
      study.addItem((Object[]) item);
    }
    return study;
  }

  static Map<String, Double> byGroup(Dataset<Row> result, String column) {
    Map<String, Double> out = new TreeMap<>();
    for (Row r : result.collectAsList()) {
      out.put(r.getAs("g"), r.getDouble(r.fieldIndex(column)));
    }
    return out;
  }

  @Test
  void cohenAndScottMatchDkpro() {
    Random rnd = new Random(11);
    Map<String, Integer[][]> studies = new TreeMap<>();
    for (int k = 0; k < STUDIES; k++) {
      studies.put("s" + k, study(rnd, 20 + rnd.nextInt(80), 2, 2 + rnd.nextInt(4), 0));
    }
    Dataset<Row> kappa = Kappa.of(PairAgreement.counts(ratings(studies), List.of("g")), List.of("g"),
        Weighting.NOMINAL);
    Map<String, Double> cohen = byGroup(kappa, Kappa.KAPPA);
    Map<String, Double> scott = byGroup(kappa, Kappa.SCOTT_PI);
    studies.forEach((g, s) -> {
      assertEquals(new CohenKappaAgreement(dkpro(s)).calculateAgreement(), cohen.get(g), 1e-9, g);
      assertEquals(new ScottPiAgreement(dkpro(s)).calculateAgreement(), scott.get(g), 1e-9, g);
    });
  }

  @Test
  void fleissMatchesDkpro() {
    Random rnd = new Random(12);
    Map<String, Integer[][]> studies = new TreeMap<>();
    for (int k = 0; k < STUDIES; k++) {
      studies.put("s" + k, study(rnd, 10 + rnd.nextInt(60), 3 + rnd.nextInt(6), 2 + rnd.nextInt(4), 0));
    }
    Map<String, Double> fleiss = byGroup(Fleiss.fromRatings(ratings(studies), List.of("g")), Fleiss.FLEISS_KAPPA);
    studies.forEach((g, s) ->
        assertEquals(new FleissKappaAgreement(dkpro(s)).calculateAgreement(), fleiss.get(g), 1e-9, g));
  }

  @Test
  void alphaWithMissingDataMatchesDkpro() {
    Random rnd = new Random(13);
    Map<String, Integer[][]> studies = new TreeMap<>();
    for (int k = 0; k < STUDIES; k++) {
      studies.put("s" + k, study(rnd, 10 + rnd.nextInt(60), 2 + rnd.nextInt(6), 2 + rnd.nextInt(5),
          rnd.nextDouble() * 0.5));
    }
    Dataset<Row> r = ratings(studies);
    Map<String, Double> nominal = byGroup(Alpha.of(r, List.of("g"), Alpha.Level.NOMINAL), Alpha.ALPHA);
    Map<String, Double> interval = byGroup(Alpha.of(r, List.of("g"), Alpha.Level.INTERVAL), Alpha.ALPHA);
    studies.forEach((g, s) -> {
      assertEquals(new KrippendorffAlphaAgreement(dkpro(s), new NominalDistanceFunction()).calculateAgreement(),
          nominal.get(g), 1e-9, g);
      assertEquals(new KrippendorffAlphaAgreement(dkpro(s), new IntervalDistanceFunction()).calculateAgreement(),
          interval.get(g), 1e-9, g);
    });
  }

  @Test
  void tauBOfTwoRankings() {
    // [a, b, c, d] against [a, c, b, d]: of 6 response pairs one is discordant: tau-b = (5 - 1) / 6.
    List<Row> rows = new ArrayList<>();
    String[] first = {"a", "b", "c", "d"};
    String[] second = {"a", "c", "b", "d"};
    for (int i = 0; i < 4; i++) {
      for (int j = i + 1; j < 4; j++) {
        String x = first[i];
        String y = first[j];
        boolean above = java.util.Arrays.asList(second).indexOf(x) < java.util.Arrays.asList(second).indexOf(y);
        rows.add(RowFactory.create("g", x + y, "r1", Units.ABOVE, null));
        rows.add(RowFactory.create("g", x + y, "r2", above ? Units.ABOVE : Units.BELOW, null));
      }
    }
    Dataset<Row> units = SparkTest.spark().createDataFrame(rows, PublishedValuesTest.RATING);
    Row tau = PairAgreement.tauB(PairAgreement.counts(units, List.of("g")), List.of("g")).first();
    assertEquals(4.0 / 6, tau.getDouble(tau.fieldIndex(PairAgreement.TAU_B)), 1e-12);
    assertEquals(6L, (long) tau.getAs(Kappa.UNITS));
  }

  @Test
  void aUnitWithOneRatingAddsNothingToAlpha() {
    Map<String, Integer[][]> with = Map.of("g", new Integer[][] {{1, 1}, {2, 2}, {1, 2}, {3, null}});
    Map<String, Integer[][]> without = Map.of("g", new Integer[][] {{1, 1}, {2, 2}, {1, 2}});
    assertEquals(byGroup(Alpha.of(ratings(without), List.of("g"), Alpha.Level.NOMINAL), Alpha.ALPHA).get("g"),
        byGroup(Alpha.of(ratings(with), List.of("g"), Alpha.Level.NOMINAL), Alpha.ALPHA).get("g"), 1e-12);
  }
}
