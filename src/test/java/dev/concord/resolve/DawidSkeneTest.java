package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

public class DawidSkeneTest {
  static final SparkSession SPARK = SparkTest.spark();
  static final DawidSkeneSettings SETTINGS = new DawidSkeneSettings(1e-6, 100, 0.01, 0.0);
  static final StructType VOTES = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.UNIT, "string").add(Col.ANNOTATOR, "string").add(Col.CATEGORY, "string");
  static final StructType GOLD = new StructType().add(Col.UNIT, "string").add(Col.CATEGORY, "string");

  static Dataset<Row> votes(String... unitAnnotatorCategory) {
    List<Row> rows = new java.util.ArrayList<>();
    for (String v : unitAnnotatorCategory) {
      String[] f = v.split(":");
      rows.add(RowFactory.create("p", "label", f[0], f[1], f[2]));
    }
    return SPARK.createDataFrame(rows, VOTES);
  }

  public static Dataset<Row> gold(String... unitCategory) {
    return SPARK.createDataFrame(java.util.Arrays.stream(unitCategory).map(g -> g.split(":"))
        .map(f -> RowFactory.create(f[0], f[1])).toList(), GOLD);
  }

  /** unit -> category -> posterior */
  static Map<String, Map<String, Double>> collect(Dataset<Row> posteriors) {
    Map<String, Map<String, Double>> m = new TreeMap<>();
    for (Row r : posteriors.collectAsList()) {
      m.computeIfAbsent(r.getString(0), u -> new TreeMap<>()).put(r.getString(1), r.getDouble(2));
    }
    return m;
  }

  /**
   * One M-step and one E-step by hand, Laplace smoothing (1): from posteriors u1 = x, u2 = y, annotator a (x on u1,
   * y on u2) has rows x: (2/3, 1/3), y: (1/3, 2/3); b (x on both) has P(x | x) = P(x | y) = 2/3; the priors are
   * (1/2, 1/2). So u1 becomes (2/3, 1/3) and u2 (1/3, 2/3), and u1's likelihood is 1/2 * (4/9 + 2/9) = 1/3.
   */
  @Test
  void oneIterationByHand() {
    DawidSkene.Shape shape = new DawidSkene.Shape(new int[] {2}, new int[] {0, 2});
    DawidSkene.Unit u1 = new DawidSkene.Unit("u1", 0, 0, new int[] {0, 1}, new int[] {0, 0}, 0);
    DawidSkene.Unit u2 = new DawidSkene.Unit("u2", 0, 1, new int[] {0, 1}, new int[] {1, 0}, 1);
    DawidSkene.Statistics stats = new DawidSkene.Statistics(shape);
    int[] bases = shape.matrixBases();
    stats.add(u1, shape, bases, null);
    stats.add(u2, shape, bases, null);
    DawidSkene.Params params = DawidSkene.params(stats, shape, new DawidSkeneSettings(1e-6, 1, 1.0, 0.0));
    double[] p1 = new double[2];
    double ll1 = DawidSkene.posterior(withoutGold(u1), shape, params, p1);
    double[] p2 = new double[2];
    DawidSkene.posterior(withoutGold(u2), shape, params, p2);
    assertArrayEquals(new double[] {0.666666667, 0.333333333}, p1);
    assertArrayEquals(new double[] {0.333333333, 0.666666667}, p2);
    assertEquals(Math.log(1.0 / 3), ll1, 1e-12);
  }

  private static DawidSkene.Unit withoutGold(DawidSkene.Unit u) {
    return new DawidSkene.Unit(u.id(), u.scope(), DawidSkene.NO_GOLD, u.slots(), u.answers(), u.ordinal());
  }

  /** Statistics summed in any grouping are the same, to the last unit: they are integers. */
  @Test
  void statisticsAreExactWhateverTheGrouping() {
    DawidSkene.Shape shape = new DawidSkene.Shape(new int[] {3}, new int[] {0, 3});
    List<DawidSkene.Unit> units = new java.util.ArrayList<>();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 50; i++) {
      units.add(new DawidSkene.Unit("u" + i, 0, DawidSkene.NO_GOLD, new int[] {0, 1, 2},
          new int[] {random.nextInt(3), random.nextInt(3), random.nextInt(3)}, i));
    }
    int[] bases = shape.matrixBases();
    DawidSkene.Statistics start = new DawidSkene.Statistics(shape);
    units.forEach(u -> start.add(u, shape, bases, null));
    DawidSkene.Params params = DawidSkene.params(start, shape, SETTINGS);
    DawidSkene.Statistics forward = new DawidSkene.Statistics(shape);
    units.forEach(u -> forward.add(u, shape, bases, params));
    DawidSkene.Statistics evens = new DawidSkene.Statistics(shape);
    DawidSkene.Statistics odds = new DawidSkene.Statistics(shape);
    for (int i = units.size() - 1; i >= 0; i--) {
      (i % 2 == 0 ? evens : odds).add(units.get(i), shape, bases, params);
    }
    DawidSkene.Statistics merged = odds.merge(evens);
    assertArrayEquals(forward.mass, merged.mass);
    assertArrayEquals(forward.classMass, merged.classMass);
    assertEquals(forward.logLikelihood, merged.logLikelihood);
    assertEquals(50, merged.likelihoodUnits);
  }

  /**
   * Two careful annotators and one who always contradicts them: majority vote follows the two, and so does EM, but
   * EM also learns that the contrarian's answer is informative, so the unit only the contrarian answered resolves
   * to the opposite of what the contrarian said.
   */
  @Test
  void learnsThatAnAdversaryIsInformative() {
    List<String> v = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String truth = i % 2 == 0 ? "x" : "y";
      String opposite = truth.equals("x") ? "y" : "x";
      v.add("u" + i + ":good1:" + truth);
      v.add("u" + i + ":good2:" + truth);
      v.add("u" + i + ":contrarian:" + opposite);
    }
    v.add("lonely:contrarian:x");
    DawidSkene.Estimate estimate = DawidSkene.estimate(votes(v.toArray(String[]::new)), gold(), SETTINGS);
    var post = collect(estimate.posteriors());
    assertTrue(post.get("u0").get("x") > 0.99, post.get("u0").toString());
    assertTrue(post.get("u1").get("y") > 0.99, post.get("u1").toString());
    assertTrue(post.get("lonely").get("y") > 0.9, "the contrarian's x means y: " + post.get("lonely"));

    // The matrices the estimate published: P(answer | truth), each truth's column summing to 1.
    Map<String, Double> p = new TreeMap<>();
    for (Row r : estimate.matrices().collectAsList()) {
      p.put(r.getAs(Col.ANNOTATOR) + " " + r.getAs(Col.ANSWER) + "|" + r.getAs(Col.TRUTH), r.getAs(Col.PROBABILITY));
    }
    assertEquals(12, p.size(), "three annotators, two answers, two truths");
    assertTrue(p.get("contrarian y|x") > 0.9 && p.get("contrarian x|y") > 0.9, p.toString());
    assertTrue(p.get("good1 x|x") > 0.9 && p.get("good2 y|y") > 0.9, p.toString());
    for (String a : List.of("good1", "good2", "contrarian")) {
      for (String truth : List.of("x", "y")) {
        assertEquals(1.0, p.get(a + " x|" + truth) + p.get(a + " y|" + truth), 1e-8, a + " given " + truth);
      }
    }
  }

  /** A gold unit keeps its gold answer whatever the votes, and anchors who is reliable. */
  @Test
  void goldUnitsStayAtTheirGoldAnswer() {
    var post = collect(DawidSkene.estimate(votes("u1:a:x", "u1:b:x", "u1:c:y", "u2:a:y", "u2:b:x", "u2:c:y"),
        gold("u1:y", "nobody:x"), SETTINGS).posteriors());
    assertEquals(Map.of("x", 0.0, "y", 1.0), post.get("u1"));
    assertEquals(2, post.size(), "a gold unit nobody answered is not estimated");
  }

  /**
   * Three annotators who agree on four items, answering x every time, next to others answering both ways. Plain EM
   * cannot tell them from three who always say x, and leaves their items near the prior; the pooled prior takes
   * them to be like the average annotator until shown otherwise.
   */
  @Test
  void pooledPriorTrustsASmallConsistentGroup() {
    List<String> v = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      for (String who : List.of("a", "b", "c")) {
        v.add("g" + i + ":" + who + ":x");
      }
    }
    for (int i = 0; i < 10; i++) {
      v.add("o" + i + ":d:" + (i % 2 == 0 ? "x" : "y"));
      v.add("o" + i + ":e:" + (i % 2 == 0 ? "x" : "y"));
    }
    Dataset<Row> votes = votes(v.toArray(String[]::new));
    double plain = collect(DawidSkene.estimate(votes, gold(), SETTINGS).posteriors()).get("g0").get("x");
    double trusting = collect(DawidSkene.estimate(votes, gold(), new DawidSkeneSettings(1e-6, 100, 0.01, 2.0))
        .posteriors()).get("g0").get("x");
    assertTrue(plain < 0.9, "plain EM: " + plain);
    assertTrue(trusting > 0.99, "with the pooled prior: " + trusting);
  }

  /** Rounded posteriors, so neither the partitioning nor the order of the input changes any figure. */
  @Test
  void sameAnswersWhateverThePartitioningAndOrder() {
    Dataset<Row> crowd = rte();
    var one = collect(DawidSkene.estimate(crowd.coalesce(1), gold(), SETTINGS).posteriors());
    var shuffled = collect(DawidSkene.estimate(crowd.orderBy(org.apache.spark.sql.functions.rand(7))
        .repartition(7), gold(), SETTINGS).posteriors());
    assertEquals(one, shuffled);
  }

  /**
   * A dropped annotator's votes inform the estimate but enter no posterior. Two units carry the same kept votes (x
   * and y), one also the dropped contrarian's y: their posteriors are equal, where a counted contrarian's y would
   * have pushed the first towards x. A unit only the dropped annotator answered has no posterior; the dropped
   * annotator's matrix is still estimated, inverted.
   */
  @Test
  void uncountedVotesInformTheEstimateOnly() {
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String truth = i % 2 == 0 ? "x" : "y";
      String opposite = truth.equals("x") ? "y" : "x";
      rows.add(counted("u" + i, "good1", truth, true));
      rows.add(counted("u" + i, "good2", truth, true));
      rows.add(counted("u" + i, "contrarian", opposite, false));
    }
    rows.add(counted("split", "good1", "x", true));
    rows.add(counted("split", "good2", "y", true));
    rows.add(counted("split", "contrarian", "y", false));
    rows.add(counted("twin", "good1", "x", true));
    rows.add(counted("twin", "good2", "y", true));
    rows.add(counted("lonely", "contrarian", "x", false));
    DawidSkene.Estimate estimate = DawidSkene.estimate(SPARK.createDataFrame(rows,
        VOTES.add(DawidSkene.COUNTED, "boolean")), gold(), SETTINGS);
    Map<String, Map<String, Double>> post = collect(estimate.posteriors());
    assertEquals(post.get("twin"), post.get("split"));
    assertTrue(!post.containsKey("lonely"), "a unit with no counted vote has no posterior");
    Row inverted = estimate.matrices().filter(col(Col.ANNOTATOR).equalTo("contrarian")
        .and(col(Col.ANSWER).equalTo("y")).and(col(Col.TRUTH).equalTo("x"))).first();
    assertTrue(inverted.<Double>getAs(Col.PROBABILITY) > 0.9, "the contrarian's P(y | x): " + inverted);
    Map<String, Map<String, Double>> allCounted = collect(DawidSkene.estimate(SPARK.createDataFrame(rows,
            VOTES.add(DawidSkene.COUNTED, "boolean")).withColumn(DawidSkene.COUNTED, lit(true)), gold(), SETTINGS)
        .posteriors());
    assertTrue(allCounted.get("split").get("x") > allCounted.get("twin").get("x"),
        "counted, the contrarian's y speaks for x: " + allCounted.get("split") + " against " + allCounted.get("twin"));
  }

  private static Row counted(String unit, String annotator, String category, boolean counted) {
    return RowFactory.create("p", "label", unit, annotator, category, counted);
  }

  /**
   * Snow et al.'s textual-entailment labels: the published Dawid-Skene codes reach 0.9275 against the truth, majority
   * vote at most 0.919.
   */
  @Test
  void recognisingTextualEntailmentAsPublished() {
    Dataset<Row> truth = SPARK.read().option("header", "true").csv(SparkTest.shared("reference/crowd/rte/truth.csv")
        .toString()).select(col("task").as(Col.UNIT), col("label").as("truth"));
    Dataset<Row> post = DawidSkene.estimate(rte(), gold(), SETTINGS).posteriors();
    Dataset<Row> best = post.groupBy(Col.UNIT).agg(org.apache.spark.sql.functions.max_by(col(Col.CATEGORY),
        col(DawidSkene.POSTERIOR)).as("answer"));
    Row r = best.join(truth, Col.UNIT).agg(org.apache.spark.sql.functions.avg(
        col("answer").equalTo(col("truth")).cast("double")), org.apache.spark.sql.functions.count(lit(1))).first();
    assertEquals(800L, r.getLong(1));
    assertTrue(r.getDouble(0) >= 0.9275, "accuracy " + r.getDouble(0));
  }

  /**
   * Under auto, each project gets the model that best predicts its held-out answers, in one estimate: on Snow et
   * al.'s textual entailment (ten answers an item) MACE, which resolves 742 of 800 at a posterior of at least 0.52
   * and leads with the truth on 743 (published Dawid-Skene: 742); on
   * Welinder et al.'s bluebirds (39 answers an item) minimax entropy, which resolves 100 of 108 where MACE resolves 97
   * (published Dawid-Skene: 95 and 96). Each figure is the same as its model's alone.
   */
  @Test
  void autoChoosesEachProjectsModelByHeldOutAnswers() {
    Dataset<Row> both = crowd("rte").unionByName(crowd("bluebirds"));
    DawidSkene.Estimate chosen = DawidSkene.estimate(both.withColumn(Resolve.METHOD, lit("auto")), gold(),
        CROWD_SETTINGS);
    assertEquals(Map.of(DawidSkene.scope("rte", "label"), "mace", DawidSkene.scope("bluebirds", "label"),
        "minimax_entropy"), chosen.models());
    Map<String, Long> auto = accuracy(chosen.posteriors());
    assertEquals(Map.of("rte", 742L, "bluebirds", 100L), auto);
    Dataset<Row> byModel = crowd("rte").withColumn(Resolve.METHOD, lit("mace"))
        .unionByName(crowd("bluebirds").withColumn(Resolve.METHOD, lit("minimax_entropy")));
    assertEquals(auto, accuracy(DawidSkene.estimate(byModel, gold(), CROWD_SETTINGS).posteriors()));
    Dataset<Row> mace = both.withColumn(Resolve.METHOD, lit("mace"));
    assertEquals(97L, accuracy(DawidSkene.estimate(mace, gold(), CROWD_SETTINGS).posteriors())
        .get("bluebirds"));
  }

  /**
   * Annotators who mistake one class for one other (as dog breeds are confused in pairs) need a full confusion matrix:
   * MACE draws a wrong answer the same way whatever the truth, so it cannot say that a "d" is a "c" misread. Four
   * classes over 400 units, six of ten annotators on each; a "c" or "d" is read as the other one time in three, an
   * "a" or "b" is read right nine times in ten. No item is harder than another, so minimax entropy's item terms buy
   * nothing: auto chooses Dawid-Skene, and resolves exactly as Dawid-Skene does.
   */
  @Test
  void autoChoosesAFullMatrixWhereClassesAreConfusedInPairs() {
    java.util.Random random = new java.util.Random(7);
    String[] classes = {"a", "b", "c", "d"};
    List<Row> rows = new java.util.ArrayList<>();
    for (int u = 0; u < 400; u++) {
      int truth = u % 4;
      for (int j = 0; j < 6; j++) {
        double r = random.nextDouble();
        int answer = truth >= 2 ? (r < 1.0 / 3 ? 5 - truth : truth) : (r < 0.9 ? truth : random.nextInt(4));
        rows.add(RowFactory.create("breeds", "label", "u" + u, "a" + (u + j) % 10, classes[answer]));
      }
    }
    Dataset<Row> votes = SPARK.createDataFrame(rows, VOTES);
    DawidSkene.Estimate chosen = DawidSkene.estimate(votes.withColumn(Resolve.METHOD, lit("auto")), gold(),
        CROWD_SETTINGS);
    assertEquals(Map.of(DawidSkene.scope("breeds", "label"), "dawid_skene"), chosen.models());
    assertEquals(collect(DawidSkene.estimate(votes.withColumn(Resolve.METHOD, lit("dawid_skene")), gold(),
        CROWD_SETTINGS).posteriors()), collect(chosen.posteriors()));
  }

  /**
   * The one-standard-error rule by hand. The second candidate predicts every held-out answer 0.5 better: no doubt,
   * it is chosen. Next it leads by 0.2 in all over four answers whose paired differences (0.6, -0.6, 0.5, -0.3) have
   * a standard deviation of sqrt(1.03 / 3), so a standard error of the sum of sqrt(4 * 1.03 / 3) = 1.17: the
   * simpler first is chosen. Of two equal best, the simpler; a first candidate that leads is always chosen.
   */
  @Test
  void aRicherModelMustPredictClearlyBetter() {
    assertEquals(1, DawidSkene.simplestWithinOneError(new double[][] {{-1, -1, -1, -1}, {-0.5, -0.5, -0.5, -0.5}}));
    assertEquals(0, DawidSkene.simplestWithinOneError(new double[][] {{-1, -1, -1, -1}, {-0.4, -1.6, -0.5, -1.3}}));
    assertEquals(1, DawidSkene.simplestWithinOneError(new double[][] {{-1, -1, -1, -1}, {-0.5, -0.5, -0.5, -0.5},
        {-0.5, -0.5, -0.5, -0.5}}));
    assertEquals(0, DawidSkene.simplestWithinOneError(new double[][] {{-0.5, -0.5}, {-1, -1}}));
  }

  /** One answer in five is held out, by a hash of unit and annotator: the same in every run. */
  @Test
  void oneAnswerInFiveIsHeldOut() {
    int held = 0;
    for (int i = 0; i < 10_000; i++) {
      held += DawidSkene.heldOut("unit-" + i, "annotator-" + (i % 37)) ? 1 : 0;
    }
    assertTrue(held > 1_800 && held < 2_200, held + " of 10000");
    assertEquals(DawidSkene.heldOut("u1", "a1"), DawidSkene.heldOut("u1", "a1"));
  }

  private static final DawidSkeneSettings CROWD_SETTINGS = new DawidSkeneSettings(1e-6, 100, 0.01, 2.0);

  /** Per project, the units whose leading answer (at a posterior of at least 0.52) is the truth. */
  private static Map<String, Long> accuracy(Dataset<Row> posteriors) {
    Dataset<Row> truth = truth("rte").unionByName(truth("bluebirds"));
    Dataset<Row> best = posteriors.groupBy(Col.UNIT).agg(org.apache.spark.sql.functions.max_by(col(Col.CATEGORY),
        col(DawidSkene.POSTERIOR)).as("answer"), org.apache.spark.sql.functions.max(DawidSkene.POSTERIOR).as("top"));
    Map<String, Long> out = new TreeMap<>();
    for (Row r : best.join(truth, Col.UNIT).filter(col("answer").equalTo(col("truth")).and(col("top").geq(0.52)))
        .groupBy(Col.PROJECT).count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  /** A crowd set's answers as project NAME's label votes, each unit named NAME/task so that sets never collide. */
  static Dataset<Row> crowd(String name) {
    return SPARK.read().option("header", "true").csv(SparkTest.shared("reference/crowd/" + name + "/answers.csv")
            .toString())
        .select(lit(name).as(Col.PROJECT), lit("label").as(Col.TASK_TYPE),
            org.apache.spark.sql.functions.concat(lit(name + "/"), col("task")).as(Col.UNIT),
            col("worker").as(Col.ANNOTATOR), col("label").as(Col.CATEGORY));
  }

  private static Dataset<Row> truth(String name) {
    return SPARK.read().option("header", "true").csv(SparkTest.shared("reference/crowd/" + name + "/truth.csv")
            .toString())
        .select(lit(name).as(Col.PROJECT), org.apache.spark.sql.functions.concat(lit(name + "/"), col("task"))
            .as(Col.UNIT), col("label").as("truth"));
  }

  public static Dataset<Row> rte() {
    return SPARK.read().option("header", "true").csv(SparkTest.shared("reference/crowd/rte/answers.csv").toString())
        .select(lit("rte").as(Col.PROJECT), lit("label").as(Col.TASK_TYPE), col("task").as(Col.UNIT),
            col("worker").as(Col.ANNOTATOR), col("label").as(Col.CATEGORY));
  }
}
