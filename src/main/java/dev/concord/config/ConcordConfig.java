package dev.concord.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.concord.quality.Gate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The whole configuration, bound once from YAML. Every key is documented in {@code conf/concord.yaml}.
 *
 * @param defaults settings of every project not named under {@code projects}, and the fallback of those that are
 * @param projects per-project overrides
 * @param split the train/test split
 * @param limits input size limits
 * @param jobState where the job repository lives
 * @param agreement project-level agreement figures
 * @param dawidSkene the estimation behind the estimated resolution methods (dawid_skene, one_coin, mace,
 *     minimax_entropy, auto)
 * @param dedup what counts as a duplicate
 * @param openlineage where the run's OpenLineage events go
 * @param qualityGates the data-quality gates a run must pass to publish
 * @param retention how many published versions are kept
 * @param timeOnTask what counts as a fast submission, per task type
 * @param report what the version's report.html looks back over
 */
public record ConcordConfig(
    ProjectSettings defaults,
    Map<String, ProjectSettings> projects,
    SplitSettings split,
    Limits limits,
    JobStateSettings jobState,
    AgreementSettings agreement,
    DawidSkeneSettings dawidSkene,
    DedupSettings dedup,
    OpenLineageSettings openlineage,
    List<Gate> qualityGates,
    RetentionSettings retention,
    TimeOnTaskSettings timeOnTask,
    ReportSettings report) {

  /**
   * @param fastFloorS per task type, the seconds below which a submission counts as fast: too quick to have read the
   *     task, which the annotators' figures and the report show as a share of each annotator's timed submissions
   */
  public record TimeOnTaskSettings(Map<String, Double> fastFloorS) {
    static final TimeOnTaskSettings DEFAULTS = new TimeOnTaskSettings(Map.of("pairwise", 10.0, "ranking", 20.0,
        "rating", 10.0, "label", 3.0, "sft", 30.0));

    /** The floor of {@code taskType}. */
    public double floor(TaskType taskType) {
      return fastFloorS.get(taskType.id());
    }
  }

  /** @param trendVersions the newest versions under ROOT (this one included) the report's trends show */
  public record ReportSettings(Integer trendVersions) {
    static final ReportSettings DEFAULTS = new ReportSettings(8);
  }

  /** @param keepVersions the newest versions kept after a publication (the one LATEST names always); 0 keeps all */
  public record RetentionSettings(Integer keepVersions) {
    static final RetentionSettings DEFAULTS = new RetentionSettings(0);
  }

  /**
   * The gates of a configuration that does not list its own. Like every settings record's {@code DEFAULTS}, what an
   * omitted key means; {@code conf/concord.yaml} states the same values, which a test holds it to.
   */
  public static final List<Gate> DEFAULT_GATES = List.of(
      new Gate("quarantined_share", Gate.WARNING, 0.25, null, null),
      new Gate("dropped_annotator_share", Gate.WARNING, 0.3, null, null),
      new Gate("review_share", Gate.WARNING, 0.2, null, null),
      new Gate("chosen_equals_rejected", Gate.ERROR, 0.0, null, null),
      new Gate("empty_prompts", Gate.ERROR, 0.0, null, null),
      new Gate("min_rows", Gate.ERROR, 1.0, Gate.RECORDS, null),
      new Gate("drift", Gate.WARNING, 0.1, null, "quarantined_share"),
      new Gate("drift", Gate.WARNING, 0.1, null, "review_share"));

  /**
   * @param namespace the namespace of the job in the events
   * @param url the base URL of an OpenLineage HTTP endpoint (Marquez, say); null appends the events to a JSON
   *     Lines file in the job state instead
   * @param endpoint the path of the lineage API under {@code url}
   * @param timeoutMs how long one event may take to send
   */
  public record OpenLineageSettings(String namespace, String url, String endpoint, Integer timeoutMs) {
    static final OpenLineageSettings DEFAULTS = new OpenLineageSettings("concord", null, "/api/v1/lineage", 5000);
  }

  /**
   * @param ignoreCase compare texts case-folded (after NFKC and whitespace normalisation), for exact and near
   *     duplicates alike
   * @param jaccardThreshold two texts are near duplicates when the Jaccard similarity of their shingle sets is at
   *     least this
   * @param shingleChars the length, in characters, of a shingle
   * @param bands MinHash bands of locality-sensitive hashing: texts sharing one band are candidates
   * @param rows MinHash values per band; bands times rows hash functions in all
   * @param bucketWindow a band's bucket of at most this many texts is compared in full; in a larger one each text is
   *     compared with at most this many texts before it that share the next band too, which bounds the cost of a
   *     bucket of thousands of texts
   */
  public record DedupSettings(Boolean ignoreCase, Double jaccardThreshold, Integer shingleChars, Integer bands,
      Integer rows, Integer bucketWindow) {
    static final DedupSettings DEFAULTS = new DedupSettings(false, 0.7, 5, 40, 5, 10);
  }

  /**
   * @param tolerance estimation stops when the mean log-likelihood per unit gains less than this in an iteration
   * @param maxIterations estimation stops after this many iterations whatever the gain
   * @param smoothing pseudo-count added to every cell of each annotator's confusion matrix and to the class priors,
   *     so that an annotator seen on few units is not taken to be infallible
   * @param pooledPrior weight, in units, of the average annotator's confusion matrix in each annotator's: an
   *     annotator seen on few units is taken to be like the average annotator until their answers show otherwise,
   *     which keeps a small, self-consistent group from looking like annotators who always give the same answer
   */
  public record DawidSkeneSettings(Double tolerance, Integer maxIterations, Double smoothing, Double pooledPrior)
      implements java.io.Serializable {
    static final DawidSkeneSettings DEFAULTS = new DawidSkeneSettings(1e-6, 100, 0.01, 2.0);

    /** The same settings with another convergence tolerance. */
    public DawidSkeneSettings withTolerance(double other) {
      return new DawidSkeneSettings(other, maxIterations, smoothing, pooledPrior);
    }
  }

  /**
   * @param bootstrapReplicates replicates of the Poisson bootstrap behind the project-level intervals (0: none)
   * @param bootstrapMaxUnits the most units per project and task type the bootstrap resamples
   * @param pairwiseMaxAnnotators the most annotators per project and task type whose pairs Light's kappa averages
   */
  public record AgreementSettings(Integer bootstrapReplicates, Integer bootstrapMaxUnits,
      Integer pairwiseMaxAnnotators) {
    static final AgreementSettings DEFAULTS = new AgreementSettings(200, 2000, 300);
  }

  /** @param testShare share of prompts in the test split; @param salt varies the split between datasets */
  public record SplitSettings(Double testShare, String salt) {
    static final SplitSettings DEFAULTS = new SplitSettings(0.1, "");
  }

  /**
   * @param maxFieldChars the longest text field accepted (prompt, response, completion, justification, metadata
   *     value)
   * @param maxIdChars the longest id accepted (submission, item, project, annotator, response, label, dimension,
   *     model, guideline version, metadata key)
   * @param maxLineBytes the longest input line read whole; a longer one is quarantined with its beginning
   * @param maxResponses the most responses one item may show (a ranking of n responses is n (n - 1) / 2 units)
   */
  public record Limits(Integer maxFieldChars, Integer maxIdChars, Integer maxLineBytes, Integer maxResponses) {
    static final Limits DEFAULTS = new Limits(200_000, 1000, 64 << 20, 100);
  }

  /** @param jdbcUrl JDBC URL of the job repository; null keeps an embedded H2 file under ROOT/.concord */
  public record JobStateSettings(String jdbcUrl, String username, String password) {
    static final JobStateSettings DEFAULTS = new JobStateSettings(null, null, null);
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public static ConcordConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("--conf " + file + " cannot be read: " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  public static ConcordConfig parse(String yaml, String origin) {
    ConcordConfig raw;
    try {
      raw = YAML.readValue(yaml, ConcordConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(origin + ": unknown key '" + path(e) + "' (known keys here: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")", e);
    } catch (JsonMappingException e) {
      throw new ConfigException(origin + ": bad value for key '" + path(e) + "': " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException(origin + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (raw == null) {
      throw new ConfigException(origin + " is empty");
    }
    return raw.validated();
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private ConcordConfig validated() {
    if (defaults == null) {
      throw new ConfigException("key 'defaults' is required");
    }
    defaults.validate("defaults", true);
    Map<String, ProjectSettings> own = projects == null ? Map.of() : projects;
    own.forEach((name, p) -> {
      if (p == null) {
        throw new ConfigException("projects." + name + " is empty");
      }
      p.validate("projects." + name, false);
    });
    SplitSettings s = split == null ? SplitSettings.DEFAULTS : split;
    double testShare = or(s.testShare(), SplitSettings.DEFAULTS.testShare());
    if (testShare < 0 || testShare >= 1) {
      throw new ConfigException("split.test_share must be within [0, 1), got " + testShare);
    }
    Limits l = limits == null ? Limits.DEFAULTS : limits;
    int maxField = or(l.maxFieldChars(), Limits.DEFAULTS.maxFieldChars());
    if (maxField < 1) {
      throw new ConfigException("limits.max_field_chars must be positive, got " + maxField);
    }
    int maxId = or(l.maxIdChars(), Limits.DEFAULTS.maxIdChars());
    if (maxId < 1) {
      throw new ConfigException("limits.max_id_chars must be positive, got " + maxId);
    }
    int maxLine = or(l.maxLineBytes(), Limits.DEFAULTS.maxLineBytes());
    if (maxLine < 1024 || maxLine > 1 << 30) {
      throw new ConfigException("limits.max_line_bytes must be within [1024, 1073741824], got " + maxLine);
    }
    int maxResponses = or(l.maxResponses(), Limits.DEFAULTS.maxResponses());
    if (maxResponses < 2 || maxResponses > 10_000) {
      throw new ConfigException("limits.max_responses must be within [2, 10000], got " + maxResponses);
    }
    return new ConcordConfig(defaults, Map.copyOf(new TreeMap<>(own)),
        new SplitSettings(testShare, or(s.salt(), SplitSettings.DEFAULTS.salt())),
        new Limits(maxField, maxId, maxLine, maxResponses),
        jobState == null ? JobStateSettings.DEFAULTS : jobState,
        agreementSettings(), dawidSkeneSettings(), dedupSettings(), openLineageSettings(), gates(),
        retentionSettings(), timeOnTaskSettings(), reportSettings());
  }

  private TimeOnTaskSettings timeOnTaskSettings() {
    Map<String, Double> floors = new TreeMap<>(TimeOnTaskSettings.DEFAULTS.fastFloorS());
    if (timeOnTask != null && timeOnTask.fastFloorS() != null) {
      timeOnTask.fastFloorS().forEach((type, floor) -> {
        if (!TaskType.ids().contains(type)) {
          throw new ConfigException("time_on_task.fast_floor_s." + type + " is not a task type " + TaskType.ids());
        }
        if (floor == null || !(floor >= 0)) {
          throw new ConfigException("time_on_task.fast_floor_s." + type + " must be 0 or more seconds, got " + floor);
        }
        floors.put(type, floor);
      });
    }
    return new TimeOnTaskSettings(Map.copyOf(floors));
  }

  private ReportSettings reportSettings() {
    int versions = or(report == null ? null : report.trendVersions(), ReportSettings.DEFAULTS.trendVersions());
    if (versions < 1 || versions > 100) {
      throw new ConfigException("report.trend_versions must be within [1, 100], got " + versions);
    }
    return new ReportSettings(versions);
  }

  /** A key's value, or the default its record states when the key is omitted. */
  private static <T> T or(T value, T defaultValue) {
    return value != null ? value : defaultValue;
  }

  private RetentionSettings retentionSettings() {
    int keep = or(retention == null ? null : retention.keepVersions(), RetentionSettings.DEFAULTS.keepVersions());
    if (keep < 0) {
      throw new ConfigException("retention.keep_versions must be 0 (keep all) or more, got " + keep);
    }
    return new RetentionSettings(keep);
  }

  private List<Gate> gates() {
    List<Gate> gates = qualityGates == null ? DEFAULT_GATES : qualityGates;
    List<String> tables = java.util.Arrays.stream(dev.concord.schema.Table.values())
        .filter(dev.concord.schema.Table::published).map(dev.concord.schema.Table::folder).toList();
    for (int i = 0; i < gates.size(); i++) {
      Gate g = gates.get(i);
      String problem = g == null ? "is empty" : g.problem(tables);
      if (problem != null) {
        throw new ConfigException("quality_gates[" + i + "]" + (g == null ? "" : " (" + g.label() + ")") + ": "
            + problem);
      }
    }
    return List.copyOf(gates);
  }

  private OpenLineageSettings openLineageSettings() {
    OpenLineageSettings o = openlineage == null ? OpenLineageSettings.DEFAULTS : openlineage;
    String namespace = or(o.namespace(), OpenLineageSettings.DEFAULTS.namespace());
    if (namespace.isBlank()) {
      throw new ConfigException("openlineage.namespace must not be blank");
    }
    if (o.url() != null) {
      java.net.URI uri;
      try {
        uri = new java.net.URI(o.url());
      } catch (java.net.URISyntaxException e) {
        throw new ConfigException("openlineage.url is not a URL: '" + o.url() + "'", e);
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new ConfigException("openlineage.url must be an http:// or https:// URL with a host, got '" + o.url()
            + "'");
      }
    }
    String endpoint = or(o.endpoint(), OpenLineageSettings.DEFAULTS.endpoint());
    if (!endpoint.startsWith("/")) {
      throw new ConfigException("openlineage.endpoint must start with '/', got '" + endpoint + "'");
    }
    int timeout = or(o.timeoutMs(), OpenLineageSettings.DEFAULTS.timeoutMs());
    if (timeout < 1) {
      throw new ConfigException("openlineage.timeout_ms must be positive, got " + timeout);
    }
    return new OpenLineageSettings(namespace, o.url(), endpoint, timeout);
  }

  private DedupSettings dedupSettings() {
    DedupSettings d = dedup == null ? DedupSettings.DEFAULTS : dedup;
    double threshold = or(d.jaccardThreshold(), DedupSettings.DEFAULTS.jaccardThreshold());
    // Short and long texts are hashed by different schemes, which agree on every pair at 0.5 or above.
    if (!(threshold >= 0.5 && threshold <= 1)) {
      throw new ConfigException("dedup.jaccard_threshold must be within [0.5, 1], got " + threshold);
    }
    int shingle = or(d.shingleChars(), DedupSettings.DEFAULTS.shingleChars());
    if (shingle < 1 || shingle > 64) {
      throw new ConfigException("dedup.shingle_chars must be within [1, 64], got " + shingle);
    }
    int bands = or(d.bands(), DedupSettings.DEFAULTS.bands());
    int rows = or(d.rows(), DedupSettings.DEFAULTS.rows());
    if (bands < 1 || rows < 1 || bands * rows > 1024) {
      throw new ConfigException("dedup.bands and dedup.rows must be positive with bands * rows at most 1024, got "
          + bands + " and " + rows);
    }
    int window = or(d.bucketWindow(), DedupSettings.DEFAULTS.bucketWindow());
    if (window < 1) {
      throw new ConfigException("dedup.bucket_window must be positive, got " + window);
    }
    return new DedupSettings(or(d.ignoreCase(), DedupSettings.DEFAULTS.ignoreCase()), threshold, shingle, bands, rows,
        window);
  }

  private DawidSkeneSettings dawidSkeneSettings() {
    DawidSkeneSettings d = dawidSkene == null ? DawidSkeneSettings.DEFAULTS : dawidSkene;
    double tolerance = or(d.tolerance(), DawidSkeneSettings.DEFAULTS.tolerance());
    if (!(tolerance > 0)) {
      throw new ConfigException("dawid_skene.tolerance must be positive, got " + tolerance);
    }
    int maxIterations = or(d.maxIterations(), DawidSkeneSettings.DEFAULTS.maxIterations());
    if (maxIterations < 1 || maxIterations > 10_000) {
      throw new ConfigException("dawid_skene.max_iterations must be within [1, 10000], got " + maxIterations);
    }
    double smoothing = or(d.smoothing(), DawidSkeneSettings.DEFAULTS.smoothing());
    if (smoothing < 0) {
      throw new ConfigException("dawid_skene.smoothing must not be negative, got " + smoothing);
    }
    double pooled = or(d.pooledPrior(), DawidSkeneSettings.DEFAULTS.pooledPrior());
    if (pooled < 0) {
      throw new ConfigException("dawid_skene.pooled_prior must not be negative, got " + pooled);
    }
    return new DawidSkeneSettings(tolerance, maxIterations, smoothing, pooled);
  }

  /** Whether any project, named or not, resolves with {@code method}. */
  public boolean uses(String method) {
    return method.equals(defaults.resolutionMethod())
        || projects.keySet().stream().anyMatch(p -> method.equals(forProject(p).resolutionMethod()));
  }

  /** Whether any project's answers are resolved by an estimated model ({@link ProjectSettings#ESTIMATED}). */
  public boolean usesEstimation() {
    return ProjectSettings.ESTIMATED.stream().anyMatch(this::uses);
  }

  private AgreementSettings agreementSettings() {
    AgreementSettings a = agreement == null ? AgreementSettings.DEFAULTS : agreement;
    int replicates = or(a.bootstrapReplicates(), AgreementSettings.DEFAULTS.bootstrapReplicates());
    if (replicates < 0 || replicates > 10_000) {
      throw new ConfigException("agreement.bootstrap_replicates must be within [0, 10000], got " + replicates);
    }
    int maxUnits = or(a.bootstrapMaxUnits(), AgreementSettings.DEFAULTS.bootstrapMaxUnits());
    if (maxUnits < 10) {
      throw new ConfigException("agreement.bootstrap_max_units must be at least 10, got " + maxUnits);
    }
    int maxAnnotators = or(a.pairwiseMaxAnnotators(), AgreementSettings.DEFAULTS.pairwiseMaxAnnotators());
    if (maxAnnotators < 2) {
      throw new ConfigException("agreement.pairwise_max_annotators must be at least 2, got " + maxAnnotators);
    }
    return new AgreementSettings(replicates, maxUnits, maxAnnotators);
  }

  /** The per-project settings, for the stages that decide per project. */
  public Projects perProject() {
    Map<String, ProjectSettings> merged = new TreeMap<>();
    projects.keySet().forEach(p -> merged.put(p, forProject(p)));
    return new Projects(defaults, merged);
  }

  /** The settings of {@code project}: its own where set, the defaults elsewhere. */
  public ProjectSettings forProject(String project) {
    ProjectSettings own = projects.get(project);
    return own == null ? defaults : own.over(defaults);
  }

  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY);

  /**
   * SHA-256 of the configuration as bound: every key with its value, omitted ones at their defaults. The same
   * settings hash alike however the file is laid out or commented, and a run resumed over other settings starts over.
   */
  public String sha256() {
    try {
      return org.apache.commons.codec.digest.DigestUtils.sha256Hex(CANONICAL.writeValueAsBytes(describe()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the configuration as JSON", e);
    }
  }

  /** The configuration as plain data for the manifest (the job-state password left out). */
  public Map<String, Object> describe() {
    Map<String, Object> tree = YAML.convertValue(this, new com.fasterxml.jackson.core.type.TypeReference<>() {});
    Object state = tree.get("job_state");
    if (state instanceof Map<?, ?> m && m.get("password") != null) {
      @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) m;
      s.put("password", "***");
    }
    return tree;
  }
}
