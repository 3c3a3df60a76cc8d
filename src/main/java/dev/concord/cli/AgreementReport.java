package dev.concord.cli;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.config.ConcordConfig;
import dev.concord.config.ConfigException;
import dev.concord.filter.AnnotatorFilter;
import dev.concord.job.Sparks;
import dev.concord.job.Staged;
import dev.concord.job.Steps;
import dev.concord.job.Store;
import dev.concord.publish.AgreementFigures;
import dev.concord.schema.Col;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/concord agreement}: the agreement report of a batch, without publishing anything. It runs the job's own
 * ingest, reconcile and agreement steps in a scratch folder, prints a table and, with {@code --json}, writes the
 * same figures as JSON. Besides JSON Lines it reads crowd label exports ({@code task,worker,label} CSV); a folder
 * holding {@code answers.csv} reads that, with its {@code truth.csv} as gold unless {@code --gold} says otherwise.
 */
final class AgreementReport {
  private AgreementReport() {}

  static final String USAGE = "concord agreement --input PATH [--input PATH ...] [--input-format concord|label-studio|"
      + "argilla] [--gold PATH] [--conf FILE] [--json FILE]";

  static int run(Main.Args args, PrintStream out) {
    List<Path> inputs = new ArrayList<>();
    List<Path> gold = new ArrayList<>();
    Path conf = Path.of("conf", "concord.yaml");
    Path json = null;
    dev.concord.ingest.Exports.Format format = null;
    while (args.hasNext()) {
      String opt = args.next();
      switch (opt) {
        case "--input" -> inputs.add(Path.of(args.value(opt)));
        case "--input-format" -> format = dev.concord.ingest.Exports.Format.parse(args.value(opt));
        case "--gold" -> gold.add(Path.of(args.value(opt)));
        case "--conf" -> conf = Path.of(args.value(opt));
        case "--json" -> json = Path.of(args.value(opt));
        default -> throw new ConfigException("unknown option '" + opt + "' for agreement\nusage: " + USAGE);
      }
    }
    if (inputs.isEmpty()) {
      throw new ConfigException("agreement needs --input PATH\nusage: " + USAGE);
    }
    List<Path> answers = new ArrayList<>();
    for (Path p : inputs) {
      if (!Files.exists(p)) {
        throw new ConfigException("--input " + p + " does not exist");
      }
      if (Files.isDirectory(p) && Files.exists(p.resolve("answers.csv"))) {
        answers.add(p.resolve("answers.csv"));
        if (gold.isEmpty() && Files.exists(p.resolve("truth.csv"))) {
          gold.add(p.resolve("truth.csv"));
        }
      } else {
        answers.add(p);
      }
    }
    if (!Files.isRegularFile(conf)) {
      throw new ConfigException("--conf " + conf + " does not exist");
    }
    ConcordConfig config = ConcordConfig.load(conf);

    Path scratch = tempDir();
    Sparks.Session session = Sparks.open("concord agreement", "local[*]",
        java.util.Map.of("spark.sql.shuffle.partitions", "8"));
    SparkSession spark = session.spark();
    try {
      Store store = new Store(spark, scratch, "report");
      Steps steps = new Steps(store, config, pseudonymKey(out), answers, gold, java.util.List.of(), java.util.List.of(),
          format);
      steps.ingest();
      steps.reconcile();
      steps.agreement();
      Dataset<Row> projects = store.staged(Staged.PROJECT_AGREEMENT).orderBy(Col.PROJECT, Col.TASK_TYPE);
      Dataset<Row> annotators = store.staged(Staged.ANNOTATORS);
      printTable(projects, annotators, store, out);
      if (json != null) {
        writeJson(json, projects, annotators, store);
        out.println("figures written to " + json);
      }
      store.clearStaging();
      return 0;
    } finally {
      session.close();
      org.apache.commons.io.FileUtils.deleteQuietly(scratch.toFile());
    }
  }

