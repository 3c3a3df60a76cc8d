package dev.concord.dataset;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import dev.concord.dedup.Contradictions;
import dev.concord.dedup.Dedup;
import dev.concord.dedup.MinHash;
import dev.concord.dedup.NearDuplicates;
import dev.concord.dedup.Normalize;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Candidate records, and the only place texts rejoin them from the items. Each candidate gets a {@code key}, the
 * SHA-256 of its normalised content, and a {@code prompt_key} for the split; the texts themselves are joined again
 * only where they are compared or written.
 */
public final class Records {
  private Records() {}

  public static final String SFT = "sft";

  /** Internal: an item's prompt as compared for duplicates, its messages normalised and joined. */
  public static final String PROMPT_TEXT = "prompt_text";

  /**
   * The texts of the items in {@code lines} (good parsed lines) that {@code known} (the texts kept so far; null for
   * none) lacks: one row per item and content ({@code item_id, item_hash}: lines of one item with the same hash show
   * the same prompt and responses), taken from its first line, with {@code source_file}, {@code prompt},
   * {@code responses}, and the prompt normalised ({@code prompt_text}) and keyed ({@code prompt_key}). Each text is
   * normalised and hashed once, the night it first arrives.
   */
  public static Dataset<Row> itemTexts(Dataset<Row> lines, Dataset<Row> known, boolean ignoreCase) {
    String[] content = {Col.ITEM_ID, Col.ITEM_HASH};
    Dataset<Row> firsts = lines.groupBy(Col.ITEM_ID, Col.ITEM_HASH)
        .agg(min(struct(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID))).as("at"))
        .select(col(Col.ITEM_ID), col(Col.ITEM_HASH), col("at.*"));
    if (known != null) {
      firsts = firsts.join(known.select(Col.ITEM_ID, Col.ITEM_HASH), content, "left_anti");
    }
    // Up to BROADCAST_ITEMS first lines, their places are broadcast and the lines' texts filtered where they are
    // read, not shuffled.
    firsts = firsts.localCheckpoint();
    return lines.join(firsts.count() <= BROADCAST_ITEMS ? broadcast(firsts) : firsts,
            new String[] {Col.ITEM_ID, Col.ITEM_HASH, Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID})
        .select(col(Col.ITEM_ID), col(Col.ITEM_HASH), col(Col.SOURCE_FILE), col(Col.PROMPT), col(Col.RESPONSES),
            promptText(col(Col.PROMPT), ignoreCase).as(PROMPT_TEXT))
        .withColumn(Col.PROMPT_KEY, sha2(col(PROMPT_TEXT), 256));
  }

  /** The most items whose keys or places are broadcast to find their texts (about 100 bytes each in memory). */
  public static final long BROADCAST_ITEMS = 500_000;

  /**
   * The items in play, narrow: {@code item_id, item_hash, prompt_key} of each item's {@code representatives} (one
   * content per item), keyed from the kept {@code texts} ({@link #itemTexts}).
   */
  public static Dataset<Row> items(Dataset<Row> representatives, Dataset<Row> texts) {
    String[] content = {Col.ITEM_ID, Col.ITEM_HASH};
    return representatives.select(content[0], content[1])
        .join(texts.select(Col.ITEM_ID, Col.ITEM_HASH, Col.PROMPT_KEY), content);
  }

  /**
   * The narrow {@link #items} with their texts from {@code texts}: {@code item_id, prompt, responses, prompt_text,
   * prompt_key}, the shape every function here that needs texts takes.
   */
  public static Dataset<Row> withTexts(Dataset<Row> items, Dataset<Row> texts) {
    return items.join(texts.select(Col.ITEM_ID, Col.ITEM_HASH, Col.PROMPT, Col.RESPONSES, PROMPT_TEXT),
        new String[] {Col.ITEM_ID, Col.ITEM_HASH});
  }

  /** A prompt's messages as one normalised text: each "role: content", separated by a record separator. */
  public static Column promptText(Column messages, boolean ignoreCase) {
    return array_join(transform(messages, m -> concat_ws(": ", m.getField(Col.ROLE),
        Normalize.text(m.getField(Col.CONTENT), ignoreCase))), "\u001e");
  }

  /**
   * Preference and label candidates keyed by their texts, but without them: each gets its content {@code key}, for
   * the duplicate search its {@code block} (only records of one block are compared), and for preferences the {@code
   * comparison_key} a pair shares with its mirror and its {@code direction}. The texts stay in the items, joined
   * again only for the few records the near-duplicate search compares ({@link #docTexts}) and for the published
   * records ({@link #judgedTexts}). {@link #candidateKeys} and {@link #judged(Dataset, Dataset)} in one.
   */
  public static Dataset<Row> judged(Dataset<Row> candidates, Dataset<Row> items, boolean ignoreCase) {
    Dataset<Row> withContent = candidates.withColumn(Col.ITEM_HASH, lit(0L));
    return judged(withContent, candidateKeys(withContent, items, ignoreCase));
  }

  /**
   * The keys of candidate records ({@code candidate, record_table, item_id, item_hash} and the responses and label
   * they name) from their items' texts ({@code items}, as {@link #withTexts} gives them): {@code candidate,
   * item_hash, key, prompt_key, comparison_key, direction, block}. A candidate names its item and what it says, and
   * the item's content is its hash, so the keys are worked out once and kept.
   */
  public static Dataset<Row> candidateKeys(Dataset<Row> candidates, Dataset<Row> items, boolean ignoreCase) {
    Column isPreference = col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES);
    Column key = when(isPreference, sha2(concat_ws("\u001f", lit("p"), col(Col.PROMPT_KEY), col(CHOSEN_TEXT),
            col(REJECTED_TEXT)), 256))
        .otherwise(sha2(concat_ws("\u001f", lit("l"), col(Col.PROMPT_KEY),
            when(col(LABELED).isNull(), lit("\u0000")).otherwise(col(LABELED_TEXT)), col(Col.LABEL)), 256));
    // The narrow side is the hash table: the items' texts stream past once, never sorted.
    return normalisedParts(candidates.select(Resolve.CANDIDATE, Col.RECORD_TABLE, Col.ITEM_ID, Col.ITEM_HASH,
            Col.CHOSEN_RESPONSE_ID, Col.REJECTED_RESPONSE_ID, Col.RESPONSE_ID, Col.LABEL).hint(Dedup.SHUFFLE_HASH)
            .join(items.drop(Col.ITEM_HASH), Col.ITEM_ID), ignoreCase).select(
        col(Resolve.CANDIDATE), col(Col.ITEM_HASH), key.as(Col.KEY), col(Col.PROMPT_KEY),
        when(isPreference, sha2(concat_ws("\u001f", lit("c"), col(Col.PROMPT_KEY), sortedPair("\u001f")), 256))
            .as(Contradictions.COMPARISON_KEY),
        when(isPreference, when(col(CHOSEN_TEXT).leq(col(REJECTED_TEXT)), lit(Contradictions.FORWARD))
            .otherwise(lit(Contradictions.BACKWARD))).as(Contradictions.DIRECTION),
        when(isPreference, col(Col.RECORD_TABLE)).otherwise(concat_ws("\u001f", col(Col.RECORD_TABLE), col(Col.LABEL)))
            .as(NearDuplicates.BLOCK));
  }

  /** Candidates ({@code item_hash} included) with their {@link #candidateKeys}, as {@link #judged} returns them. */
  public static Dataset<Row> judged(Dataset<Row> candidates, Dataset<Row> keys) {
    return candidates.join(keys.select(Resolve.CANDIDATE, Col.ITEM_HASH, Col.KEY, Col.PROMPT_KEY,
            Contradictions.COMPARISON_KEY, Contradictions.DIRECTION, NearDuplicates.BLOCK),
        new String[] {Resolve.CANDIDATE, Col.ITEM_HASH}).select(
        col(Resolve.CANDIDATE), col(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID), col(Col.LABEL), col(Col.RESPONSE_ID),
        lit(null).cast("string").as(Col.SUBMISSION_ID), col(Col.RESOLUTION), col(Col.AGREEMENT),
        col(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT), col(Col.ANNOTATORS), col(Col.MARGIN),
        col(Col.KEY), col(Col.PROMPT_KEY), col(Contradictions.COMPARISON_KEY), col(Contradictions.DIRECTION),
        col(NearDuplicates.BLOCK));
  }

  /** SFT candidates: one per kept sft submission, keyed by its normalised prompt and completion, without them. */
  public static Dataset<Row> sft(Dataset<Row> keptSft, Dataset<Row> items, boolean ignoreCase) {
    Dataset<Row> withContent = List.of(keptSft.columns()).contains(Col.CONTENT_HASH) ? keptSft
        : keptSft.withColumn(Col.CONTENT_HASH, lit(0L));
    return sft(withContent, sftKeys(withContent, items, ignoreCase));
  }

  /**
   * The keys of SFT candidates ({@link #candidateKeys}' shape) from their submissions ({@code submission_id,
   * item_id, content_hash} and the answer's completion) and their items' {@code prompt_key}: a submission's content
   * hash stands for the content the key is made of, in {@code item_hash}.
   */
  public static Dataset<Row> sftKeys(Dataset<Row> sftSubmissions, Dataset<Row> items, boolean ignoreCase) {
    Column completionText = Normalize.text(col(Col.ANSWER).getField(Col.COMPLETION), ignoreCase);
    return sftSubmissions.hint(Dedup.SHUFFLE_HASH).join(items.select(Col.ITEM_ID, Col.PROMPT_KEY), Col.ITEM_ID)
        .select(sftCandidate().as(Resolve.CANDIDATE), col(Col.CONTENT_HASH).as(Col.ITEM_HASH),
            sha2(concat_ws("\u001f", lit(SFT), col(Col.PROMPT_KEY), completionText), 256).as(Col.KEY),
            col(Col.PROMPT_KEY), lit(null).cast("string").as(Contradictions.COMPARISON_KEY),
            lit(null).cast("string").as(Contradictions.DIRECTION), lit(SFT).as(NearDuplicates.BLOCK));
  }

  /** An SFT candidate's name: its table and submission. */
  public static Column sftCandidate() {
    return concat_ws("\u001f", lit(SFT), col(Col.SUBMISSION_ID));
  }

  /** SFT candidates of the kept submissions ({@code content_hash} included) with their {@link #sftKeys}. */
  public static Dataset<Row> sft(Dataset<Row> keptSft, Dataset<Row> keys) {
    return keptSft.withColumn(Resolve.CANDIDATE, sftCandidate()).withColumn(Col.ITEM_HASH, col(Col.CONTENT_HASH))
        .join(keys.select(Resolve.CANDIDATE, Col.ITEM_HASH, Col.KEY, Col.PROMPT_KEY),
            new String[] {Resolve.CANDIDATE, Col.ITEM_HASH}).select(
        col(Resolve.CANDIDATE), lit(SFT).as(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.SUBMISSION_ID), col(Col.ANNOTATOR), col(Col.GUIDELINE_VERSION), col(Col.KEY),
        col(Col.PROMPT_KEY), lit(1.0).as(Col.AGREEMENT), lit(1).as(Col.ANNOTATOR_COUNT),
        lit(1).as(Col.AGREED_COUNT), lit(null).cast("string").as(Col.RESOLUTION),
        lit(null).cast("string").as(Contradictions.COMPARISON_KEY),
        lit(null).cast("string").as(Contradictions.DIRECTION),
        lit(null).cast("string").as(Col.CHOSEN_RESPONSE_ID), lit(null).cast("string").as(Col.REJECTED_RESPONSE_ID),
        lit(null).cast("string").as(Col.RESPONSE_ID), lit(SFT).as(NearDuplicates.BLOCK));
  }

  /**
   * The candidates of {@code candidates} ({@code candidate, item_hash}) whose keys {@code known} (the keys kept so
   * far; null for none) lacks: the only ones joined to their texts.
   */
  public static Dataset<Row> unkeyed(Dataset<Row> candidates, Dataset<Row> known) {
    return known == null ? candidates : candidates.join(known.select(Resolve.CANDIDATE, Col.ITEM_HASH),
        new String[] {Resolve.CANDIDATE, Col.ITEM_HASH}, "left_anti");
  }

  /** Column of {@link #completions}: an SFT answer's completion, as written. */
  public static final String COMPLETION_TEXT = "completion_text";
  /** The shape of {@link #completions}. */
  public static final StructType COMPLETIONS = new StructType().add(Col.SUBMISSION_ID, DataTypes.StringType)
      .add(COMPLETION_TEXT, DataTypes.StringType);

  /** The SFT answers' completions, by submission: where SFT records find their texts. */
  public static Dataset<Row> completions(Dataset<Row> sftSubmissions) {
    return sftSubmissions.select(col(Col.SUBMISSION_ID), col(Col.ANSWER).getField(Col.COMPLETION).as(COMPLETION_TEXT));
  }

  /**
   * Adds {@code doc_text} to records of {@link #judged} or {@link #sft}, the text the near-duplicate search compares:
   * the normalised prompt, then the responses in text order (so that a pair and its mirror read alike), the labeled
   * response or the completion, each part apart ({@link MinHash#PART}).
   */
  public static Dataset<Row> docTexts(Dataset<Row> records, Dataset<Row> items, Dataset<Row> completions,
      boolean ignoreCase) {
    Column isPreference = col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES);
    Column docText = when(isPreference, concat_ws(MinHash.PART, col(PROMPT_TEXT),
            sortedPair(MinHash.PART)))
        .when(col(Col.RECORD_TABLE).equalTo(SFT), concat_ws(MinHash.PART, col(PROMPT_TEXT),
            Normalize.text(col(COMPLETION_TEXT), ignoreCase)))
        .otherwise(concat_ws(MinHash.PART, col(PROMPT_TEXT), col(LABELED_TEXT)));
    Dataset<Row> withCompletions = records.hint(Dedup.SHUFFLE_HASH)
        .join(completions, new String[] {Col.SUBMISSION_ID}, "left");
    return normalisedParts(withCompletions.hint(Dedup.SHUFFLE_HASH)
            .join(items.select(Col.ITEM_ID, Col.RESPONSES, PROMPT_TEXT), Col.ITEM_ID), ignoreCase)
        .withColumn(NearDuplicates.TEXT, docText)
        .drop(Col.RESPONSES, PROMPT_TEXT, COMPLETION_TEXT, CHOSEN, REJECTED, LABELED, CHOSEN_TEXT, REJECTED_TEXT,
            LABELED_TEXT);
  }

  /**
   * Adds the published texts to preference and label records: {@code prompt}, {@code chosen} and {@code rejected}
   * (as assistant messages) with their models, and the labeled {@code response}.
   */
  public static Dataset<Row> judgedTexts(Dataset<Row> records, Dataset<Row> items) {
    return parts(records.hint(Dedup.SHUFFLE_HASH).join(items.select(Col.ITEM_ID, Col.PROMPT, Col.RESPONSES),
            Col.ITEM_ID))
        .withColumn(Col.CHOSEN, assistant(col(CHOSEN).getField(Col.TEXT)))
        .withColumn(Col.REJECTED, assistant(col(REJECTED).getField(Col.TEXT)))
        .withColumn(Col.CHOSEN_MODEL, col(CHOSEN).getField(Col.MODEL))
        .withColumn(Col.REJECTED_MODEL, col(REJECTED).getField(Col.MODEL))
        .withColumn(Col.RESPONSE, col(LABELED).getField(Col.TEXT))
        .drop(Col.RESPONSES, CHOSEN, REJECTED, LABELED);
  }

  /** Adds the published texts to SFT records: {@code prompt}, and the {@code completion} as an assistant message. */
  public static Dataset<Row> sftTexts(Dataset<Row> records, Dataset<Row> items, Dataset<Row> completions) {
    return records.hint(Dedup.SHUFFLE_HASH).join(completions, Col.SUBMISSION_ID)
        .hint(Dedup.SHUFFLE_HASH).join(items.select(Col.ITEM_ID, Col.PROMPT), Col.ITEM_ID)
        .withColumn(Col.COMPLETION, assistant(col(COMPLETION_TEXT)));
  }

  /** Internal columns: a record's responses as its item holds them, and their normalised texts. */
  private static final String CHOSEN = "chosen_part";
  private static final String REJECTED = "rejected_part";
  private static final String LABELED = "labeled_part";
  private static final String CHOSEN_TEXT = "chosen_text";
  private static final String REJECTED_TEXT = "rejected_text";
  private static final String LABELED_TEXT = "labeled_text";

  /** The chosen, rejected and labeled responses of records joined to their items' {@code responses}. */
  private static Dataset<Row> parts(Dataset<Row> joined) {
    return joined.withColumn(CHOSEN, response(col(Col.CHOSEN_RESPONSE_ID)))
        .withColumn(REJECTED, response(col(Col.REJECTED_RESPONSE_ID)))
        .withColumn(LABELED, response(col(Col.RESPONSE_ID)));
  }

  /** {@link #parts} with their texts normalised; a label of no response has the empty text. */
  private static Dataset<Row> normalisedParts(Dataset<Row> joined, boolean ignoreCase) {
    return parts(joined)
        .withColumn(CHOSEN_TEXT, Normalize.text(col(CHOSEN).getField(Col.TEXT), ignoreCase))
        .withColumn(REJECTED_TEXT, Normalize.text(col(REJECTED).getField(Col.TEXT), ignoreCase))
        .withColumn(LABELED_TEXT, coalesce(Normalize.text(col(LABELED).getField(Col.TEXT), ignoreCase), lit("")));
  }

  /** A pair's two normalised texts in text order, so that a pair and its mirror read alike. */
  private static Column sortedPair(String separator) {
    return array_join(array_sort(array(col(CHOSEN_TEXT), col(REJECTED_TEXT))), separator);
  }

  private static Column response(Column responseId) {
    return element_at(filter(col(Col.RESPONSES), r -> r.getField(Col.RESPONSE_ID).equalTo(responseId)), 1);
  }

  private static Column assistant(Column text) {
    return when(text.isNull(), lit(null))
        .otherwise(array(struct(lit("assistant").as(Col.ROLE), text.as(Col.CONTENT))));
  }
}
