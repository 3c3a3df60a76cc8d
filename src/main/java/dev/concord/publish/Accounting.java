package dev.concord.publish;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.schema.Status;
import dev.concord.dedup.Contradictions;
import dev.concord.dedup.Dedup;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.ingest.Reconcile;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Where every input line went: the quarantine, the lineage edges and one decision per submission. Every line of the
 * input is either quarantined, a repeat of another line, or a submission with exactly one fate.
 */
public final class Accounting {
  private Accounting() {}

  public static final String USED = "used";
  public static final String MERGED_DUPLICATE = "merged_duplicate";
  public static final String ANNOTATOR_DROPPED = "annotator_dropped";
  public static final String ANNOTATOR_IN_REVIEW = "annotator_in_review";
  public static final String SUPERSEDED = "superseded";
  public static final String SENT_TO_REVIEW = "sent_to_review";
  public static final String NO_RECORD = "no_record";
  public static final String QUARANTINED = "quarantined";
  /** The fate of what an annotation tool's export holds that is no answer: a cancelled annotation, a draft. */
  public static final String NOT_AN_ANSWER = "not_an_answer";

  /** Whether a line stands for something in an export that is no answer ({@code reason} says what). */
  public static Column notAnAnswer() {
    return col(Col.REASON).isin(dev.concord.ingest.ExportPiece.NOT_ANSWERS.toArray());
  }
  public static final String DECONTAMINATED = "decontaminated";
  public static final String HELD_OUT = Dedup.HELD_OUT;
  public static final String AUTHOR = "author";

