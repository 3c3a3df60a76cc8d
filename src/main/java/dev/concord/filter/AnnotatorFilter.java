package dev.concord.filter;

import static dev.concord.schema.Status.REVIEW;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.concord.agreement.Kappa;
import dev.concord.config.Projects;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The keep/drop decision. In each project and task type an annotator is judged on gold when they answered at least
 * {@code min_shared_units} gold units, else on co-annotators when they share that many units, else not at all
 * ("unscored", kept). Below the task type's kappa threshold is dropped; an annotator dropped in any scope is dropped
 * everywhere, since careless or adversarial work is rarely confined to one task type.
 *
 * <p>Vote weights: a kept annotator weighs (1 + kappa) / 2 with kappa clipped to [0, 1], from 0.5 to 1, so that a
 * judged, kept annotator never weighs less than an unjudged one ({@code unscored_weight}, 0.5 by default).
 */
public final class AnnotatorFilter {
  private AnnotatorFilter() {}

  public static final String KEPT = "kept";
  public static final String DROPPED = "dropped";
  public static final String UNSCORED = "unscored";
  /** The interval straddles the threshold; uncertain_policy decided. */
  public static final String UNCERTAIN_KEPT = "uncertain_kept";
  public static final String UNCERTAIN_DROPPED = "uncertain_dropped";
  public static final String UNCERTAIN_REVIEW = "uncertain_review";

