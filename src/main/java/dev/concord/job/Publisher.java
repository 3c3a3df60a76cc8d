package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.concord.config.ConcordConfig;
import dev.concord.dataset.Records;
import dev.concord.dedup.Dedup;
import dev.concord.filter.AnnotatorFigures;
import dev.concord.dedup.NearDuplicates;
import dev.concord.ingest.Pseudonyms;
import dev.concord.ingest.Reconcile;
import dev.concord.publish.Accounting;
import dev.concord.publish.AgreementFigures;
import dev.concord.publish.Changes;
import dev.concord.publish.DatasetCard;
import dev.concord.publish.LineNumbers;
import dev.concord.publish.Manifest;
import dev.concord.publish.Retention;
import dev.concord.quality.Distributions;
import dev.concord.report.ReportWriter;
import dev.concord.quality.Figures;
import dev.concord.quality.Gates;
import dev.concord.quality.Tally;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import dev.concord.schema.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The publish step: every table written into the run's staging area in its .avsc shape, then the whole version moved
 * into place in one rename, and {@code LATEST} replaced last. A failure before the rename publishes nothing.
 */
public final class Publisher {
  private static final Logger LOG = LogManager.getLogger(Publisher.class);
  private final Store store;
  private final ConcordConfig config;
  private final byte[] pseudonymKey;

  public Publisher(Store store, ConcordConfig config, byte[] pseudonymKey) {
    this.store = store;
    this.config = config;
    this.pseudonymKey = pseudonymKey.clone();
  }

