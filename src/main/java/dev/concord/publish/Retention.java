package dev.concord.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Removes published versions beyond the newest N, never the one {@code LATEST} names. */
public final class Retention {
  private static final Logger LOG = LogManager.getLogger(Retention.class);

  private Retention() {}

  /** A published version: its folder and when its manifest says it was created. */
  record Version(Path dir, String createdAt) {}

  /** The versions to remove: all but the {@code keep} newest (by creation, then name) and {@code latest}. */
  static List<Version> expired(List<Version> versions, int keep, String latest) {
    List<Version> newestFirst = new ArrayList<>(versions);
    newestFirst.sort(Comparator.comparing(Version::createdAt).thenComparing(v -> v.dir().getFileName().toString())
        .reversed());
    return newestFirst.stream().skip(keep).filter(v -> !v.dir().getFileName().toString().equals(latest)).toList();
  }

  /**
   * Applies {@code keep} (0: keep everything) to the versions under {@code root}: the folders holding a manifest,
   * which only a finished publication leaves. Returns the removed folders.
   */
  public static List<Path> apply(Path root, int keep, String latest) {
    if (keep <= 0) {
      return List.of();
    }
    List<Version> versions = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        Path manifest = d.resolve("manifest.json");
        if (!d.getFileName().toString().startsWith(".") && Files.isRegularFile(manifest)) {
          versions.add(new Version(d, Manifest.JSON.readTree(manifest.toFile()).path("created_at").asText("")));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the versions under " + root, e);
    }
    List<Path> removed = new ArrayList<>();
    for (Version v : expired(versions, keep, latest)) {
      // The manifest goes first: a removal cut short leaves a folder that no longer counts as a version.
      try {
        Files.deleteIfExists(v.dir().resolve("manifest.json"));
        org.apache.commons.io.FileUtils.deleteDirectory(v.dir().toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove the expired version " + v.dir(), e);
      }
      LOG.info("retention: removed version {} (created {}), keeping the newest {}", v.dir().getFileName(),
          v.createdAt(), keep);
      removed.add(v.dir());
    }
    return removed;
  }
}
