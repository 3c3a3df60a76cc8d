package dev.concord.job;

import java.util.Locale;

/**
 * Every table a step stages for itself or a later step, named in one place: its folder under the run's staging
 * area is its name in lower case. Which step writes each and which read it is {@link StepGraph}.
 */
public enum Staged {
  /** Every input line, parsed or quarantined, with its raw bytes and its place in its file. */
  LINES,
  /** Every gold line, parsed or quarantined. */
  GOLD_LINES,
  /** The evaluation prompts, with their normalised text. */
  EVAL_PROMPTS,
  /** The texts of the items (by content) this run brings first, normalised and keyed; kept in the store. */
  ITEM_TEXTS,
  /** Every parsed submission with its status (active, superseded, repeated, excluded), without its texts. */
  SUBMISSIONS,
  /** The annotators excluded on request. */
  EXCLUDED,
  /** Every gold label with its match status against the batch's items. */
  GOLD,
  /** The annotators' answers as units: one categorical value per unit (item, or item and dimension). */
  UNITS,
  /** The matched gold labels as units. */
  GOLD_UNITS,
  /** The first agreement pass: everyone against everyone. */
  AGREEMENT_ROUND_1,
  /** Fleiss' kappa, alpha and Light's kappa per project and task type, with intervals. */
  PROJECT_AGREEMENT,
  /** The second agreement pass: everyone against the peers the first kept. */
  AGREEMENT_ROUND_2,
  /** Per annotator and scope: kappas, weight and decision. */
  SCOPES,
  /** Per annotator: kept or dropped, and why. */
  ANNOTATORS,
  /** The kept annotators' weighted votes per unit. */
  VOTES,
  /** The estimated model's posterior per unit and category (empty when no project uses one). */
  POSTERIORS,
  /** The estimated confusion matrix of each judged annotator, dropped ones too (empty when no project uses one). */
  MATRICES,
  /** Per item: its outcome, its candidate records and its lineage edges. */
  RESOLUTION,
  /** Per annotator, project and task type: their answers against the resolved ones, cell by cell. */
  CONFUSION,
  /** Per item: the content of its representative line ({@code item_hash}) and its prompt key. */
  ITEMS,
  /** The keys of the candidate records this run makes first; kept in the store. */
  CANDIDATE_KEYS,
  /** Every prompt to cluster, once, with its band keys: the items', the evaluation prompts and the published ones. */
  PROMPT_DOCS,
  /** The verified near-duplicate pairs between those prompts. */
  PROMPT_PAIRS,
  /** Per prompt key: its near-duplicate cluster and whether that holds an evaluation prompt. */
  PROMPT_CLUSTERS,
  /** The preference and label candidate records with their texts. */
  JUDGED_CANDIDATES,
  /** The SFT candidate records with their texts. */
  SFT_CANDIDATES,
  /** Every candidate record with its id, prompt cluster, and its fate as far as the narrow columns decide it. */
  SETTLED,
  /** Per block of records compared on their texts: how many, a hash of their ids, and their verified near pairs. */
  RECORD_PAIRS,
  /** Every candidate record with its dedup fate, published record and split. */
  RECORDS,
  /** The lineage edges of SFT records (their authors). */
  SFT_EDGES,
  /** Per item: its final outcome, contradictions settled. */
  FINAL_OUTCOMES;

  /** The table's folder in the staging area. */
  public String folder() {
    return name().toLowerCase(Locale.ROOT);
  }
}