  /** Writes and publishes the version; returns the manifest. */
  public Map<String, Object> publish(RunInputs runInputs, boolean hasGold, Map<String, Double> stepSeconds) {
    if (VersionCommit.renamed(store.publishingDir(), store.versionDir())) {
      // The rename happened before a crash; only the store's commit, LATEST and the clean-up may be missing.
      commitBatch();
      writeLatest();
      Retention.apply(store.root(), config.retention().keepVersions(), store.runId());
      store.clearStaging();
      return Map.of();
    }
    long started = System.nanoTime();
    Dataset<Row> lines = store.whole(Staged.LINES);
    Dataset<Row> submissions = store.staged(Staged.SUBMISSIONS);
    Dataset<Row> blocks = LineNumbers.blocks(lines.select(Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID));
    Dataset<Row> judged = dev.concord.job.Steps.judgedRecords(store);
    Dataset<Row> sft = dev.concord.job.Steps.sftRecords(store);

    Map<String, Object> tables = new TreeMap<>();
    Dataset<Row> records = judged.select(Resolve.CANDIDATE, Col.ITEM_ID, Col.RECORD_ID, Col.RECORD_TABLE, Dedup.FATE,
            Col.DETAIL)
        .unionByName(sft.select(Resolve.CANDIDATE, Col.ITEM_ID, Col.RECORD_ID, Col.RECORD_TABLE, Dedup.FATE,
            Col.DETAIL));
    Dataset<Row> edges = Resolve.edgesOf(store.staged(Staged.RESOLUTION)).unionByName(store.staged(Staged.SFT_EDGES));
    tables.put("lineage", store.publish(Table.LINEAGE, Accounting.lineage(edges, records, submissions)));
    Dataset<Row> lineage = store.publishing(Table.LINEAGE);

    // The published records are the only ones that take their texts back from the items.
    Dataset<Row> items = Steps.items(store);
    Dataset<Row> preferences = Records.judgedTexts(judged.filter(col(Dedup.KEEPER)
        .and(col(Col.RECORD_TABLE).equalTo(Resolve.PREFERENCES))), items);
    tables.put("preferences", store.publish(Table.PREFERENCES, preferences.join(
            Accounting.justifications(lineage, justifications(lines, submissions)), new String[] {Col.ID}, "left")
        .withColumn(Col.JUSTIFICATIONS, org.apache.spark.sql.functions.coalesce(col(Col.JUSTIFICATIONS),
            org.apache.spark.sql.functions.array().cast("array<string>")))));
    tables.put("labels", store.publish(Table.LABELS, Records.judgedTexts(judged.filter(col(Dedup.KEEPER)
        .and(col(Col.RECORD_TABLE).equalTo(Resolve.LABELS))), items)));
    tables.put("sft", store.publish(Table.SFT, Records.sftTexts(sft.filter(col(Dedup.KEEPER)), items,
        Records.completions(dev.concord.job.Steps.sftSubmissions(store)))));
    tables.put("annotators", store.publish(Table.ANNOTATORS, AnnotatorFigures.attach(store.staged(Staged.ANNOTATORS),
        AnnotatorFigures.timeOnTask(submissions.filter(col(Col.STATUS).equalTo(Reconcile.ACTIVE)),
            config.timeOnTask()), store.staged(Staged.CONFUSION), store.staged(Staged.MATRICES))));
    Dataset<Row> outcomes = store.staged(Staged.FINAL_OUTCOMES);
    tables.put("review", store.publish(Table.REVIEW, Accounting.review(outcomes, submissions,
        Steps.itemsOf(store, outcomes.filter(col(Col.STATUS).equalTo(dev.concord.schema.Status.REVIEW))))));
    tables.put("duplicates", store.publish(Table.DUPLICATES,
        Dedup.duplicates(judged).unionByName(Dedup.duplicates(sft))));

    Dataset<Row> excluded = store.staged(Staged.EXCLUDED);
    Dataset<Row> rejected = Accounting.rejectedLines(lines, submissions);
    Dataset<Row> reread = store.reread(rejected.filter(col(Col.RAW).isNull())
        .select(Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID), config.limits().maxLineBytes());
    Dataset<Row> quarantine = LineNumbers.attach(Accounting.quarantine(lines, rejected, reread, excluded), blocks);
    if (hasGold) {
      Dataset<Row> goldLines = store.whole(Staged.GOLD_LINES);
      Dataset<Row> goldBlocks = LineNumbers.blocks(goldLines.select(Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID));
      quarantine = quarantine.unionByName(LineNumbers.attach(
          Accounting.goldQuarantine(goldLines, store.staged(Staged.GOLD)), goldBlocks));
    }
    tables.put("quarantine", store.publish(Table.QUARANTINE, quarantine));

    Dataset<Row> decisions = Accounting.decisions(lines, submissions, store.staged(Staged.ANNOTATORS),
        store.staged(Staged.FINAL_OUTCOMES), lineage, records, excluded, Accounting.estimatedBy(
            dev.concord.config.PerProject.value(config.perProject(), col(Col.PROJECT),
                dev.concord.config.ProjectSettings::resolutionMethod)));
    tables.put("decisions", store.publish(Table.DECISIONS, LineNumbers.attach(decisions, blocks)));
    tables.put("changes", store.publish(Table.CHANGES, changes()));

    Map<String, Double> seconds = new LinkedHashMap<>(stepSeconds);
    seconds.put("publish (tables)", (System.nanoTime() - started) / 1e9);
    Map<String, Map<String, Long>> tallies = tally(hasGold);
    Map<String, Object> manifest = manifest(runInputs, hasGold, seconds, tables, tallies);
    checkGates(manifest, tallies);
    Manifest.write(store.publishingDir().resolve("manifest.json"), manifest);
    DatasetCard.write(store.publishingDir().resolve("README.md"), manifest);
    ReportWriter.write(store.publishingDir(), store.root(), config.report().trendVersions());
    stageBatch(runInputs, judged.unionByName(sft, true));
    move();
    commitBatch();
    writeLatest();
    Retention.apply(store.root(), config.retention().keepVersions(), store.runId());
    store.clearStaging();
    return manifest;
  }

