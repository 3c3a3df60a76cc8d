package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_block_start;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;

import dev.concord.config.TaskType;
import dev.concord.config.ConfigException;
import dev.concord.dedup.Dedup;
import dev.concord.schema.Col;
import dev.concord.schema.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * All of Concord's reading and writing: input lines, the run's staging area (each step's outputs, kept until
 * publication so that a resumed run reuses them) and the published tables.
 */
public final class Store {
  private static final Logger LOG = LogManager.getLogger(Store.class);
  private final SparkSession spark;
  private final Path root;
  private final String runId;

  private final History history;
  private final java.util.Set<String> tonight;

  public Store(SparkSession spark, Path root, String runId) {
    this(spark, root, runId, null, java.util.Set.of());
  }

  /**
   * @param history the submission store's committed batches this run builds on (null: none, a scratch run)
   * @param tonight the paths of the files this run ingests, which replace the same paths' earlier content
   */
  public Store(SparkSession spark, Path root, String runId, History history, java.util.Set<String> tonight) {
    this.spark = spark;
    this.root = root.toAbsolutePath().normalize();
    this.runId = runId;
    this.history = history;
    this.tonight = java.util.Set.copyOf(tonight);
  }

  /** The submission store's batches this run builds on (null for a run without a store). */
  public History history() {
    return history;
  }

  /**
   * A kept table ({@link History#MOVED}) over the whole store: every committed batch's rows (but those of a file a
   * later batch ingested again) and this run's own, each with its {@code batch} number in commit order, this run's
   * the highest. Empty of rows but typed when there are none; null when no batch ever staged the table.
   */
  public Dataset<Row> whole(Staged table) {
    StepGraph.checkRead(currentStep(), table);
    List<Dataset<Row>> parts = committed(table);
    Path own = stagingDir().resolve(table.folder());
    if (Files.isDirectory(own)) {
      parts.add(read(own).withColumn(Col.BATCH, lit((history == null ? 0 : history.batches().size()) + 1)));
    }
    return parts.stream().reduce((a, b) -> a.unionByName(b, true)).orElse(null);
  }

  /** {@link #whole} without this run's own rows: what the committed batches hold; null when none holds the table. */
  public Dataset<Row> stored(Staged table) {
    return committed(table).stream().reduce((a, b) -> a.unionByName(b, true)).orElse(null);
  }

  private List<Dataset<Row>> committed(Staged table) {
    StepGraph.checkRead(currentStep(), table);
    List<Dataset<Row>> parts = new java.util.ArrayList<>();
    int order = 0;
    for (History.Batch b : history == null ? List.<History.Batch>of() : history.batches()) {
      order++;
      Path dir = history.table(b.runId(), table);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      Dataset<Row> part = read(dir);
      java.util.Set<String> replaced = history.replacedPaths(b.runId(), tonight);
      // A table of contents (keys of texts) holds no file's lines: nothing in it is replaced.
      if (!replaced.isEmpty() && List.of(part.columns()).contains(Col.SOURCE_FILE)) {
        part = part.filter(col(Col.SOURCE_FILE).isin(replaced.toArray()).unary_$bang());
      }
      parts.add(part.withColumn(Col.BATCH, lit(order)));
    }
    return parts;
  }

  /** The rows of {@link #whole}, as counted when each part was written. */
  public long wholeRows(Staged table) {
    long rows = 0;
    for (History.Batch b : history == null ? List.<History.Batch>of() : history.batches()) {
      Path dir = history.table(b.runId(), table);
      rows += Files.isDirectory(dir) ? description(dir).map(d -> d.get("rows").asLong()).orElse(0L) : 0L;
    }
    Path own = stagingDir().resolve(table.folder());
    return rows + (Files.isDirectory(own) ? stagedRows(table) : 0L);
  }

  /**
   * The prompts published so far with their splits ({@code prompt_key, prompt_text, split}), from the store's
   * newest batch; null when nothing was published yet.
   */
  public Dataset<Row> pins() {
    return history == null ? null : history.pins().map(this::read).orElse(null);
  }

  /**
   * Writes the pins a publication leaves ({@code prompt_key, prompt_text, split, band_keys}) into the run's batch.
   */
  public void writePins(Dataset<Row> pins) {
    Path dir = history.pinsOf(runId);
    long rows = write(pins, dir);
    writeDescription(dir, pins.schema(), rows, null);
  }

