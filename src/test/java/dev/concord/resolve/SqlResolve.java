package dev.concord.resolve;

// The SQL resolution the one-pass resolution replaced, kept as the oracle of ResolveOracleTest.

import static dev.concord.resolve.Resolve.AGREED;
import static dev.concord.resolve.Resolve.CANDIDATE;
import static dev.concord.resolve.Resolve.DEFAULT_STRENGTH;
import static dev.concord.resolve.Resolve.GOLD;
import static dev.concord.resolve.Resolve.LABELS;
import static dev.concord.resolve.Resolve.MEDIAN;
import static dev.concord.resolve.Resolve.METHOD;
import static dev.concord.resolve.Resolve.NO_RECORD;
import static dev.concord.resolve.Resolve.OUTVOTED;
import static dev.concord.resolve.Resolve.OVERRIDDEN_BY_GOLD;
import static dev.concord.resolve.Resolve.PREFERENCES;
import static dev.concord.resolve.Resolve.RESOLVED;
import static dev.concord.schema.Status.REVIEW;
import static dev.concord.resolve.Resolve.SUPPORT;
import static dev.concord.resolve.Resolve.UNANIMOUS;
import static dev.concord.resolve.Resolve.WEIGHTED_MEDIAN;
import static dev.concord.resolve.Resolve.WEIGHT_DIGITS;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.agreement.Units;
import dev.concord.config.ConcordConfig;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * (The oracle.) Conflict resolution over the kept annotators' units: gold first, then a vote weighted by each annotator's
 * reliability; a tie or a weighted share below {@code consensus_threshold} goes to review rather than being guessed.
 * Nothing depends on input order: every choice is a comparison of weights, with ties sent to a person.
 *
 * <p>Results come as three datasets: {@code outcomes} (one row per judged item: resolved, review or no_record),
 * {@code candidates} (the preference and label records before deduplication) and {@code edges} (how each kept
 * submission relates to each candidate). The decisions all three read are checkpointed once per task type, so that
 * writing the three does not decide everything three times.
 */
final class SqlResolve {
  private SqlResolve() {}

  // The names and constants are the one-pass resolution's own (static imports above).

  public record Result(Dataset<Row> outcomes, Dataset<Row> candidates, Dataset<Row> edges) {}

  /**
   * @param votes {@link Resolve#votes}
   * @param goldUnits gold's units with {@code strength}
   * @param items {@code item_id, project, task_type, response_ids} of every judged item in play
   * @param posteriors {@code unit, category, posterior} from {@link DawidSkene} for the units of projects resolved
   *     by it (empty when none is)
   */
  public static Result apply(Dataset<Row> votes, Dataset<Row> goldUnits, Dataset<Row> items, Dataset<Row> posteriors,
      ConcordConfig config) {
    Result categorical = categorical(votes, goldUnits, items, posteriors, config);
    Result ranking = ranking(votes, goldUnits, items, posteriors, config);
    Result rating = rating(votes, goldUnits, items, config);
    return new Result(
        categorical.outcomes().unionByName(ranking.outcomes()).unionByName(rating.outcomes()),
        categorical.candidates().unionByName(ranking.candidates()).unionByName(rating.candidates()),
        categorical.edges().unionByName(ranking.edges()).unionByName(rating.edges()));
  }

  /**
   * Each answer's support on its unit: the summed vote weight, or under Dawid-Skene the posterior (answers nobody
   * gave included, when the posterior favours them). Columns {@code unit, category, support, method}.
   */
  static Dataset<Row> support(Dataset<Row> votes, Dataset<Row> posteriors) {
    Dataset<Row> voted = votes.filter(col(METHOD).isin(ProjectSettings.ESTIMATED.toArray()).unary_$bang())
        .groupBy(Col.UNIT, Col.CATEGORY).agg(round(sum(Col.WEIGHT), WEIGHT_DIGITS).as(SUPPORT), first(METHOD).as(METHOD));
    Dataset<Row> estimated = posteriors.filter(col(DawidSkene.POSTERIOR).gt(0))
        .join(votes.select(Col.UNIT, METHOD).distinct(), Col.UNIT)
        .select(col(Col.UNIT), col(Col.CATEGORY), col(DawidSkene.POSTERIOR).as(SUPPORT), col(METHOD));
    return voted.unionByName(estimated);
  }

  // ---- pairwise and label: one unit per item ----

