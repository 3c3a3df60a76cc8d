package dev.concord.job;

import dev.concord.config.ConcordConfig;
import dev.concord.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/** Starts (or resumes) one run of the nightly job. */
public final class Runner {
  private static final Logger LOG = LogManager.getLogger(Runner.class);
  static final String KEY_ENV = "CONCORD_PSEUDONYM_KEY";
  static final String KEY_FILE = "pseudonym.key";
  /** The lock of the submission store: no run id can be named so, since run ids start with a letter or digit. */
  static final String STORE_LOCK = "_store";

  private Runner() {}

  /** Runs the job; returns the exit code of {@code cli.md}. */
  public static int run(RunRequest request) {
    Path confFile = request.conf() != null ? request.conf() : Path.of("conf", "concord.yaml");
    if (!Files.isRegularFile(confFile)) {
      throw new ConfigException("--conf " + confFile + " does not exist");
    }
    ConcordConfig config = ConcordConfig.load(confFile);
    String runId = request.runId() != null ? request.runId()
        : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
    if (!runId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
      throw new ConfigException("--run-id '" + runId + "' must be letters, digits, '.', '_' or '-' (a folder name)");
    }
    requireNoPattern("--out", request.out());
    for (Path p : request.inputs()) {
      requireNoPattern("--input", p);
      if (!Files.exists(p)) {
        throw new ConfigException("--input " + p + " does not exist");
      }
    }
    for (Path p : request.gold()) {
      requireNoPattern("--gold", p);
      if (!Files.exists(p)) {
        throw new ConfigException("--gold " + p + " does not exist");
      }
    }
    for (Path p : request.evalPrompts()) {
      requireNoPattern("--eval-prompts", p);
      if (!Files.exists(p)) {
        throw new ConfigException("--eval-prompts " + p + " does not exist");
      }
    }
    Path root = request.out().toAbsolutePath().normalize();
    mkdirs(root.resolve(".concord"));
    byte[] key = pseudonymKey(root.resolve(".concord"));
    List<String> excluded = excludedPseudonyms(request.excludeAnnotators(), key);
    Path state = root.resolve(".concord");
    java.util.Optional<RunLock> lock = RunLock.tryAcquire(state, runId);
    if (lock.isEmpty()) {
      System.err.println("concord: run " + runId + " is already running (" + RunLock.file(state, runId)
          + " is locked by another process); this one is refused and changes nothing");
      return 1;
    }
    try (RunLock held = lock.get()) {
      // The submission store grows by one batch per published run: two runs at once over one root would each build
      // on a history without the other's night.
      java.util.Optional<RunLock> storeLock = RunLock.tryAcquire(state, STORE_LOCK);
      if (storeLock.isEmpty()) {
        System.err.println("concord: another run is using the submission store under " + root + " ("
            + RunLock.file(state, STORE_LOCK) + " is locked); run " + runId + " is refused and changes nothing");
        return 1;
      }
      try (RunLock store = storeLock.get()) {
        History history = History.recover(root).before(runId);
        java.util.TreeSet<String> all = new java.util.TreeSet<>(history.excluded());
        all.addAll(excluded);
        return runLocked(request, config, runId, root, key, List.copyOf(all), history);
      }
    }
  }

  private static int runLocked(RunRequest request, ConcordConfig config, String runId, Path root,
      byte[] key, List<String> excluded, History history) {

    try (Sparks.Session session = Sparks.open("concord " + runId,
        request.master() != null ? request.master() : "local[*]",
        Map.of("spark.local.dir", root.resolve(".concord").resolve("spark-tmp").toString(),
            "spark.sql.shuffle.partitions", String.valueOf(shufflePartitions(request.inputs()))))) {
      return runIn(session.spark(), request, config, runId, root, key, excluded, history);
    }
  }

