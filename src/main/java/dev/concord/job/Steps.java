package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;

import dev.concord.schema.Status;
import dev.concord.config.TaskType;
import dev.concord.agreement.AgreementPass;
import dev.concord.agreement.Units;
import dev.concord.config.ConcordConfig;
import dev.concord.config.ProjectSettings;
import dev.concord.config.Projects;
import dev.concord.dataset.Records;
import dev.concord.dedup.Contradictions;
import dev.concord.dedup.Dedup;
import dev.concord.dedup.NearDuplicates;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.ingest.Gold;
import dev.concord.ingest.Ingest;
import dev.concord.ingest.IngestSettings;
import dev.concord.ingest.Reconcile;
import dev.concord.resolve.Confusion;
import dev.concord.resolve.DawidSkene;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The job's steps. Each reads what earlier steps staged, calls its stage's pure functions and stages the results;
 * a step that is run again rewrites its outputs whole, so a resumed run is the same as an uninterrupted one.
 */
public final class Steps {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Steps.class);

  private final Store store;
  private final ConcordConfig config;
  private final Projects projects;
  private final byte[] pseudonymKey;
  private final List<Path> inputs;
  private final List<Path> gold;
  private final List<Path> evalPrompts;
  private final List<String> excluded;
  private final dev.concord.ingest.Exports.Format inputFormat;

  public Steps(Store store, ConcordConfig config, byte[] pseudonymKey, List<Path> inputs, List<Path> gold) {
    this(store, config, pseudonymKey, inputs, gold, List.of(), List.of());
  }

  /**
   * @param evalPrompts evaluation prompts to keep out of the dataset
   * @param excluded pseudonyms of the annotators whose submissions are left out on request
   */
  public Steps(Store store, ConcordConfig config, byte[] pseudonymKey, List<Path> inputs, List<Path> gold,
      List<Path> evalPrompts, List<String> excluded) {
    this(store, config, pseudonymKey, inputs, gold, evalPrompts, excluded, null);
  }

  /** @param inputFormat the format of every input file ({@code --input-format}); null recognises each by content */
  public Steps(Store store, ConcordConfig config, byte[] pseudonymKey, List<Path> inputs, List<Path> gold,
      List<Path> evalPrompts, List<String> excluded, dev.concord.ingest.Exports.Format inputFormat) {
    this.inputFormat = inputFormat;
    this.store = store;
    this.config = config;
    this.projects = config.perProject();
    this.pseudonymKey = pseudonymKey.clone();
    this.inputs = List.copyOf(inputs);
    this.gold = List.copyOf(gold);
    this.evalPrompts = List.copyOf(evalPrompts);
    this.excluded = List.copyOf(excluded);
  }


  /** Parse and validate every input line once; the only full read of the input. */
  public void ingest() {
    IngestSettings settings = IngestSettings.of(config);
    int maxLine = config.limits().maxLineBytes();
    dev.concord.ingest.Exports exports = dev.concord.ingest.Exports.of(config, pseudonymKey);
    Store.Input input = store.readInput(inputs, inputFormat, exports, maxLine);
    try (input) {
      stageInput(input, exports, settings, maxLine);
    }

    // Each item's texts are normalised and keyed once, the night they first arrive. A store written before item
    // texts were kept has none: its first night under this version keys its older lines too, once.
    Dataset<Row> known = store.stored(Staged.ITEM_TEXTS);
    Dataset<Row> older = known == null ? store.stored(Staged.LINES) : null;
    Dataset<Row> arrived = store.staged(Staged.LINES).filter(col(Col.REASON).isNull());
    Dataset<Row> lines = older == null ? arrived : arrived.unionByName(older.filter(col(Col.REASON).isNull())
        .drop(Col.BATCH));
    store.stage(Staged.ITEM_TEXTS, () -> Records.itemTexts(lines, known, config.dedup().ignoreCase()));
    if (!evalPrompts.isEmpty()) {
      store.stage(Staged.EVAL_PROMPTS, () -> store.readEvalPrompts(evalPrompts)
          .withColumn(Records.PROMPT_TEXT, Records.promptText(col(Col.PROMPT), config.dedup().ignoreCase())));
      Dataset<Row> unreadable = store.staged(Staged.EVAL_PROMPTS).filter(col(Col.PROMPT).isNull()
          .or(col(Records.PROMPT_TEXT).equalTo("")));
      long bad = unreadable.count();
      if (bad > 0) {
        Row first = unreadable.orderBy(Col.SOURCE_FILE, Col.RAW).first();
        throw new IllegalArgumentException("--eval-prompts: " + bad + " records have no readable 'prompt' (a string,"
            + " or a list of {role, content} messages), e.g. in " + first.getAs(Col.SOURCE_FILE) + ": "
            + org.apache.commons.lang3.StringUtils.abbreviate(String.valueOf((Object) first.getAs(Col.RAW)), 203)
            + "; decontamination would be incomplete, so the run stops");
      }
    }
  }

  /** The input's lines, and its gold lines with those of {@code --gold}: a tool's ground truth arrives with answers. */
  private void stageInput(Store.Input input, dev.concord.ingest.Exports exports, IngestSettings settings,
      int maxLine) {
    store.stage(Staged.LINES, () -> Ingest.parse(input.lines(), settings, pseudonymKey));
    if (input.pieces() != null) {
      exports.checkSeen(controlsSeen(store.staged(Staged.LINES)));
    }
    if (!gold.isEmpty() || input.gold() != null) {
      store.stage(Staged.GOLD_LINES, () -> Gold.parse(gold.isEmpty() ? input.gold()
          : input.gold() == null ? store.readLines(gold, "--gold", maxLine)
          : store.readLines(gold, "--gold", maxLine).unionByName(input.gold()), settings));
    }
  }

  /** Per project, the controls or questions behind the submissions read from exports: a few names each. */
  private static java.util.Map<String, java.util.Set<String>> controlsSeen(Dataset<Row> lines) {
    Dataset<Row> seen = lines.filter(col(Col.REASON).isNull()
            .and(col(Col.METADATA).getItem(dev.concord.ingest.Exports.SOURCE_FORMAT).isNotNull()))
        .select(col(Col.PROJECT), org.apache.spark.sql.functions.explode(org.apache.spark.sql.functions.split(
            col(Col.METADATA).getItem(dev.concord.ingest.Exports.CONTROLS), ",")).as("control"));
    // A project whose records held no answer at all is judged too: its mapping may name no control right.
    Dataset<Row> unanswered = lines.filter(dev.concord.publish.Accounting.notAnAnswer())
        .select(org.apache.spark.sql.functions.get_json_object(col(Col.RAW), "$.project").as(Col.PROJECT),
            lit(null).cast("string").as("control"))
        .filter(col(Col.PROJECT).isNotNull());
    java.util.Map<String, java.util.Set<String>> out = new java.util.TreeMap<>();
    for (Row r : seen.unionByName(unanswered).distinct().collectAsList()) {
      java.util.Set<String> controls = out.computeIfAbsent(r.getString(0), p -> new java.util.TreeSet<>());
      if (!r.isNullAt(1)) {
        controls.add(r.getString(1));
      }
    }
    return out;
  }

  /** The cross-line checks, and gold matched to the batch's items. */
  public void reconcile() {
    Dataset<Row> lines = store.whole(Staged.LINES);
    // Annotators are few next to submissions: their pseudonyms go to every task, to find raw ids in metadata.
    java.util.Set<String> annotators = new java.util.HashSet<>(lines.filter(col(Col.ANNOTATOR).isNotNull())
        .select(Col.ANNOTATOR).distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    Dataset<Row> good = Ingest.scrubMetadata(lines.filter(col(Col.REASON).isNull()).drop(Col.RAW, Col.RAW_BYTES,
        Col.PROMPT, Col.RESPONSES, Col.REASON, Col.DETAIL, Col.JUSTIFICATION), annotators, pseudonymKey);
    store.stage(Staged.SUBMISSIONS, () -> Reconcile.exclude(Reconcile.apply(good), excluded));
    store.stage(Staged.EXCLUDED, () -> store.spark().createDataFrame(excluded.stream()
        .map(org.apache.spark.sql.RowFactory::create).toList(),
        new org.apache.spark.sql.types.StructType().add(Col.ANNOTATOR, "string")));
    Dataset<Row> items = Gold.items(active());
    Dataset<Row> goldLines = store.whole(Staged.GOLD_LINES);
    Dataset<Row> goodGold = goldLines == null ? emptyGold() : goldLines.filter(col(Col.REASON).isNull());
    store.stage(Staged.GOLD, () -> Gold.match(goodGold, items, Gold.projectRules(active(), IngestSettings.of(config))));
  }

  /** Units, contingency tables, kappas and the keep/drop decision. */
  public void agreement() {
    Dataset<Row> judged = active().filter(col(Col.TASK_TYPE).notEqual(TaskType.SFT.id()))
        .withColumn(Col.STRENGTH, col(Col.ANSWER).getField(Col.STRENGTH));
    store.stage(Staged.UNITS, () -> Units.of(judged, Col.ANNOTATOR, Col.SUBMISSION_ID, Col.STRENGTH));
    Dataset<Row> matchedGold = store.staged(Staged.GOLD).filter(col(Col.STATUS).equalTo(Gold.MATCHED))
        .withColumn(Col.STRENGTH, col(Col.ANSWER).getField(Col.STRENGTH));
    store.stage(Staged.GOLD_UNITS, () -> Units.of(matchedGold, Col.STRENGTH));

    Dataset<Row> units = store.staged(Staged.UNITS);
    Dataset<Row> goldUnits = store.staged(Staged.GOLD_UNITS);
    // Round one judges everyone against everyone; round two judges everyone again against the peers round one
    // kept, so that adversarial or careless partners do not drag good annotators' figures down. Each round is one
    // pass over the units; the first also works out the whole-scope figures and the kappas against gold.
    store.stage(Staged.AGREEMENT_ROUND_1, () -> AgreementPass.of(units, goldUnits, projects, config.agreement(),
        Set.of(), true));
    Dataset<Row> first = store.staged(Staged.AGREEMENT_ROUND_1);
    store.stage(Staged.PROJECT_AGREEMENT, () -> AgreementPass.scopeFigures(first));
    Dataset<Row> goldKappas = AgreementPass.kappas(first, true);
    Dataset<Row> firstScopes = AnnotatorFilter.scopes(units, AgreementPass.kappas(first, false), goldKappas, projects);
    // The dropped are few next to the submissions (annotators, not their answers): the second pass gets them whole.
    Set<String> firstDropped = Set.copyOf(AnnotatorFilter.annotators(AnnotatorFilter.submissionCounts(active()),
            firstScopes, projects).filter(col(Col.DECISION).equalTo(AnnotatorFilter.DROPPED)).select(Col.ANNOTATOR)
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    store.stage(Staged.AGREEMENT_ROUND_2, () -> AgreementPass.of(units, goldUnits, projects, config.agreement(),
        firstDropped, false));
    store.stage(Staged.SCOPES, () -> AnnotatorFilter.scopes(units,
        AgreementPass.kappas(store.staged(Staged.AGREEMENT_ROUND_2), false), goldKappas, projects));
    store.stage(Staged.ANNOTATORS, () -> AnnotatorFilter.annotators(AnnotatorFilter.submissionCounts(active()),
        store.staged(Staged.SCOPES), projects));
  }

  /** Gold first, then the project's method (a vote, or Dawid-Skene estimation); undecided items to review. */
  void resolve() {
    Dataset<Row> kept = store.staged(Staged.ANNOTATORS).filter(AnnotatorFilter.used(col(Col.DECISION)))
        .select(Col.ANNOTATOR);
    Dataset<Row> weights = store.staged(Staged.SCOPES).select(Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR, Col.WEIGHT);
    Dataset<Row> goldUnits = store.staged(Staged.GOLD_UNITS);
    java.util.Map<List<String>, String> models = java.util.Map.of();
    if (config.usesEstimation()) {
      // The models learn from every judged annotator's answers; only the kept annotators' make an item's posterior.
      DawidSkene.Estimate estimate = DawidSkene.estimate(Resolve.estimationVotes(store.staged(Staged.UNITS),
          store.staged(Staged.ANNOTATORS), projects), goldUnits.select(Col.UNIT, Col.CATEGORY), config.dawidSkene());
      store.stage(Staged.POSTERIORS, () -> estimate.posteriors());
      store.stage(Staged.MATRICES, () -> estimate.matrices());
      models = estimate.models();
      LOG.info("Dawid-Skene: {} iterations, {}, mean log-likelihood per unit {}; models {}", estimate.iterations(),
          estimate.converged() ? "converged" : "stopped at dawid_skene.max_iterations", estimate.logLikelihood(),
          models);
    } else {
      store.stage(Staged.POSTERIORS, () -> store.spark().createDataFrame(List.of(), DawidSkene.POSTERIORS));
      store.stage(Staged.MATRICES, () -> store.spark().createDataFrame(List.of(), DawidSkene.MATRICES));
    }
    java.util.Map<List<String>, String> chosen = models;
    store.stage(Staged.VOTES, () -> Resolve.votes(store.staged(Staged.UNITS).join(kept, Col.ANNOTATOR)
        .join(weights, new String[] {Col.PROJECT, Col.TASK_TYPE, Col.ANNOTATOR}), projects, chosen));
    Dataset<Row> votes = store.staged(Staged.VOTES);
    Dataset<Row> items = Gold.items(active()).filter(col(Col.TASK_TYPE).notEqual(TaskType.SFT.id()));
    store.stage(Staged.RESOLUTION, () -> Resolve.apply(votes, goldUnits, items, store.staged(Staged.POSTERIORS),
        projects));
    store.stage(Staged.CONFUSION, () -> Confusion.of(store.staged(Staged.UNITS), votes,
        store.staged(Staged.POSTERIORS), goldUnits));
  }

  /**
   * Texts joined back, records keyed by normalised content; evaluation prompts removed, contradictions settled, exact
   * and near duplicates merged, the split drawn per prompt cluster.
   */
  void dedup() {
    // An item's content is its representative line's: its first among the kept submissions.
    Dataset<Row> representatives = store.staged(Staged.SUBMISSIONS)
        .filter(col(Col.STATUS).isin(Reconcile.ACTIVE, Reconcile.SUPERSEDED))
        .groupBy(Col.ITEM_ID).agg(min(struct(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID),
            col(Col.ITEM_HASH))).as("loc"))
        .select(col(Col.ITEM_ID), col("loc." + Col.ITEM_HASH).as(Col.ITEM_HASH));
    boolean ignoreCase = config.dedup().ignoreCase();
    store.stage(Staged.ITEMS, () -> Records.items(representatives, store.whole(Staged.ITEM_TEXTS)));
    Dataset<Row> items = items(store);

    Dataset<Row> prompts = items.select(col(Col.PROMPT_KEY), col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT),
        lit(false).as("eval"));
    if (!evalPrompts.isEmpty()) {
      prompts = prompts.unionByName(store.staged(Staged.EVAL_PROMPTS).select(
          sha2(col(Records.PROMPT_TEXT), 256).as(Col.PROMPT_KEY), col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT),
          lit(true).as("eval")));
    }
    Dataset<Row> allPrompts = prompts;
    Dataset<Row> pins = store.pins();
    Dataset<Row> pinned = pins == null ? null : pins.withColumnRenamed(Records.PROMPT_TEXT, NearDuplicates.TEXT);
    // A published prompt keeps its band keys and its verified pairs with the other published prompts in the store:
    // only the new prompts are shingled, and only pairs with a new end are searched and verified.
    store.stage(Staged.PROMPT_DOCS, () -> Dedup.promptDocs(allPrompts, pinned, config.dedup()));
    Dataset<Row> promptDocs = store.staged(Staged.PROMPT_DOCS);
    store.stage(Staged.PROMPT_PAIRS, () -> Dedup.promptPairs(promptDocs,
        store.pinnedPairs(config.dedup().toString()), config.dedup()));
    store.stage(Staged.PROMPT_CLUSTERS, () -> Dedup.promptClusters(promptDocs, store.staged(Staged.PROMPT_PAIRS),
        pinned));

    Dataset<Row> kept = store.staged(Staged.ANNOTATORS).filter(AnnotatorFilter.used(col(Col.DECISION)))
        .select(Col.ANNOTATOR);
    // A candidate's key is kept from the night it was first made: only candidates new to the store (new items, an
    // SFT answer, or a resolution that changed) are joined to their texts, and only those items' texts are read.
    Dataset<Row> resolved = Resolve.candidatesOf(store.staged(Staged.RESOLUTION))
        .join(store.staged(Staged.ITEMS).select(Col.ITEM_ID, Col.ITEM_HASH), Col.ITEM_ID);
    Dataset<Row> keptSft = sftSubmissions().join(kept, Col.ANNOTATOR);
    Dataset<Row> keyed = store.stored(Staged.CANDIDATE_KEYS);
    Dataset<Row> unkeyed = Records.unkeyed(resolved, keyed);
    Dataset<Row> unkeyedSft = Records.unkeyed(keptSft.withColumn(Resolve.CANDIDATE, Records.sftCandidate())
        .withColumn(Col.ITEM_HASH, col(Col.CONTENT_HASH)), keyed);
    store.stage(Staged.CANDIDATE_KEYS, () -> Records.candidateKeys(unkeyed, itemsOf(store, unkeyed), ignoreCase)
        .unionByName(Records.sftKeys(unkeyedSft.drop(Col.ITEM_HASH), store.staged(Staged.ITEMS), ignoreCase)));
    store.stage(Staged.JUDGED_CANDIDATES, () -> Records.judged(resolved, store.whole(Staged.CANDIDATE_KEYS)));
    store.stage(Staged.SFT_CANDIDATES, () -> Records.sft(keptSft, store.whole(Staged.CANDIDATE_KEYS)));
    Dataset<Row> clusters = store.staged(Staged.PROMPT_CLUSTERS);
    Dataset<Row> completions = Records.completions(sftSubmissions());
    // One pass over every candidate record: no block, content key or comparison is shared between SFT and judged
    // records, so deciding them together decides each as alone.
    Dataset<Row> candidates = store.staged(Staged.JUDGED_CANDIDATES)
        .unionByName(store.staged(Staged.SFT_CANDIDATES), true);
    UnaryOperator<Dataset<Row>> docTexts = docs -> Records.docTexts(docs, itemsOf(store, docs),
        completions, ignoreCase);
    Dedup.Settings settings = Dedup.Settings.of(config);
    store.stage(Staged.SETTLED, () -> Dedup.settle(candidates, clusters, settings));
    // The blocks of compared records that the newest batch holds with the same records keep their pairs: only the
    // blocks with a new record are joined to their texts and searched.
    store.stage(Staged.RECORD_PAIRS, () -> Dedup.recordPairs(store.staged(Staged.SETTLED), docTexts,
        store.recordPairs(config.dedup().toString()), config.dedup()));
    store.stage(Staged.RECORDS, () -> Dedup.place(candidates, store.staged(Staged.SETTLED),
        store.staged(Staged.RECORD_PAIRS), docTexts, settings));
    store.stage(Staged.SFT_EDGES, () -> sftRecords(store).select(col(Resolve.CANDIDATE), col(Col.ITEM_ID),
        col(Col.SUBMISSION_ID), lit("author").as(Col.ROLE)));
    // Items whose comparisons were resolved both ways without a clear winner are undecided after all.
    Dataset<Row> contradicted = Contradictions.reviews(judgedRecords(store));
    store.stage(Staged.FINAL_OUTCOMES, () -> Resolve.outcomesOf(store.staged(Staged.RESOLUTION))
        .join(contradicted.select(Col.ITEM_ID), new String[] {Col.ITEM_ID}, "left_anti")
        .unionByName(contradicted.withColumn(Col.STATUS, lit(Status.REVIEW)), true));
  }

  /** The items in play with their texts, in the shape {@link Records} takes. */
  public static Dataset<Row> items(Store store) {
    return Records.withTexts(store.staged(Staged.ITEMS), store.whole(Staged.ITEM_TEXTS));
  }

  /**
   * The items {@code wanted} names ({@code item_id}) with their texts, in the shape {@link Records} takes. When they
   * are few (a night's new items, or the few records the near-duplicate search compares), their keys are broadcast,
   * so that the kept texts are read past them and only the wanted ones shuffled, never every text of the store.
   */
  static Dataset<Row> itemsOf(Store store, Dataset<Row> wanted) {
    Dataset<Row> chosen = store.staged(Staged.ITEMS).join(wanted.select(Col.ITEM_ID).distinct(), Col.ITEM_ID)
        .localCheckpoint();
    return Records.withTexts(chosen.count() <= Records.BROADCAST_ITEMS
        ? org.apache.spark.sql.functions.broadcast(chosen) : chosen, store.whole(Staged.ITEM_TEXTS));
  }

  /** The preference and label records, each with its dedup fate. */
  public static Dataset<Row> judgedRecords(Store store) {
    return store.staged(Staged.RECORDS).filter(col(Col.RECORD_TABLE).notEqual(Records.SFT));
  }

  /** The SFT records, each with its dedup fate. */
  public static Dataset<Row> sftRecords(Store store) {
    return store.staged(Staged.RECORDS).filter(col(Col.RECORD_TABLE).equalTo(Records.SFT));
  }

  /** The active SFT submissions: the SFT records' authors and completions. */
  public static Dataset<Row> sftSubmissions(Store store) {
    return store.staged(Staged.SUBMISSIONS).filter(col(Col.STATUS).equalTo(Reconcile.ACTIVE)
        .and(col(Col.TASK_TYPE).equalTo(TaskType.SFT.id())));
  }

  private Dataset<Row> sftSubmissions() {
    return sftSubmissions(store);
  }

  Dataset<Row> active() {
    return store.staged(Staged.SUBMISSIONS).filter(col(Col.STATUS).equalTo(Reconcile.ACTIVE));
  }

  private Dataset<Row> emptyGold() {
    return store.spark().createDataFrame(java.util.List.of(), Gold.PARSED);
  }

  /** Whether the store holds gold lines: tonight's or an earlier night's. */
  boolean hasGold() {
    return store.whole(Staged.GOLD_LINES) != null;
  }
}