  /**
   * Every count the manifest and the gates take from the tables, in one Spark job: fates, reasons, annotator
   * decisions, item outcomes, the preference pairs by split, source and resolution, the gates' counts and the record
   * ids changed since the previous version.
   */
  private Map<String, Map<String, Long>> tally(boolean hasGold) {
    List<Tally> preferences = new java.util.ArrayList<>(List.of(Tally.of("preferences_by_split", Col.SPLIT),
        Tally.of("preferences_by_source", Col.TASK_TYPE), Tally.of("preferences_by_resolution", Col.RESOLUTION)));
    preferences.addAll(Figures.preferenceTallies());
    preferences.add(Distributions.binned(PREFERENCE_MARGIN, col(Col.MARGIN), 0.5, 4.5));
    preferences.add(Distributions.binned(PREFERENCE_AGREEMENT, col(Col.AGREEMENT), 0.1, 0.9));
    Tally.Tables tallied = new Tally.Tables()
        .over(store.staged(Staged.SUBMISSIONS), Tally.of(STATUSES, Col.STATUS))
        .over(store.publishing(Table.DECISIONS), Tally.of("fates", Col.FATE))
        .over(store.publishing(Table.QUARANTINE), Tally.of("quarantine_reasons", Col.REASON))
        .over(store.whole(Staged.LINES).filter(Accounting.notAnAnswer()), Tally.of(NOT_ANSWERS, Col.REASON))
        .over(store.staged(Staged.ANNOTATORS), Tally.of("annotators", Col.DECISION))
        .over(store.staged(Staged.FINAL_OUTCOMES),
            new Tally("items", org.apache.spark.sql.functions.concat_ws("/", col(Col.TASK_TYPE), col(Col.STATUS))))
        .over(store.publishing(Table.PREFERENCES), preferences)
        .over(store.publishing(Table.SFT), Figures.sftTallies())
        .over(store.publishing(Table.DUPLICATES), Tally.of("removed_records_by_kind", Col.KIND))
        .over(store.publishing(Table.LABELS), Distributions.binned(LABEL_AGREEMENT, col(Col.AGREEMENT), 0.1, 0.9))
        .over(store.publishing(Table.REVIEW), Tally.of(REVIEW_REASONS, Col.REASON));
    if (hasGold) {
      tallied.over(store.staged(Staged.GOLD), Tally.of("gold", Col.STATUS));
    }
    tallied.over(store.publishing(Table.CHANGES), List.of(Tally.of(CHANGES, Changes.CHANGE),
        new Tally(CHANGE_REASONS, org.apache.spark.sql.functions.concat_ws("/", col(Changes.CHANGE),
            col(Col.REASON)))));
    return tallied.count();
  }

  /**
   * Every record added, removed or changed against the version {@code LATEST} named before this run (against
   * nothing for the first version, where every record is added).
   */
  private Dataset<Row> changes() {
    Path before = previousVersion();
    Map<String, Dataset<Row>> now = new LinkedHashMap<>();
    Map<String, Dataset<Row>> then = new LinkedHashMap<>();
    for (Table records : List.of(Table.PREFERENCES, Table.SFT, Table.LABELS)) {
      now.put(records.folder(), store.publishing(records));
      then.put(records.folder(), before == null ? store.publishing(records).limit(0)
          : store.published(before, records));
    }
    Dataset<Row> lineageBefore = before == null ? store.publishing(Table.LINEAGE).limit(0)
        : store.published(before, Table.LINEAGE);
    Dataset<Row> tonight = store.staged(Staged.LINES).filter(col(Col.REASON).isNull()).select(Col.SUBMISSION_ID)
        .distinct();
    return Changes.of(now, then, store.publishing(Table.LINEAGE), lineageBefore, store.publishing(Table.DUPLICATES),
        store.publishing(Table.DECISIONS), tonight);
  }

