package dev.concord.resolve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.concord.agreement.Units;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.config.Projects;
import dev.concord.config.TaskType;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Conflict resolution over the kept annotators' units: gold first, then a vote weighted by each annotator's
 * reliability, or a model's posterior; a tie or a share below {@code consensus_threshold} ({@code posterior_threshold}
 * under an estimated model, where set) goes to review rather than being guessed.
 * Nothing depends on input order: every choice is a comparison of weights, with ties sent to a person.
 *
 * <p>Every item is resolved in one pass ({@link ItemResolution}): its votes, gold units and posteriors are shuffled
 * together by item, and each item's rule runs on its own rows in plain Java. The result is one table of three kinds
 * of row, written once: {@code outcomes} (one row per judged item: resolved, review or no_record), {@code
 * candidates} (the preference and label records before deduplication) and {@code edges} (how each kept submission
 * relates to each candidate), read apart by {@link #outcomesOf}, {@link #candidatesOf} and {@link #edgesOf}.
 */
public final class Resolve {
  private Resolve() {}

  public static final String RESOLVED = "resolved";
  /** Resolved, but nothing to learn from: a tie, or no two ratings far enough apart. */
  public static final String NO_RECORD = "no_record";

  public static final String GOLD = "gold";
  public static final String UNANIMOUS = "unanimous";
  public static final String MEDIAN = "median";
  public static final String WEIGHTED_MEDIAN = "weighted_median";
  /** Column: the project's resolution method, and an answer's support under it. */
  public static final String METHOD = "method";
  static final String SUPPORT = "support";

  public static final String AGREED = "agreed";
  public static final String OUTVOTED = "outvoted";
  public static final String OVERRIDDEN_BY_GOLD = "overridden_by_gold";

  /** The key of a candidate record: its table, item and what it says. */
  public static final String CANDIDATE = "candidate";
  public static final String PREFERENCES = "preferences";
  public static final String LABELS = "labels";

  /**
   * Sums of weights, weighted scores and their differences are compared after rounding, so that float noise never
   * breaks or makes a tie, nor decides a margin: the order Spark happens to add in changes the last bits.
   */
  static final int WEIGHT_DIGITS = 9;
  /** Strength of a pairwise answer that gives none: "clearly better". */
  static final double DEFAULT_STRENGTH = 2.0;

  /** The three views of one resolution table. */
  public record Result(Dataset<Row> outcomes, Dataset<Row> candidates, Dataset<Row> edges) {
    public static Result of(Dataset<Row> resolution) {
      return new Result(outcomesOf(resolution), candidatesOf(resolution), edgesOf(resolution));
    }
  }

  /** Column of the resolution table: which kind of row. */
  static final String KIND = "resolution_row";
  static final String OUTCOME_ROW = "outcome";
  static final String CANDIDATE_ROW = "candidate";
  static final String EDGE_ROW = "edge";

  private static final StructType VOTE_ROW = new StructType().add("answer", "string").add("annotators", "int")
      .add(Col.WEIGHT, "double");

  /** The resolution table's rows: the union of an outcome's, a candidate's and an edge's columns. */
  static final StructType RESOLUTION = new StructType()
      .add(KIND, "string").add(Col.ITEM_ID, "string").add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.STATUS, "string").add(Col.REASON, "string").add(Col.DETAIL, "string").add(Col.RESOLUTION, "string")
      .add(Col.AGREEMENT, "double").add(Col.ANNOTATOR_COUNT, "int")
      .add(Col.VOTES, DataTypes.createArrayType(VOTE_ROW))
      .add(CANDIDATE, "string").add(Col.RECORD_TABLE, "string").add(Col.CHOSEN_RESPONSE_ID, "string")
      .add(Col.REJECTED_RESPONSE_ID, "string").add(Col.LABEL, "string").add(Col.RESPONSE_ID, "string")
      .add(Col.AGREED_COUNT, "int").add(Col.ANNOTATORS, "array<string>").add(Col.MARGIN, "double")
      .add(Col.SUBMISSION_ID, "string").add(Col.ROLE, "string");

  /**
   * One row per judged item: {@code item_id, project, task_type, status, reason, detail, resolution, agreement,
   * annotator_count, votes}.
   */
  public static Dataset<Row> outcomesOf(Dataset<Row> resolution) {
    return resolution.filter(col(KIND).equalTo(OUTCOME_ROW)).select(Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE,
        Col.STATUS, Col.REASON, Col.DETAIL, Col.RESOLUTION, Col.AGREEMENT, Col.ANNOTATOR_COUNT, Col.VOTES);
  }

  /** The preference and label records before deduplication. */
  public static Dataset<Row> candidatesOf(Dataset<Row> resolution) {
    return resolution.filter(col(KIND).equalTo(CANDIDATE_ROW)).select(CANDIDATE, Col.RECORD_TABLE, Col.ITEM_ID,
        Col.PROJECT, Col.TASK_TYPE, Col.CHOSEN_RESPONSE_ID, Col.REJECTED_RESPONSE_ID, Col.LABEL, Col.RESPONSE_ID,
        Col.RESOLUTION, Col.AGREEMENT, Col.ANNOTATOR_COUNT, Col.AGREED_COUNT, Col.ANNOTATORS, Col.MARGIN);
  }

  /** How each kept submission relates to each candidate: {@code candidate, item_id, submission_id, role}. */
  public static Dataset<Row> edgesOf(Dataset<Row> resolution) {
    return resolution.filter(col(KIND).equalTo(EDGE_ROW)).select(CANDIDATE, Col.ITEM_ID, Col.SUBMISSION_ID,
        Col.ROLE);
  }

  /**
   * The kept annotators' units ({@link Units#of} with {@code annotator, submission_id, strength} and the annotator's
   * reliability {@code weight}), each with its project's resolution {@code method} and the weight its vote carries
   * under it: 1 in a majority vote, the reliability in a weighted vote.
   */
  public static Dataset<Row> votes(Dataset<Row> units, Projects projects) {
    return votes(units, projects, Map.of());
  }

  /**
   * The same, where a project's {@code auto} is replaced by the model {@link DawidSkene} chose for each of its task
   * types ({@link DawidSkene.Estimate#models}), so that a record's {@code resolution} names the model that resolved
   * it.
   */
  public static Dataset<Row> votes(Dataset<Row> units, Projects projects, Map<List<String>, String> chosen) {
    Column method = PerProject.value(projects, col(Col.PROJECT), ProjectSettings::resolutionMethod);
    for (Map.Entry<List<String>, String> scope : chosen.entrySet()) {
      method = when(method.equalTo(ProjectSettings.AUTO).and(col(Col.PROJECT).equalTo(scope.getKey().get(0)))
          .and(col(Col.TASK_TYPE).equalTo(scope.getKey().get(1))), lit(scope.getValue())).otherwise(method);
    }
    return units.withColumn(METHOD, method)
        .withColumn(Col.WEIGHT, when(col(METHOD).equalTo(ProjectSettings.MAJORITY_VOTE), lit(1.0))
            .otherwise(col(Col.WEIGHT)));
  }

  /**
   * The votes the estimated models learn from: every judged annotator's answers ({@code annotators}: kept, unscored
   * or dropped; an annotator held for review is out of the run), each with whether it is {@code counted} in its
   * unit's posterior, which only a kept annotator's is. A dropped annotator's answers are evidence of the truth while
   * everyone's reliability is estimated, so the kept annotators' matrices are sharper, but they enter no unit's
   * posterior and so decide no record.
   *
   * @param units {@link Units#of} with {@code annotator}
   * @param annotators {@code annotator, decision}
   */
  public static Dataset<Row> estimationVotes(Dataset<Row> units, Dataset<Row> annotators, Projects projects) {
    Dataset<Row> judged = annotators
        .filter(AnnotatorFilter.used(col(Col.DECISION)).or(col(Col.DECISION).equalTo(AnnotatorFilter.DROPPED)))
        .select(col(Col.ANNOTATOR), AnnotatorFilter.used(col(Col.DECISION)).as(DawidSkene.COUNTED));
    return units.join(judged, Col.ANNOTATOR)
        .withColumn(METHOD, PerProject.value(projects, col(Col.PROJECT), ProjectSettings::resolutionMethod))
        .filter(estimatedAnswer(col(METHOD)))
        .select(Col.PROJECT, Col.TASK_TYPE, Col.UNIT, Col.ANNOTATOR, Col.CATEGORY, METHOD, DawidSkene.COUNTED);
  }

  /**
   * Over an answer's columns ({@code task_type}), given its project's {@code method}: whether an estimated model
   * learns from it. Ratings are resolved by their median and SFT answers are not judged, under every method.
   */
  public static Column estimatedAnswer(Column method) {
    return method.isin(ProjectSettings.ESTIMATED.toArray()).and(col(Col.TASK_TYPE).isin(TaskType.PAIRWISE.id(),
        TaskType.RANKING.id(), TaskType.LABEL.id()));
  }

  /**
   * The resolution of every judged item, as one table ({@link #RESOLUTION}; {@link Result#of} reads it apart).
   *
   * @param votes {@link #votes}
   * @param goldUnits gold's units with {@code strength}
   * @param items {@code item_id, project, task_type, response_ids} of every judged item in play
   * @param posteriors {@code unit, category, posterior} from {@link DawidSkene} for the units of projects resolved
   *     by it (empty when none is)
   */
  public static Dataset<Row> apply(Dataset<Row> votes, Dataset<Row> goldUnits, Dataset<Row> items,
      Dataset<Row> posteriors, Projects projects) {
    ItemResolution.Settings settings = settings(projects);
    Column none = lit(null);
    Column[] stream = {col("kind"), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.RESPONSE_IDS),
        col(Col.UNIT), col(Units.PART_A), col(Units.PART_B), col(Col.CATEGORY), col(Col.ORDINAL), col(Col.ANNOTATOR),
        col(Col.SUBMISSION_ID), col(Col.STRENGTH), col(Col.WEIGHT), col(METHOD), col(DawidSkene.POSTERIOR)};
    Dataset<Row> itemRows = items.select(lit(0).as("kind"), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.RESPONSE_IDS), none.cast("string").as(Col.UNIT), none.cast("string").as(Units.PART_A),
        none.cast("string").as(Units.PART_B), none.cast("string").as(Col.CATEGORY),
        none.cast("double").as(Col.ORDINAL), none.cast("string").as(Col.ANNOTATOR),
        none.cast("string").as(Col.SUBMISSION_ID), none.cast("int").as(Col.STRENGTH),
        none.cast("double").as(Col.WEIGHT), none.cast("string").as(METHOD),
        none.cast("double").as(DawidSkene.POSTERIOR));
    Dataset<Row> voteRows = votes.select(lit(1).as("kind"), col(Col.ITEM_ID), none.cast("string").as(Col.PROJECT),
        none.cast("string").as(Col.TASK_TYPE), none.cast("array<string>").as(Col.RESPONSE_IDS), col(Col.UNIT),
        col(Units.PART_A), col(Units.PART_B), col(Col.CATEGORY), col(Col.ORDINAL), col(Col.ANNOTATOR),
        col(Col.SUBMISSION_ID), col(Col.STRENGTH).cast("int").as(Col.STRENGTH), col(Col.WEIGHT), col(METHOD),
        none.cast("double").as(DawidSkene.POSTERIOR));
    Dataset<Row> goldRows = goldUnits.select(lit(2).as("kind"), col(Col.ITEM_ID),
        none.cast("string").as(Col.PROJECT), none.cast("string").as(Col.TASK_TYPE),
        none.cast("array<string>").as(Col.RESPONSE_IDS), col(Col.UNIT), col(Units.PART_A), col(Units.PART_B),
        col(Col.CATEGORY), col(Col.ORDINAL), none.cast("string").as(Col.ANNOTATOR),
        none.cast("string").as(Col.SUBMISSION_ID), col(Col.STRENGTH).cast("int").as(Col.STRENGTH),
        none.cast("double").as(Col.WEIGHT), none.cast("string").as(METHOD),
        none.cast("double").as(DawidSkene.POSTERIOR));
    Dataset<Row> posteriorRows = posteriors.join(votes.select(Col.UNIT, Col.ITEM_ID).distinct(), Col.UNIT)
        .select(lit(3).as("kind"), col(Col.ITEM_ID), none.cast("string").as(Col.PROJECT),
            none.cast("string").as(Col.TASK_TYPE), none.cast("array<string>").as(Col.RESPONSE_IDS), col(Col.UNIT),
            none.cast("string").as(Units.PART_A), none.cast("string").as(Units.PART_B), col(Col.CATEGORY),
            none.cast("double").as(Col.ORDINAL), none.cast("string").as(Col.ANNOTATOR),
            none.cast("string").as(Col.SUBMISSION_ID), none.cast("int").as(Col.STRENGTH),
            none.cast("double").as(Col.WEIGHT), none.cast("string").as(METHOD), col(DawidSkene.POSTERIOR));
    Dataset<Row> rows = itemRows.select(stream).unionByName(voteRows.select(stream))
        .unionByName(goldRows.select(stream)).unionByName(posteriorRows.select(stream))
        .repartition(col(Col.ITEM_ID)).sortWithinPartitions(Col.ITEM_ID, "kind");
    JavaRDD<Row> resolved = rows.javaRDD().mapPartitions(part -> resolveItems(part, settings));
    return votes.sparkSession().createDataFrame(resolved, RESOLUTION);
  }

  /** The items of rows sorted by item and kind (the item, its votes, gold units and posteriors), each resolved. */
  private static Iterator<Row> resolveItems(Iterator<Row> rows, ItemResolution.Settings settings) {
    List<Row> out = new ArrayList<>();
    ItemResolution.Item item = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      int kind = r.getInt(0);
      String id = r.getString(1);
      if (kind == 0) {
        if (item != null) {
          out.addAll(ItemResolution.resolve(item, settings));
        }
        item = new ItemResolution.Item();
        item.id = id;
        item.project = r.getString(2);
        item.taskType = r.getString(3);
        item.responseIds = r.isNullAt(4) ? List.of() : r.getList(4);
        continue;
      }
      if (item == null || !item.id.equals(id)) {
        continue;
      }
      switch (kind) {
        case 1 -> item.votes.add(new ItemResolution.Vote(r.getString(5), r.getString(6), r.getString(7),
            r.getString(8), r.isNullAt(9) ? null : r.getDouble(9), r.getString(10), r.getString(11),
            r.isNullAt(12) ? null : r.getInt(12), r.isNullAt(13) ? 0.0 : r.getDouble(13), r.getString(14)));
        case 2 -> item.gold.add(new ItemResolution.Gold(r.getString(5), r.getString(6), r.getString(7),
            r.getString(8), r.isNullAt(9) ? null : r.getDouble(9), r.isNullAt(12) ? null : r.getInt(12)));
        default -> item.posteriors.computeIfAbsent(r.getString(5), u -> new TreeMap<>())
            .put(r.getString(8), r.getDouble(15));
      }
    }
    if (item != null) {
      out.addAll(ItemResolution.resolve(item, settings));
    }
    return out.iterator();
  }

  private static ItemResolution.Settings settings(Projects projects) {
    Map<String, ItemResolution.Rules> named = new TreeMap<>();
    projects.names().forEach(p -> named.put(p, rules(projects.of(p))));
    return new ItemResolution.Settings(rules(projects.defaults()), named);
  }

  private static ItemResolution.Rules rules(ProjectSettings p) {
    return new ItemResolution.Rules(p.consensusThreshold(), p.reviewThreshold(), p.reviewThresholdKey(),
        p.resolutionMethod(),
        "adjacent".equals(p.rankingPairs()), p.ratingMargin(),
        p.ratingDimensions() == null ? null : new TreeMap<>(p.ratingDimensions()));
  }
}
