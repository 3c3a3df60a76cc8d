package dev.concord.dataset;

import static org.apache.spark.sql.functions.array;
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

  /**
   * The item texts: one row per item with {@code prompt} (messages), {@code responses} and {@code prompt_key}.
   * {@code lines} holds the parsed texts, {@code representatives} one location per item.
   */
  public static Dataset<Row> items(Dataset<Row> lines, Dataset<Row> representatives) {
    Column promptText = transform(col(Col.PROMPT), m -> concat_ws(": ", m.getField(Col.ROLE),
        Normalize.text(m.getField(Col.CONTENT))));
    return lines.join(representatives, new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID})
        .select(col(Col.ITEM_ID), col(Col.PROMPT), col(Col.RESPONSES),
            sha2(org.apache.spark.sql.functions.array_join(promptText, "\u001e"), 256).as(Col.PROMPT_KEY));
  }

  /** Preference and label candidates joined to their texts. */
  public static Dataset<Row> judged(Dataset<Row> candidates, Dataset<Row> items) {
    Column responses = col(Col.RESPONSES);
    Column chosen = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.CHOSEN_RESPONSE_ID))), 1);
    Column rejected = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.REJECTED_RESPONSE_ID))), 1);
    Column labeled = element_at(filter(responses, r -> r.getField(Col.RESPONSE_ID).equalTo(col(Col.RESPONSE_ID))), 1);
    Column isPreference = col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES);
    Column key = when(isPreference, sha2(concat_ws("\u001f", lit("p"), col(Col.PROMPT_KEY),
            Normalize.text(chosen.getField(Col.TEXT)), Normalize.text(rejected.getField(Col.TEXT))), 256))
        .otherwise(sha2(concat_ws("\u001f", lit("l"), col(Col.PROMPT_KEY),
            coalesce(Normalize.text(labeled.getField(Col.TEXT)), lit("\u0000")), col(Col.LABEL)), 256));
    return candidates.join(items, Col.ITEM_ID).select(
        col(Resolve.CANDIDATE), col(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.TASK_TYPE),
        col(Col.PROMPT), assistant(chosen.getField(Col.TEXT)).as(Col.CHOSEN),
        assistant(rejected.getField(Col.TEXT)).as(Col.REJECTED),
        col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID),
        chosen.getField(Col.MODEL).as(Col.CHOSEN_MODEL), rejected.getField(Col.MODEL).as(Col.REJECTED_MODEL),
        col(Col.LABEL), col(Col.RESPONSE_ID), labeled.getField(Col.TEXT).as(Col.RESPONSE),
        col(Col.RESOLUTION), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT), col(Col.ANNOTATORS),
        col(Col.MARGIN),
        key.as(Col.KEY), col(Col.PROMPT_KEY));
  }

  /** SFT candidates: one per kept sft submission, keyed by its normalised prompt and completion. */
  public static Dataset<Row> sft(Dataset<Row> keptSft, Dataset<Row> items) {
    Column completion = col(Col.ANSWER).getField(Col.COMPLETION);
    return keptSft.join(items, Col.ITEM_ID).select(
        concat_ws("\u001f", lit(SFT), col(Col.SUBMISSION_ID)).as(Resolve.CANDIDATE),
        lit(SFT).as(Col.RECORD_TABLE), col(Col.ITEM_ID), col(Col.PROJECT), col(Col.PROMPT),
        assistant(completion).as(Col.COMPLETION), col(Col.SUBMISSION_ID), col(Col.ANNOTATOR),
        col(Col.GUIDELINE_VERSION),
        sha2(concat_ws("\u001f", lit("s"), col(Col.PROMPT_KEY), Normalize.text(completion)), 256).as(Col.KEY),
        col(Col.PROMPT_KEY), lit(1.0).as(Col.AGREEMENT), lit(1).as(Col.ANNOTATOR_COUNT));
  }

  private static Column assistant(Column text) {
    return when(text.isNull(), lit(null))
        .otherwise(array(struct(lit("assistant").as(Col.ROLE), text.as(Col.CONTENT))));
  }
}
