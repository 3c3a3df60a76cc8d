package dev.concord.ingest;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The checks that need more than one line: one submission id with different contents, one item shown with different
 * prompts or responses, and one annotator answering an item twice. Gives every good line a {@code status}.
 */
public final class Reconcile {
  private Reconcile() {}

  /** The submission answers; it is the one line kept of a submission id (the others are repeats). */
  public static final String ACTIVE = "active";
  /** An earlier answer of the same annotator on the same item. */
  public static final String SUPERSEDED = "superseded";
  /** An exact repeat of a line seen earlier: one submission, counted once. */
  public static final String REPEATED_LINE = "repeated_line";
  public static final String DUPLICATE_SUBMISSION_ID = "duplicate_submission_id";
  public static final String ITEM_CONTENT_CONFLICT = "item_content_conflict";
  /** A submission of an annotator listed with {@code --exclude-annotators}: left out of everything downstream. */
  public static final String EXCLUDED_ON_REQUEST = "excluded_on_request";

  /**
   * Good lines of {@link Ingest#parse} with a {@code status}, a {@code detail} for rejected and superseded ones, and
   * {@code superseded_by}. Input order never decides: the first copy is the first by night ({@code batch}, when the
   * lines come from the submission store), file and position, the later answer the later {@code submitted_at}, then
   * the larger submission id; an id sent again in a later night with other content is an edit of it.
   */
  public static Dataset<Row> apply(Dataset<Row> goodLines) {
    WindowSpec byId = Window.partitionBy(Col.SUBMISSION_ID);
    Dataset<Row> batched = java.util.Arrays.asList(goodLines.columns()).contains(Col.BATCH) ? goodLines
        : goodLines.withColumn(Col.BATCH, lit(1));
    // Across nights, a submission id sent again with other content is an edit: the newest night's content stands
    // and the older versions are superseded. Within one night, two contents of one id are a conflict (below).
    Column latest = max(Col.BATCH).over(byId);
    Column latestContents = collect_set(when(col(Col.BATCH).equalTo(latest), col(Col.CONTENT_HASH))).over(byId);
    Dataset<Row> marked = batched.withColumn("edited", col(Col.BATCH).lt(latest)
        .and(array_contains(latestContents, col(Col.CONTENT_HASH)).unary_$bang()));
    Dataset<Row> edited = marked.filter(col("edited"))
        .withColumn(Col.STATUS, lit(SUPERSEDED))
        .withColumn(Col.DETAIL, lit("edited: a later night's input holds this submission id with other content,"
            + " which supersedes this version"))
        .withColumn(Col.SUPERSEDED_BY, col(Col.SUBMISSION_ID));
    return current(marked.filter(col("edited").unary_$bang())).unionByName(edited.select(OUTPUT));
  }

