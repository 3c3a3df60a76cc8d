package dev.concord.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How a version becomes visible: it is written whole in the run's staging ({@code .concord/staging/RUN_ID/publish}),
 * renamed in one step to {@code ROOT/RUN_ID}, and then {@code ROOT/LATEST} is replaced in one step to name it. A
 * reader sees the old version or the new one, never half of one; a run stopped between the two renames is finished
 * by its resumption.
 */
final class VersionCommit {
  private VersionCommit() {}

  /** Whether the version was renamed into place before the run stopped: only LATEST and the clean-up are left. */
  static boolean renamed(Path publishing, Path version) {
    return Files.exists(version) && !Files.exists(publishing);
  }

  /** Renames the written version into place; fails, changing nothing, if a version of that name exists. */
  static void rename(Path publishing, Path version) {
    if (Files.exists(version)) {
      throw new IllegalStateException("cannot publish " + publishing + ": the version " + version + " exists already");
    }
    try {
      Files.move(publishing, version, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + version, e);
    }
  }

  /** Points {@code root/LATEST} at {@code runId}, written beside the job state first and renamed over the old one. */
  static void pointLatest(Path root, Path stateDir, String runId) {
    try {
      Files.createDirectories(stateDir);
      Path tmp = stateDir.resolve("LATEST.tmp");
      Files.writeString(tmp, runId + "\n");
      Files.move(tmp, root.resolve("LATEST"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace " + root.resolve("LATEST"), e);
    }
  }
}
