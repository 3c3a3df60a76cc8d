package dev.concord.dataset;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
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
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Candidate records with their texts: the only place texts rejoin the resolved items. Each gets a {@code key}, the
 * SHA-256 of its normalised content, and a {@code prompt_key} for the split.
 */
public final class Records {
  private Records() {}

  public static final String SFT = "sft";

  /** Internal: an item's prompt as compared for duplicates, its messages normalised and joined. */
  public static final String PROMPT_TEXT = "prompt_text";

  /**
   * The item texts: one row per item with {@code prompt} (messages), {@code responses}, {@code prompt_text} and
   * {@code prompt_key}. {@code lines} holds the parsed texts, {@code representatives} one location per item.
   */
  public static Dataset<Row> items(Dataset<Row> lines, Dataset<Row> representatives, boolean ignoreCase) {
    return lines.join(representatives, new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID})
        .select(col(Col.ITEM_ID), col(Col.PROMPT), col(Col.RESPONSES),
            promptText(col(Col.PROMPT), ignoreCase).as(PROMPT_TEXT))
        .withColumn(Col.PROMPT_KEY, sha2(col(PROMPT_TEXT), 256));
  }

  /** A prompt's messages as one normalised text: each "role: content", separated by a record separator. */
  public static Column promptText(Column messages, boolean ignoreCase) {
    return array_join(transform(messages, m -> concat_ws(": ", m.getField(Col.ROLE),
        Normalize.text(m.getField(Col.CONTENT), ignoreCase))), "\u001e");
  }

  /**
   * Preference and label candidates joined to their texts, each with its content {@code key}, and for the duplicate
   * search its {@code block} (only records of one block are compared), its {@code doc_text} (the prompt and the
   * responses, the responses in text order so that a pair and its mirror read alike), and for preferences the
   * {@code comparison_key} a pair shares with its mirror and its {@code direction}.
   */
  public static Dataset<Row> judged(Dataset<Row> candidates, Dataset<Row> items, boolean ignoreCase) {
    Column responses = col(Col.RESPONSES);
    Column chosen = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.CHOSEN_RESPONSE_ID))), 1);
    Column rejected = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.REJECTED_RESPONSE_ID))), 1);
    Column labeled = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.RESPONSE_ID))), 1);
    Column isPreference = col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES);
    Column chosenText = Normalize.text(chosen.getField(Col.TEXT), ignoreCase);
    Column rejectedText = Normalize.text(rejected.getField(Col.TEXT), ignoreCase);
    Column labeledText = coalesce(Normalize.text(labeled.getField(Col.TEXT), ignoreCase), lit(""));
    Column pairText = array_join(array_sort(array(col("chosen_text"), col("rejected_text"))), "\u001f");
    Column key = when(isPreference, sha2(concat_ws("\u001f", lit("p"), col(Col.PROMPT_KEY), col("chosen_text"),
            col("rejected_text")), 256))
        .otherwise(sha2(concat_ws("\u001f", lit("l"), col(Col.PROMPT_KEY),
            when(labeled.isNull(), lit("\u0000")).otherwise(col("labeled_text")), col(Col.LABEL)), 256));
    // The narrow side is the hash table: the items' texts stream past once, never sorted.
    return candidates.hint(Dedup.SHUFFLE_HASH).join(items, Col.ITEM_ID)
        .withColumn("chosen_text", chosenText)
        .withColumn("rejected_text", rejectedText)
        .withColumn("labeled_text", labeledText)
        .select(
        col(Resolve.CANDIDATE), col(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.PROMPT), assistant(chosen.getField(Col.TEXT)).as(Col.CHOSEN),
        assistant(rejected.getField(Col.TEXT)).as(Col.REJECTED),
        col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID),
        chosen.getField(Col.MODEL).as(Col.CHOSEN_MODEL), rejected.getField(Col.MODEL).as(Col.REJECTED_MODEL),
        col(Col.LABEL), col(Col.RESPONSE_ID), labeled.getField(Col.TEXT).as(Col.RESPONSE),
        col(Col.RESOLUTION), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT), col(Col.ANNOTATORS),
        col(Col.MARGIN),
        key.as(Col.KEY), col(Col.PROMPT_KEY),
        when(isPreference, sha2(concat_ws("\u001f", lit("c"), col(Col.PROMPT_KEY), pairText), 256))
            .as(Contradictions.COMPARISON_KEY),
        when(isPreference, when(col("chosen_text").leq(col("rejected_text")), lit(Contradictions.FORWARD))
            .otherwise(lit(Contradictions.BACKWARD))).as(Contradictions.DIRECTION),
        when(isPreference, col(Col.RECORD_TABLE)).otherwise(concat_ws("\u001f", col(Col.RECORD_TABLE), col(Col.LABEL)))
            .as(NearDuplicates.BLOCK),
        when(isPreference, concat_ws(MinHash.PART, col(PROMPT_TEXT),
                array_join(array_sort(array(col("chosen_text"), col("rejected_text"))), MinHash.PART)))
            .otherwise(concat_ws(MinHash.PART, col(PROMPT_TEXT), col("labeled_text"))).as(NearDuplicates.TEXT));
  }

  /** SFT candidates: one per kept sft submission, keyed by its normalised prompt and completion. */
  public static Dataset<Row> sft(Dataset<Row> keptSft, Dataset<Row> items, boolean ignoreCase) {
    Column completion = col(Col.ANSWER).getField(Col.COMPLETION);
    Column completionText = Normalize.text(completion, ignoreCase);
    return keptSft.hint(Dedup.SHUFFLE_HASH).join(items, Col.ITEM_ID).select(
        concat_ws("\u001f", lit(SFT), col(Col.SUBMISSION_ID)).as(Resolve.CANDIDATE),
        lit(SFT).as(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE), col(Col.PROMPT),
        assistant(completion).as(Col.COMPLETION), col(Col.SUBMISSION_ID), col(Col.ANNOTATOR),
        col(Col.GUIDELINE_VERSION),
        sha2(concat_ws("\u001f", lit("s"), col(Col.PROMPT_KEY), completionText), 256).as(Col.KEY),
        col(Col.PROMPT_KEY), lit(1.0).as(Col.AGREEMENT), lit(1).as(Col.ANNOTATOR_COUNT),
        lit(1).as(Col.AGREED_COUNT), lit(null).cast("string").as(Col.RESOLUTION),
        lit(null).cast("string").as(Contradictions.COMPARISON_KEY),
        lit(null).cast("string").as(Contradictions.DIRECTION),
        lit(null).cast("string").as(Col.CHOSEN_RESPONSE_ID), lit(null).cast("string").as(Col.REJECTED_RESPONSE_ID),
        lit(SFT).as(NearDuplicates.BLOCK),
        concat_ws(MinHash.PART, col(PROMPT_TEXT), completionText).as(NearDuplicates.TEXT));
  }

  private static Column assistant(Column text) {
    return when(text.isNull(), lit(null))
        .otherwise(array(struct(lit("assistant").as(Col.ROLE), text.as(Col.CONTENT))));
  }
}
