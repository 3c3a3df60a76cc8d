package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.schema.Status;
import dev.concord.SparkTest;
import dev.concord.agreement.Units;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one-pass resolution against the SQL resolution it replaced ({@link SqlResolve}), on random items of every task
 * type under each method: ties, missing votes, gold on some items, ranking orders and ratings with weighted
 * dimensions. Every outcome, candidate and edge must be the same, doubles to 9 decimals.
 */
class ResolveOracleTest {
  static final ConcordConfig CONFIG = ConcordConfig.parse("""
      defaults:
        kappa_thresholds: {pairwise: 0.2, ranking: 0.2, rating: 0.2, label: 0.2}
        min_shared_units: 3
        consensus_threshold: 0.6
        rating_margin: 1.0
        ranking_pairs: all
        unscored_weight: 0.5
        drop_confidence: 0.95
        uncertain_policy: keep
        drop_measures: {pairwise: cohen_kappa, ranking: cohen_kappa, rating: weighted_kappa_quadratic, label: cohen_kappa}
        resolution_method: weighted_vote
      projects:
        mv: {resolution_method: majority_vote, consensus_threshold: 0.7}
        adj: {ranking_pairs: adjacent, rating_dimensions: {helpfulness: 0.75, accuracy: 0.25}, rating_margin: 0.5}
        ds: {resolution_method: dawid_skene}
        mace: {resolution_method: mace, posterior_threshold: 0.55}
        coin: {resolution_method: one_coin}
      """, "test");
  static Resolve.Result fresh;
  static SqlResolve.Result oracle;

  @BeforeAll
  static void resolveBoth() {
    Random random = new Random(17);
    List<Row> votes = new ArrayList<>();
    List<Row> gold = new ArrayList<>();
    List<Row> items = new ArrayList<>();
    for (String project : List.of("wv", "mv", "adj", "ds", "mace", "coin")) {
      for (int i = 0; i < 40; i++) {
        String type = List.of("pairwise", "label", "ranking", "rating").get(i % 4);
        if (List.of("ds", "mace", "coin").contains(project) && type.equals("rating")) {
          type = "label";
        }
        String item = project + "-" + type + "-" + i;
        List<String> responses = switch (type) {
          case "pairwise" -> List.of("r2", "r1");
          case "ranking" -> List.of("a", "b", "c", "d").subList(0, 3 + random.nextInt(2));
          case "rating" -> List.of("x", "y", "z").subList(0, 2 + random.nextInt(2));
          default -> List.of("only");
        };
        items.add(RowFactory.create(item, project, type, responses));
        int annotators = i % 9 == 0 ? 0 : 1 + random.nextInt(5);
        for (int a = 0; a < annotators; a++) {
          String annotator = "ann-" + random.nextInt(12);
          String submission = item + "-s" + a;
          double weight = List.of(0.5, 0.75, 1.0, 0.6).get(random.nextInt(4));
          votes.addAll(answer(project, type, item, responses, annotator, submission, weight, random));
        }
        if (i % 5 == 1) {
          gold.addAll(goldAnswer(project, type, item, responses, random));
        }
      }
    }
    var spark = SparkTest.spark();
    Dataset<Row> v = Resolve.votes(spark.createDataFrame(votes, ResolveTest.VOTE), CONFIG.perProject());
    Dataset<Row> g = spark.createDataFrame(gold, ResolveTest.GOLD);
    Dataset<Row> it = spark.createDataFrame(items, ResolveTest.ITEM);
    Dataset<Row> posteriors = DawidSkene.estimate(ResolveTest.estimatedVotes(v), g.select(Col.UNIT, Col.CATEGORY),
        CONFIG.dawidSkene()).posteriors().localCheckpoint();
    fresh = Resolve.Result.of(Resolve.apply(v, g, it, posteriors, CONFIG.perProject()).localCheckpoint());
    oracle = SqlResolve.apply(v, g, it, posteriors, CONFIG);
  }