  /**
   * The good lines the cross-line checks rejected (one submission id with two contents, an item shown two ways):
   * where they are ({@code source_file, block_start, row_id}), their {@code line_hash}, their raw text where it was
   * staged (else null: it is read again from the input), ids, {@code reason} and {@code detail}.
   */
  public static Dataset<Row> rejectedLines(Dataset<Row> lines, Dataset<Row> submissions) {
    Dataset<Row> rejected = submissions.filter(col(Col.STATUS).isin(Reconcile.DUPLICATE_SUBMISSION_ID,
            Reconcile.ITEM_CONTENT_CONFLICT))
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.STATUS).as(Col.REASON),
            col(Col.DETAIL));
    return lines.filter(col(Col.REASON).isNull()).select(col(Col.SOURCE_FILE), col(Col.BLOCK_START),
            col(Col.ROW_ID), col(Col.LINE_HASH), col(Col.RAW), col(Col.RAW_BYTES), col(Col.SUBMISSION_ID),
            col(Col.ITEM_ID), col(Col.ANNOTATOR))
        .join(broadcast(rejected), new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID});
  }

  /**
   * Bad lines, plus the {@link #rejectedLines} with the raw text as received ({@code reread}: the input lines read
   * again where it was not staged); but none of an annotator excluded on request, whose raw text would name them
   * ({@code decisions} still accounts for them).
   */
  public static Dataset<Row> quarantine(Dataset<Row> lines, Dataset<Row> rejected, Dataset<Row> reread,
      Dataset<Row> excluded) {
    return quarantine(lines, rejected, reread).join(excluded, new String[] {Col.ANNOTATOR}, "left_anti");
  }

  /**
   * Bad lines, plus the rejected lines with their raw text. A line read again must be the line read first (its
   * hash), else an input file changed during the run, and the write fails rather than quarantine another text.
   */
  static Dataset<Row> quarantine(Dataset<Row> lines, Dataset<Row> rejected, Dataset<Row> reread) {
    Dataset<Row> bad = lines.filter(col(Col.REASON).isNotNull().and(notAnAnswer().unary_$bang()))
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW).as(Col.RAW_TEXT), col(Col.RAW_BYTES), col(Col.REASON), col(Col.DETAIL),
        col(Col.SUBMISSION_ID), col(Col.ITEM_ID), col(Col.ANNOTATOR));
    Column again = col("again");
    Column sameLine = again.isNotNull().and(xxhash64(again).equalTo(col(Col.LINE_HASH)));
    Column rawText = when(col(Col.RAW).isNotNull(), col(Col.RAW))
        .when(sameLine, again.cast("string"))
        .otherwise(raise_error(concat(lit("the line read again at "), col(Col.SOURCE_FILE), lit(", block at byte "),
            col(Col.BLOCK_START).cast("string"), lit(", line "), col(Col.ROW_ID).plus(1).cast("string"),
            lit(" of the block, is not the line read at ingest: an input file changed during the run"))));
    Dataset<Row> crossLine = rejected.join(reread.withColumnRenamed(Col.RAW, "again"),
            new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID}, "left")
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), rawText.cast("string").as(Col.RAW_TEXT),
            col(Col.RAW_BYTES), col(Col.REASON), col(Col.DETAIL), col(Col.SUBMISSION_ID), col(Col.ITEM_ID),
            col(Col.ANNOTATOR));
    return bad.unionByName(crossLine);
  }

  /** Bad gold lines and gold labels that could not be used (conflicting, or not fitting their item). */
  public static Dataset<Row> goldQuarantine(Dataset<Row> goldLines, Dataset<Row> goldMatched) {
    Dataset<Row> bad = goldLines.filter(col(Col.REASON).isNotNull()).select(col(Col.SOURCE_FILE),
        col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW).as(Col.RAW_TEXT), col(Col.RAW_BYTES), col(Col.REASON),
        col(Col.DETAIL),
        lit(null).cast("string").as(Col.SUBMISSION_ID), col(Col.ITEM_ID), lit(null).cast("string").as(Col.ANNOTATOR));
    Dataset<Row> rejected = goldMatched.filter(col(Col.STATUS).isin("gold_conflict", "gold_mismatch", "bad_gold"))
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.STATUS).as(Col.REASON),
            col(Col.DETAIL));
    Dataset<Row> crossLine = goldLines.filter(col(Col.REASON).isNull())
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW).as(Col.RAW_TEXT),
            col(Col.RAW_BYTES), lit(null).cast("string").as(Col.SUBMISSION_ID), col(Col.ITEM_ID),
            lit(null).cast("string").as(Col.ANNOTATOR))
        .join(broadcast(rejected), new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID});
    return bad.unionByName(crossLine);
  }

  /**
   * Lineage edges: candidate edges moved to the published record each candidate ended in; an edge of a record merged
   * away (an exact or near duplicate, or the losing side of a contradiction) points at the record it went into, with
   * the kind of merge. A contradiction's losing record backed the other direction, so in the winner's record its
   * agreed submissions count as outvoted and its outvoted ones as agreed. Records that ended in none
   * (decontaminated, or in review) have no edges. SFT records have their author as their one edge.
   */
  public static Dataset<Row> lineage(Dataset<Row> edges, Dataset<Row> deduped, Dataset<Row> submissions) {
    Column fate = col(Dedup.FATE);
    Dataset<Row> records = deduped.filter(col(Col.RECORD_ID).isNotNull()).select(col(Resolve.CANDIDATE),
        col(Col.RECORD_ID), col(Col.RECORD_TABLE), fate.isin(Dedup.EXACT, Dedup.NEAR).as(Col.MERGED_DUPLICATE),
        when(fate.notEqual(Dedup.PUBLISHED), fate).as(Col.MERGE_KIND));
    // A repeated line is the same submission again: joined too, it would double every edge of that submission.
    Dataset<Row> who = submissions.filter(col(Col.STATUS).notEqual(Reconcile.REPEATED_LINE))
        .select(col(Col.SUBMISSION_ID), col(Col.ANNOTATOR), col(Col.METADATA));
    Column contradiction = coalesce(col(Col.MERGE_KIND).equalTo(Contradictions.CONTRADICTION), lit(false));
    Column role = when(contradiction.and(col(Col.ROLE).equalTo(Resolve.AGREED)), lit(Resolve.OUTVOTED))
        .when(contradiction.and(col(Col.ROLE).equalTo(Resolve.OUTVOTED)), lit(Resolve.AGREED))
        .otherwise(col(Col.ROLE));
    return edges.join(records, Resolve.CANDIDATE).join(who, Col.SUBMISSION_ID)
        .select(col(Col.RECORD_ID), col(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.SUBMISSION_ID),
            col(Col.ANNOTATOR), role.as(Col.ROLE), col(Col.MERGED_DUPLICATE), col(Col.MERGE_KIND),
            array_sort(org.apache.spark.sql.functions.map_entries(col(Col.METADATA))).as(Col.METADATA));
  }

  /**
   * One decision per submission (and per bad line). The fate of a submission in play is the strongest of: used in a
   * record; merged into a duplicate's record; overridden by gold; outvoted (on its item, or by the evidence pooled
   * over the items of a contradiction); else what its item came to: decontaminated, in review, or no record.
   * {@code deduped} holds the candidate records with their dedup fates; {@code estimatedBy}, over a submission's
   * columns, the estimated model its answer informs (a dropped annotator's answer still informs the estimate of every
   * annotator's reliability), null where none does ({@link #estimatedBy}).
   */
  public static Dataset<Row> decisions(Dataset<Row> lines, Dataset<Row> submissions, Dataset<Row> annotators,
      Dataset<Row> outcomes, Dataset<Row> lineage, Dataset<Row> deduped, Dataset<Row> excluded,
      Column estimatedBy) {
    Column excludedLine = col("excluded_line").isNotNull();
    Dataset<Row> badLines = lines.filter(col(Col.REASON).isNotNull())
        .join(excluded.select(col(Col.ANNOTATOR), col(Col.ANNOTATOR).as("excluded_line")),
            new String[] {Col.ANNOTATOR}, "left")
        .select(col(Col.SUBMISSION_ID),
        col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.ITEM_ID), col(Col.PROJECT),
        col(Col.TASK_TYPE), col(Col.ANNOTATOR),
        when(notAnAnswer(), lit(NOT_AN_ANSWER)).when(excludedLine, lit(Reconcile.EXCLUDED_ON_REQUEST))
            .otherwise(lit(QUARANTINED)).as(Col.FATE),
        when(excludedLine.and(notAnAnswer().unary_$bang()), concat(lit("excluded on request (the line was also bad, "),
            col(Col.REASON), lit(")")))
            .otherwise(concat(col(Col.REASON), lit(": "), col(Col.DETAIL))).as(Col.REASON),
        org.apache.spark.sql.functions.array().cast("array<string>").as(Col.RECORD_IDS));

    Column edgeRank = when(col(Col.ROLE).isin(Resolve.AGREED, AUTHOR).and(col(Col.MERGED_DUPLICATE).unary_$bang()), lit(4))
        .when(col(Col.ROLE).isin(Resolve.AGREED, AUTHOR), lit(3))
        .when(col(Col.ROLE).equalTo(Resolve.OVERRIDDEN_BY_GOLD), lit(2))
        .otherwise(lit(1));
    Dataset<Row> decontaminated = deduped.filter(col(Dedup.FATE).equalTo(Dedup.DECONTAMINATED))
        .groupBy(Col.ITEM_ID).agg(org.apache.spark.sql.functions.min(Col.DETAIL).as("decontaminated"));
    Dataset<Row> heldOut = deduped.filter(col(Dedup.FATE).equalTo(Dedup.HELD_OUT))
        .groupBy(Col.ITEM_ID).agg(org.apache.spark.sql.functions.min(Col.DETAIL).as("held_out"));
    Dataset<Row> reached = lineage.groupBy(Col.SUBMISSION_ID).agg(max(edgeRank).as("best"),
        array_sort(array_distinct(collect_list(Col.RECORD_ID))).as(Col.RECORD_IDS));
    Dataset<Row> dropped = annotators.filter(AnnotatorFilter.used(col(Col.DECISION)).unary_$bang())
        .select(col(Col.ANNOTATOR), col(Col.REASON).as("drop_reason"), col(Col.DECISION).as("annotator_decision"));
    Dataset<Row> items = outcomes.select(col(Col.ITEM_ID), col(Col.STATUS).as("item_status"),
        col(Col.DETAIL).as("item_detail"), col(Col.REASON).as("item_reason"));

    Dataset<Row> inPlay = submissions.filter(col(Col.STATUS).notEqual(Reconcile.REPEATED_LINE))
        .join(reached, new String[] {Col.SUBMISSION_ID}, "left")
        .join(dropped, new String[] {Col.ANNOTATOR}, "left")
        .join(items, new String[] {Col.ITEM_ID}, "left")
        .join(decontaminated, new String[] {Col.ITEM_ID}, "left")
        .join(heldOut, new String[] {Col.ITEM_ID}, "left");
    Column status = col(Col.STATUS);
    Column fate = when(status.equalTo(Reconcile.EXCLUDED_ON_REQUEST), lit(Reconcile.EXCLUDED_ON_REQUEST))
        .when(status.isin(Reconcile.DUPLICATE_SUBMISSION_ID, Reconcile.ITEM_CONTENT_CONFLICT), lit(QUARANTINED))
        .when(status.equalTo(Reconcile.SUPERSEDED), lit(SUPERSEDED))
        .when(col("annotator_decision").equalTo(Status.REVIEW), lit(ANNOTATOR_IN_REVIEW))
        .when(col("drop_reason").isNotNull(), lit(ANNOTATOR_DROPPED))
        .when(col("best").equalTo(4), lit(USED))
        .when(col("best").equalTo(3), lit(MERGED_DUPLICATE))
        .when(col("best").equalTo(2), lit(Resolve.OVERRIDDEN_BY_GOLD))
        .when(col("best").equalTo(1), lit(Resolve.OUTVOTED))
        .when(col("decontaminated").isNotNull(), lit(DECONTAMINATED))
        .when(col("held_out").isNotNull(), lit(HELD_OUT))
        .when(col("item_status").equalTo(Status.REVIEW), lit(SENT_TO_REVIEW))
        .otherwise(lit(NO_RECORD));
    Column reason = when(status.isin(Reconcile.DUPLICATE_SUBMISSION_ID, Reconcile.ITEM_CONTENT_CONFLICT),
            concat(status, lit(": "), col(Col.DETAIL)))
        .when(status.isin(Reconcile.SUPERSEDED, Reconcile.EXCLUDED_ON_REQUEST), col(Col.DETAIL))
        .when(col("drop_reason").isNotNull(), concat(lit("annotator "), col("annotator_decision"), lit(": "),
            col("drop_reason"), when(col("annotator_decision").equalTo(AnnotatorFilter.DROPPED)
                .and(estimatedBy.isNotNull()), concat(lit("; the answer informed only the estimate of the annotators'"
                + " reliability ("), estimatedBy, lit("), never its item's resolution"))).otherwise(lit(""))))
        .when(col("best").equalTo(4), lit("its answer backs the records listed"))
        .when(col("best").equalTo(3), lit("its item's record was an exact or near duplicate of the record listed,"
            + " which carries it (see duplicates/)"))
        .when(col("best").equalTo(2), lit("the gold label differs from its answer"))
        .when(col("best").equalTo(1), lit("the resolution went against its answer: on its item, or pooled over the"
            + " items resolving the same comparison (see duplicates/)"))
        .when(col("decontaminated").isNotNull(), concat(lit("its item's records were removed: "),
            col("decontaminated")))
        .when(col("held_out").isNotNull(), concat(lit("its item's records were held out: "), col("held_out")))
        .when(col("item_status").equalTo(Status.REVIEW), concat(col("item_reason"), lit(": "), col("item_detail")))
        .otherwise(coalesce(col("item_detail"), lit("its item produced no record")));
    Dataset<Row> judged = inPlay.select(col(Col.SUBMISSION_ID), col(Col.SOURCE_FILE), col(Col.BLOCK_START),
        col(Col.ROW_ID), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR), fate.as(Col.FATE),
        reason.as(Col.REASON),
        when(fate.isin(USED, MERGED_DUPLICATE, Resolve.OVERRIDDEN_BY_GOLD, Resolve.OUTVOTED), col(Col.RECORD_IDS))
            .otherwise(org.apache.spark.sql.functions.array().cast("array<string>")).as(Col.RECORD_IDS));
    return badLines.unionByName(judged);
  }

  /**
   * Per published preference record ({@code id}), the {@code justifications} its agreeing annotators wrote, ordered
   * by submission id: from the record's {@code lineage} edges of role agreed (merged duplicates' included) and the
   * lines' ({@code said}: {@code submission_id, justification}, one row per submission). A record none of whose
   * annotators wrote one is not listed.
   */
  public static Dataset<Row> justifications(Dataset<Row> lineage, Dataset<Row> said) {
    return lineage.filter(col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES).and(col(Col.ROLE).equalTo(Resolve.AGREED)))
        .select(Col.RECORD_ID, Col.SUBMISSION_ID).distinct()
        .join(said.filter(col(Col.JUSTIFICATION).isNotNull()
            .and(org.apache.spark.sql.functions.trim(col(Col.JUSTIFICATION)).notEqual(""))), Col.SUBMISSION_ID)
        .groupBy(Col.RECORD_ID)
        .agg(array_sort(collect_list(org.apache.spark.sql.functions.struct(col(Col.SUBMISSION_ID),
            col(Col.JUSTIFICATION)))).as("said"))
        .select(col(Col.RECORD_ID).as(Col.ID),
            org.apache.spark.sql.functions.transform(col("said"), s -> s.getField(Col.JUSTIFICATION))
                .as(Col.JUSTIFICATIONS));
  }

  /**
   * The estimated model an answer informs, given its project's {@code method} ({@link Resolve#estimatedAnswer}); null
   * for a method that votes, and for ratings and SFT answers, which no model estimates from.
   */
  public static Column estimatedBy(Column method) {
    return when(Resolve.estimatedAnswer(method), method);
  }

  /**
   * The answer a reviewer starts from: the first of the votes, ranked by support, when it has more support than the
   * second. Votes are ranked by {@code dev.concord.resolve.ItemResolution}, best first. A ranking's votes are its
   * response pairs, each with its own share, so a ranking has no one answer to suggest.
   */
  static Column suggestion(Column votes) {
    Column first = org.apache.spark.sql.functions.element_at(votes, 1);
    Column second = org.apache.spark.sql.functions.element_at(votes, 2);
    return org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.size(votes).gt(0)
        .and(first.getField(Col.WEIGHT).gt(0))
        .and(second.isNull().or(first.getField(Col.WEIGHT).gt(second.getField(Col.WEIGHT)))),
        first.getField("answer"));
  }

  /**
   * The review table: undecided items with their texts and the submissions a person would weigh; {@code items} needs
   * to hold the undecided items only.
   */
  public static Dataset<Row> review(Dataset<Row> outcomes, Dataset<Row> submissions, Dataset<Row> items) {
    Dataset<Row> undecided = outcomes.filter(col(Col.STATUS).equalTo(Status.REVIEW));
    Dataset<Row> conflicts = submissions.filter(col(Col.STATUS).equalTo(Reconcile.ITEM_CONTENT_CONFLICT))
        .groupBy(Col.ITEM_ID).agg(org.apache.spark.sql.functions.first(Col.PROJECT).as(Col.PROJECT),
            org.apache.spark.sql.functions.first(Col.TASK_TYPE).as(Col.TASK_TYPE))
        .select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
            lit(Reconcile.ITEM_CONTENT_CONFLICT).as(Col.REASON),
            lit("submissions of the item show different prompts or responses; they are quarantined").as(Col.DETAIL),
            org.apache.spark.sql.functions.array().cast("array<struct<answer:string,annotators:int,weight:double>>")
                .as(Col.VOTES));
    Dataset<Row> rows = undecided.select(col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.REASON),
            col(Col.DETAIL), col(Col.VOTES))
        .unionByName(conflicts)
        .withColumn(Col.SUGGESTED_ANSWER, when(col(Col.TASK_TYPE).notEqual(dev.concord.config.TaskType.RANKING.id()),
            suggestion(col(Col.VOTES))))
        .withColumn(Col.SUGGESTED_CONFIDENCE, org.apache.spark.sql.functions.when(
            col(Col.SUGGESTED_ANSWER).isNotNull(), org.apache.spark.sql.functions.round(
                org.apache.spark.sql.functions.element_at(col(Col.VOTES), 1).getField(Col.WEIGHT).divide(
                    org.apache.spark.sql.functions.aggregate(col(Col.VOTES), lit(0.0),
                        (acc, v) -> acc.plus(v.getField(Col.WEIGHT)))), 9)));
    // The items under review are few: only their submissions are gathered.
    Dataset<Row> ids = submissions.filter(col(Col.STATUS).isin(Reconcile.ACTIVE, Reconcile.ITEM_CONTENT_CONFLICT))
        .join(rows.select(Col.ITEM_ID), new String[] {Col.ITEM_ID}, "left_semi")
        .groupBy(Col.ITEM_ID).agg(array_sort(collect_list(Col.SUBMISSION_ID)).as(Col.SUBMISSION_IDS));
    return rows.join(items.select(Col.ITEM_ID, Col.PROMPT, Col.RESPONSES), new String[] {Col.ITEM_ID}, "left")
        .join(ids, new String[] {Col.ITEM_ID}, "left");
  }
}
