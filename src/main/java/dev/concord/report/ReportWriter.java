package dev.concord.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a version's {@code report.html}: the version and the ones before it read, the page built, then moved in. */
public final class ReportWriter {
  private ReportWriter() {}

  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);
  public static final String FILE = "report.html";

  /**
   * Writes {@code version/report.html}, with trends over the newest {@code trendVersions} versions under
   * {@code root} up to this one (this one included). The version may still be in its staging folder: the versions
   * before it are those under {@code root} created before it. An earlier version that cannot be read is left out of
   * the trends with a warning; this one must read.
   */
  public static Path write(Path version, Path root, int trendVersions) {
    Version current = VersionReader.read(version);
    java.time.Instant created = java.time.Instant.parse(current.manifest().path("created_at").asText());
    List<Path> before = VersionReader.versions(root).stream()
        .filter(v -> !v.dir().getFileName().toString().equals(current.runId()) && v.createdAt().isBefore(created))
        .map(VersionReader.Published::dir).toList();
    List<Version> earlier = new ArrayList<>();
    for (Path p : before.subList(Math.max(0, before.size() - (trendVersions - 1)), before.size())) {
      try {
        earlier.add(VersionReader.read(p));
      } catch (RuntimeException e) {
        LOG.warn("report: version {} left out of the trends, it cannot be read: {}", p, e.toString());
      }
    }
    Path file = version.resolve(FILE);
    Path partial = version.resolve(FILE + ".partial");
    try {
      Files.writeString(partial, Report.html(current, earlier), StandardCharsets.UTF_8);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  /** The trend_versions a version was published with (its manifest's configuration), else the default. */
  public static int trendVersions(Path version) {
    return VersionReader.manifest(version).path("configuration").path("report").path("trend_versions").asInt(8);
  }
}