  private static void printTable(Dataset<Row> projects, Dataset<Row> annotators, Store store, PrintStream out) {
    long lines = store.stagedRows(Staged.LINES);
    long bad = store.staged(Staged.LINES).filter(col(Col.REASON).isNotNull()
        .and(dev.concord.publish.Accounting.notAnAnswer().unary_$bang())).count();
    out.printf(Locale.ROOT, "%d lines read, %d quarantined%n%n", lines, bad);
    out.printf(Locale.ROOT, "%-24s %-9s %8s %6s  %-26s %-26s %-26s%n", "project", "task", "units", "raters",
        "Fleiss' kappa (95%)", "alpha nominal (95%)", "Light's kappa (95%)");
    for (Iterator<Row> it = projects.toLocalIterator(); it.hasNext(); ) {
      Row r = it.next();
      Map<String, Object> f = AgreementFigures.projectFigures(r);
      out.printf(Locale.ROOT, "%-24s %-9s %8d %6d  %-26s %-26s %-26s%n", r.<String>getAs(Col.PROJECT),
          r.<String>getAs(Col.TASK_TYPE), r.<Long>getAs("units"), r.<Long>getAs("annotators"),
          AgreementFigures.interval(f, "fleiss_kappa"), AgreementFigures.interval(f, "alpha_nominal"),
          AgreementFigures.interval(f, "light_kappa"));
      if (f.get("mean_tau_b") != null) {
        out.printf(Locale.ROOT, "%-24s %-9s %8s %6s  mean pairwise Kendall's tau-b %s%n", "", "", "", "",
            AgreementFigures.interval(f, "mean_tau_b"));
      }
      if (f.get("alpha_ordinal") != null) {
        out.printf(Locale.ROOT, "%-24s %-9s %8s %6s  alpha ordinal %.4f, interval %.4f%n", "", "", "", "",
            (Double) f.get("alpha_ordinal"), (Double) f.get("alpha_interval"));
      }
    }
    out.println();
    List<Row> decisions = annotators.groupBy(Col.DECISION).count().orderBy(Col.DECISION).limit(100).collectAsList();
    StringBuilder d = new StringBuilder("annotators:");
    decisions.forEach(r -> d.append(' ').append(r.getString(0)).append(' ').append(r.getLong(1)));
    out.println(d);
    out.println("dropped or held for review (first 20):");
    for (Row r : annotators.filter(AnnotatorFilter.used(col(Col.DECISION)).unary_$bang()).orderBy(Col.ANNOTATOR)
        .limit(20).collectAsList()) {
      out.println("  " + r.getAs(Col.ANNOTATOR) + "  " + r.getAs(Col.DECISION) + ": " + r.getAs(Col.REASON));
    }
  }

  /** The report as JSON, streamed row by row: projects, then every annotator with its scopes. */
  private static void writeJson(Path file, Dataset<Row> projects, Dataset<Row> annotators, Store store) {
    ObjectMapper mapper = new ObjectMapper();
    try (JsonGenerator g = mapper.createGenerator(file.toFile(), com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeNumberField("lines", store.stagedRows(Staged.LINES));
      g.writeNumberField("quarantined", store.staged(Staged.LINES).filter(col(Col.REASON).isNotNull()
        .and(dev.concord.publish.Accounting.notAnAnswer().unary_$bang())).count());
      g.writeArrayFieldStart("projects");
      for (Iterator<String> it = projects.toJSON().toLocalIterator(); it.hasNext(); ) {
        g.writeTree(mapper.readTree(it.next()));
      }
      g.writeEndArray();
      g.writeArrayFieldStart("annotators");
      for (Iterator<String> it = annotators.orderBy(Col.ANNOTATOR).toJSON().toLocalIterator(); it.hasNext(); ) {
        g.writeTree(mapper.readTree(it.next()));
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write --json " + file, e);
    }
  }

  /** The pseudonym key: CONCORD_PSEUDONYM_KEY, else a key for this report only (its pseudonyms map to nothing). */
  private static byte[] pseudonymKey(PrintStream out) {
    String fromEnv = System.getenv("CONCORD_PSEUDONYM_KEY");
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    out.println("(no CONCORD_PSEUDONYM_KEY: annotators are shown under pseudonyms of a key made for this report)");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("concord-agreement-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
