package dev.concord.bench;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concord.config.ProjectSettings;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.generate.Generator;
import dev.concord.ingest.Pseudonyms;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import dev.concord.job.Sparks;
import dev.concord.schema.Col;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench/quality}: every resolution method, through the whole job, on real crowd labels with ground truth
 * (with no gold, and with 10% of the truth given as gold, scored on the other 90%) and on generated data with known
 * truth. Prints accuracy on the items resolved, the share sent to review, accuracy on every item (an item sent to
 * review counted as unresolved, so that review is never free), the same with a review item counted by the answer the
 * review table suggests, and on generated data the precision and recall of dropping bad annotators.
 *
 * <p>Usage: {@code Quality WORK_DIR SUBMISSIONS METHODS CROWD_DIR...}, METHODS a comma-separated list of
 * resolution methods or {@code all}; each crowd folder holds {@code answers.csv}
 * ({@code task,worker,label}) and {@code truth.csv} ({@code task,label}).
 */
public final class Quality {
  private Quality() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double GOLD_SHARE = 0.1;

  public static void main(String[] args) throws IOException {
    Path work = Path.of(args[0]);
    int submissions = Integer.parseInt(args[1]);
    List<String> methods = args[2].equals("all") ? ProjectSettings.METHODS : List.of(args[2].split(","));
    for (String m : methods) {
      if (!ProjectSettings.METHODS.contains(m)) {
        throw new IllegalArgumentException("--methods: '" + m + "' is not one of " + ProjectSettings.METHODS);
      }
    }
    List<Path> crowd = Stream.of(args).skip(3).map(Path::of).toList();
    SparkSession spark = Sparks.open("concord quality", "local[*]",
        java.util.Map.of("spark.sql.shuffle.partitions", "8")).spark();
    List<String> report = new ArrayList<>();
    report.add(String.format("%-22s %-14s %-6s %-6s %9s %9s %9s %8s %8s", "data", "method", "gold", "drops",
        "resolved", "accuracy", "review", "acc.all", "acc.sugg"));
    for (Path dir : crowd) {
      String name = dir.getFileName().toString();
      Path data = work.resolve("crowd").resolve(name);
      convert(dir, data, name);
      for (String method : methods) {
        // Dropping annotators is the job's policy; Dawid-Skene and the shipped auto also run without it, to show the
        // estimators alone.
        for (boolean drops : method.equals(ProjectSettings.DAWID_SKENE) || method.equals(ProjectSettings.AUTO)
            ? new boolean[] {true, false}
            : new boolean[] {true}) {
          for (boolean withGold : new boolean[] {false, true}) {
            Path out = work.resolve("out").resolve(name + "-" + method + (withGold ? "-gold" : "")
                + (drops ? "" : "-nodrops"));
            Path gold = withGold ? data.resolve("gold") : null;
            run(spark, data.resolve("submissions"), gold, out, conf(work, method, drops ? null : "crowd-" + name));
            report.add(crowdFigures(spark, name, method, gold, drops, dir, out));
          }
        }
      }
    }

    Path generated = work.resolve("generated-" + submissions);
    if (!Files.exists(generated.resolve("truth").resolve("annotators.csv"))) {
      Generator.generate(new Generator.Options(generated, submissions, 7, Math.max(20, submissions / 100), 4,
          GOLD_SHARE, 0.15, 0.005, 3, 5, 200));
    }
    report.add("");
    report.add(String.format("%-22s %-14s %9s %9s %9s %9s %9s %9s", "generated", "method", "pref.acc", "label.acc",
        "review", "drop.prec", "recall.sa", "recall.all"));
    for (String method : methods) {
      Path out = work.resolve("out").resolve("generated-" + submissions + "-" + method);
      run(spark, generated.resolve("submissions"), generated.resolve("gold"), out, conf(work, method, null));
      report.add(generatedFigures(spark, submissions, method, generated, out));
    }
    report.forEach(System.out::println);
    Files.write(work.resolve("quality.txt"), report);
    spark.stop();
  }