  static Result categorical(Dataset<Row> votes, Dataset<Row> goldUnits, Dataset<Row> items, Dataset<Row> posteriors,
      ConcordConfig config) {
    Dataset<Row> v = votes.filter(col(Col.TASK_TYPE).isin("pairwise", "label"));
    Dataset<Row> counted = v.groupBy(Col.ITEM_ID, Col.CATEGORY).agg(count(lit(1)).as("n"),
        avg(coalesce(col(Col.STRENGTH), lit(DEFAULT_STRENGTH))).as("mean_strength"));
    Dataset<Row> tally = support(v, posteriors.join(v.select(Col.UNIT).distinct(), Col.UNIT))
        .withColumnRenamed(Col.UNIT, Col.ITEM_ID).withColumnRenamed(SUPPORT, "w")
        .join(counted, new String[] {Col.ITEM_ID, Col.CATEGORY}, "left")
        .withColumn("n", coalesce(col("n"), lit(0L)));
    Dataset<Row> perItem = tally.groupBy(Col.ITEM_ID).agg(
        sort_array(collect_list(struct(col("w"), col("n"), col(Col.CATEGORY), col("mean_strength"))), false)
            .as("ranked"),
        sum("w").as("total_w"), sum("n").as("total_n"));
    Dataset<Row> gold = goldUnits.filter(col(Col.TASK_TYPE).isin("pairwise", "label"))
        .select(col(Col.ITEM_ID), col(Col.CATEGORY).as("gold_category"), col(Col.STRENGTH).as("gold_strength"));
    Dataset<Row> who = v.groupBy(Col.ITEM_ID).agg(array_sort(collect_set(Col.ANNOTATOR)).as(Col.ANNOTATORS),
        collect_list(struct(col(Col.SUBMISSION_ID), col(Col.CATEGORY))).as("ballots"));

    Dataset<Row> joined = items.filter(col(Col.TASK_TYPE).isin("pairwise", "label"))
        .join(perItem, new String[] {Col.ITEM_ID}, "left")
        .join(gold, new String[] {Col.ITEM_ID}, "left")
        .join(who, new String[] {Col.ITEM_ID}, "left");

    Column top = element_at(col("ranked"), 1);
    Column second = element_at(col("ranked"), 2);
    Column hasGold = col("gold_category").isNotNull();
    Column totalW = coalesce(col("total_w"), lit(0.0));
    Column consensus = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::reviewThreshold);
    Column consensusKey = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::reviewThresholdKey);
    Column goldShare = coalesce(org.apache.spark.sql.functions.aggregate(coalesce(col("ranked"),
            org.apache.spark.sql.functions.array()), lit(0.0),
        (acc, r) -> acc.plus(when(r.getField(Col.CATEGORY).equalTo(col("gold_category")), r.getField("w"))
            .otherwise(lit(0.0)))).divide(when(totalW.gt(0), totalW)), lit(0.0));
    Column topShare = top.getField("w").divide(totalW);

    Column outcome = when(hasGold, col("gold_category")).otherwise(top.getField(Col.CATEGORY));
    Column reviewReason = when(hasGold, lit(null))
        .when(totalW.equalTo(0), lit("no_kept_annotators"))
        .when(second.isNotNull().and(second.getField("w").equalTo(top.getField("w"))), lit("tie"))
        .when(topShare.lt(consensus), lit("no_consensus"));
    Column status = when(reviewReason.isNotNull(), lit(REVIEW))
        .when(outcome.equalTo("tie"), lit(NO_RECORD))
        .otherwise(lit(RESOLVED));
    Column method = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::resolutionMethod);
    Column agreed = org.apache.spark.sql.functions.aggregate(coalesce(col("ranked"),
            org.apache.spark.sql.functions.array()), lit(0L),
        (acc, r) -> acc.plus(when(r.getField(Col.CATEGORY).equalTo(outcome), r.getField("n")).otherwise(lit(0L))));
    Column resolution = when(hasGold, lit(GOLD))
        .when(agreed.equalTo(col("total_n")).and(method.isin(ProjectSettings.ESTIMATED.toArray()).unary_$bang()), lit(UNANIMOUS))
        .otherwise(method);
    Column agreement = when(hasGold, goldShare).otherwise(coalesce(topShare, lit(0.0)));
    Column detail = when(reviewReason.equalTo("no_kept_annotators"),
            lit("every annotator of the item was dropped, and there is no gold label"))
        .when(reviewReason.equalTo("tie"), concat(lit("the two leading answers have the same "), supportNoun(method),
            lit(" "), format_number(top.getField("w"), 3)))
        .when(reviewReason.equalTo("no_consensus"), concat(lit("the leading answer has "), supportNoun(method),
            lit(" "), format_number(topShare, 3), lit(", below "), consensusKey, lit(" "), consensus.cast("string")))
        .when(status.equalTo(NO_RECORD), lit("resolved as a tie, which makes no preference pair"));

    Dataset<Row> decided = joined.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.RESPONSE_IDS), col(Col.ANNOTATORS), col("ballots"), col("ranked"),
        outcome.as(Col.OUTCOME), status.as(Col.STATUS), reviewReason.as(Col.REASON), detail.as(Col.DETAIL),
        resolution.as(Col.RESOLUTION), agreement.as(Col.AGREEMENT),
        coalesce(col("total_n"), lit(0L)).cast("int").as(Col.ANNOTATOR_COUNT),
        agreed.cast("int").as(Col.AGREED_COUNT),
        coalesce(col("gold_strength").cast("double"),
            org.apache.spark.sql.functions.aggregate(coalesce(col("ranked"), org.apache.spark.sql.functions.array()),
                lit(null).cast("double"), (acc, r) -> when(r.getField(Col.CATEGORY).equalTo(outcome),
                    r.getField("mean_strength")).otherwise(acc)),
            lit(DEFAULT_STRENGTH)).as(Col.STRENGTH))
        .localCheckpoint();

    Column sorted = array_sort(col(Col.RESPONSE_IDS));
    Column pairwise = col(Col.TASK_TYPE).equalTo("pairwise");
    Column chosen = element_at(sorted, col(Col.OUTCOME).cast("int"));
    Column rejected = element_at(sorted, lit(3).minus(col(Col.OUTCOME).cast("int")));
    Dataset<Row> resolved = decided.filter(col(Col.STATUS).equalTo(RESOLVED));
    Column candidate = when(pairwise, concat_ws("\u001f", lit(PREFERENCES), col(Col.ITEM_ID), chosen, rejected))
        .otherwise(concat_ws("\u001f", lit(LABELS), col(Col.ITEM_ID), col(Col.OUTCOME)));
    Dataset<Row> candidates = resolved.select(candidate.as(CANDIDATE),
        when(pairwise, lit(PREFERENCES)).otherwise(lit(LABELS)).as(Col.RECORD_TABLE),
        col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        when(pairwise, chosen).as(Col.CHOSEN_RESPONSE_ID), when(pairwise, rejected).as(Col.REJECTED_RESPONSE_ID),
        when(pairwise.unary_$bang(), col(Col.OUTCOME)).as(Col.LABEL),
        when(pairwise.unary_$bang(), element_at(col(Col.RESPONSE_IDS), 1)).as(Col.RESPONSE_ID),
        col(Col.RESOLUTION), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT),
        coalesce(col(Col.ANNOTATORS), org.apache.spark.sql.functions.array().cast("array<string>")).as(Col.ANNOTATORS),
        when(pairwise, when(col(Col.RESOLUTION).equalTo(GOLD), col(Col.STRENGTH))
            .otherwise(col(Col.AGREEMENT).multiply(col(Col.STRENGTH)))).otherwise(lit(0.0)).as(Col.MARGIN));

    Dataset<Row> edges = resolved.select(candidate.as(CANDIDATE), col(Col.ITEM_ID), col(Col.RESOLUTION),
            col(Col.OUTCOME), org.apache.spark.sql.functions.explode(col("ballots")).as("ballot"))
        .select(col(CANDIDATE), col(Col.ITEM_ID), col("ballot.submission_id").as(Col.SUBMISSION_ID),
            role(col("ballot.category").equalTo(col(Col.OUTCOME)), col(Col.RESOLUTION)).as(Col.ROLE));

    return new Result(outcomes(decided), candidates, edges);
  }

  // ---- ranking: a decision per response pair, then an order per item; a cycle goes to review ----

  static Result ranking(Dataset<Row> votes, Dataset<Row> goldUnits, Dataset<Row> items, Dataset<Row> posteriors,
      ConcordConfig config) {
    Dataset<Row> v = votes.filter(col(Col.TASK_TYPE).equalTo("ranking"));
    Column above = col(Col.CATEGORY).equalTo(Units.ABOVE);
    Dataset<Row> counted = v.groupBy(Col.UNIT, Col.ITEM_ID, Units.PART_A, Units.PART_B).agg(count(lit(1)).as("n"),
        sum(when(above, lit(1)).otherwise(lit(0))).as("na"));
    Dataset<Row> pairs = support(v, posteriors.join(v.select(Col.UNIT).distinct(), Col.UNIT))
        .groupBy(Col.UNIT).agg(
            round(sum(when(above, col(SUPPORT)).otherwise(lit(0.0))), WEIGHT_DIGITS).as("wa"),
            round(sum(SUPPORT), WEIGHT_DIGITS).as("wt"))
        .join(counted, Col.UNIT)
        .drop(Col.UNIT);
    Dataset<Row> gold = goldUnits.filter(col(Col.TASK_TYPE).equalTo("ranking"))
        .select(col(Col.ITEM_ID), col(Units.PART_A), col(Units.PART_B), col(Col.CATEGORY).as("gold_category"));
    Dataset<Row> goldItems = gold.select(Col.ITEM_ID).distinct().withColumn("has_gold", lit(true));

    // Borda score: the support of every answer that puts the response above another; it places the responses
    // for ranking_pairs: adjacent.
    Dataset<Row> scores = pairs.select(col(Col.ITEM_ID), col(Units.PART_A).as(Col.RESPONSE_ID), col("wa").as("s"))
        .unionByName(pairs.select(col(Col.ITEM_ID), col(Units.PART_B).as(Col.RESPONSE_ID),
            col("wt").minus(col("wa")).as("s")))
        .groupBy(Col.ITEM_ID, Col.RESPONSE_ID).agg(round(sum("s"), WEIGHT_DIGITS).as("score"))
        .withColumn("place", dense_rank().over(Window.partitionBy(Col.ITEM_ID).orderBy(col("score").desc())));
    // Gold places: the number of responses gold puts above each one.
    Dataset<Row> goldPlaces = gold.select(col(Col.ITEM_ID), col(Units.PART_A).as(Col.RESPONSE_ID),
            when(col("gold_category").equalTo(Units.BELOW), lit(1)).otherwise(lit(0)).as("above_it"))
        .unionByName(gold.select(col(Col.ITEM_ID), col(Units.PART_B).as(Col.RESPONSE_ID),
            when(col("gold_category").equalTo(Units.ABOVE), lit(1)).otherwise(lit(0)).as("above_it")))
        .groupBy(Col.ITEM_ID, Col.RESPONSE_ID).agg(sum("above_it").plus(1).as("gold_place"));

    Dataset<Row> allPairs = pairs.join(gold, new String[] {Col.ITEM_ID, Units.PART_A, Units.PART_B}, "full_outer")
        .join(items.select(Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE), Col.ITEM_ID)
        .join(goldItems, new String[] {Col.ITEM_ID}, "left")
        .join(scores.select(col(Col.ITEM_ID), col(Col.RESPONSE_ID).as(Units.PART_A), col("place").as("place_a")),
            new String[] {Col.ITEM_ID, Units.PART_A}, "left")
        .join(scores.select(col(Col.ITEM_ID), col(Col.RESPONSE_ID).as(Units.PART_B), col("place").as("place_b")),
            new String[] {Col.ITEM_ID, Units.PART_B}, "left")
        .join(goldPlaces.select(col(Col.ITEM_ID), col(Col.RESPONSE_ID).as(Units.PART_A),
            col("gold_place").as("gold_place_a")), new String[] {Col.ITEM_ID, Units.PART_A}, "left")
        .join(goldPlaces.select(col(Col.ITEM_ID), col(Col.RESPONSE_ID).as(Units.PART_B),
            col("gold_place").as("gold_place_b")), new String[] {Col.ITEM_ID, Units.PART_B}, "left");

    Column hasGold = coalesce(col("has_gold"), lit(false));
    Column wa = coalesce(col("wa"), lit(0.0));
    Column wt = coalesce(col("wt"), lit(0.0));
    Column wb = wt.minus(wa);
    Column aWins = when(hasGold, col("gold_category").equalTo(Units.ABOVE)).otherwise(wa.gt(wb));
    Column decided = hasGold.or(wa.notEqual(wb));
    Column share = when(wt.gt(0), greatest(wa, wb).divide(wt));
    Column winnerShare = when(hasGold, when(wt.gt(0), when(aWins, wa).otherwise(wb).divide(wt)).otherwise(lit(0.0)))
        .otherwise(coalesce(share, lit(0.0)));
    Column gap = when(hasGold, abs(col("gold_place_a").minus(col("gold_place_b"))))
        .otherwise(abs(col("place_a").minus(col("place_b"))));
    Column consensus = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::reviewThreshold);
    Column consensusKey = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::reviewThresholdKey);
    Column method = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::resolutionMethod);
    Column adjacentOnly = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::rankingPairs)
        .equalTo("adjacent");
    Column confident = decided.and(hasGold.or(winnerShare.geq(consensus)));
    Column n = coalesce(col("n"), lit(0L));
    Column na = coalesce(col("na"), lit(0L));
    Column agreed = when(aWins, na).otherwise(n.minus(na));
    Column resolution = when(hasGold, lit(GOLD))
        .when(agreed.equalTo(n).and(method.isin(ProjectSettings.ESTIMATED.toArray()).unary_$bang()), lit(UNANIMOUS))
        .otherwise(method);
    Column chosen = when(aWins, col(Units.PART_A)).otherwise(col(Units.PART_B));
    Column rejected = when(aWins, col(Units.PART_B)).otherwise(col(Units.PART_A));

    Dataset<Row> judged = allPairs.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Units.PART_A),
        col(Units.PART_B), confident.as("confident"), decided.as("decided"), hasGold.as("has_gold"),
        gap.equalTo(1).or(adjacentOnly.unary_$bang()).as("wanted"),
        concat_ws("\u001f", lit(PREFERENCES), col(Col.ITEM_ID), chosen, rejected).as(CANDIDATE),
        chosen.as(Col.CHOSEN_RESPONSE_ID), rejected.as(Col.REJECTED_RESPONSE_ID), resolution.as(Col.RESOLUTION),
        winnerShare.as(Col.AGREEMENT), winnerShare.multiply(gap).cast("double").as(Col.MARGIN),
        aWins.as("a_wins"), n.as("n"), agreed.cast("int").as(Col.AGREED_COUNT), share.as("share"),
        consensus.as("consensus"), consensusKey.as("consensus_key"), method.as(METHOD));

    // The confident pairs must fit one order: a cycle among them (a over b, b over c, c over a) sends the item to
    // a person rather than keeping some arbitrary part of it.
    Dataset<Row> cycles = judged.filter(col("confident"))
        .groupBy(Col.ITEM_ID)
        .agg(collect_list(struct(col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID))).as("edges"))
        .select(col(Col.ITEM_ID), Cycles.FIND.apply(col("edges")).as("cycle"));
    Dataset<Row> who = v.groupBy(Col.ITEM_ID).agg(array_sort(collect_set(Col.ANNOTATOR)).as(Col.ANNOTATORS),
        countDistinct(Col.ANNOTATOR).cast("int").as(Col.ANNOTATOR_COUNT));
    Dataset<Row> checked = judged.join(cycles, new String[] {Col.ITEM_ID}, "left")
        .withColumn("emit", col("confident").and(col("wanted")).and(col("cycle").isNull()))
        .localCheckpoint();
    Dataset<Row> emitted = checked.filter(col("emit")).join(who, new String[] {Col.ITEM_ID}, "left");
    Dataset<Row> candidates = emitted.select(col(CANDIDATE), lit(PREFERENCES).as(Col.RECORD_TABLE), col(Col.ITEM_ID),
        col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID),
        lit(null).cast("string").as(Col.LABEL), lit(null).cast("string").as(Col.RESPONSE_ID), col(Col.RESOLUTION),
        col(Col.AGREEMENT), coalesce(col(Col.ANNOTATOR_COUNT), lit(0)).as(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT),
        coalesce(col(Col.ANNOTATORS), org.apache.spark.sql.functions.array().cast("array<string>")).as(Col.ANNOTATORS),
        col(Col.MARGIN));

    Dataset<Row> perItem = checked.groupBy(Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE).agg(
        max(col("emit").cast("int")).as("emitted"), max(col("has_gold").cast("int")).as("gold"),
        max(col("decided").cast("int")).as("any_decided"), max("n").as("max_n"),
        first(col("consensus")).as("consensus"), first(col("consensus_key")).as("consensus_key"),
        first(col(METHOD)).as(METHOD), first(col("cycle")).as("cycle"),
        sort_array(collect_list(struct(col("share").as(Col.WEIGHT), col(Units.PART_A), col(Units.PART_B),
            col("n"), col(Col.AGREED_COUNT))), false).as("ranked"))
        .join(who, new String[] {Col.ITEM_ID}, "left");
    Column reason = when(col("emitted").equalTo(1), lit(null))
        .when(col("max_n").equalTo(0), lit("no_kept_annotators"))
        .when(col("cycle").isNotNull(), lit("cycle"))
        .when(col("any_decided").equalTo(0), lit("tie"))
        .otherwise(lit("no_consensus"));
    Column detail = when(reason.equalTo("no_kept_annotators"),
            lit("every annotator of the item was dropped, and there is no gold label"))
        .when(reason.equalTo("cycle"), concat(lit("the confident pair decisions go round in a cycle: "),
            col("cycle")))
        .when(reason.equalTo("tie"), lit("every response pair has equal support on both sides"))
        .when(reason.equalTo("no_consensus"), concat(lit("no response pair reaches "), col("consensus_key"),
            lit(" "), col("consensus").cast("string"), lit(" (by "), supportNoun(col(METHOD)), lit(")")));
    Dataset<Row> outcomes = perItem.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        when(reason.isNull(), lit(RESOLVED)).otherwise(lit(REVIEW)).as(Col.STATUS), reason.as(Col.REASON),
        detail.as(Col.DETAIL),
        when(col("gold").equalTo(1), lit(GOLD)).otherwise(col(METHOD)).as(Col.RESOLUTION),
        lit(null).cast("double").as(Col.AGREEMENT),
        coalesce(col(Col.ANNOTATOR_COUNT), lit(0)).as(Col.ANNOTATOR_COUNT),
        org.apache.spark.sql.functions.transform(col("ranked"), r -> struct(
            concat(r.getField(Units.PART_A), lit(" vs "), r.getField(Units.PART_B)).as("answer"),
            coalesce(r.getField("n"), lit(0L)).cast("int").as("annotators"),
            coalesce(r.getField(Col.WEIGHT), lit(0.0)).as(Col.WEIGHT))).as(Col.VOTES));

    Dataset<Row> edges = emitted.select(col(CANDIDATE), col(Col.ITEM_ID), col(Units.PART_A), col(Units.PART_B),
            col("a_wins"), col(Col.RESOLUTION))
        .join(v.select(Col.ITEM_ID, Units.PART_A, Units.PART_B, Col.SUBMISSION_ID, Col.CATEGORY),
            new String[] {Col.ITEM_ID, Units.PART_A, Units.PART_B})
        .select(col(CANDIDATE), col(Col.ITEM_ID), col(Col.SUBMISSION_ID),
            role(col(Col.CATEGORY).equalTo(Units.ABOVE).equalTo(col("a_wins")), col(Col.RESOLUTION)).as(Col.ROLE));
    return new Result(outcomes, candidates, edges);
  }

  // ---- rating: a consensus score per response and dimension, pairs from overall scores ----

  static Result rating(Dataset<Row> votes, Dataset<Row> goldUnits, Dataset<Row> items, ConcordConfig config) {
    Dataset<Row> v = votes.filter(col(Col.TASK_TYPE).equalTo("rating"))
        .withColumn("dim_weight", dimensionWeight(config));
    Dataset<Row> g = goldUnits.filter(col(Col.TASK_TYPE).equalTo("rating"))
        .select(col(Col.ITEM_ID), col(Units.PART_A), col(Units.PART_B), col(Col.ORDINAL).as("gold_score"));
    Column[] cell = {col(Col.ITEM_ID), col(Col.PROJECT), col(Units.PART_A), col(Units.PART_B)};
    Dataset<Row> cells = cumulativeWeights(v, cell).groupBy(cell).agg(weightedMedian().as("vote_score"),
            first("dim_weight").as("dim_weight"))
        .join(g, new String[] {Col.ITEM_ID, Units.PART_A, Units.PART_B}, "full_outer")
        .join(items.select(col(Col.ITEM_ID), col(Col.PROJECT).as("item_project")), Col.ITEM_ID)
        .withColumn(Col.PROJECT, col("item_project"))
        .withColumn("dim_weight", coalesce(col("dim_weight"), dimensionWeight(config)))
        .withColumn("score", coalesce(col("gold_score"), col("vote_score")));
    Dataset<Row> overall = cells.filter(col("score").isNotNull())
        .groupBy(Col.ITEM_ID, Col.PROJECT, Units.PART_A).agg(
            round(sum(col("dim_weight").multiply(col("score"))).divide(sum("dim_weight")), WEIGHT_DIGITS)
                .as("overall"),
            max(col("gold_score").isNotNull().cast("int")).as("gold"));
    Dataset<Row> own = v.groupBy(Col.ITEM_ID, Col.SUBMISSION_ID, Col.ANNOTATOR, Col.WEIGHT, Units.PART_A).agg(
        round(sum(col("dim_weight").multiply(col(Col.ORDINAL))).divide(sum("dim_weight")), WEIGHT_DIGITS)
            .as("own"));

    Column margin = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::ratingMargin);
    Dataset<Row> x = overall.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Units.PART_A).as(Col.CHOSEN_RESPONSE_ID),
        col("overall").as("chosen_score"), col("gold").as("chosen_gold"));
    Dataset<Row> y = overall.select(col(Col.ITEM_ID), col(Units.PART_A).as(Col.REJECTED_RESPONSE_ID),
        col("overall").as("rejected_score"), col("gold").as("rejected_gold"));
    Dataset<Row> pairCandidates = x.join(y, Col.ITEM_ID)
        .filter(scoreMargin().geq(margin))
        .withColumn(CANDIDATE, concat_ws("\u001f", lit(PREFERENCES), col(Col.ITEM_ID), col(Col.CHOSEN_RESPONSE_ID),
            col(Col.REJECTED_RESPONSE_ID)))
        // Read by the ballots and again by the judgement: computed once, medians and all.
        .localCheckpoint();

    Dataset<Row> oc = own.select(col(Col.ITEM_ID), col(Col.SUBMISSION_ID), col(Col.ANNOTATOR), col(Col.WEIGHT),
        col(Units.PART_A).as(Col.CHOSEN_RESPONSE_ID), col("own").as("own_chosen"));
    Dataset<Row> orj = own.select(col(Col.ITEM_ID), col(Col.SUBMISSION_ID),
        col(Units.PART_A).as(Col.REJECTED_RESPONSE_ID), col("own").as("own_rejected"));
    Dataset<Row> ballots = pairCandidates.select(CANDIDATE, Col.ITEM_ID, Col.CHOSEN_RESPONSE_ID, Col.REJECTED_RESPONSE_ID)
        .join(oc, new String[] {Col.ITEM_ID, Col.CHOSEN_RESPONSE_ID})
        .join(orj, new String[] {Col.ITEM_ID, Col.SUBMISSION_ID, Col.REJECTED_RESPONSE_ID})
        .withColumn("agrees", col("own_chosen").gt(col("own_rejected")))
        .localCheckpoint();
    Dataset<Row> support = ballots.groupBy(CANDIDATE).agg(
        round(sum(when(col("agrees"), col(Col.WEIGHT)).otherwise(lit(0.0))).divide(sum(Col.WEIGHT)), WEIGHT_DIGITS)
            .as("share"),
        sum(col("agrees").cast("int")).as("n_agree"), count(lit(1)).as("n"),
        array_sort(collect_set(Col.ANNOTATOR)).as(Col.ANNOTATORS));

    Column gold = col("chosen_gold").plus(col("rejected_gold")).gt(0);
    Column consensus = PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::consensusThreshold);
    Column share = coalesce(col("share"), lit(0.0));
    Dataset<Row> judged = pairCandidates.join(support, new String[] {CANDIDATE}, "left")
        .withColumn("emit", gold.or(share.geq(consensus)))
        .withColumn(Col.RESOLUTION, when(gold, lit(GOLD)).when(col("n_agree").equalTo(col("n")), lit(UNANIMOUS))
            .otherwise(ratingMethod(config)))
        .withColumn(Col.AGREEMENT, share)
        .withColumn("consensus", consensus)
        .localCheckpoint();

    Dataset<Row> candidates = judged.filter(col("emit")).select(col(CANDIDATE), lit(PREFERENCES).as(Col.RECORD_TABLE),
        col(Col.ITEM_ID), col(Col.PROJECT), lit("rating").as(Col.TASK_TYPE), col(Col.CHOSEN_RESPONSE_ID),
        col(Col.REJECTED_RESPONSE_ID), lit(null).cast("string").as(Col.LABEL),
        lit(null).cast("string").as(Col.RESPONSE_ID), col(Col.RESOLUTION), col(Col.AGREEMENT),
        coalesce(col("n"), lit(0L)).cast("int").as(Col.ANNOTATOR_COUNT),
        coalesce(col("n_agree"), lit(0L)).cast("int").as(Col.AGREED_COUNT),
        coalesce(col(Col.ANNOTATORS), org.apache.spark.sql.functions.array().cast("array<string>")).as(Col.ANNOTATORS),
        scoreMargin().as(Col.MARGIN));

    Dataset<Row> perItem = items.filter(col(Col.TASK_TYPE).equalTo("rating"))
        .join(judged.groupBy(Col.ITEM_ID).agg(max(col("emit").cast("int")).as("emitted"),
            count(lit(1)).as("candidates"), first("consensus").as("consensus"),
            max(col(Col.RESOLUTION).equalTo(GOLD).cast("int")).as("gold")), new String[] {Col.ITEM_ID}, "left")
        .join(overall.groupBy(Col.ITEM_ID).agg(count(lit(1)).as("scored")), new String[] {Col.ITEM_ID}, "left")
        .join(v.groupBy(Col.ITEM_ID).agg(countDistinct(Col.ANNOTATOR).cast("int").as(Col.ANNOTATOR_COUNT)),
            new String[] {Col.ITEM_ID}, "left");
    Column status = when(col("emitted").equalTo(1), lit(RESOLVED))
        .when(coalesce(col("scored"), lit(0L)).equalTo(0), lit(REVIEW))
        .when(coalesce(col("candidates"), lit(0L)).equalTo(0), lit(NO_RECORD))
        .otherwise(lit(REVIEW));
    Column reason = when(status.equalTo(REVIEW), when(coalesce(col("scored"), lit(0L)).equalTo(0),
        lit("no_kept_annotators")).otherwise(lit("no_consensus")));
    Column detail = when(reason.equalTo("no_kept_annotators"),
            lit("every annotator of the item was dropped, and there is no gold label"))
        .when(reason.equalTo("no_consensus"), concat(lit("the annotators' own scores back no pair by consensus_threshold "),
            col("consensus").cast("string")))
        .when(status.equalTo(NO_RECORD), lit("no two responses' overall scores differ by rating_margin"));
    Dataset<Row> outcomes = perItem.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), status.as(Col.STATUS),
        reason.as(Col.REASON), detail.as(Col.DETAIL),
        when(col("gold").equalTo(1), lit(GOLD)).otherwise(ratingMethod(config)).as(Col.RESOLUTION),
        lit(null).cast("double").as(Col.AGREEMENT), coalesce(col(Col.ANNOTATOR_COUNT), lit(0)).as(Col.ANNOTATOR_COUNT),
        org.apache.spark.sql.functions.array().cast("array<struct<answer:string,annotators:int,weight:double>>")
            .as(Col.VOTES));

    Dataset<Row> edges = judged.filter(col("emit")).select(CANDIDATE, Col.RESOLUTION)
        .join(ballots.select(CANDIDATE, Col.ITEM_ID, Col.SUBMISSION_ID, "agrees"), CANDIDATE)
        .select(col(CANDIDATE), col(Col.ITEM_ID), col(Col.SUBMISSION_ID),
            role(col("agrees"), col(Col.RESOLUTION)).as(Col.ROLE));
    return new Result(outcomes, candidates, edges);
  }

  /** The chosen response's overall score less the rejected one's. */
  private static Column scoreMargin() {
    return round(col("chosen_score").minus(col("rejected_score")), WEIGHT_DIGITS);
  }

  /** How ratings resolve: the plain median under majority_vote, else the reliability-weighted median. */
  private static Column ratingMethod(ConcordConfig config) {
    return when(PerProject.value(config.perProject(), col(Col.PROJECT), ProjectSettings::resolutionMethod)
        .equalTo(ProjectSettings.MAJORITY_VOTE), lit(MEDIAN)).otherwise(lit(WEIGHTED_MEDIAN));
  }

  private static final String RUNNING_WEIGHT = "running_weight";
  private static final String TOTAL_WEIGHT = "total_weight";

  /**
   * Each score ({@code ordinal, weight}) with the summed weight of its cell's scores up to it in ascending order, and
   * of all of them, as {@link #weightedMedian} reads them. A window's running sum, not higher-order functions over a
   * collected array: those run interpreted, and took several seconds per million ratings.
   */
  static Dataset<Row> cumulativeWeights(Dataset<Row> scores, Column... cell) {
    // Both sums share one ordering, so the weights are added in the same order in every run.
    WindowSpec ordered = Window.partitionBy(cell)
        .orderBy(col(Col.ORDINAL), col(Col.WEIGHT));
    return scores
        .withColumn(RUNNING_WEIGHT, sum(Col.WEIGHT).over(ordered.rowsBetween(Window.unboundedPreceding(),
            Window.currentRow())))
        .withColumn(TOTAL_WEIGHT, sum(Col.WEIGHT).over(ordered.rowsBetween(Window.unboundedPreceding(),
            Window.unboundedFollowing())));
  }

  /**
   * The weighted median of a cell's scores, an aggregate over {@link #cumulativeWeights}: the score at which half the
   * weight lies on either side, the midpoint of the two middle scores when the halves meet exactly. One annotator far
   * off moves it no further than the next score, where a mean would follow them. Weights are never negative, so the
   * running sum only grows, and the first score to reach half the weight is the lowest that does.
   */
  static Column weightedMedian() {
    Column running = round(col(RUNNING_WEIGHT), WEIGHT_DIGITS);
    Column half = round(col(TOTAL_WEIGHT).divide(2), WEIGHT_DIGITS);
    Column lower = min(when(running.geq(half), col(Col.ORDINAL)));
    Column upper = min(when(running.gt(half), col(Col.ORDINAL)));
    return when(max(col(TOTAL_WEIGHT)).gt(0), lower.plus(upper).divide(2));
  }

  /** A dimension's weight in the overall score: the project's configured weight, else 1 for every dimension. */
  private static Column dimensionWeight(ConcordConfig config) {
    Column w = byDimension(config.defaults().ratingDimensions());
    for (String project : config.projects().keySet()) {
      w = when(col(Col.PROJECT).equalTo(project), byDimension(config.forProject(project).ratingDimensions()))
          .otherwise(w);
    }
    return w;
  }

  private static Column byDimension(java.util.Map<String, Double> weights) {
    if (weights == null) {
      return lit(1.0);
    }
    Column w = lit(0.0);
    for (var e : weights.entrySet()) {
      w = when(col(Units.PART_B).equalTo(e.getKey()), lit(e.getValue())).otherwise(w);
    }
    return w;
  }

  /** What an answer's support is under each method, for the review detail. */
  private static Column supportNoun(Column method) {
    return when(method.isin(ProjectSettings.ESTIMATED.toArray()),
            org.apache.spark.sql.functions.concat(lit("posterior ("), method, lit(")")))
        .when(method.equalTo(ProjectSettings.MAJORITY_VOTE), lit("share of the votes"))
        .otherwise(lit("share of the reliability-weighted votes"));
  }

  private static Column role(Column agreed, Column resolution) {
    return when(agreed, lit(AGREED)).when(resolution.equalTo(GOLD), lit(OVERRIDDEN_BY_GOLD)).otherwise(lit(OUTVOTED));
  }

  /** Item outcomes in one shape for every task type. */
  private static Dataset<Row> outcomes(Dataset<Row> decided) {
    return decided.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.STATUS), col(Col.REASON),
        col(Col.DETAIL), col(Col.RESOLUTION), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT),
        org.apache.spark.sql.functions.transform(coalesce(col("ranked"), org.apache.spark.sql.functions.array()),
            r -> struct(r.getField(Col.CATEGORY).as("answer"), r.getField("n").cast("int").as("annotators"),
                r.getField("w").cast("double").as(Col.WEIGHT))).as(Col.VOTES));
  }
}
