package dev.concord.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.concord.schema.Table;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** README.md of a published version: what is in it, how it was made, its figures, how to load it. */
public final class DatasetCard {
  private DatasetCard() {}

  @SuppressWarnings("unchecked")
  public static void write(Path file, Map<String, Object> manifest) {
    Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
    Map<String, Object> tables = (Map<String, Object>) counts.get("tables");
    StringBuilder md = new StringBuilder(hubMetadata(manifest));
    md.append("# Concord dataset ").append(manifest.get("run_id")).append("\n\n");
    md.append("Training data built by Concord from human annotation submissions: preference pairs for reward models ")
        .append("and DPO, supervised fine-tuning pairs and a label dataset, with the agreement figures, review queue, ")
        .append("quarantine and lineage behind them. Annotators appear only as keyed pseudonyms (key fingerprint `")
        .append(manifest.get("pseudonym_key_fingerprint")).append("`).\n\n");
    md.append("## Tables\n\n| table | rows | what it holds |\n|---|---|---|\n");
    row(md, tables, "preferences", "preference pairs (TRL conversational: prompt, chosen, rejected, margin)");
    row(md, tables, "sft", "prompt-completion pairs (TRL conversational)");
    row(md, tables, "labels", "resolved labels of label tasks");
    row(md, tables, "annotators", "agreement figures per annotator and the keep/drop decision");
    row(md, tables, "review", "items left for a person to settle, with the votes");
    row(md, tables, "quarantine", "rejected input lines with file, line, raw text and reason");
    row(md, tables, "lineage", "one edge per (record, submission) with the submission's role");
    row(md, tables, "decisions", "one row per input submission: its fate and why");
    row(md, tables, "duplicates", "candidate records not published (exact or near duplicates, contradictions, "
        + "decontaminated, held out), with the record each went into and why");
    row(md, tables, "changes", "records added, removed or changed since the previous version, and why");
    md.append("\n## How it was made\n\n");
    md.append("1. Every input line parsed and validated; bad lines quarantined with a reason.");
    if (counts.get("export_not_answers") instanceof Map<?, ?> notAnswers && !notAnswers.isEmpty()) {
      md.append(" Annotation tools' exports were read as submissions; what they held that is no answer was counted")
          .append(" and never used (cancelled or empty annotations, drafts, discarded responses, model predictions")
          .append(" and suggestions, results of controls no mapping names): ").append(notAnswers).append(".");
    }
    md.append("\n");
    md.append("2. Per annotator, Cohen's kappa against gold (where enough gold items) or co-annotators (pooled over ")
        .append("shared units; quadratic weights for ratings); annotators below the threshold dropped.\n");
    md.append("3. Per item: gold first, else the project's resolution method (majority vote, reliability-weighted ")
        .append("vote, or a model estimated from every judged annotator's answers: Dawid-Skene, one coin, MACE or ")
        .append("minimax entropy; under auto, Dawid-Skene, MACE or minimax entropy chosen per project by held-out ")
        .append("answers); ties and weak consensus sent to review, with the method's leading answer as a ")
        .append("suggestion.\n");
    md.append("4. Records compared on normalised text (NFKC, whitespace): prompts matching an evaluation prompt ")
        .append("removed; a comparison resolved both ways settled by the pooled answers or sent to review; exact and ")
        .append("near duplicates (MinHash LSH, Jaccard of character shingles verified) merged into one keeper; the ")
        .append("split drawn per cluster of near-duplicate prompts, so no prompt or near duplicate of it is in both ")
        .append("splits; a prompt once published keeps its split in every later version, and a new prompt takes the ")
        .append("split published in its cluster (held out if its cluster links both). Removed records by kind: ")
        .append(counts.get("removed_records_by_kind")).append(".\n\n");
    md.append("## Since the previous version\n\n");
    if (counts.get("records_changed") instanceof Map<?, ?> changed) {
      md.append("Built over the whole submission store (").append(counts.get("store_batches"))
          .append(" nightly batches, ").append(counts.get("input_lines")).append(" input lines, ")
          .append(counts.get("input_lines_tonight")).append(" of them new in this run; ")
          .append(counts.get("skipped_files")).append(" input files skipped as already stored). Against run ")
          .append(changed.get("previous_run") == null ? "(none: the first version)" : changed.get("previous_run"))
          .append(": ").append(changed.get("added")).append(" records added, ").append(changed.get("removed"))
          .append(" removed, ").append(changed.get("changed")).append(" changed; by change and reason: ")
          .append(cell(changed.get("by_reason"))).append(" (each in `changes/`).\n\n");
    }
    md.append("## Agreement\n\nOver every annotator in play, before filtering; intervals are 95% (bootstrap over units ")
        .append("for Fleiss and alpha, normal over annotator pairs for Light's kappa and tau-b). Light's kappa uses quadratic ")
        .append("weights for ratings.\n\n")
        .append("| project | task type | units | Fleiss' kappa | alpha (nominal) | Light's kappa | more |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> a : (java.util.List<Map<String, Object>>) manifest.get("agreement")) {
      md.append("| ").append(cell(a.get("project"))).append(" | ").append(cell(a.get("task_type"))).append(" | ")
          .append(a.get("units")).append(" | ").append(AgreementFigures.interval(a, "fleiss_kappa")).append(" | ")
          .append(AgreementFigures.interval(a, "alpha_nominal")).append(" | ")
          .append(AgreementFigures.interval(a, "light_kappa")).append(" | ")
          .append(a.get("mean_tau_b") != null ? "mean pairwise tau-b " + AgreementFigures.interval(a, "mean_tau_b")
              : a.get("alpha_ordinal") != null
                  ? "alpha ordinal " + AgreementFigures.interval(a, "alpha_ordinal") + ", interval "
                  + AgreementFigures.interval(a, "alpha_interval") : "")
          .append(" |\n");
    }
    md.append("\nThe drop decisions:\n\n")
        .append("| project | task type | annotators | mean deciding kappa | peer units | gold units | decisions |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> a : (java.util.List<Map<String, Object>>) manifest.get("agreement")) {
      Object kappa = a.get("mean_deciding_kappa");
      md.append("| ").append(cell(a.get("project"))).append(" | ").append(cell(a.get("task_type"))).append(" | ")
          .append(a.get("annotators")).append(" | ")
          .append(kappa == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", (Double) kappa)).append(" | ")
          .append(a.get("peer_units")).append(" | ").append(a.get("gold_units")).append(" | ")
          .append(cell(a.get("decisions"))).append(" |\n");
    }
    md.append("\n## Figures\n\n```json\n");
    try {
      md.append(Manifest.JSON.writeValueAsString(counts));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(new IOException(e));
    }
    md.append("\n```\n\n");
    md.append("## Loading\n\n```python\nfrom datasets import load_dataset\n")
        .append("prefs = load_dataset(\"path/to/this/version\", \"preferences\")  # DatasetDict: train, test\n")
        .append("sft = load_dataset(\"path/to/this/version\", \"sft\")\n")
        .append("lineage = load_dataset(\"path/to/this/version\", \"lineage\")[\"train\"]  # an audit table\n```\n\n")
        .append("Each record table's files are named by their split (`train-*.parquet`, `test-*.parquet`), and the ")
        .append("`split` column stays in the rows. The configuration and input checksums are in `manifest.json`.\n\n")
        .append("## Quality report\n\n`report.html`, beside this card, shows the figures above as charts: each ")
        .append("annotator's deciding figure against its threshold, the dropped and borderline annotators' confusion, ")
        .append("time on task, review and quarantine reasons, the margins and agreement, and the trends over the ")
        .append("versions before this one. It is one file that loads nothing else.\n");
    try {
      Files.writeString(file, md.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The published tables, record tables first: each is a configuration of the Hugging Face metadata. */
  static final List<String> CONFIGS = List.of("preferences", "sft", "labels", "annotators", "review", "quarantine",
      "lineage", "decisions", "duplicates", "changes");
  private static final List<String> RECORD_TABLES = List.of("preferences", "sft", "labels");

  /**
   * The YAML block the Hugging Face tools read at the top of a dataset card: a configuration per table with its data
   * files (a record table's split by split, an audit table as one split, train), its features (the columns and their
   * types, from the table's .avsc) and the size category of its records, so that {@code datasets.load_dataset(version, "preferences")} returns train and test and the folder can
   * be pushed to a hub as it is. A split with no rows has no files and is left out.
   */
  @SuppressWarnings("unchecked")
  static String hubMetadata(Map<String, Object> manifest) {
    Map<String, Object> counts = (Map<String, Object>) manifest.get("counts");
    Map<String, Object> tables = (Map<String, Object>) counts.get("tables");
    Map<String, Map<String, Number>> splits = (Map<String, Map<String, Number>>) counts.getOrDefault("record_splits",
        Map.of());
    long records = RECORD_TABLES.stream().mapToLong(t -> tables.get(t) instanceof Number n ? n.longValue() : 0).sum();
    StringBuilder y = new StringBuilder("---\n");
    y.append("pretty_name: Concord dataset ").append(manifest.get("run_id")).append("\n");
    y.append("size_categories:\n- ").append(sizeCategory(records)).append("\n");
    y.append("tags:\n- preference\n- rlhf\n- sft\n");
    y.append("configs:\n");
    for (String t : CONFIGS) {
      if (!tables.containsKey(t)) {
        continue;
      }
      y.append("- config_name: ").append(t).append("\n");
      if (t.equals("preferences")) {
        y.append("  default: true\n");
      }
      y.append("  data_files:\n");
      Map<String, Number> bySplit = splits.get(t);
      List<String> present = bySplit == null ? List.of() : List.of("train", "test").stream()
          .filter(split -> bySplit.get(split) != null && bySplit.get(split).longValue() > 0).toList();
      if (present.isEmpty()) {
        y.append("  - split: train\n    path: ").append(t).append("/*.parquet\n");
      }
      for (String split : present) {
        y.append("  - split: ").append(split).append("\n    path: ").append(t).append("/").append(split)
            .append("-*.parquet\n");
      }
    }
    y.append("dataset_info:\n");
    for (String t : CONFIGS) {
      if (tables.containsKey(t)) {
        y.append("- config_name: ").append(t).append("\n  features:\n");
        fields(y, "  ", Table.valueOf(t.toUpperCase(java.util.Locale.ROOT)).structType());
      }
    }
    return y.append("---\n\n").toString();
  }

  /** A table's columns as the Hugging Face features YAML lists them: name, then the type, nested as the data is. */
  private static void fields(StringBuilder y, String indent, StructType struct) {
    for (StructField f : struct.fields()) {
      y.append(indent).append("- name: ").append(f.name()).append("\n");
      feature(y, indent + "  ", f.dataType());
    }
  }

  private static void feature(StringBuilder y, String indent, DataType type) {
    if (type instanceof StructType s) {
      y.append(indent).append("struct:\n");
      fields(y, indent, s);
    } else if (type instanceof ArrayType a) {
      DataType e = a.elementType();
      if (e instanceof StructType s) {
        y.append(indent).append("list:\n");
        fields(y, indent, s);
      } else if (e instanceof ArrayType) {
        y.append(indent).append("list:\n");
        feature(y, indent + "  ", e);
      } else {
        y.append(indent).append("list: ").append(dtype(e)).append("\n");
      }
    } else {
      y.append(indent).append("dtype: ").append(dtype(type)).append("\n");
    }
  }

  /** The Hugging Face dtype of a Spark type that a published table holds. */
  static String dtype(DataType type) {
    if (type instanceof org.apache.spark.sql.types.StringType) {
      return "string";
    }
    Map<DataType, String> simple = Map.of(DataTypes.IntegerType, "int32", DataTypes.LongType, "int64",
        DataTypes.DoubleType, "float64", DataTypes.FloatType, "float32", DataTypes.BooleanType, "bool",
        DataTypes.BinaryType, "binary");
    String d = simple.get(type);
    if (d == null) {
      throw new IllegalStateException("a published column of type " + type.simpleString() + " has no Hugging Face"
          + " dtype here: describe it in DatasetCard.dtype");
    }
    return d;
  }

  /** The Hugging Face size category of {@code n} records. */
  static String sizeCategory(long n) {
    String[] names = {"n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B",
        "1B<n<10B", "10B<n<100B", "100B<n<1T"};
    long bound = 1000;
    for (String name : names) {
      if (n < bound) {
        return name;
      }
      bound *= 10;
    }
    return "n>1T";
  }

  /**
   * A value from the data as one Markdown table cell: a '|' escaped and line breaks made spaces, so a project named
   * {@code a|b} cannot add a column; HTML's angle brackets escaped, so a name cannot add markup.
   */
  static String cell(Object value) {
    return String.valueOf(value).replace("\\", "\\\\").replace("|", "\\|").replaceAll("[\\r\\n]+", " ")
        .replace("<", "&lt;").replace(">", "&gt;");
  }

  private static void row(StringBuilder md, Map<String, Object> tables, String name, String what) {
    md.append("| `").append(name).append("/` | ").append(tables.get(name)).append(" | ").append(what).append(" |\n");
  }
}
