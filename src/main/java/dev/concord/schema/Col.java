package dev.concord.schema;

/**
 * Column names, in one place: every field of every {@code schemas/*.avsc} is one of these constants (a test holds
 * them to the schemas), plus the few internal columns the stages pass between them.
 */
public final class Col {
  private Col() {}

  // Fields of the input contract and of the published tables.
  public static final String SUBMISSION_ID = "submission_id";
  public static final String ITEM_ID = "item_id";
  public static final String PROJECT = "project";
  public static final String TASK_TYPE = "task_type";
  public static final String ANNOTATOR_ID = "annotator_id";
  public static final String ANNOTATOR = "annotator";
  public static final String SUBMITTED_AT = "submitted_at";
  public static final String PROMPT = "prompt";
  public static final String RESPONSES = "responses";
  public static final String RESPONSE_ID = "response_id";
  public static final String TEXT = "text";
  public static final String MODEL = "model";
  public static final String ANSWER = "answer";
  public static final String PREFERRED = "preferred";
  public static final String STRENGTH = "strength";
  public static final String RANKING = "ranking";
  public static final String RATINGS = "ratings";
  public static final String LABEL = "label";
  public static final String COMPLETION = "completion";
  public static final String JUSTIFICATION = "justification";
  public static final String JUSTIFICATIONS = "justifications";
  public static final String GUIDELINE_VERSION = "guideline_version";
  public static final String TIME_SPENT_S = "time_spent_s";
  public static final String METADATA = "metadata";
  public static final String SOURCE = "source";
  public static final String CREATED_AT = "created_at";
  public static final String ROLE = "role";
  public static final String CONTENT = "content";
  public static final String SOURCE_FILE = "source_file";
  public static final String LINE_NUMBER = "line_number";

  public static final String ID = "id";
  public static final String CHOSEN = "chosen";
  public static final String REJECTED = "rejected";
  public static final String MARGIN = "margin";
  public static final String SPLIT = "split";
  public static final String CHOSEN_RESPONSE_ID = "chosen_response_id";
  public static final String REJECTED_RESPONSE_ID = "rejected_response_id";
  public static final String CHOSEN_MODEL = "chosen_model";
  public static final String REJECTED_MODEL = "rejected_model";
  public static final String RESOLUTION = "resolution";
  public static final String AGREEMENT = "agreement";
  public static final String ANNOTATOR_COUNT = "annotator_count";
  public static final String AGREED_COUNT = "agreed_count";
  public static final String ANNOTATORS = "annotators";
  public static final String MERGED_COUNT = "merged_count";
  public static final String RESPONSE = "response";

  public static final String DECISION = "decision";
  public static final String REASON = "reason";
  public static final String SUBMISSIONS = "submissions";
  public static final String SCOPES = "scopes";
  public static final String PEER_KAPPA = "peer_kappa";
  public static final String PEER_UNITS = "peer_units";
  public static final String GOLD_KAPPA = "gold_kappa";
  public static final String GOLD_ACCURACY = "gold_accuracy";
  public static final String GOLD_UNITS = "gold_units";
  public static final String MEASURE = "measure";
  public static final String VALUE = "value";
  public static final String THRESHOLD = "threshold";
  public static final String CI_LOW = "ci_low";
  public static final String CI_HIGH = "ci_high";
  public static final String WEIGHT = "weight";

  public static final String DETAIL = "detail";
  public static final String VOTES = "votes";
  public static final String SUGGESTED_ANSWER = "suggested_answer";
  public static final String SUGGESTED_CONFIDENCE = "suggested_confidence";
  public static final String SUBMISSION_IDS = "submission_ids";
  public static final String RAW_TEXT = "raw_text";
  /** A quarantined line's bytes as received, set only when they are not valid UTF-8 (raw_text cannot hold them). */
  public static final String RAW_BYTES = "raw_bytes";

  public static final String RECORD_ID = "record_id";
  public static final String RECORD_TABLE = "record_table";
  public static final String MERGED_DUPLICATE = "merged_duplicate";
  public static final String FATE = "fate";
  public static final String RECORD_IDS = "record_ids";
  public static final String KEPT_ID = "kept_id";
  public static final String REMOVED_ITEM_ID = "removed_item_id";
  public static final String REMOVED_KEY = "removed_key";
  public static final String REMOVED_ID = "removed_id";
  public static final String MERGE_KIND = "merge_kind";
  public static final String KIND = "kind";
  public static final String SIMILARITY = "similarity";

  // Internal columns passed between stages (staging only, never published).
  /** The raw input line: staged only for a line that is bad already when parsed, or that cannot be read again. */
  public static final String RAW = "raw";
  /** xxHash64 of a line's raw bytes, staged for every line, to check a line read again is the line read first. */
  public static final String LINE_HASH = "line_hash";
  /** Whether a line's raw text must be staged even if good: it was made up from another format (a CSV row). */
  public static final String KEEP_RAW = "keep_raw";
  /** Whether a piece of an annotation tool's export is a gold label (a Label Studio ground-truth annotation). */
  public static final String IS_GOLD = "is_gold";
  /** Start offset of the file block a line was read from; with {@link #ROW_ID} it yields the line number. */
  public static final String BLOCK_START = "block_start";
  /** A line's index within its block (Spark's monotonically increasing id for a CSV row). */
  public static final String ROW_ID = "row_id";
  /** changes: added, removed or changed; and what moved. */
  public static final String CHANGE = "change";
  public static final String FIELDS = "fields";
  /** Internal: a line's batch in the submission store, by commit order (the running night's is the highest). */
  public static final String BATCH = "batch";
  public static final String RESPONSE_IDS = "response_ids";
  public static final String CONTENT_HASH = "content_hash";
  public static final String ITEM_HASH = "item_hash";
  public static final String SUPERSEDED_BY = "superseded_by";
  public static final String UNIT = "unit";
  public static final String CATEGORY = "category";
  public static final String ORDINAL = "ordinal";
  public static final String OTHER_CATEGORY = "other_category";
  public static final String OTHER_ORDINAL = "other_ordinal";
  public static final String COUNT = "count";
  public static final String STATUS = "status";
  public static final String OUTCOME = "outcome";
  public static final String KEY = "key";
  public static final String PROMPT_KEY = "prompt_key";
  /** annotators: time on task per project and task type. */
  public static final String TIME_ON_TASK = "time_on_task";
  public static final String TIMED_SUBMISSIONS = "timed_submissions";
  public static final String MEDIAN_S = "median_s";
  public static final String FAST_FLOOR_S = "fast_floor_s";
  public static final String FAST_SHARE = "fast_share";
  /** annotators: the answers against the resolved answers, cell by cell (with {@link #ANSWER} and {@link #COUNT}). */
  public static final String CONFUSION = "confusion";
  public static final String RESOLVED = "resolved";
  /** annotators: Dawid-Skene's estimated confusion matrix, P(answer | truth) cell by cell. */
  public static final String DAWID_SKENE = "dawid_skene";
  public static final String TRUTH = "truth";
  public static final String PROBABILITY = "probability";
}