  /**
   * Crowd answers as label submissions of project crowd-NAME; 10% of the tasks (by hash) as gold. Written afresh
   * every time (a few seconds), so that the gold given always follows the draw in {@link #isGoldTask}.
   */
  static void convert(Path dir, Path data, String name) throws IOException {
    Files.createDirectories(data.resolve("submissions"));
    Files.createDirectories(data.resolve("gold"));
    List<String> answers = Files.readAllLines(dir.resolve("answers.csv"));
    try (BufferedWriter w = Files.newBufferedWriter(data.resolve("submissions").resolve("answers.jsonl"))) {
      for (String line : answers.subList(1, answers.size())) {
        String[] f = line.split(",", -1);
        ObjectNode s = JSON.createObjectNode()
            .put("submission_id", name + "-" + f[0] + "-" + f[1]).put("item_id", "task-" + f[0])
            .put("project", "crowd-" + name).put("task_type", "label").put("annotator_id", f[1])
            .put("submitted_at", "2026-11-21T00:00:00Z").put("prompt", prompt(name, f[0]));
        s.putArray("responses");
        s.putObject("answer").put("label", f[2]);
        w.write(JSON.writeValueAsString(s) + "\n");
      }
    }
    List<String> truth = Files.readAllLines(dir.resolve("truth.csv"));
    try (BufferedWriter w = Files.newBufferedWriter(data.resolve("gold").resolve("gold.jsonl"))) {
      for (String line : truth.subList(1, truth.size())) {
        String[] f = line.split(",", -1);
        if (isGoldTask(f[0])) {
          ObjectNode g = JSON.createObjectNode().put("item_id", "task-" + f[0]).put("task_type", "label")
              .put("source", "truth-sample");
          g.putObject("answer").put("label", f[1]);
          w.write(JSON.writeValueAsString(g) + "\n");
        }
      }
    }
  }