  /** The pins this run wrote into its batch ({@link #writePins}). */
  public Dataset<Row> pinsWritten() {
    return read(history.pinsOf(runId));
  }

  /**
   * The verified near-duplicate pairs between the pinned prompts ({@code a, b, similarity}), from the store's newest
   * batch; null when it has none or found them with other {@code settings} (then every pair is searched again).
   */
  public Dataset<Row> pinnedPairs(String settings) {
    return known(History.PINNED_PAIRS, settings);
  }

  /** Writes the pairs between the pins a publication leaves, found with {@code settings}, into the run's batch. */
  public void writePinnedPairs(Dataset<Row> pairs, String settings) {
    writeKnown(History.PINNED_PAIRS, pairs, settings);
  }

  /**
   * The blocks of compared records with their verified pairs ({@link dev.concord.dedup.Dedup#recordPairs}), from the
   * store's newest batch; null when it has none or found them with other {@code settings}.
   */
  public Dataset<Row> recordPairs(String settings) {
    return known(History.RECORD_PAIRS, settings);
  }

  /** Writes the blocks of compared records and their pairs, found with {@code settings}, into the run's batch. */
  public void writeRecordPairs(Dataset<Row> pairs, String settings) {
    writeKnown(History.RECORD_PAIRS, pairs, settings);
  }

  /** A whole-history table of the newest batch found with {@code settings}; null if none, or found with others. */
  private Dataset<Row> known(String table, String settings) {
    java.util.Optional<Path> dir = history == null ? java.util.Optional.empty() : history.newest(table);
    if (dir.isEmpty()) {
      return null;
    }
    String found = description(dir.get()).map(d -> d.path(SETTINGS).asText(null)).orElse(null);
    if (!settings.equals(found)) {
      LOG.info("store: {} were found with other dedup settings ({}); searching them again", table, found);
      return null;
    }
    return read(dir.get());
  }

  private void writeKnown(String table, Dataset<Row> data, String settings) {
    Path dir = history.newestOf(runId, table);
    long rows = write(data, dir);
    writeDescription(dir, data.schema(), rows, settings);
  }

  private static final String SETTINGS = "settings";

  private Dataset<Row> read(Path dir) {
    return description(dir).map(d -> spark.read().schema((StructType) DataType.fromJson(d.get("schema").toString()))
        .parquet(dir.toString())).orElseGet(() -> spark.read().parquet(dir.toString()));
  }

  public SparkSession spark() {
    return spark;
  }

  public Path root() {
    return root;
  }

  public String runId() {
    return runId;
  }

  public Path stateDir() {
    return root.resolve(".concord");
  }

  public Path stagingDir() {
    return stateDir().resolve("staging").resolve(runId);
  }

  /** Where the tables of this run are written before the version is published in one rename. */
  public Path publishingDir() {
    return stagingDir().resolve("publish");
  }

  public Path versionDir() {
    return root.resolve(runId);
  }

  /**
   * Every line of the input files, plain or gzip, from files or directories read recursively (every file, whatever
   * its name), with where it came from: {@code source_file, block_start, row_id} and the line's bytes in {@code raw};
   * {@code reason, detail} set on a row that stands for a fault of its file (a gzip file that breaks off), else
   * null. Crowd label CSV files become lines in the contract's format.
   */
  public Dataset<Row> readLines(List<Path> inputs, String option, int maxLineBytes) {
    for (Path p : inputs) {
      if (!Files.exists(p)) {
        throw new ConfigException(option + " " + p + " does not exist");
      }
    }
    List<Path> csv = inputs.stream().filter(p -> p.toString().endsWith(".csv")).toList();
    List<Path> jsonLines = inputs.stream().filter(p -> !p.toString().endsWith(".csv")).toList();
    Dataset<Row> lines = readJsonLines(jsonLines, maxLineBytes);
    if (!csv.isEmpty()) {
      lines = lines.unionByName(readCrowdCsv(csv, option.equals("--gold")));
    }
    return lines;
  }

  /**
   * What the input holds: its submission lines, as {@link #readLines} gives them, and the gold labels an annotation
   * tool's export holds (a Label Studio ground truth) as gold lines, null when no export was read. Close it once both
   * are staged: an export's records are read once, kept for the two.
   */
  public record Input(Dataset<Row> lines, Dataset<Row> gold, Dataset<Row> pieces) implements AutoCloseable {
    @Override
    public void close() {
      if (pieces != null) {
        pieces.unpersist();
      }
    }
  }