  /**
   * One row per scope ({@code project, task_type, annotator}) with the figures, the measure that decided, the
   * threshold, the scope's decision and its vote weight.
   */
  public static Dataset<Row> scopes(Dataset<Row> units, Dataset<Row> peerKappas, Dataset<Row> goldKappas,
      Projects projects) {
    Dataset<Row> scopes = units.select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR).distinct();
    Dataset<Row> peer = peerKappas.select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR),
        col(Kappa.KAPPA).as(Col.PEER_KAPPA), col(Kappa.UNITS).as(Col.PEER_UNITS),
        col(Kappa.STANDARD_ERROR).as("peer_se"), col(Col.MEASURE).as("peer_measure"));
    Dataset<Row> gold = goldKappas.select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR),
        col(Kappa.KAPPA).as(Col.GOLD_KAPPA), col(Kappa.OBSERVED).as(Col.GOLD_ACCURACY),
        col(Kappa.UNITS).as(Col.GOLD_UNITS), col(Kappa.STANDARD_ERROR).as("gold_se"),
        col(Col.MEASURE).as("gold_measure"));
    String[] key = {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR};
    Dataset<Row> joined = scopes.join(peer, key, "left").join(gold, key, "left")
        .withColumn(Col.PEER_UNITS, coalesce(col(Col.PEER_UNITS), lit(0L)))
        .withColumn(Col.GOLD_UNITS, coalesce(col(Col.GOLD_UNITS), lit(0L)));

    Column project = col(Col.PROJECT);
    Column minUnits = PerProject.value(projects, project, ProjectSettings::minSharedUnits);
    Column threshold = PerProject.byType(projects, project, col(Col.TASK_TYPE), ProjectSettings::kappaThreshold);
    Column unscoredWeight = PerProject.value(projects, project, ProjectSettings::unscoredWeight);
    Column measure = when(col(Col.GOLD_UNITS).geq(minUnits), concat(lit("gold:"), col("gold_measure")))
        .when(col(Col.PEER_UNITS).geq(minUnits), concat(lit("peer:"), col("peer_measure")));
    Column value = when(col(Col.GOLD_UNITS).geq(minUnits), col(Col.GOLD_KAPPA))
        .when(col(Col.PEER_UNITS).geq(minUnits), col(Col.PEER_KAPPA));
    Column se = when(col(Col.GOLD_UNITS).geq(minUnits), col("gold_se"))
        .when(col(Col.PEER_UNITS).geq(minUnits), col("peer_se"));
    Column z = PerProject.value(projects, project, ProjectSettings::dropZ);
    Column low = value.minus(z.multiply(coalesce(se, lit(0.0))));
    Column high = value.plus(z.multiply(coalesce(se, lit(0.0))));
    Column policy = PerProject.value(projects, project, ProjectSettings::uncertainPolicy);
    Column decision = when(value.isNull(), lit(UNSCORED))
        .when(high.lt(threshold), lit(DROPPED))
        .when(low.geq(threshold), lit(KEPT))
        .when(policy.equalTo("drop"), lit(UNCERTAIN_DROPPED))
        .when(policy.equalTo("review"), lit(UNCERTAIN_REVIEW))
        .otherwise(lit(UNCERTAIN_KEPT));
    Column weight = when(decision.isin(DROPPED, UNCERTAIN_DROPPED, UNCERTAIN_REVIEW), lit(0.0))
        .when(decision.equalTo(UNSCORED), unscoredWeight)
        .otherwise(lit(0.5).plus(lit(0.5).multiply(least(greatest(value, lit(0.0)), lit(1.0)))));
    Column measureUnits = when(col(Col.GOLD_UNITS).geq(minUnits), col(Col.GOLD_UNITS)).otherwise(col(Col.PEER_UNITS));
    return joined.select(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR), col(Col.PEER_KAPPA),
        col(Col.PEER_UNITS), col(Col.GOLD_KAPPA), col(Col.GOLD_ACCURACY), col(Col.GOLD_UNITS),
        measure.as(Col.MEASURE), value.as(Col.VALUE), low.as(Col.CI_LOW), high.as(Col.CI_HIGH),
        threshold.cast("double").as(Col.THRESHOLD),
        measureUnits.as("measure_units"), minUnits.as("min_units"), decision.as(Col.DECISION),
        se.as("measure_se"), value.minus(threshold).as("excess"),
        weight.cast("double").as(Col.WEIGHT));
  }

  /**
   * The {@code annotators} table: one row per annotator with any submission in play ({@code annotator, submissions}),
   * the overall decision and its reason, and the scopes behind it.
   *
   * <p>Besides any scope confidently below its threshold, an annotator is dropped when their evidence pooled over
   * every judged scope is: the units-weighted mean of (kappa - threshold) has a one-sided upper bound below zero
   * (standard errors combined as independent). A careless annotator is careless everywhere, and pooling lets thin
   * evidence per scope add up; the bound uses the defaults' {@code drop_confidence}.
   */
  public static Dataset<Row> annotators(Dataset<Row> submissionCounts, Dataset<Row> scopes, Projects projects) {
    Column scope = struct(col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.PEER_KAPPA), col(Col.PEER_UNITS),
        col(Col.GOLD_KAPPA), col(Col.GOLD_ACCURACY), col(Col.GOLD_UNITS), col(Col.MEASURE), col(Col.VALUE),
        col(Col.CI_LOW), col(Col.CI_HIGH), col(Col.THRESHOLD), col(Col.WEIGHT), col(Col.DECISION),
        col("measure_units"), col("min_units"));
    Column n = when(col(Col.VALUE).isNotNull(), col("measure_units").cast("double"));
    Dataset<Row> grouped = scopes.groupBy(Col.ANNOTATOR).agg(array_sort(collect_list(scope)).as("all_scopes"),
        sum(n.multiply(col("excess"))).divide(sum(n)).as("pooled_excess"),
        sqrt(sum(pow(n.multiply(coalesce(col("measure_se"), lit(0.0))), 2))).divide(sum(n)).as("pooled_se"),
        sum(n).as("pooled_units"), count(n).as("pooled_scopes"));
    Dataset<Row> joined = submissionCounts.join(grouped, new String[] {Col.ANNOTATOR}, "left");

    Column all = coalesce(col("all_scopes"), org.apache.spark.sql.functions.array());
    Column dropped = element_at(filter(all, s -> s.getField(Col.DECISION).isin(DROPPED, UNCERTAIN_DROPPED)), 1);
    Column anyKept = exists(all, s -> s.getField(Col.DECISION).isin(KEPT, UNCERTAIN_KEPT));
    Column pooledHigh = col("pooled_excess").plus(lit(projects.defaults().dropZ()).multiply(col("pooled_se")));
    Column pooledDrop = col("pooled_scopes").gt(1).and(pooledHigh.lt(0));
    Column inReview = element_at(filter(all, s -> s.getField(Col.DECISION).equalTo(UNCERTAIN_REVIEW)), 1);
    Column decision = when(dropped.isNotNull().or(pooledDrop), lit(DROPPED)).when(inReview.isNotNull(), lit(REVIEW))
        .when(anyKept, lit(KEPT)).otherwise(lit(UNSCORED));
    Column reason = when(dropped.isNotNull(), concat(dropped.getField(Col.MEASURE), lit(" "),
            format_number(dropped.getField(Col.VALUE), 3), lit(" (bound "),
            format_number(dropped.getField(Col.CI_HIGH), 3), lit(")"),
            when(dropped.getField(Col.DECISION).equalTo(UNCERTAIN_DROPPED),
                lit(" straddles, and uncertain_policy drops,")).otherwise(lit(" is below")),
            lit(" the threshold "),
            dropped.getField(Col.THRESHOLD).cast("string"), lit(" on "), dropped.getField(Col.PROJECT), lit("/"),
            dropped.getField(Col.TASK_TYPE), lit(" over "), dropped.getField("measure_units").cast("string"),
            lit(" units")))
        .when(pooledDrop, concat(lit("across "), col("pooled_scopes").cast("string"),
            lit(" projects and task types, kappa is on average "), format_number(col("pooled_excess").multiply(-1), 3),
            lit(" below the thresholds (bound "), format_number(pooledHigh.multiply(-1), 3), lit(") over "),
            col("pooled_units").cast("long").cast("string"), lit(" units")))
        .when(inReview.isNotNull(), concat(inReview.getField(Col.MEASURE), lit(" "),
            format_number(inReview.getField(Col.VALUE), 3), lit(" ("), format_number(inReview.getField(Col.CI_LOW), 3),
            lit(" to "), format_number(inReview.getField(Col.CI_HIGH), 3), lit(") straddles the threshold "),
            inReview.getField(Col.THRESHOLD).cast("string"), lit(" on "), inReview.getField(Col.PROJECT), lit("/"),
            inReview.getField(Col.TASK_TYPE), lit("; uncertain_policy holds the work out for review")))
        .when(anyKept, lit("no project or task type confidently below its kappa threshold"))
        .when(org.apache.spark.sql.functions.size(all).gt(0), concat(lit("fewer than "),
            element_at(all, 1).getField("min_units").cast("string"),
            lit(" units shared with co-annotators or gold in every project and task type: kept unjudged")))
        .otherwise(lit("no judged task types (sft only): kept unjudged"));
    Column published = org.apache.spark.sql.functions.transform(all, s -> struct(
        s.getField(Col.PROJECT).as(Col.PROJECT), s.getField(Col.TASK_TYPE).as(Col.TASK_TYPE),
        s.getField(Col.PEER_KAPPA).as(Col.PEER_KAPPA), s.getField(Col.PEER_UNITS).as(Col.PEER_UNITS),
        s.getField(Col.GOLD_KAPPA).as(Col.GOLD_KAPPA), s.getField(Col.GOLD_ACCURACY).as(Col.GOLD_ACCURACY),
        s.getField(Col.GOLD_UNITS).as(Col.GOLD_UNITS), s.getField(Col.MEASURE).as(Col.MEASURE),
        s.getField(Col.VALUE).as(Col.VALUE), s.getField(Col.CI_LOW).as(Col.CI_LOW),
        s.getField(Col.CI_HIGH).as(Col.CI_HIGH), s.getField(Col.THRESHOLD).as(Col.THRESHOLD),
        s.getField(Col.WEIGHT).as(Col.WEIGHT), s.getField(Col.DECISION).as(Col.DECISION)));
    return joined.select(col(Col.ANNOTATOR), decision.as(Col.DECISION), reason.as(Col.REASON),
        col(Col.SUBMISSIONS), published.as(Col.SCOPES));
  }

  /** Whether an annotator's work is used: kept or unscored (not dropped, not held for review). */
  public static org.apache.spark.sql.Column used(org.apache.spark.sql.Column decision) {
    return decision.isin(KEPT, UNSCORED);
  }

  /** Submissions in play per annotator. */
  public static Dataset<Row> submissionCounts(Dataset<Row> activeSubmissions) {
    return activeSubmissions.groupBy(Col.ANNOTATOR).agg(count(lit(1)).as(Col.SUBMISSIONS));
  }
}