  private static List<Row> answer(String project, String type, String item, List<String> responses,
      String annotator, String submission, double weight, Random random) {
    List<Row> out = new ArrayList<>();
    Integer strength = random.nextInt(4) == 0 ? null : 1 + random.nextInt(3);
    switch (type) {
      case "pairwise" -> out.add(RowFactory.create(project, type, item, item, null, null,
          List.of("1", "2", "tie").get(random.nextInt(random.nextInt(5) == 0 ? 3 : 2)), null, annotator, submission,
          strength, weight));
      case "label" -> out.add(RowFactory.create(project, type, item, item, null, null,
          List.of("safe", "unsafe", "borderline").get(random.nextInt(3)), null, annotator, submission, null,
          weight));
      case "ranking" -> {
        List<String> order = new ArrayList<>(responses);
        java.util.Collections.shuffle(order, random);
        List<String> sorted = responses.stream().sorted().toList();
        for (int x = 0; x < sorted.size(); x++) {
          for (int y = x + 1; y < sorted.size(); y++) {
            String a = sorted.get(x);
            String b = sorted.get(y);
            out.add(RowFactory.create(project, type, item, item + "\u001f" + a + "\u001f" + b, a, b,
                order.indexOf(a) < order.indexOf(b) ? Units.ABOVE : Units.BELOW, null, annotator, submission, null,
                weight));
          }
        }
      }
      default -> {
        for (String r : responses) {
          for (String d : List.of("helpfulness", "accuracy")) {
            int score = 1 + random.nextInt(5);
            out.add(RowFactory.create(project, type, item, item + "\u001f" + r + "\u001f" + d, r, d,
                String.valueOf(score), (double) score, annotator, submission, null, weight));
          }
        }
      }
    }
    return out;
  }

  private static List<Row> goldAnswer(String project, String type, String item, List<String> responses,
      Random random) {
    List<Row> out = new ArrayList<>();
    for (Row r : answer(project, type, item, responses, "gold", "gold", 1.0, random)) {
      out.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7),
          type.equals("pairwise") ? (Integer) (1 + random.nextInt(3)) : null));
    }
    return out;
  }

  private static void assertSame(String what, Dataset<Row> expected, Dataset<Row> actual) {
    Dataset<Row> e = json(expected);
    Dataset<Row> a = json(actual.select(Arrays.stream(expected.columns()).map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new)));
    List<String> missing = e.exceptAll(a).limit(5).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<String> extra = a.exceptAll(e).limit(5).as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of(), missing, what + ": rows the SQL resolution has and the pass lacks (extra: " + extra + ")");
    assertEquals(List.of(), extra, what + ": rows the pass has and the SQL resolution lacks");
    assertEquals(expected.count(), actual.count(), what);
  }

  private static Dataset<Row> json(Dataset<Row> d) {
    Column[] columns = Arrays.stream(d.schema().fields()).map(f -> rounded(col(f.name()), f.dataType()).as(f.name()))
        .toArray(Column[]::new);
    return d.select(org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(columns)));
  }

  private static Column rounded(Column c, DataType type) {
    if (type instanceof DoubleType) {
      return org.apache.spark.sql.functions.round(c, 9);
    }
    if (type instanceof ArrayType a && a.elementType() instanceof StructType s) {
      return org.apache.spark.sql.functions.transform(c, x -> org.apache.spark.sql.functions.struct(
          Arrays.stream(s.fields()).map(f -> rounded(x.getField(f.name()), f.dataType()).as(f.name()))
              .toArray(Column[]::new)));
    }
    return c;
  }

  @Test
  void outcomesAreTheSqlOnes() {
    assertSame("outcomes", oracle.outcomes(), fresh.outcomes());
    assertTrue(fresh.outcomes().filter(col(Col.STATUS).equalTo(Status.REVIEW)).count() > 0, "some review");
    assertTrue(fresh.outcomes().filter(col(Col.RESOLUTION).equalTo(Resolve.GOLD)).count() > 0, "some gold");
  }

  @Test
  void candidatesAreTheSqlOnes() {
    assertSame("candidates", oracle.candidates(), fresh.candidates());
  }

  @Test
  void edgesAreTheSqlOnes() {
    assertSame("edges", oracle.edges(), fresh.edges());
  }
}
