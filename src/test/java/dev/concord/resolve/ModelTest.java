package dev.concord.resolve;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.config.ProjectSettings;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The M-step of each estimated model ({@link Model}), by hand, and each model through the whole estimation. */
class ModelTest {
  private static final DawidSkeneSettings PLAIN = new DawidSkeneSettings(1e-6, 100, 0.0, 0.0);
  private static final double SCALE = DawidSkene.SCALE;

  /** Statistics of two annotators over two classes, mass[a][k][c] (answer k, truth c), laid out as the model's. */
  private static long[] mass(double[][][] m) {
    long[] out = new long[m.length * 4];
    for (int a = 0; a < m.length; a++) {
      for (int k = 0; k < 2; k++) {
        for (int c = 0; c < 2; c++) {
          out[(a * 2 + k) * 2 + c] = Math.round(m[a][k][c] * SCALE);
        }
      }
    }
    return out;
  }

  private static double p(double[] logMatrix, int a, int k, int c) {
    return Math.exp(logMatrix[(a * 2 + k) * 2 + c]);
  }

  /**
   * One coin: annotator 0 is right on 3 of 4 units, annotator 1 on 1 of 2. Unpooled and unsmoothed, their
   * accuracies are 3/4 and 1/2, whatever the class; pooled with 2 units of weight, annotator 0's is (3 + 2 * 4/6) /
   * (4 + 2) = 13/18.
   */
  @Test
  void oneCoinIsOneAccuracyPerAnnotator() {
    long[] mass = mass(new double[][][] {{{2, 1}, {0, 1}}, {{1, 1}, {0, 0}}});
    double[] log = new double[8];
    Model.ONE_COIN.mStep(mass, 0, 2, 2, PLAIN, null, log);
    assertEquals(0.75, p(log, 0, 0, 0), 1e-12);
    assertEquals(0.75, p(log, 0, 1, 1), 1e-12);
    assertEquals(0.25, p(log, 0, 1, 0), 1e-12);
    assertEquals(0.25, p(log, 0, 0, 1), 1e-12);
    assertEquals(0.5, p(log, 1, 0, 0), 1e-12);
    Model.ONE_COIN.mStep(mass, 0, 2, 2, new DawidSkeneSettings(1e-6, 100, 0.0, 2.0), null, log);
    assertEquals(13.0 / 18, p(log, 0, 0, 0), 1e-12);
  }

  /**
   * MACE: an annotator who answers x whatever the truth is a spammer (theta halves every round towards 0, so
   * P(x | x) = P(x | y) and the answer says nothing); one who is always right knows the answer (theta towards 1).
   */
  @Test
  void maceSeesASpammerAsUninformative() {
    long[] mass = mass(new double[][][] {{{5, 5}, {0, 0}}, {{5, 0}, {0, 5}}});
    double[] log = new double[8];
    Model.MACE.mStep(mass, 0, 2, 2, PLAIN, null, log);
    assertEquals(1.0, p(log, 0, 0, 0) / p(log, 0, 0, 1), 1e-5);
    // Its strategy is x, 10 spam answers of 10 with the prior of 1 on each answer: (10 + 1) / (10 + 2).
    assertEquals(11.0 / 12, p(log, 0, 0, 0), 1e-5);
    assertEquals(1.0, p(log, 1, 0, 0), 1e-5);
    assertTrue(p(log, 1, 1, 0) < 1e-5, "the reliable annotator's P(y | x) " + p(log, 1, 1, 0));
    for (int a = 0; a < 2; a++) {
      for (int c = 0; c < 2; c++) {
        assertEquals(1.0, p(log, a, 0, c) + p(log, a, 1, c), 1e-9, "a column of a confusion matrix sums to 1");
      }
    }
  }