  /**
   * Refuses, before a run starts, an input it cannot read: a path that does not exist, a file that fits no format,
   * an export that no project's mapping reads. The message names the file (exit 2).
   */
  public void checkInput(List<Path> inputs, dev.concord.ingest.Exports.Format given,
      dev.concord.ingest.Exports exports) {
    recognised(inputs, given, exports);
  }

  /**
   * Every input file but crowd CSV, with the format it is read as ({@link #checkInput}'s checks made): a file's first
   * bytes are read once here.
   */
  private Map<InputFiles.File, ExportReader.Recognised> recognised(List<Path> inputs,
      dev.concord.ingest.Exports.Format given, dev.concord.ingest.Exports exports) {
    for (Path p : inputs) {
      if (!Files.exists(p)) {
        throw new ConfigException("--input " + p + " does not exist");
      }
    }
    com.fasterxml.jackson.core.JsonFactory json = dev.concord.ingest.Exports.jsonFactory();
    Map<InputFiles.File, ExportReader.Recognised> out = new java.util.LinkedHashMap<>();
    for (InputFiles.File f : InputFiles.list(inputs.stream().filter(p -> !crowdCsv(p, given)).toList())) {
      ExportReader.Recognised r = ExportReader.recognise(f, given, json,
          path -> List.of(spark.read().parquet(path).columns()));
      if (r.format() != null && r.format() != dev.concord.ingest.Exports.Format.CONCORD) {
        exports.check(f.path(), r.format());
      }
      out.put(f, r);
    }
    return out;
  }

  /** Crowd label CSV files are known by their name, and read only where the input is the contract's own. */
  private static boolean crowdCsv(Path p, dev.concord.ingest.Exports.Format given) {
    return (given == null || given == dev.concord.ingest.Exports.Format.CONCORD) && p.toString().endsWith(".csv");
  }

  /**
   * The input files in their formats: each is the contract's JSON Lines, a Label Studio or an Argilla export, as
   * {@code given} ({@code --input-format}) or recognised from its first record; crowd label CSV files by their
   * name. Every export is checked against the projects' mappings before anything is read.
   */
  public Input readInput(List<Path> inputs, dev.concord.ingest.Exports.Format given,
      dev.concord.ingest.Exports exports, int maxLineBytes) {
    Map<InputFiles.File, ExportReader.Recognised> recognised = recognised(inputs, given, exports);
    List<Path> csv = inputs.stream().filter(p -> crowdCsv(p, given)).toList();
    List<InputFiles.File> lineFiles = new java.util.ArrayList<>();
    List<InputFiles.File> exportFiles = new java.util.ArrayList<>();
    List<ExportReader.Recognised> formats = new java.util.ArrayList<>();
    recognised.forEach((f, r) -> {
      if (r.format() == null) {
        LOG.info("{} is an empty export: nothing to read", f.path());
      } else if (r.format() == dev.concord.ingest.Exports.Format.CONCORD) {
        lineFiles.add(f);
      } else {
        LOG.info("reading {} as a {} export", f.path(), r.format().id());
        exportFiles.add(f);
        formats.add(r);
      }
    });
    Dataset<Row> lines = readLineFiles(lineFiles, maxLineBytes);
    if (!csv.isEmpty()) {
      lines = lines.unionByName(readCrowdCsv(csv, false));
    }
    if (exportFiles.isEmpty()) {
      return new Input(lines, null, null);
    }
    long splitBytes = LineReader.splitBytes(exportFiles, bytes("spark.sql.files.maxPartitionBytes", "128m"),
        bytes("spark.sql.files.openCostInBytes", "4m"), spark.sparkContext().defaultParallelism());
    Dataset<Row> pieces = ExportReader.pieces(spark, exportFiles, formats, exports, splitBytes, maxLineBytes)
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    Column gold = col(Col.IS_GOLD);
    return new Input(lines.unionByName(pieces.filter(gold.unary_$bang()).drop(Col.IS_GOLD)
            .withColumn(Col.KEEP_RAW, lit(true))),
        pieces.filter(gold).drop(Col.IS_GOLD).withColumn(Col.KEEP_RAW, lit(true)), pieces);
  }

  private Dataset<Row> readJsonLines(List<Path> inputs, int maxLineBytes) {
    return readLineFiles(InputFiles.list(inputs), maxLineBytes);
  }