  /**
   * A stand-in for the task's text, which the crowd data does not hold: its name and a digest of it, so that no two
   * tasks' prompts are near duplicates ("Task 12" and "Task 120" would be, and be merged away unscored).
   */
  static String prompt(String set, String task) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256")
          .digest((set + ":" + task).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "Task " + task + " of " + set + ": " + java.util.HexFormat.of().formatHex(h);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The tasks given as gold: a fixed tenth, drawn by hash so that every method sees the same ones. */
  static boolean isGoldTask(String task) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256")
          .digest(("gold:" + task).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return Math.floorMod(java.nio.ByteBuffer.wrap(h).getInt(), 1000) < GOLD_SHARE * 1000;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The shipped configuration with every project resolved by {@code method}, without the bootstrap intervals and
   * Light's kappa of the project figures, which resolution does not use, and, for project {@code neverDrop}, with a
   * kappa threshold no annotator can fall below.
   */
  static Path conf(Path work, String method, String neverDrop) throws IOException {
    Path conf = work.resolve("conf-" + method + (neverDrop == null ? "" : "-" + neverDrop) + ".yaml");
    String shipped = Files.readString(Path.of("conf", "concord.yaml"));
    String replaced = shipped.replaceFirst("(?m)^  resolution_method: .*$", "  resolution_method: " + method)
        .replaceFirst("(?m)^  bootstrap_replicates: .*$", "  bootstrap_replicates: 0")
        .replaceFirst("(?m)^  pairwise_max_annotators: .*$", "  pairwise_max_annotators: 2");
    if (neverDrop != null) {
      replaced = replaced.replaceFirst("(?m)^projects:$", "projects:\n  " + neverDrop
          + ":\n    kappa_thresholds: {label: -1.0}");
    }
    Files.writeString(conf, replaced);
    return conf;
  }

  static void run(SparkSession spark, Path input, Path gold, Path out, Path conf) throws IOException {
    org.apache.commons.io.FileUtils.deleteDirectory(out.toFile());
    int code = Runner.run(new RunRequest(List.of(input), gold == null ? List.of() : List.of(gold), out, conf,
        "quality", null));
    if (code != 0) {
      throw new IllegalStateException("the run into " + out + " failed with exit " + code);
    }
  }

  /** With gold, the tasks given as gold (those in the gold file the run read) are left out of the score. */
  static String crowdFigures(SparkSession spark, String name, String method, Path gold, boolean drops,
      Path dir, Path out) {
    boolean withGold = gold != null;
    Dataset<Row> truth = spark.read().option("header", "true").csv(dir.resolve("truth.csv").toString())
        .selectExpr("concat('task-', task) as item_id", "label as truth");
    if (withGold) {
      truth = truth.join(spark.read().json(gold.toString()).select(Col.ITEM_ID), new String[] {Col.ITEM_ID},
          "left_anti");
    }
    Path version = out.resolve("quality");
    Dataset<Row> labels = spark.read().parquet(version.resolve("labels").toString())
        .select(col(Col.ITEM_ID), col(Col.LABEL).as("answer"), lit(true).as("resolved"));
    Dataset<Row> review = spark.read().parquet(version.resolve("review").toString())
        .select(col(Col.ITEM_ID), col(Col.SUGGESTED_ANSWER).as("answer"), lit(false).as("resolved"));
    Row r = truth.join(labels.unionByName(review), new String[] {Col.ITEM_ID}, "left")
        .agg(count(lit(1)).as("tasks"),
            sum(when(col("resolved"), 1).otherwise(0)).as("resolved"),
            sum(when(col("resolved").and(col("answer").equalTo(col("truth"))), 1).otherwise(0)).as("right"),
            sum(when(col("answer").equalTo(col("truth")), 1).otherwise(0)).as("right_all"))
        .first();
    long tasks = r.getLong(0);
    long resolved = r.getLong(1);
    return String.format(Locale.ROOT, "%-22s %-14s %-6s %-6s %9d %9.4f %9.4f %8.4f %8.4f", name + " (" + tasks + ")",
        method, withGold ? "10%" : "none", drops ? "yes" : "no", resolved, (double) r.getLong(2) / resolved,
        1 - (double) resolved / tasks, (double) r.getLong(2) / tasks, (double) r.getLong(3) / tasks);
  }

  static String generatedFigures(SparkSession spark, int submissions, String method, Path data, Path out) {
    Path version = out.resolve("quality");
    Dataset<Row> truth = spark.read().option("header", "true").csv(data.resolve("truth/items.csv").toString());
    // Truth of a pair: the chosen response comes first in the item's true order.
    Dataset<Row> prefs = spark.read().parquet(version.resolve("preferences").toString())
        .filter(col(Col.RESOLUTION).notEqual("gold"))
        .join(truth, Col.ITEM_ID)
        .withColumn("order", org.apache.spark.sql.functions.split(col("truth"), " "))
        .withColumn("chosen_at", org.apache.spark.sql.functions.array_position(col("order"), col(Col.CHOSEN_RESPONSE_ID)))
        .withColumn("rejected_at", org.apache.spark.sql.functions.array_position(col("order"),
            col(Col.REJECTED_RESPONSE_ID)))
        // A pairwise truth names the better response only; a ranking's or rating's names the whole order.
        .withColumn("right", col("chosen_at").gt(0).and(col("rejected_at").equalTo(0)
            .or(col("chosen_at").lt(col("rejected_at")))));
    double prefAccuracy = prefs.agg(avg(col("right").cast("double"))).first().getDouble(0);
    Dataset<Row> labels = spark.read().parquet(version.resolve("labels").toString())
        .filter(col(Col.RESOLUTION).notEqual("gold")).join(truth, Col.ITEM_ID);
    double labelAccuracy = labels.agg(avg(col(Col.LABEL).equalTo(col("truth")).cast("double"))).first().getDouble(0);
    long judged = truth.filter(col(Col.TASK_TYPE).notEqual("sft")).count();
    long review = spark.read().parquet(version.resolve("review").toString()).count();

    byte[] key = Runner.pseudonymKey(out.resolve(".concord"));
    List<Row> who = spark.read().option("header", "true").csv(data.resolve("truth/annotators.csv").toString())
        .collectAsList();
    List<Row> pseudonyms = new ArrayList<>();
    for (Row w : who) {
      pseudonyms.add(org.apache.spark.sql.RowFactory.create(Pseudonyms.of(w.getString(0), key), w.getString(1)));
    }
    Dataset<Row> profiles = spark.createDataFrame(pseudonyms, new org.apache.spark.sql.types.StructType()
        .add(Col.ANNOTATOR, "string").add("profile", "string"));
    Row d = spark.read().parquet(version.resolve("annotators").toString()).join(profiles, Col.ANNOTATOR)
        .withColumn("dropped", col(Col.DECISION).equalTo(AnnotatorFilter.DROPPED))
        .withColumn("bad", col("profile").isin("spammer", "adversarial", "always_first"))
        .withColumn("spam_adv", col("profile").isin("spammer", "adversarial"))
        .agg(sum(when(col("dropped"), 1).otherwise(0)), sum(when(col("dropped").and(col("bad")), 1).otherwise(0)),
            sum(when(col("spam_adv"), 1).otherwise(0)),
            sum(when(col("spam_adv").and(col("dropped")), 1).otherwise(0)),
            sum(when(col("bad"), 1).otherwise(0)))
        .first();
    return String.format(Locale.ROOT, "%-22s %-14s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f", submissions + " submissions",
        method, prefAccuracy, labelAccuracy, (double) review / judged, ratio(d.getLong(1), d.getLong(0)),
        ratio(d.getLong(3), d.getLong(2)), ratio(d.getLong(1), d.getLong(4)));
  }

  private static double ratio(long a, long b) {
    return b == 0 ? Double.NaN : (double) a / b;
  }
}