  /**
   * MACE by hand, one round from its start (theta 0.8, an even strategy): right on 3 units of x, wrong (answer y,
   * truth x) on 1. A right answer is spam with probability 0.2 * 0.5 / (0.8 + 0.2 * 0.5) = 1/9, so the annotator
   * knew the answer on 3 * 8/9 = 8/3 units: theta = (8/3) / 4 = 2/3. Spam: 1/3 on x, 1 on y, so with the prior of
   * 1 each the strategy is (4/3, 2) / (10/3) = (2/5, 3/5). P(x | x) = 2/3 + 1/3 * 2/5 = 4/5 and P(x | y) = 1/3 *
   * 2/5 = 2/15.
   */
  @Test
  void maceOneRoundByHand() {
    double[][][] p = new double[1][2][2];
    Model.mace(new double[][][] {{{3, 0}, {1, 0}}}, PLAIN, null, p, 1);
    assertEquals(4.0 / 5, p[0][0][0], 1e-12);
    assertEquals(1.0 / 5, p[0][1][0], 1e-12);
    assertEquals(2.0 / 15, p[0][0][1], 1e-12);
    assertEquals(13.0 / 15, p[0][1][1], 1e-12);
  }

  /**
   * MACE's fixed point is found, not stopped short: an annotator who knows the answer 5% of the time (the expected
   * statistics of 1,000 units, even classes and an even strategy: P(k | k) = 0.05 + 0.95 / 2) comes out at theta
   * 0.05 from the cold start of 0.8, up to the pull of the strategy prior. Started from its own result, a round
   * changes nothing: theta and xi are read back from the matrices.
   */
  @Test
  void maceFindsASparseKnowerAndResumesWhereItStopped() {
    double right = 500 * (0.05 + 0.95 / 2);
    double wrong = 500 * 0.95 / 2;
    double[][][] m = {{{right, wrong}, {wrong, right}}};
    double[][][] p = new double[1][2][2];
    Model.mace(m, PLAIN, null, p, Model.MAX_ROUNDS);
    assertEquals(0.05, p[0][0][0] - p[0][0][1], 0.002, "theta");
    double[][][] again = new double[1][2][2];
    Model.mace(m, PLAIN, p, again, 1);
    for (int k = 0; k < 2; k++) {
      for (int c = 0; c < 2; c++) {
        assertEquals(p[0][k][c], again[0][k][c], 1e-8);
      }
    }
  }

  @Test
  void namesItsModels() {
    assertEquals(Model.FULL, Model.of(ProjectSettings.DAWID_SKENE));
    assertEquals(Model.MACE, Model.of(ProjectSettings.MACE));
    assertEquals(Model.ONE_COIN, Model.of(ProjectSettings.ONE_COIN));
    assertEquals(Model.MINIMAX_ENTROPY, Model.of(ProjectSettings.MINIMAX_ENTROPY));
    assertEquals(Model.AUTO, Model.of(ProjectSettings.AUTO));
    assertThrows(IllegalArgumentException.class, () -> Model.of(ProjectSettings.MAJORITY_VOTE));
    assertThrows(IllegalArgumentException.class, () -> Model.of(null));
  }

