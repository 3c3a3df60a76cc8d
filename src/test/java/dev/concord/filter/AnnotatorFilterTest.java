package dev.concord.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.schema.Status;
import dev.concord.SparkTest;
import dev.concord.agreement.Kappa;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The decision rule on hand-made figures. Defaults: threshold 0.2, 8 units, one-sided 95% (z = 1.645). */
class AnnotatorFilterTest {
  static final ConcordConfig CONFIG = ConcordConfig.load(Path.of("conf", "concord.yaml"));
  static final StructType FIGURES = new StructType().add(Col.PROJECT, DataTypes.StringType)
      .add(Col.TASK_TYPE, DataTypes.StringType).add(Col.ANNOTATOR, DataTypes.StringType)
      .add(Kappa.UNITS, DataTypes.LongType).add(Kappa.OBSERVED, DataTypes.DoubleType)
      .add(Kappa.KAPPA, DataTypes.DoubleType).add(Kappa.STANDARD_ERROR, DataTypes.DoubleType)
      .add(Col.MEASURE, DataTypes.StringType);

  static Row figure(String annotator, long units, double kappa, double se) {
    return figure("pairwise", annotator, units, kappa, se);
  }

  static Row figure(String type, String annotator, long units, double kappa, double se) {
    return RowFactory.create("p", type, annotator, units, 0.5, kappa, se, "cohen_kappa");
  }

  @Test
  void decisionsFollowTheIntervalAndTheUnits() {
    var spark = SparkTest.spark();
    Dataset<Row> peer = spark.createDataFrame(List.of(
        figure("good", 100, 0.6, 0.05),        // bounds 0.52..0.68: kept
        figure("bad", 100, -0.3, 0.1),         // upper bound -0.14: dropped
        figure("unsure", 20, 0.1, 0.2),        // bounds -0.23..0.43 straddle 0.2: uncertain, kept by policy
        figure("few", 5, -0.9, 0.1),           // 5 units, below min_shared_units 8: unscored
        figure("gold-bad", 100, 0.9, 0.01),
        // uncertain in each scope (bound 0.247 > 0.2), but pooled over both the mean excess is -0.2 with
        // standard error sqrt(2 * (40 * 0.15)^2) / 80 = 0.106: bound -0.026, confidently below
        figure("careless", 40, 0.0, 0.15), figure("label", "careless", 40, 0.0, 0.15)), FIGURES);
    Dataset<Row> gold = spark.createDataFrame(List.of(figure("gold-bad", 10, -0.2, 0.1)), FIGURES);
    // "alone" answered pairwise items no one else answered: no peer figures at all.
    Dataset<Row> units = peer.select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR)
        .union(spark.createDataFrame(List.of(RowFactory.create("p", "pairwise", "alone")), new StructType()
            .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
            .add(Col.ANNOTATOR, DataTypes.StringType)));
    Dataset<Row> pairwiseOnly = peer.filter(org.apache.spark.sql.functions.col(Col.ANNOTATOR).notEqual("careless"));
    Dataset<Row> scopes = AnnotatorFilter.scopes(units, peer, gold, CONFIG.perProject());
    Map<String, String> decision = new TreeMap<>();
    Map<String, Double> weight = new TreeMap<>();
    for (Row r : scopes.join(pairwiseOnly.select(Col.ANNOTATOR).union(units.filter("annotator = 'alone'")
        .select(Col.ANNOTATOR)), Col.ANNOTATOR).collectAsList()) {
      decision.put(r.getAs(Col.ANNOTATOR), r.getAs(Col.DECISION));
      weight.put(r.getAs(Col.ANNOTATOR), r.getAs(Col.WEIGHT));
    }
    assertEquals(Map.of("good", "kept", "bad", "dropped", "unsure", "uncertain_kept", "few", "unscored",
        "gold-bad", "dropped", "alone", "unscored"), decision, "gold, where there is enough of it, decides over peers");
    assertEquals(0.5, weight.get("alone"), 1e-9, "an annotator with no shared units votes with unscored_weight");
    assertEquals(0.8, weight.get("good"), 1e-9);
    assertEquals(0.0, weight.get("bad"), 1e-9);
    assertEquals(0.5, weight.get("few"), 1e-9);

    Dataset<Row> counts = spark.createDataFrame(List.of(RowFactory.create("good", 3L), RowFactory.create("bad", 2L),
        RowFactory.create("sft-only", 1L), RowFactory.create("careless", 80L)), new StructType().add(Col.ANNOTATOR, DataTypes.StringType)
        .add(Col.SUBMISSIONS, DataTypes.LongType));
    Map<String, String> overall = new TreeMap<>();
    for (Row r : AnnotatorFilter.annotators(counts, scopes, CONFIG.perProject()).collectAsList()) {
      overall.put(r.getAs(Col.ANNOTATOR), r.getAs(Col.DECISION) + ": " + r.getAs(Col.REASON));
    }
    assertEquals("dropped: peer:cohen_kappa -0.300 (bound -0.136) is below the threshold 0.2 on p/pairwise over 100 units",
        overall.get("bad"));
    assertEquals("unscored: no judged task types (sft only): kept unjudged", overall.get("sft-only"));
    assertEquals("dropped: across 2 projects and task types, kappa is on average 0.200 below the thresholds "
        + "(bound 0.026) over 80 units", overall.get("careless"));
    assertEquals("kept: no project or task type confidently below its kappa threshold", overall.get("good"));
  }

  @Test
  void theReviewPolicyHoldsUncertainAnnotatorsOut() {
    ConcordConfig review = ConcordConfig.parse(dev.concord.config.ConcordConfigTest.MINIMAL
        .replace("uncertain_policy: keep", "uncertain_policy: review"), "test.yaml");
    var spark = SparkTest.spark();
    Dataset<Row> peer = spark.createDataFrame(List.of(figure("unsure", 20, 0.1, 0.2)), FIGURES);
    Dataset<Row> scopes = AnnotatorFilter.scopes(peer.select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR), peer,
        spark.createDataFrame(List.of(), FIGURES), review.perProject());
    assertEquals("uncertain_review", scopes.first().getAs(Col.DECISION));
    Row overall = AnnotatorFilter.annotators(spark.createDataFrame(List.of(RowFactory.create("unsure", 20L)),
        new StructType().add(Col.ANNOTATOR, DataTypes.StringType).add(Col.SUBMISSIONS, DataTypes.LongType)),
        scopes, review.perProject()).first();
    assertEquals(Status.REVIEW, overall.getAs(Col.DECISION));
    assertEquals("peer:cohen_kappa 0.100 (-0.229 to 0.429) straddles the threshold 0.2 on p/pairwise; "
        + "uncertain_policy holds the work out for review", overall.getAs(Col.REASON));
  }
}
