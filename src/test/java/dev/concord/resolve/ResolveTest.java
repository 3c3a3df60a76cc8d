package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.agreement.Units;
import dev.concord.config.ConcordConfig;
import dev.concord.config.ProjectSettings;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Resolution on hand-made votes with hand-computed outcomes. Default consensus threshold: 0.6. */
class ResolveTest {
  static final ConcordConfig CONFIG = config("weighted_vote");

  /** The shipped configuration with every project resolved by {@code method}. */
  static ConcordConfig config(String method) {
    return dev.concord.TestConfigs.of(java.util.Map.of("defaults.resolution_method", method));
  }

  static final StructType VOTE = new StructType()
      .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ITEM_ID, DataTypes.StringType).add(Col.UNIT, DataTypes.StringType)
      .add(Units.PART_A, DataTypes.StringType).add(Units.PART_B, DataTypes.StringType)
      .add(Col.CATEGORY, DataTypes.StringType).add(Col.ORDINAL, DataTypes.DoubleType)
      .add(Col.ANNOTATOR, DataTypes.StringType).add(Col.SUBMISSION_ID, DataTypes.StringType)
      .add(Col.STRENGTH, DataTypes.IntegerType).add(Col.WEIGHT, DataTypes.DoubleType);
  static final StructType GOLD = new StructType()
      .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ITEM_ID, DataTypes.StringType).add(Col.UNIT, DataTypes.StringType)
      .add(Units.PART_A, DataTypes.StringType).add(Units.PART_B, DataTypes.StringType)
      .add(Col.CATEGORY, DataTypes.StringType).add(Col.ORDINAL, DataTypes.DoubleType)
      .add(Col.STRENGTH, DataTypes.IntegerType);
  static final StructType ITEM = new StructType().add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.RESPONSE_IDS, DataTypes.createArrayType(DataTypes.StringType));

  /** A pairwise vote: category "1" prefers r1 (first of the sorted ids), "2" prefers r2. */
  static Row pairwise(String item, String category, String annotator, double weight) {
    return RowFactory.create("p", "pairwise", item, item, null, null, category, null, annotator,
        item + "-" + annotator, 2, weight);
  }

  static Row item(String id, String type, String... responses) {
    return RowFactory.create(id, "p", type, List.of(responses));
  }

  static Resolve.Result resolve(List<Row> votes, List<Row> gold, List<Row> items) {
    return resolve(votes, gold, items, CONFIG);
  }

  /** As the job's resolve step: the estimate first, then the votes with the models it chose under auto. */
  static Resolve.Result resolve(List<Row> votes, List<Row> gold, List<Row> items, ConcordConfig config) {
    var spark = SparkTest.spark();
    Dataset<Row> raw = spark.createDataFrame(votes, VOTE);
    Dataset<Row> g = spark.createDataFrame(gold, GOLD);
    DawidSkene.Estimate estimate = DawidSkene.estimate(estimatedVotes(Resolve.votes(raw, config.perProject())),
        g.select(Col.UNIT, Col.CATEGORY), config.dawidSkene());
    Dataset<Row> v = Resolve.votes(raw, config.perProject(), estimate.models());
    return Resolve.Result.of(Resolve.apply(v, g, spark.createDataFrame(items, ITEM),
        estimate.posteriors().localCheckpoint(), config.perProject()));
  }

  /**
   * Twenty pairwise items, their truth alternating 1 and 2, answered by good1 and good2 and by a third annotator,
   * whose answer on item i of that truth is {@code third}'s; the items into {@code items}.
   */
  private static List<Row> twentyItems(String thirdName, java.util.function.BiFunction<Integer, String, String> third,
      List<Row> items) {
    List<Row> votes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String truth = i % 2 == 0 ? "1" : "2";
      votes.add(pairwise("i" + i, truth, "good1", 1.0));
      votes.add(pairwise("i" + i, truth, "good2", 1.0));
      votes.add(pairwise("i" + i, third.apply(i, truth), thirdName, 1.0));
      items.add(item("i" + i, "pairwise", "r1", "r2"));
    }
    return votes;
  }

  static Map<String, String> outcomes(Resolve.Result r) {
    Map<String, String> out = new TreeMap<>();
    for (Row row : r.outcomes().collectAsList()) {
      out.put(row.getAs(Col.ITEM_ID), row.getAs(Col.STATUS) + (row.getAs(Col.REASON) == null ? ""
          : "/" + row.getAs(Col.REASON)));
    }
    return out;
  }

  @Test
  void pairwiseVotesGoldAndReview() {
    List<Row> votes = new ArrayList<>(List.of(
        // weighted vote: 0.9 + 0.6 for r1 against 0.5 for r2: share 0.75, resolved
        pairwise("a", "1", "x", 0.9), pairwise("a", "1", "y", 0.6), pairwise("a", "2", "z", 0.5),
        // a tie in weight: review
        pairwise("b", "1", "x", 0.7), pairwise("b", "2", "y", 0.7),
        // 0.6 against 0.5: share 0.545 below 0.6, review
        pairwise("c", "1", "y", 0.6), pairwise("c", "2", "z", 0.5),
        // everyone says r2, gold says r1: gold wins
        pairwise("d", "2", "x", 0.9), pairwise("d", "2", "y", 0.9),
        // unanimous tie: resolved as a tie, no record
        pairwise("e", "tie", "x", 0.9), pairwise("e", "tie", "y", 0.9)));
    List<Row> gold = List.of(RowFactory.create("p", "pairwise", "d", "d", null, null, "1", null, 3));
    List<Row> items = List.of(item("a", "pairwise", "r1", "r2"), item("b", "pairwise", "r1", "r2"),
        item("c", "pairwise", "r1", "r2"), item("d", "pairwise", "r2", "r1"), item("e", "pairwise", "r1", "r2"),
        item("f", "pairwise", "r1", "r2"));
    Resolve.Result r = resolve(votes, gold, items);
    assertEquals(Map.of("a", "resolved", "b", "review/tie", "c", "review/no_consensus", "d", "resolved",
        "e", "no_record", "f", "review/no_kept_annotators"), outcomes(r));

    Row a = r.candidates().filter(col(Col.ITEM_ID).equalTo("a")).first();
    assertEquals("r1", a.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(0.75, (double) a.getAs(Col.AGREEMENT), 1e-9);
    assertEquals(ProjectSettings.WEIGHTED_VOTE, a.getAs(Col.RESOLUTION));
    assertEquals(2, (int) a.getAs(Col.AGREED_COUNT));
    assertEquals(0.75 * 2, (double) a.getAs(Col.MARGIN), 1e-9, "agreement times the mean strength of the winners");
    Row d = r.candidates().filter(col(Col.ITEM_ID).equalTo("d")).first();
    assertEquals("r1", d.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(Resolve.GOLD, d.getAs(Col.RESOLUTION));
    assertEquals(0.0, (double) d.getAs(Col.AGREEMENT), 1e-9);

    Map<String, String> roles = new TreeMap<>();
    for (Row e : r.edges().collectAsList()) {
      roles.put(e.getAs(Col.SUBMISSION_ID), e.getAs(Col.ROLE));
    }
    assertEquals(Map.of("a-x", "agreed", "a-y", "agreed", "a-z", "outvoted", "d-x", "overridden_by_gold",
        "d-y", "overridden_by_gold"), roles);
  }

  /** A ranking vote on one response pair: "above" when the pair's first (sorted) response is ranked higher. */
  static Row rankingPair(String item, String a, String b, boolean above, String annotator, double weight) {
    return RowFactory.create("p", "ranking", item, item + a + b, a, b, above ? Units.ABOVE : Units.BELOW, null,
        annotator, item + "-" + annotator, null, weight);
  }

  @Test
  void rankingPairsFollowTheVoteAndTheOverallOrder() {
    List<Row> votes = new ArrayList<>();
    // x and y rank a > b > c; z ranks c > b > a. Weights 1, 1, 1: each pair 2/3 for the majority order.
    for (String who : List.of("x", "y")) {
      votes.add(rankingPair("k", "a", "b", true, who, 1.0));
      votes.add(rankingPair("k", "a", "c", true, who, 1.0));
      votes.add(rankingPair("k", "b", "c", true, who, 1.0));
    }
    votes.add(rankingPair("k", "a", "b", false, "z", 1.0));
    votes.add(rankingPair("k", "a", "c", false, "z", 1.0));
    votes.add(rankingPair("k", "b", "c", false, "z", 1.0));
    Resolve.Result r = resolve(votes, List.of(), List.of(item("k", "ranking", "a", "b", "c")));
    List<String> pairs = new ArrayList<>();
    for (Row c : r.candidates().orderBy(Col.CHOSEN_RESPONSE_ID, Col.REJECTED_RESPONSE_ID).collectAsList()) {
      pairs.add(c.getAs(Col.CHOSEN_RESPONSE_ID) + ">" + c.getAs(Col.REJECTED_RESPONSE_ID));
      assertEquals(2.0 / 3, (double) c.getAs(Col.AGREEMENT), 1e-9);
    }
    assertEquals(List.of("a>b", "a>c", "b>c"), pairs, "all pairs of the resolved order (ranking_pairs: all)");
    assertEquals(Map.of("k", "resolved"), outcomes(r));
  }

  @Test
  void aRankingPairOnlyGoldDecidesCountsNoAgreedAnnotatorsRatherThanNone() {
    // Gold ranks a > b > c; the only annotator compared a with b alone, so the pairs with c have gold and no votes.
    List<Row> votes = List.of(rankingPair("g", "a", "b", true, "x", 1.0));
    List<Row> gold = List.of(
        RowFactory.create("p", "ranking", "g", "gab", "a", "b", Units.ABOVE, null, null),
        RowFactory.create("p", "ranking", "g", "gac", "a", "c", Units.ABOVE, null, null),
        RowFactory.create("p", "ranking", "g", "gbc", "b", "c", Units.ABOVE, null, null));
    Resolve.Result r = resolve(votes, gold, List.of(item("g", "ranking", "a", "b", "c")));
    Map<String, Integer> agreed = new TreeMap<>();
    for (Row c : r.candidates().collectAsList()) {
      agreed.put(c.getAs(Col.CHOSEN_RESPONSE_ID) + ">" + c.getAs(Col.REJECTED_RESPONSE_ID), c.getAs(Col.AGREED_COUNT));
      assertEquals(Resolve.GOLD, c.getAs(Col.RESOLUTION));
    }
    assertEquals(Map.of("a>b", 1, "a>c", 0, "b>c", 0), agreed);
  }

  static Row rating(String item, String response, String dimension, int score, String annotator) {
    return RowFactory.create("helpfulness-v3", "rating", item, item + response + dimension, response, dimension,
        String.valueOf(score), (double) score, annotator, item + "-" + annotator, null, 1.0);
  }

  /** One annotator's scores of one response on helpfulness-v3's three dimensions. */
  static List<Row> ratings(String item, String response, String annotator, int helpfulness, int accuracy,
      int harmlessness) {
    return List.of(rating(item, response, "helpfulness", helpfulness, annotator),
        rating(item, response, "accuracy", accuracy, annotator),
        rating(item, response, "harmlessness", harmlessness, annotator));
  }

  @Test
  void ratingPairsNeedTheMargin() {
    List<Row> votes = new ArrayList<>();
    // helpfulness-v3 weighs helpfulness 0.5, accuracy 0.3, harmlessness 0.2; rating_margin 1.0.
    for (String who : List.of("x", "y")) {
      votes.addAll(ratings("m", "r1", who, 5, 5, 5));
      votes.addAll(ratings("m", "r2", who, 2, 3, 5));
      votes.add(rating("n", "r1", "helpfulness", 4, who));
      votes.add(rating("n", "r2", "helpfulness", 4, who));
    }
    List<Row> items = List.of(RowFactory.create("m", "helpfulness-v3", "rating", List.of("r1", "r2")),
        RowFactory.create("n", "helpfulness-v3", "rating", List.of("r1", "r2")));
    Resolve.Result r = resolve(votes, List.of(), items);
    Row m = r.candidates().first();
    assertEquals("r1", m.getAs(Col.CHOSEN_RESPONSE_ID));
    // r1: 5; r2: 0.5*2 + 0.3*3 + 0.2*5 = 2.9; margin 2.1
    assertEquals(2.1, (double) m.getAs(Col.MARGIN), 1e-9);
    assertEquals(Resolve.UNANIMOUS, m.getAs(Col.RESOLUTION));
    assertEquals(1, r.candidates().count(), "equal scores never make a pair");
    assertEquals(Map.of("m", "resolved", "n", "no_record"), outcomes(r));
  }

  /** One annotator of weight 1.0 against two of 0.3: the weighted vote follows the one, the majority the two. */
  @Test
  void majorityVoteCountsHeadsWeightedVoteWeighsThem() {
    List<Row> votes = List.of(pairwise("a", "1", "x", 1.0), pairwise("a", "2", "y", 0.3),
        pairwise("a", "2", "z", 0.3));
    List<Row> items = List.of(item("a", "pairwise", "r1", "r2"));
    Row weighted = resolve(votes, List.of(), items).candidates().first();
    assertEquals("r1", weighted.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(1.0 / 1.6, (double) weighted.getAs(Col.AGREEMENT), 1e-9);
    Row majority = resolve(votes, List.of(), items, config("majority_vote")).candidates().first();
    assertEquals("r2", majority.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(2.0 / 3, (double) majority.getAs(Col.AGREEMENT), 1e-9);
    assertEquals(ProjectSettings.MAJORITY_VOTE, majority.getAs(Col.RESOLUTION));
    assertEquals(2, (int) majority.getAs(Col.AGREED_COUNT));
  }

  /**
   * Two annotators who agree and one who always says the opposite, on 20 items; on a 21st only the contrarian
   * answered. Dawid-Skene reads the contrarian's answer backwards and resolves the 21st against it, with its
   * posterior as the confidence and no annotator agreeing.
   */
  @Test
  void dawidSkeneResolvesWithPosteriors() {
    List<Row> items = new ArrayList<>();
    List<Row> votes = twentyItems("contrarian", (i, truth) -> truth.equals("1") ? "2" : "1", items);
    votes.add(pairwise("lonely", "1", "contrarian", 1.0));
    items.add(item("lonely", "pairwise", "r1", "r2"));
    Resolve.Result r = resolve(votes, List.of(), items, config("dawid_skene"));
    Row lonely = r.candidates().filter(col(Col.ITEM_ID).equalTo("lonely")).first();
    assertEquals("r2", lonely.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(ProjectSettings.DAWID_SKENE, lonely.getAs(Col.RESOLUTION));
    assertEquals(0, (int) lonely.getAs(Col.AGREED_COUNT));
    // 0.89 with the shipped pooled_prior, which pulls the contrarian a little toward the average annotator
    assertTrue((double) lonely.getAs(Col.AGREEMENT) > 0.85, "posterior " + lonely.getAs(Col.AGREEMENT));
    assertEquals(21, r.candidates().count());
  }

  /**
   * Under auto, a record's resolution names the model chosen for its project and task type, never "auto": here MACE,
   * since its dozen or so held-out answers are too few to prefer a richer model.
   */
  @Test
  void autoNamesTheModelItChose() {
    List<Row> items = new ArrayList<>();
    List<Row> votes = twentyItems("good3", (i, truth) -> i % 5 == 0 ? "2" : truth, items);
    Resolve.Result r = resolve(votes, List.of(), items, config(ProjectSettings.AUTO));
    assertEquals(List.of(ProjectSettings.MACE), r.candidates().filter(col(Col.RESOLUTION).notEqual(Resolve.UNANIMOUS))
        .select(Col.RESOLUTION).distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  /** The same votes in another order and another partitioning resolve to the same records, under every method. */
  @Test
  void sameResolutionsWhateverThePartitioningAndOrder() {
    var spark = SparkTest.spark();
    List<Row> votes = new ArrayList<>();
    List<Row> items = new ArrayList<>();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
    for (int i = 0; i < 40; i++) {
      for (String who : List.of("a", "b", "c", "d", "e")) {
        if (rnd.nextInt(5) < 3) {
          votes.add(pairwise("i" + i, rnd.nextInt(4) == 0 ? "2" : rnd.nextInt(9) == 0 ? "tie" : "1", who,
              0.5 + rnd.nextInt(5) / 10.0));
        }
      }
      items.add(item("i" + i, "pairwise", "r1", "r2"));
    }
    for (String method : ProjectSettings.METHODS) {
      ConcordConfig config = config(method);
      List<Row> shuffled = new ArrayList<>(votes);
      java.util.Collections.shuffle(shuffled, new java.util.Random(11));
      Dataset<Row> one = spark.createDataFrame(votes, VOTE).coalesce(1);
      Dataset<Row> many = spark.createDataFrame(shuffled, VOTE).repartition(7);
      assertEquals(resolved(one, items, config), resolved(many, items, config), method);
    }
  }

  private static List<String> resolved(Dataset<Row> rawVotes, List<Row> items, ConcordConfig config) {
    var spark = SparkTest.spark();
    Dataset<Row> v = Resolve.votes(rawVotes, config.perProject());
    Dataset<Row> g = spark.createDataFrame(List.of(), GOLD);
    Dataset<Row> posteriors = config.uses(ProjectSettings.DAWID_SKENE)
        ? DawidSkene.estimate(estimatedVotes(v), g.select(Col.UNIT, Col.CATEGORY), config.dawidSkene())
            .posteriors().localCheckpoint()
        : spark.createDataFrame(List.of(), DawidSkene.POSTERIORS);
    Resolve.Result r = Resolve.Result.of(Resolve.apply(v, g, spark.createDataFrame(items, ITEM), posteriors,
        config.perProject()));
    List<String> out = new ArrayList<>();
    r.outcomes().collectAsList().forEach(o -> out.add(o.getAs(Col.ITEM_ID) + " " + o.getAs(Col.STATUS) + " "
        + o.getAs(Col.REASON) + " " + o.getAs(Col.DETAIL)));
    r.candidates().collectAsList().forEach(c -> out.add(c.getAs(Resolve.CANDIDATE) + " " + c.getAs(Col.AGREEMENT)));
    java.util.Collections.sort(out);
    return out;
  }

  /** x ranks a > b > c, y b > c > a, z c > a > b: each pair 2/3 one way, and the three ways go round. */
  @Test
  void aRankingCycleGoesToReview() {
    List<Row> votes = new ArrayList<>();
    for (String[] order : List.of(new String[] {"x", "a", "b", "c"}, new String[] {"y", "b", "c", "a"},
        new String[] {"z", "c", "a", "b"})) {
      List<String> rank = List.of(order[1], order[2], order[3]);
      for (String[] pair : List.of(new String[] {"a", "b"}, new String[] {"a", "c"}, new String[] {"b", "c"})) {
        votes.add(rankingPair("k", pair[0], pair[1], rank.indexOf(pair[0]) < rank.indexOf(pair[1]), order[0], 1.0));
      }
    }
    Resolve.Result r = resolve(votes, List.of(), List.of(item("k", "ranking", "a", "b", "c")));
    assertEquals(Map.of("k", "review/cycle"), outcomes(r));
    assertEquals(0, r.candidates().count());
    assertTrue(r.outcomes().first().<String>getAs(Col.DETAIL).endsWith("a > b > c > a"),
        r.outcomes().first().<String>getAs(Col.DETAIL));
  }

  /**
   * r1 scores 0.5*1 + 0.3*3 + 0.2*5 = 2.4 and r2 0.5*1 + 0.3*1 + 0.2*3 = 1.4: exactly rating_margin apart. In floating
   * point, whatever order the terms are added in, 2.4 - 1.4 comes out as 0.9999999999999998, which fell short.
   */
  @Test
  void aMarginOfExactlyTheThresholdMakesAPair() {
    List<Row> votes = new ArrayList<>();
    for (String who : List.of("x", "y")) {
      votes.addAll(ratings("m", "r1", who, 1, 3, 5));
      votes.addAll(ratings("m", "r2", who, 1, 1, 3));
    }
    Resolve.Result r = resolve(votes, List.of(),
        List.of(RowFactory.create("m", "helpfulness-v3", "rating", List.of("r1", "r2"))));
    List<Row> pairs = r.candidates().collectAsList();
    assertEquals(1, pairs.size(), "the pair is published");
    assertEquals(1.0, (double) pairs.get(0).getAs(Col.MARGIN), 0.0);
    assertEquals(2, (int) pairs.get(0).getAs(Col.AGREED_COUNT), "both annotators' own scores favour r1");
  }

  /** One careless score among three moves the median not at all, where the mean would lose the pair's margin. */
  @Test
  void ratingsTakeTheMedianScore() {
    List<Row> votes = new ArrayList<>();
    int[] r1 = {5, 5, 1};
    String[] who = {"x", "y", "z"};
    for (int i = 0; i < 3; i++) {
      for (String dim : List.of("helpfulness", "accuracy", "harmlessness")) {
        votes.add(rating("m", "r1", dim, r1[i], who[i]));
        votes.add(rating("m", "r2", dim, 3, who[i]));
      }
    }
    Resolve.Result r = resolve(votes, List.of(),
        List.of(RowFactory.create("m", "helpfulness-v3", "rating", List.of("r1", "r2"))));
    Row m = r.candidates().first();
    assertEquals("r1", m.getAs(Col.CHOSEN_RESPONSE_ID));
    assertEquals(2.0, (double) m.getAs(Col.MARGIN), 1e-9, "median 5 against 3; the mean, 11/3, would give 0.67");
    assertEquals(ProjectSettings.WEIGHTED_VOTE.replace("vote", "median"), m.getAs(Col.RESOLUTION));
  }

  @Test
  void weightedMedianByHand() {
    // Out of order within each cell: the median must not depend on the order the scores arrive in.
    List<double[]> cases = List.of(
        new double[] {1, 3, 1}, new double[] {1, 1, 1}, new double[] {1, 4, 1}, new double[] {1, 2, 1},
        new double[] {2, 9, 1}, new double[] {2, 1, 1}, new double[] {2, 2, 1},
        new double[] {3, 5, 0.9}, new double[] {3, 1, 0.2},
        new double[] {4, 4, 0.25}, new double[] {4, 2, 0.25}, new double[] {4, 1, 0.5},
        new double[] {5, 3, 0}, new double[] {5, 4, 0},
        new double[] {6, 2, 0}, new double[] {6, 5, 1}, new double[] {6, 1, 0});
    Map<Integer, List<ItemResolution.Vote>> cells = new TreeMap<>();
    for (double[] c : cases) {
      cells.computeIfAbsent((int) c[0], k -> new ArrayList<>()).add(new ItemResolution.Vote("u", "r", "d",
          String.valueOf(c[1]), c[1], "a", "s", null, c[2], "weighted_vote"));
    }
    List<Double> medians = new ArrayList<>();
    cells.values().forEach(v -> medians.add(ItemResolution.weightedMedian(v)));
    assertEquals(java.util.Arrays.asList(2.5, 2.0, 5.0, 1.5, null, 5.0), medians,
        "cell 5 has no weight, so no median; cell 6's weightless scores are outweighed");
  }

  static Row score(int cell, double value, double weight) {
    return RowFactory.create(cell, value, weight);
  }

  @Test
  void cyclesAreFoundInSortedOrder() {
    assertEquals("a > b > c > a", Cycles.find(List.of(List.of("b", "c"), List.of("c", "a"), List.of("a", "b"))));
    assertEquals(null, Cycles.find(List.of(List.of("a", "b"), List.of("b", "c"), List.of("a", "c"))));
    assertEquals("b > d > b", Cycles.find(List.of(List.of("a", "b"), List.of("b", "d"), List.of("d", "b"))));
  }

  /** The votes of projects resolved by an estimated model, every one counted in its unit's posterior. */
  static Dataset<Row> estimatedVotes(Dataset<Row> votes) {
    return votes.filter(Resolve.estimatedAnswer(org.apache.spark.sql.functions.col(Resolve.METHOD)))
        .select(org.apache.spark.sql.functions.col(Col.PROJECT), org.apache.spark.sql.functions.col(Col.TASK_TYPE),
            org.apache.spark.sql.functions.col(Col.UNIT), org.apache.spark.sql.functions.col(Col.ANNOTATOR),
            org.apache.spark.sql.functions.col(Col.CATEGORY), org.apache.spark.sql.functions.col(Resolve.METHOD),
            org.apache.spark.sql.functions.lit(true).as(DawidSkene.COUNTED));
  }
}