  /**
   * Through the whole estimation, each project by its own model in one pass (minimax entropy too), on three classes
   * (with two, every column-stochastic matrix is a MACE matrix): each recovers the truth of thirty units answered by
   * two careful annotators and a spammer who always says x. The one-coin matrices have one accuracy and even errors; MACE's
   * wrong answers follow a strategy, P(k | c) the same for every wrong c; Dawid-Skene's full matrix has neither tie.
   */
  @Test
  void eachProjectIsEstimatedByItsOwnModel() {
    List<String> classes = List.of("x", "y", "z");
    Map<String, String> methods = Map.of("coin", ProjectSettings.ONE_COIN, "mace", ProjectSettings.MACE, "full",
        ProjectSettings.DAWID_SKENE, "entropy", ProjectSettings.MINIMAX_ENTROPY);
    List<Row> rows = new ArrayList<>();
    for (String project : List.of("coin", "mace", "full", "entropy")) {
      for (int i = 0; i < 30; i++) {
        String truth = classes.get(i % 3);
        // good1 twice takes a y for an x; good2 once a z for a y.
        String first = i == 3 || i == 6 ? "y" : truth;
        String second = i == 4 ? "z" : truth;
        rows.add(org.apache.spark.sql.RowFactory.create(project, "label", project + "-u" + i, "good1", first,
            methods.get(project)));
        rows.add(org.apache.spark.sql.RowFactory.create(project, "label", project + "-u" + i, "good2", second,
            methods.get(project)));
        rows.add(org.apache.spark.sql.RowFactory.create(project, "label", project + "-u" + i, "spam", "x",
            methods.get(project)));
      }
    }
    Dataset<Row> votes = DawidSkeneTest.SPARK.createDataFrame(rows,
        DawidSkeneTest.VOTES.add(Resolve.METHOD, "string"));
    DawidSkene.Estimate estimate = DawidSkene.estimate(votes, DawidSkeneTest.gold(), PLAIN_WITH_SMOOTHING);
    Map<String, Map<String, Double>> post = DawidSkeneTest.collect(estimate.posteriors());
    for (String project : List.of("coin", "mace", "full", "entropy")) {
      for (int i = 0; i < 30; i++) {
        if (i == 3 || i == 4 || i == 6) {
          continue;
        }
        String truth = classes.get(i % 3);
        assertTrue(post.get(project + "-u" + i).getOrDefault(truth, 0.0) > 0.5,
            project + " unit " + i + ": " + post.get(project + "-u" + i));
      }
    }
    Map<String, Double> coin = matrix(estimate, "coin", "good1");
    assertEquals(coin.get("x|x"), coin.get("y|y"), 1e-9);
    assertEquals(coin.get("y|x"), coin.get("z|x"), 1e-9);
    assertEquals(coin.get("x|y"), coin.get("z|y"), 1e-9);
    assertTrue(coin.get("x|x") > 0.8, coin.toString());
    Map<String, Double> mace = matrix(estimate, "mace", "good1");
    assertEquals(mace.get("y|x"), mace.get("y|z"), 1e-8, mace.toString());
    assertEquals(mace.get("x|y"), mace.get("x|z"), 1e-8, mace.toString());
    assertTrue(mace.get("y|x") > mace.get("z|x") + 0.01, "good1's strategy leans to y: " + mace);
    Map<String, Double> full = matrix(estimate, "full", "good1");
    assertTrue(Math.abs(full.get("y|x") - full.get("y|z")) > 0.01, "a full matrix: " + full);
    // The spammer, who says x to everything, knows next to nothing under MACE: theta is what the pooled prior's two
    // units of weight lend it against thirty units of evidence, where a careful annotator's is above 0.8.
    Map<String, Double> spam = matrix(estimate, "mace", "spam");
    assertTrue(spam.get("x|x") - spam.get("x|y") < 0.1, spam.toString());
    assertTrue(mace.get("x|x") - mace.get("x|y") > 0.8, mace.toString());
    // Minimax entropy's published matrix is an annotator's on a unit with no terms of its own: a softmax of their
    // terms, each truth's column summing to 1, the careful annotator's diagonal above the spammer's.
    Map<String, Double> entropy = matrix(estimate, "entropy", "good1");
    for (String c : classes) {
      assertEquals(1.0, classes.stream().mapToDouble(k -> entropy.get(k + "|" + c)).sum(), 1e-6, entropy.toString());
    }
    assertTrue(entropy.get("y|y") > matrix(estimate, "entropy", "spam").get("y|y") + 0.3, entropy.toString());
  }

  private static Map<String, Double> matrix(DawidSkene.Estimate estimate, String project, String annotator) {
    Map<String, Double> out = new java.util.TreeMap<>();
    for (Row r : estimate.matrices().filter(org.apache.spark.sql.functions.col(Col.PROJECT).equalTo(project)
        .and(org.apache.spark.sql.functions.col(Col.ANNOTATOR).equalTo(annotator))).collectAsList()) {
      out.put(r.getAs(Col.ANSWER) + "|" + r.getAs(Col.TRUTH), r.getAs(Col.PROBABILITY));
    }
    return out;
  }

  private static final DawidSkeneSettings PLAIN_WITH_SMOOTHING = new DawidSkeneSettings(1e-6, 100, 0.01, 2.0);
}