  /**
   * Each active submission's justification, with every raw id of the store's annotators made a pseudonym (the
   * scrub reconcile gives metadata).
   */
  private Dataset<Row> justifications(Dataset<Row> lines, Dataset<Row> submissions) {
    String[] at = {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID};
    Dataset<Row> said = lines.filter(col(Col.JUSTIFICATION).isNotNull())
        .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.JUSTIFICATION))
        .join(submissions.filter(col(Col.STATUS).equalTo(dev.concord.ingest.Reconcile.ACTIVE))
            .select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.SUBMISSION_ID)), at)
        .select(Col.SUBMISSION_ID, Col.JUSTIFICATION);
    java.util.Set<String> annotators = new java.util.HashSet<>(lines.filter(col(Col.ANNOTATOR).isNotNull())
        .select(Col.ANNOTATOR).distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    return dev.concord.ingest.Ingest.scrubText(said, Col.JUSTIFICATION, annotators, pseudonymKey);
  }

  private static final String STATUSES = "submission_statuses";
  /** What the annotation tools' exports held that is no answer, by kind (cancelled, draft, suggestion, ...). */
  static final String NOT_ANSWERS = "export_not_answers";
  private static final String REVIEW_REASONS = "review_reasons";
  private static final String PREFERENCE_MARGIN = "preference_margin";
  private static final String PREFERENCE_AGREEMENT = "preference_agreement";
  private static final String LABEL_AGREEMENT = "label_agreement";
  private static final String CHANGES = "records_changed";
  private static final String CHANGE_REASONS = "changes_by_reason";

  private Map<String, Object> manifest(RunInputs runInputs, boolean hasGold, Map<String, Double> stepSeconds,
      Map<String, Object> tables, Map<String, Map<String, Long>> t) {
    Path before = previousVersion();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", store.runId());
    m.put("created_at", Instant.now().toString());
    m.put("concord_version", Publisher.class.getPackage().getImplementationVersion());
    m.put("configuration", config.describe());
    m.put("configuration_sha256", runInputs.description().get("configuration_sha256"));
    m.put("pseudonym_key_fingerprint", Pseudonyms.fingerprint(pseudonymKey));
    m.put("inputs", runInputs.files("inputs"));
    m.put("gold", runInputs.files("gold"));
    m.put("eval_prompts", runInputs.files("eval_prompts"));
    m.put("inputs_fingerprint", runInputs.fingerprint());
    m.put("skipped_inputs", runInputs.description().getOrDefault("skipped", List.of()));
    m.put("store_batches", runInputs.description().getOrDefault("store_batches", List.of()));


    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("input_lines", store.wholeRows(Staged.LINES));
    counts.put("input_lines_tonight", store.stagedRows(Staged.LINES));
    counts.put("skipped_files", ((List<?>) runInputs.description().getOrDefault("skipped", List.of())).size());
    counts.put("store_batches", ((List<?>) runInputs.description().getOrDefault("store_batches", List.of())).size()
        + 1);
    counts.put("repeated_lines", t.get(STATUSES).getOrDefault(Reconcile.REPEATED_LINE, 0L));
    counts.put("decisions", tables.get(Table.DECISIONS.folder()));
    counts.put("excluded_annotators", store.stagedRows(Staged.EXCLUDED));
    counts.put("fates", t.get("fates"));
    counts.put("quarantine_reasons", t.get("quarantine_reasons"));
    counts.put(NOT_ANSWERS, t.get(NOT_ANSWERS));
    counts.put("annotators", t.get("annotators"));
    counts.put("items", t.get("items"));
    if (hasGold) {
      counts.put("gold", t.get("gold"));
    }
    counts.put("tables", tables);
    counts.put("record_splits", store.splitRows());
    counts.put("preferences_by_split", t.get("preferences_by_split"));
    counts.put("preferences_by_source", t.get("preferences_by_source"));
    counts.put("preferences_by_resolution", t.get("preferences_by_resolution"));
    Map<String, Object> changed = new LinkedHashMap<>();
    changed.put("previous_run", before == null ? null : before.getFileName().toString());
    changed.put("added", t.get(CHANGES).getOrDefault(Changes.ADDED, 0L));
    changed.put("removed", t.get(CHANGES).getOrDefault(Changes.REMOVED, 0L));
    changed.put("changed", t.get(CHANGES).getOrDefault(Changes.CHANGED, 0L));
    changed.put("by_reason", t.get(CHANGE_REASONS));
    counts.put("records_changed", changed);
    counts.put("removed_records_by_kind", t.get("removed_records_by_kind"));
    counts.put(REVIEW_REASONS, t.get(REVIEW_REASONS));
    Map<String, Object> distributions = new LinkedHashMap<>();
    for (String d : List.of(PREFERENCE_MARGIN, PREFERENCE_AGREEMENT, LABEL_AGREEMENT)) {
      distributions.put(d, t.get(d));
    }
    counts.put("distributions", distributions);
    m.put("counts", counts);
    m.put("agreement", agreement(store.staged(Staged.SCOPES), store.staged(Staged.PROJECT_AGREEMENT)));
    m.put("step_seconds", stepSeconds);
    return m;
  }

  /**
   * Evaluates the configured gates on this run's figures (and the previous version's, for drift) into the manifest;
   * an error-level failure stops here, before anything is moved into place.
   */
  @SuppressWarnings("unchecked")
  private void checkGates(Map<String, Object> manifest, Map<String, Map<String, Long>> tallies) {
    Map<String, Double> figures = Figures.of((Map<String, Object>) manifest.get("counts"), tallies);
    List<Gates.Result> results = Gates.evaluate(config.qualityGates(), figures, previousFigures());
    manifest.put("quality_figures", figures);
    manifest.put("quality_gates", results.stream().map(Gates.Result::describe).toList());
    results.stream().filter(r -> !r.passed()).forEach(r -> LOG.warn("quality gate {}", r.line()));
    if (results.stream().anyMatch(Gates.Result::failedAsError)) {
      throw new Gates.Failure(results);
    }
  }

  /** The figures of the version {@code LATEST} names, if it is another run's and recorded them. */
  private Map<String, Double> previousFigures() {
    Path previous = previousVersion();
    if (previous == null) {
      return Map.of();
    }
    try {
      Map<String, Double> figures = new TreeMap<>();
      Manifest.JSON.readTree(previous.resolve("manifest.json").toFile()).path("quality_figures").properties()
          .forEach(e -> figures.put(e.getKey(), e.getValue().asDouble()));
      return figures;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + previous.resolve("manifest.json"), e);
    }
  }

  /** The published version {@code LATEST} names, unless it is this run's or has no manifest; else null. */
  private Path previousVersion() {
    Path latest = store.root().resolve("LATEST");
    if (!Files.exists(latest)) {
      return null;
    }
    String previous;
    try {
      previous = Files.readString(latest).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path before = store.root().resolve(previous);
    return previous.equals(store.runId()) || !Files.exists(before.resolve("manifest.json")) ? null : before;
  }

  /**
   * Per project and task type: how many annotators were judged and on what, the units-weighted mean of the deciding
   * kappa, and the decisions. Bounded by the number of projects and task types.
   */
  private static List<Map<String, Object>> agreement(Dataset<Row> scopes, Dataset<Row> projects) {
    List<Row> projectRows = projects.limit(1000).collectAsList();
    Dataset<Row> figures = scopes.groupBy(Col.PROJECT, Col.TASK_TYPE).agg(
        org.apache.spark.sql.functions.count(lit(1)).as("annotators"),
        org.apache.spark.sql.functions.sum(col("measure_units").multiply(col(Col.VALUE)))
            .divide(org.apache.spark.sql.functions.sum(
                org.apache.spark.sql.functions.when(col(Col.VALUE).isNotNull(), col("measure_units"))))
            .as("mean_kappa"),
        org.apache.spark.sql.functions.sum(col(Col.PEER_UNITS)).as("peer_units"),
        org.apache.spark.sql.functions.sum(col(Col.GOLD_UNITS)).as("gold_units"))
        .orderBy(Col.PROJECT, Col.TASK_TYPE);
    Dataset<Row> decisions = scopes.groupBy(Col.PROJECT, Col.TASK_TYPE, Col.DECISION).count();
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    List<Row> decisionRows = decisions.limit(1000).collectAsList();
    for (Row r : figures.limit(1000).collectAsList()) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("project", r.getAs(Col.PROJECT));
      f.put("task_type", r.getAs(Col.TASK_TYPE));
      f.put("annotators", r.getAs("annotators"));
      f.put("mean_deciding_kappa", r.getAs("mean_kappa"));
      f.put("peer_units", r.getAs("peer_units"));
      f.put("gold_units", r.getAs("gold_units"));
      Map<String, Long> byDecision = new TreeMap<>();
      for (Row d : decisionRows) {
        if (d.getAs(Col.PROJECT).equals(r.getAs(Col.PROJECT)) && d.getAs(Col.TASK_TYPE).equals(r.getAs(Col.TASK_TYPE))) {
          byDecision.put(d.getAs(Col.DECISION), d.getLong(3));
        }
      }
      f.put("decisions", byDecision);
      for (Row p : projectRows) {
        if (p.getAs(Col.PROJECT).equals(r.getAs(Col.PROJECT)) && p.getAs(Col.TASK_TYPE).equals(r.getAs(Col.TASK_TYPE))) {
          f.putAll(AgreementFigures.projectFigures(p));
        }
      }
      out.add(f);
    }
    return out;
  }

  /**
   * Moves tonight's lines into the submission store with the prompts published so far and their splits, which every
   * later version keeps (a published prompt's cluster never changes split). Not history until {@link #commitBatch}.
   */
  private void stageBatch(RunInputs runInputs, Dataset<Row> records) {
    if (store.history() == null) {
      return;
    }
    // Every prompt published so far keeps its split, its text and its band keys; the pairs between them are kept too,
    // so that the next run searches only pairs with a new prompt; and so are the blocks of compared records with
    // their pairs, so that it searches only the blocks with a new record.
    Dataset<Row> newSplits = records.filter(col(Dedup.KEEPER)).select(Col.PROMPT_KEY, Col.SPLIT)
        .dropDuplicates(Col.PROMPT_KEY);
    Dataset<Row> before = store.pins();
    Dataset<Row> splits = before == null ? newSplits : before.select(Col.PROMPT_KEY, Col.SPLIT)
        .unionByName(newSplits.join(before.select(Col.PROMPT_KEY), new String[] {Col.PROMPT_KEY}, "left_anti"));
    Dataset<Row> docs = store.staged(Staged.PROMPT_DOCS);
    store.writePins(splits.join(docs.select(col(NearDuplicates.DOC).as(Col.PROMPT_KEY),
            col(NearDuplicates.TEXT).as(Records.PROMPT_TEXT), col(NearDuplicates.KEYS)), Col.PROMPT_KEY)
        .select(Col.PROMPT_KEY, Records.PROMPT_TEXT, Col.SPLIT, NearDuplicates.KEYS));
    Dataset<Row> pinned = store.pinsWritten().select(Col.PROMPT_KEY);
    store.writePinnedPairs(store.staged(Staged.PROMPT_PAIRS)
        .join(pinned.withColumnRenamed(Col.PROMPT_KEY, NearDuplicates.A), NearDuplicates.A)
        .join(pinned.withColumnRenamed(Col.PROMPT_KEY, NearDuplicates.B), NearDuplicates.B)
        .select(NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY), config.dedup().toString());
    store.writeRecordPairs(store.staged(Staged.RECORD_PAIRS), config.dedup().toString());
    List<String> excluded = store.staged(Staged.EXCLUDED).select(Col.ANNOTATOR).as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList();
    store.history().stageBatch(store, runInputs.batchFiles(), excluded);
  }

  private void commitBatch() {
    if (store.history() != null && Files.exists(store.history().pinsOf(store.runId()).getParent())) {
      store.history().commit(store.runId());
    }
  }

  private void move() {
    VersionCommit.rename(store.publishingDir(), store.versionDir());
  }

  private void writeLatest() {
    VersionCommit.pointLatest(store.root(), store.stateDir(), store.runId());
  }
}