  private static int runIn(SparkSession spark, RunRequest request, ConcordConfig config, String runId, Path root,
      byte[] key, List<String> excluded, History history) {
    Progress progress = new Progress(30);
    spark.sparkContext().addSparkListener(progress);
    try {
      RunInputs runInputs = RunInputs.of(request.inputs(), request.gold(), request.evalPrompts(), config.sha256(),
          excluded, history.ids(), history.currentChecksums()).readAs(request.inputFormat());
      ((List<?>) runInputs.description().get("skipped")).forEach(p -> LOG.warn("{}: already in the submission store"
          + " (the same content was ingested by an earlier run); skipped", p));
      java.util.Set<String> tonight = new java.util.TreeSet<>();
      runInputs.batchFiles().forEach(f -> tonight.add(String.valueOf(f.get("path"))));
      Store store = new Store(spark, root, runId, history, tonight);
      java.util.Optional<String> published = publishedFromOtherInputs(store, runInputs);
      if (published.isPresent()) {
        System.out.println(published.get());
        return 0;
      }
      startOverIfInputsChanged(store, runInputs);
      store.checkInput(runInputs.ingested("inputs"), request.inputFormat(),
          dev.concord.ingest.Exports.of(config, key));
      Steps steps = new Steps(store, config, key, runInputs.ingested("inputs"), runInputs.ingested("gold"),
          request.evalPrompts(), excluded, request.inputFormat());
      JobContext context = new JobContext(store, config, key, steps, runInputs, request);
      try (AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext()) {
        spring.registerBean(JobContext.class, () -> context);
        spring.register(BatchConfig.class);
        spring.refresh();
        // The output root identifies the run too: two roots sharing one job repository may reuse a run id.
        // So are its inputs: a run id started again over changed inputs is a new job instance, from the start.
        JobParameters params = new JobParametersBuilder().addString("run.id", runId)
            .addString("out", root.toString()).addString("inputs", runInputs.fingerprint()).toJobParameters();
        JobOperator operator = spring.getBean(JobOperator.class);
        recoverDeadExecution(spring.getBean(JobRepository.class), operator, params, runId);
        JobExecution execution;
        try {
          execution = operator.start(spring.getBean(Job.class), params);
        } catch (JobInstanceAlreadyCompleteException e) {
          System.out.println("run " + runId + " already completed and published to " + store.versionDir()
              + "; nothing changed");
          return 0;
        }
        if (execution.getStatus() == BatchStatus.COMPLETED) {
          System.out.println(Summary.of(store, execution));
          return 0;
        }
        java.util.Optional<dev.concord.quality.Gates.Failure> gate = execution.getAllFailureExceptions().stream()
            .map(Runner::gateFailure).flatMap(java.util.Optional::stream).findFirst();
        if (gate.isPresent()) {
          System.err.println("concord: run " + runId + " failed a data-quality gate and published nothing:");
          gate.get().results().forEach(r -> System.err.println("  " + r.line()));
          return 3;
        }
        java.util.Optional<ConfigException> misconfigured = execution.getAllFailureExceptions().stream()
            .map(Runner::configFault).flatMap(java.util.Optional::stream).findFirst();
        if (misconfigured.isPresent()) {
          // A mapping that the input shows wrong (a control no answer names) is the configuration's fault: exit 2.
          throw misconfigured.get();
        }
        LOG.error("run {} ended {}; start it again with --run-id {} to resume from the failed step", runId,
            execution.getStatus(), runId);
        execution.getAllFailureExceptions().forEach(t -> LOG.error("failure", t));
        return 1;
      } catch (org.springframework.batch.core.job.JobExecutionException e) {
        throw new IllegalStateException(e);
      }
    } finally {
      // bench/run reads this line: where the Spark jobs and stages went.
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty(10_000L);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warn("Spark's listener events are late: the counts below may miss the last few");
      }
      LOG.info("spark work per step: {}", progress.work());
      spark.sparkContext().removeSparkListener(progress);
    }
  }

  /**
   * A run id already published from other inputs changes nothing (a completed run is never redone), but says so,
   * since the new inputs are not in any version.
   */
  static java.util.Optional<String> publishedFromOtherInputs(Store store, RunInputs now) {
    Path manifest = store.versionDir().resolve("manifest.json");
    if (!Files.exists(manifest) || Files.exists(store.publishingDir())) {
      return java.util.Optional.empty();
    }
    String recorded;
    try {
      recorded = RunInputs.JSON.readTree(manifest.toFile()).path("inputs_fingerprint").asText(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + manifest, e);
    }
    if (recorded == null || recorded.equals(now.fingerprint())) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("run " + store.runId() + " already completed and published to " + store.versionDir()
        + " from other inputs or settings than these; nothing changed. To publish these, start a run with a new"
        + " --run-id.");
  }

  /**
   * A failed run's staged data came from the inputs it began with. If they changed since (a fixed input file, say),
   * resuming would publish stale data, so the staging is discarded and the run starts over from its first step.
   */
  static void startOverIfInputsChanged(Store store, RunInputs now) {
    Path file = store.stagingDir().resolve(RunInputs.FILE);
    java.util.Optional<RunInputs> began = RunInputs.read(file);
    if (began.isPresent() && !began.get().fingerprint().equals(now.fingerprint())) {
      LOG.warn("run {}: changed since it began: {}; its staged data is discarded and it starts over from the first"
          + " step", store.runId(), now.differencesFrom(began.get()));
      store.clearStaging();
    }
    now.write(file);
  }

  private static java.util.Optional<ConfigException> configFault(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConfigException e) {
        return java.util.Optional.of(e);
      }
    }
    return java.util.Optional.empty();
  }

  private static java.util.Optional<dev.concord.quality.Gates.Failure> gateFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof dev.concord.quality.Gates.Failure f) {
        return java.util.Optional.of(f);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * An execution the repository still shows running, while this process holds the run's lock, belonged to a process
   * that died without ending it (killed, out of memory, power lost). It is marked failed, so that the run resumes
   * from the step it died in.
   */
  private static void recoverDeadExecution(JobRepository repository, JobOperator operator, JobParameters params,
      String runId) {
    JobInstance instance = repository.getJobInstance(BatchConfig.JOB_NAME, params);
    JobExecution last = instance == null ? null : repository.getLastJobExecution(instance);
    if (last != null && last.isRunning()) {
      LOG.warn("run {}: execution {} died while {} (started {}); marking it failed and resuming", runId,
          last.getId(), last.getStatus(), last.getStartTime());
      operator.recover(last);
    }
  }

  /**
   * Spark reads every path as a Hadoop glob, so a folder named {@code a[1]} would be read as a pattern (or fail
   * half-way through the run): such a path is refused up front, naming the character.
   */
  static void requireNoPattern(String option, Path p) {
    String path = p.toAbsolutePath().normalize().toString();
    for (char c : path.toCharArray()) {
      if ("[]{}*?\\".indexOf(c) >= 0) {
        throw new ConfigException(option + " " + p + " contains '" + c + "', which Spark reads as a file pattern;"
            + " use a path without any of [ ] { } * ? \\");
      }
    }
  }

  /**
   * Shuffle partitions fitted to the input: one per 64 MB of input, at least 4. Adaptive execution merges the
   * small ones further; a fixed 200 would mean hundreds of near-empty tasks on a small batch.
   */
  static int shufflePartitions(java.util.List<Path> inputs) {
    long bytes = 0;
    for (Path p : inputs) {
      try (var walk = Files.walk(p)) {
        bytes += walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return (int) Math.max(4, Math.min(2000, bytes / (64L << 20) + 1));
  }

  /**
   * The pseudonyms of the annotators listed in {@code file} (raw ids, one a line; blank lines and lines starting with
   * '#' skipped). The list is small (people named in a request), so it is read on the driver.
   */
  static List<String> excludedPseudonyms(Path file, byte[] key) {
    if (file == null) {
      return List.of();
    }
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--exclude-annotators " + file + " is not a file");
    }
    try (java.util.stream.Stream<String> lines = Files.lines(file)) {
      return lines.map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .map(id -> dev.concord.ingest.Pseudonyms.of(id, key)).distinct().sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --exclude-annotators " + file, e);
    }
  }

  /** The pseudonym key: from the environment, else a key made once and kept owner-only in the job state. */
  public static byte[] pseudonymKey(Path stateDir) {
    java.util.Optional<byte[]> existing = existingPseudonymKey(stateDir);
    if (existing.isPresent()) {
      return existing.get();
    }
    Path file = stateDir.resolve(KEY_FILE);
    try {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Path tmp = stateDir.resolve(KEY_FILE + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, HexFormat.of().formatHex(key));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the pseudonym key " + file, e);
    }
  }

  /** The pseudonym key if there is one (the environment's, else the job state's file); never makes one. */
  public static java.util.Optional<byte[]> existingPseudonymKey(Path stateDir) {
    String fromEnv = System.getenv(KEY_ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return java.util.Optional.of(fromEnv.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Path file = stateDir.resolve(KEY_FILE);
    if (!Files.exists(file)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(HexFormat.of().parseHex(Files.readString(file).trim()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the pseudonym key " + file, e);
    }
  }

  private static void mkdirs(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