  private Dataset<Row> readLineFiles(List<InputFiles.File> files, int maxLineBytes) {
    // Split and packed as Spark's own file sources would be, by the same two settings.
    long openCost = bytes("spark.sql.files.openCostInBytes", "4m");
    long splitBytes = LineReader.splitBytes(files, bytes("spark.sql.files.maxPartitionBytes", "128m"), openCost,
        spark.sparkContext().defaultParallelism());
    List<List<LineReader.Split>> tasks = LineReader.pack(LineReader.splits(files, splitBytes), splitBytes, openCost);
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, Math.max(1, tasks.size()))
        .flatMap(task -> LineReader.read(task, maxLineBytes));
    return spark.createDataFrame(rows, LineReader.LINES).withColumn(Col.KEEP_RAW, lit(false));
  }

  /**
   * Chosen input lines read again as {@link #readLines} read them ({@code source_file, block_start, row_id, raw}),
   * without parsing: {@code wanted} names them by {@code source_file, block_start, row_id}. Only the splits holding
   * a wanted line are read, each from its start up to its last wanted line, so that the texts of good lines need not
   * be staged for the few that the cross-line checks reject. Their driver-side list is bounded by the splits of the
   * input, never by its lines.
   */
  public Dataset<Row> reread(Dataset<Row> wanted, int maxLineBytes) {
    List<Row> splits = wanted.groupBy(Col.SOURCE_FILE, Col.BLOCK_START)
        .agg(org.apache.spark.sql.functions.max(Col.ROW_ID)).collectAsList();
    List<LineReader.Reread> tasks = new java.util.ArrayList<>();
    for (Row r : splits) {
      tasks.add(new LineReader.Reread(InputFiles.list(List.of(Path.of(r.getString(0)))).get(0), r.getLong(1),
          r.getLong(2)));
    }
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, Math.max(1, Math.min(tasks.size(), spark.sparkContext().defaultParallelism())))
        .flatMap(task -> LineReader.read(task, maxLineBytes));
    return spark.createDataFrame(rows, LineReader.LINES).join(wanted,
        new String[] {Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID}).select(Col.SOURCE_FILE, Col.BLOCK_START,
        Col.ROW_ID, Col.RAW);
  }

  private long bytes(String setting, String fallback) {
    return org.apache.spark.network.util.JavaUtils.byteStringAsBytes(spark.conf().get(setting, fallback));
  }

  /** The longest evaluation prompt line read whole. */
  static final int EVAL_LINE_BYTES = 64 << 20;

  /**
   * Evaluation prompts: JSON Lines (a {@code prompt} field per line) or Parquet (a {@code prompt} column), the prompt
   * a string (one user message) or a list of {@code {role, content}} messages. Returns {@code source_file},
   * {@code raw} and {@code prompt} as messages, null where a record has no readable prompt.
   */
  public Dataset<Row> readEvalPrompts(List<Path> paths) {
    DataType messages = DataTypes.createArrayType(new StructType().add(Col.ROLE, DataTypes.StringType)
        .add(Col.CONTENT, DataTypes.StringType));
    Dataset<Row> out = null;
    for (Path p : paths) {
      String path = p.toAbsolutePath().normalize().toString();
      boolean parquet = path.endsWith(".parquet") || (Files.isDirectory(p) && hasParquet(p));
      Dataset<Row> read;
      if (parquet) {
        Dataset<Row> rows = spark.read().option("recursiveFileLookup", "true").parquet(path);
        DataType type = java.util.Arrays.stream(rows.schema().fields()).filter(f -> f.name().equals(Col.PROMPT))
            .map(StructField::dataType).findFirst().orElseThrow(() -> new ConfigException("--eval-prompts " + p
                + " has no 'prompt' column (columns: " + String.join(", ", rows.columns()) + ")"));
        Column prompt = type.equals(DataTypes.StringType)
            ? org.apache.spark.sql.functions.array(org.apache.spark.sql.functions.struct(lit("user").as(Col.ROLE),
                col(Col.PROMPT).as(Col.CONTENT)))
            : col(Col.PROMPT).cast(messages);
        read = rows.select(regexp_replace(input_file_name(), "^file:(//)?", "").as(Col.SOURCE_FILE),
            org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(col(Col.PROMPT)))
                .as(Col.RAW), prompt.as(Col.PROMPT));
      } else {
        Column value = col("value");
        Column asString = org.apache.spark.sql.functions.get_json_object(value, "$.prompt");
        Column isList = org.apache.spark.sql.functions.get_json_object(value, "$.prompt[0]").isNotNull();
        Column prompt = org.apache.spark.sql.functions.when(isList,
                org.apache.spark.sql.functions.from_json(asString, messages))
            .when(asString.isNotNull(), org.apache.spark.sql.functions.array(org.apache.spark.sql.functions.struct(
                lit("user").as(Col.ROLE), asString.as(Col.CONTENT))));
        read = readJsonLines(List.of(p), EVAL_LINE_BYTES)
            .select(col(Col.SOURCE_FILE), col(Col.RAW).cast(DataTypes.StringType).as("value"))
            .filter(org.apache.spark.sql.functions.trim(value).notEqual(""))
            .select(col(Col.SOURCE_FILE), value.as(Col.RAW), prompt.as(Col.PROMPT));
      }
      out = out == null ? read : out.unionByName(read);
    }
    return out;
  }

  private static boolean hasParquet(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      return walk.anyMatch(f -> f.toString().endsWith(".parquet"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Removes the run's staging area once its version is published. */
  public void clearStaging() {
    Path dir = stagingDir();
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot clear the staging area " + dir, e);
    }
  }

  /**
   * Crowd label exports, CSV with a header: answers {@code task,worker,label}, or with {@code gold} the truth
   * {@code task,label}. Each row becomes a line in the contract's format (a label submission, or a label gold), the
   * project named after the file's folder, so that it takes the same path as JSON Lines. Line numbers count the
   * data rows (the header is not counted).
   */
  private Dataset<Row> readCrowdCsv(List<Path> inputs, boolean gold) {
    String[] paths = inputs.stream().map(p -> p.toAbsolutePath().normalize().toString()).toArray(String[]::new);
    Dataset<Row> rows = spark.read().option("header", "true").csv(paths)
        .select(col("*"), regexp_replace(input_file_name(), "^file:(//)?", "").as(Col.SOURCE_FILE),
            input_file_block_start().as(Col.BLOCK_START), monotonically_increasing_id().as(Col.ROW_ID));
    Column project = org.apache.spark.sql.functions.regexp_extract(col(Col.SOURCE_FILE), "/([^/]+)/[^/]+$", 1);
    Column answer = org.apache.spark.sql.functions.struct(col("label").as(Col.LABEL));
    Column raw = gold
        ? org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(col("task").as(Col.ITEM_ID),
            lit(TaskType.LABEL.id()).as(Col.TASK_TYPE), answer.as(Col.ANSWER), lit("truth").as(Col.SOURCE)))
        : org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(
            org.apache.spark.sql.functions.concat_ws(":", col("task"), col("worker")).as(Col.SUBMISSION_ID),
            col("task").as(Col.ITEM_ID), project.as(Col.PROJECT), lit(TaskType.LABEL.id()).as(Col.TASK_TYPE),
            col("worker").as(Col.ANNOTATOR_ID), lit("1970-01-01T00:00:00Z").as(Col.SUBMITTED_AT),
            org.apache.spark.sql.functions.concat(lit("item "), col("task")).as(Col.PROMPT), answer.as(Col.ANSWER)));
    return rows.select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID),
        org.apache.spark.sql.functions.encode(raw, "UTF-8").as(Col.RAW), lit(null).cast("string").as(Col.REASON),
        lit(null).cast("string").as(Col.DETAIL), lit(true).as(Col.KEEP_RAW));
  }

  /**
   * Writes {@code data} to the staging area as {@code name}. The Spark jobs are named after it (in the event log and
   * the progress lines) before {@code data} is built, since building may already run jobs (checkpoints).
   */
  public void stage(Staged table, java.util.function.Supplier<Dataset<Row>> data) {
    StepGraph.checkWrite(currentStep(), table);
    String name = table.folder();
    spark.sparkContext().setJobDescription("staging " + name);
    Path dir = stagingDir().resolve(name);
    Dataset<Row> built = data.get();
    long rows = write(built, dir);
    writeDescription(dir, built.schema(), rows);
    LOG.info("staged {}: {} rows, {} bytes", name, String.format("%,d", rows), bytes(stagingDir().resolve(name)));
  }

  /** The step running on this thread (its Spark job group), null outside the job's steps. */
  private String currentStep() {
    return spark.sparkContext().getLocalProperty(Progress.JOB_GROUP);
  }

  /** The bytes of the files under {@code dir} (bench/run sums what was staged). */
  private static long bytes(Path dir) {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot list the staged table " + dir, e);
    }
  }

  /** Writes {@code data} as Parquet and returns its rows, counted as they are written (no second job). */
  private long write(Dataset<Row> data, Path dir) {
    return writeTable(data, dir);
  }

  /** Per record table published by this run, its rows per split, counted as they were written. */
  public Map<String, Map<String, Long>> splitRows() {
    return java.util.Collections.unmodifiableMap(splitRows);
  }

  private final Map<String, Map<String, Long>> splitRows = new java.util.TreeMap<>();

  /**
   * Writes a record table as {@code train-*.parquet} and {@code test-*.parquet} in one folder, in one write: the
   * rows go out partitioned by a copy of their split, and the files are moved into the table's folder named by it.
   * A table with no rows is the one empty file a plain write leaves. Returns its rows.
   */
  private long writeBySplit(Dataset<Row> data, Path dir, Table table) {
    Path parts = dir.resolveSibling(dir.getFileName() + ".by-split");
    org.apache.spark.sql.Observation counted = new org.apache.spark.sql.Observation();
    Column train = col(Col.SPLIT).equalTo(Dedup.TRAIN);
    Column test = col(Col.SPLIT).equalTo(Dedup.TEST);
    data.withColumn(BY_SPLIT, col(Col.SPLIT))
        .observe(counted, org.apache.spark.sql.functions.count(lit(1)).as("rows"),
            org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.when(train, lit(1))).as(Dedup.TRAIN),
            org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.when(test, lit(1))).as(Dedup.TEST))
        .write().mode(SaveMode.Overwrite).partitionBy(BY_SPLIT).parquet(parts.toString());
    Map<String, Long> bySplit = new java.util.LinkedHashMap<>();
    long rows;
    try {
      Map<String, Object> c = counted.getAsJava();
      rows = ((Number) c.get("rows")).longValue();
      bySplit.put(Dedup.TRAIN, ((Number) c.get(Dedup.TRAIN)).longValue());
      bySplit.put(Dedup.TEST, ((Number) c.get(Dedup.TEST)).longValue());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting the rows written to " + dir, e);
    }
    try {
      History.deleteTree(dir);
      Files.createDirectories(dir);
      for (String split : List.of(Dedup.TRAIN, Dedup.TEST)) {
        Path from = parts.resolve(BY_SPLIT + "=" + split);
        if (!Files.isDirectory(from)) {
          continue;
        }
        try (java.util.stream.Stream<Path> files = Files.list(from)) {
          for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
            Files.move(f, dir.resolve(split + f.getFileName().toString().substring("part".length())),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          }
        }
      }
      if (Files.exists(parts.resolve("_SUCCESS"))) {
        Files.move(parts.resolve("_SUCCESS"), dir.resolve("_SUCCESS"));
      }
      History.deleteTree(parts);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot lay out " + dir + " by split", e);
    }
    if (rows == 0) {
      writeTable(data, dir);
    } else if (bySplit.get(Dedup.TRAIN) + bySplit.get(Dedup.TEST) != rows) {
      throw new IllegalStateException(table.folder() + ": " + (rows - bySplit.get(Dedup.TRAIN)
          - bySplit.get(Dedup.TEST)) + " rows are in neither split");
    }
    splitRows.put(table.folder(), bySplit);
    return rows;
  }

  /** The column a record table is partitioned by while it is written: a copy of its split, gone from the files. */
  private static final String BY_SPLIT = "by_split";

  /** Writes {@code data} as Parquet and returns its rows, counted as they are written. */
  static long writeTable(Dataset<Row> data, Path dir) {
    org.apache.spark.sql.Observation rows = new org.apache.spark.sql.Observation();
    data.observe(rows, org.apache.spark.sql.functions.count(lit(1)).as("rows")).write().mode(SaveMode.Overwrite)
        .parquet(dir.toString());
    try {
      return rows.getAsJava().get("rows") instanceof Long n ? n : 0L;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting the rows written to " + dir, e);
    }
  }

  /**
   * A staged table, read with the schema it was written with: inferring it would cost a Spark job per read, and a run
   * reads about fifty. A table staged before its description was written (a run killed in between) is staged again
   * by its step on resume, so the inference is only a fallback.
   */
  public Dataset<Row> staged(Staged table) {
    StepGraph.checkRead(currentStep(), table);
    return read(stagingDir().resolve(table.folder()));
  }

  /** The rows of a staged table, as counted when it was written. */
  public long stagedRows(Staged table) {
    StepGraph.checkRead(currentStep(), table);
    Path dir = stagingDir().resolve(table.folder());
    return description(dir).map(d -> d.get("rows").asLong()).orElseGet(() -> spark.read().parquet(dir.toString())
        .count());
  }

  /** Beside a staged table's Parquet files (Spark's readers skip names starting with an underscore). */
  static final String DESCRIPTION = "_staged.json";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** A staged table's schema and row count, in one file written after its Parquet files. */
  static void describe(Path dir, StructType schema, long rows) {
    writeDescription(dir, schema, rows);
  }

  private static void writeDescription(Path dir, StructType schema, long rows) {
    writeDescription(dir, schema, rows, null);
  }

  /** @param settings what the table was computed with, when it matters to a later reader; null for nothing */
  private static void writeDescription(Path dir, StructType schema, long rows, String settings) {
    try {
      com.fasterxml.jackson.databind.node.ObjectNode d = JSON.createObjectNode();
      d.put("rows", rows);
      if (settings != null) {
        d.put(SETTINGS, settings);
      }
      d.set("schema", JSON.readTree(schema.json()));
      Path tmp = dir.resolve(DESCRIPTION + ".tmp");
      Files.writeString(tmp, JSON.writeValueAsString(d));
      Files.move(tmp, dir.resolve(DESCRIPTION), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot describe the staged table " + dir, e);
    }
  }

  private static java.util.Optional<com.fasterxml.jackson.databind.JsonNode> description(Path dir) {
    Path file = dir.resolve(DESCRIPTION);
    if (!Files.exists(file)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(JSON.readTree(file.toFile()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the description of the staged table " + dir, e);
    }
  }

  /** A table this run has written into its publishing area, read with the table's .avsc schema. */
  public Dataset<Row> publishing(Table table) {
    return published(publishingDir(), table);
  }

  /** A table of a published version (or of the publishing area), read with the table's .avsc schema. */
  public Dataset<Row> published(Path version, Table table) {
    return spark.read().schema(table.structType()).parquet(version.resolve(table.folder()).toString());
  }

  /** Writes a published table in its .avsc's exact shape; a null in a required field fails the run loudly. */
  public long publish(Table table, Dataset<Row> data) {
    spark.sparkContext().setJobDescription("publishing " + table.folder());
    Dataset<Row> shaped = conform(data, table);
    long rows;
    try {
      rows = table.bySplit() ? writeBySplit(shaped, publishingDir().resolve(table.folder()), table)
          : write(shaped, publishingDir().resolve(table.folder()));
      if (rows > 0) {
        dropEmptyParts(publishingDir().resolve(table.folder()));
      }
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String first = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
      throw new IllegalStateException("publishing table " + table.folder() + " failed (" + root.getClass()
          .getSimpleName() + ": " + first + "); nothing was published", e);
    }
    LOG.info("wrote table {}: {} rows", table.folder(), String.format("%,d", rows));
    return rows;
  }

  /**
   * Removes the part files that hold no row from a published table that has rows: Spark leaves one for an empty
   * partition, and the {@code datasets} library fails on a Parquet file with no row group ("list index out of
   * range" while it counts shard lengths). A table with no row keeps its one file, for its schema.
   */
  static void dropEmptyParts(Path dir) {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")
          && f.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
        long rows;
        try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toUri()), conf))) {
          rows = reader.getRecordCount();
        }
        if (rows == 0) {
          Files.delete(f);
          Files.deleteIfExists(f.resolveSibling("." + f.getFileName() + ".crc"));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the parts of " + dir, e);
    }
  }

  static Dataset<Row> conform(Dataset<Row> data, Table table) {
    StructType target = table.structType();
    Column[] columns = new Column[target.fields().length];
    for (int i = 0; i < columns.length; i++) {
      StructField f = target.fields()[i];
      columns[i] = col(f.name()).cast(Table.nullable(f.dataType())).as(f.name());
    }
    Dataset<Row> selected = data.select(columns);
    return data.sparkSession().createDataFrame(selected.javaRDD(), target);
  }
}