  /** The columns {@link #apply} returns. */
  private static final Column[] OUTPUT = {
      col(Col.SUBMISSION_ID), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR),
      col(Col.SUBMITTED_AT), col(Col.RESPONSE_IDS), col(Col.ANSWER), col(Col.GUIDELINE_VERSION),
      col(Col.TIME_SPENT_S), col(Col.METADATA), col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID),
      col(Col.ITEM_HASH), col(Col.CONTENT_HASH), col(Col.STATUS), col(Col.DETAIL), col(Col.SUPERSEDED_BY)};

  /** The checks among the current versions of each submission id. */
  private static Dataset<Row> current(Dataset<Row> goodLines) {
    WindowSpec byId = Window.partitionBy(Col.SUBMISSION_ID);
    WindowSpec byIdInOrder = byId.orderBy(col(Col.BATCH), col(Col.SOURCE_FILE), col(Col.BLOCK_START),
        col(Col.ROW_ID));
    Dataset<Row> ids = goodLines
        .withColumn("versions", size(collect_set(Col.CONTENT_HASH).over(byId)))
        .withColumn("copy", row_number().over(byIdInOrder))
        .withColumn("copies", org.apache.spark.sql.functions.count(lit(1)).over(byId));

    Column idConflict = col("versions").gt(1);
    Column repeat = col("versions").equalTo(1).and(col("copy").gt(1));

    WindowSpec byItem = Window.partitionBy(Col.ITEM_ID);
    Column itemVersions = size(collect_set(when(idConflict.or(repeat).unary_$bang(), col(Col.ITEM_HASH))).over(byItem));
    WindowSpec byAnswerer = Window.partitionBy(Col.ITEM_ID, Col.ANNOTATOR)
        .orderBy(col(Col.SUBMITTED_AT).desc(), col(Col.SUBMISSION_ID).desc());
    Dataset<Row> items = ids.withColumn("item_versions", itemVersions);
    Column itemConflict = col("item_versions").gt(1).and(idConflict.unary_$bang()).and(repeat.unary_$bang());
    Column candidate = idConflict.or(repeat).or(itemConflict).unary_$bang();

    // Supersession is judged among the lines that survive the checks above: a partition of the same rows.
    Dataset<Row> ranked = items
        .withColumn("candidate", candidate)
        .withColumn("answer_rank", when(col("candidate"), row_number().over(
            Window.partitionBy(col(Col.ITEM_ID), col(Col.ANNOTATOR), col("candidate"))
                .orderBy(col(Col.SUBMITTED_AT).desc(), col(Col.SUBMISSION_ID).desc()))))
        .withColumn(Col.SUPERSEDED_BY, when(col("candidate"), first(Col.SUBMISSION_ID).over(
            Window.partitionBy(col(Col.ITEM_ID), col(Col.ANNOTATOR), col("candidate"))
                .orderBy(col(Col.SUBMITTED_AT).desc(), col(Col.SUBMISSION_ID).desc()))));

    Column status = when(idConflict, lit(DUPLICATE_SUBMISSION_ID))
        .when(repeat, lit(REPEATED_LINE))
        .when(col("item_versions").gt(1), lit(ITEM_CONTENT_CONFLICT))
        .when(col("answer_rank").gt(1), lit(SUPERSEDED))
        .otherwise(lit(ACTIVE));
    Column detail = when(idConflict, org.apache.spark.sql.functions.concat(lit("submission_id '"), col(Col.SUBMISSION_ID),
            lit("' appears on "), col("copies").cast("string"), lit(" lines with "), col("versions").cast("string"),
            lit(" different contents; every version is quarantined (see the other rows with this submission_id)")))
        .when(repeat, lit("an exact repeat of an earlier line of the same submission"))
        .when(col("item_versions").gt(1), org.apache.spark.sql.functions.concat(lit("item '"), col(Col.ITEM_ID),
            lit("' was shown with "), col("item_versions").cast("string"),
            lit(" different prompts, responses, projects or task types; the item goes to review")))
        .when(col("answer_rank").gt(1), org.apache.spark.sql.functions.concat(
            lit("the annotator answered this item again later in submission '"), col(Col.SUPERSEDED_BY), lit("'")));

    return ranked.select(
        col(Col.SUBMISSION_ID), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.ANNOTATOR),
        col(Col.SUBMITTED_AT), col(Col.RESPONSE_IDS), col(Col.ANSWER), col(Col.GUIDELINE_VERSION),
        col(Col.TIME_SPENT_S), col(Col.METADATA), col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID),
        col(Col.ITEM_HASH), col(Col.CONTENT_HASH), status.as(Col.STATUS), detail.as(Col.DETAIL),
        when(status.equalTo(SUPERSEDED), col(Col.SUPERSEDED_BY)).as(Col.SUPERSEDED_BY));
  }

  /**
   * Marks every submission of the {@code excluded} annotators (pseudonyms) as {@code excluded_on_request}, whatever
   * its status but a repeated line's (the repeat of one submission), so that no later stage sees it.
   */
  public static Dataset<Row> exclude(Dataset<Row> submissions, java.util.List<String> excluded) {
    if (excluded.isEmpty()) {
      return submissions;
    }
    Column listed = col(Col.ANNOTATOR).isin(excluded.toArray()).and(col(Col.STATUS).notEqual(REPEATED_LINE));
    return submissions
        .withColumn(Col.DETAIL, when(listed, lit("excluded on request: the annotator is listed in "
            + "--exclude-annotators")).otherwise(col(Col.DETAIL)))
        .withColumn(Col.STATUS, when(listed, lit(EXCLUDED_ON_REQUEST)).otherwise(col(Col.STATUS)));
  }
}
