package dev.concord.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * The report's only I/O: a version's manifest and annotators read straight from its folder, without Spark, so that
 * {@code concord report} answers in seconds. Both are bounded by the number of annotators, never by the data.
 */
final class VersionReader {
  private VersionReader() {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VersionReader.class);
  static final String MANIFEST = "manifest.json";

  /** The version in {@code dir} (its manifest and {@code annotators/}); its run id is the manifest's. */
  static Version read(Path dir) {
    JsonNode manifest = manifest(dir);
    List<Version.Annotator> annotators = new ArrayList<>();
    Path table = dir.resolve("annotators");
    if (Files.isDirectory(table)) {
      for (Path file : parquetFiles(table)) {
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
            .build()) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            annotators.add(annotator(r));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        }
      }
    }
    annotators.sort(Comparator.comparing(Version.Annotator::id));
    return new Version(manifest.path("run_id").asText(dir.getFileName().toString()), manifest, List.copyOf(annotators));
  }

  /** A published version's folder and when it was created. */
  record Published(Path dir, java.time.Instant createdAt) {}

  /**
   * The published versions under {@code root} (the folders with a manifest), oldest first by their manifests'
   * {@code created_at}, run id breaking ties. A folder whose manifest cannot be read or has no time is left out with
   * a warning: a damaged old version must not stop tonight's report.
   */
  static List<Published> versions(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Published> out = new ArrayList<>();
    try (Stream<Path> children = Files.list(root)) {
      for (Path p : children.filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> Files.isRegularFile(p.resolve(MANIFEST))).toList()) {
        try {
          out.add(new Published(p, java.time.Instant.parse(manifest(p).path("created_at").asText())));
        } catch (RuntimeException e) {
          LOG.warn("report: {} left out, its manifest cannot be read: {}", p, e.toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
    out.sort(Comparator.comparing(Published::createdAt).thenComparing(v -> v.dir().getFileName().toString()));
    return List.copyOf(out);
  }

  static JsonNode manifest(Path dir) {
    Path file = dir.resolve(MANIFEST);
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static List<Path> parquetFiles(Path table) {
    try (Stream<Path> files = Files.list(table)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + table, e);
    }
  }

  private static Version.Annotator annotator(GenericRecord r) {
    List<Version.Scope> scopes = new ArrayList<>();
    for (Object o : list(r, "scopes")) {
      GenericRecord s = (GenericRecord) o;
      scopes.add(new Version.Scope(text(s, "project"), text(s, "task_type"), text(s, "measure"), number(s, "value"),
          number(s, "ci_low"), number(s, "ci_high"), number(s, "threshold"), text(s, "decision"),
          whole(s, "peer_units"), whole(s, "gold_units")));
    }
    List<Version.TimeOnTask> times = new ArrayList<>();
    for (Object o : list(r, "time_on_task")) {
      GenericRecord t = (GenericRecord) o;
      times.add(new Version.TimeOnTask(text(t, "project"), text(t, "task_type"), whole(t, "submissions"),
          whole(t, "timed_submissions"), number(t, "median_s"), number(t, "fast_floor_s"), number(t, "fast_share")));
    }
    List<Version.Cell> cells = new ArrayList<>();
    for (Object o : list(r, "confusion")) {
      GenericRecord c = (GenericRecord) o;
      cells.add(new Version.Cell(text(c, "project"), text(c, "task_type"), text(c, "answer"), text(c, "resolved"),
          whole(c, "count")));
    }
    List<Version.Estimated> estimated = new ArrayList<>();
    for (Object o : list(r, "dawid_skene")) {
      GenericRecord c = (GenericRecord) o;
      estimated.add(new Version.Estimated(text(c, "project"), text(c, "task_type"), text(c, "answer"),
          text(c, "truth"), number(c, "probability")));
    }
    return new Version.Annotator(text(r, "annotator"), text(r, "decision"), text(r, "reason"),
        whole(r, "submissions"), List.copyOf(scopes), List.copyOf(times), List.copyOf(cells),
        List.copyOf(estimated));
  }

  /**
   * A list field, with Parquet's three-level list layout undone: depending on the writer an element may come wrapped
   * in a one-field record ({@code element}).
   */
  private static List<?> list(GenericRecord r, String field) {
    if (r.getSchema().getField(field) == null || r.get(field) == null) {
      return List.of();
    }
    List<Object> out = new ArrayList<>();
    for (Object e : (List<?>) r.get(field)) {
      if (e instanceof GenericRecord g && g.getSchema().getFields().size() == 1
          && g.get(0) instanceof GenericRecord inner) {
        out.add(inner);
      } else {
        out.add(e);
      }
    }
    return out;
  }

  private static String text(GenericRecord r, String field) {
    Object v = r.getSchema().getField(field) == null ? null : r.get(field);
    return v == null ? null : v.toString();
  }

  private static Double number(GenericRecord r, String field) {
    Object v = r.getSchema().getField(field) == null ? null : r.get(field);
    return v == null ? null : ((Number) v).doubleValue();
  }

  private static long whole(GenericRecord r, String field) {
    Object v = r.getSchema().getField(field) == null ? null : r.get(field);
    return v == null ? 0 : ((Number) v).longValue();
  }
}
