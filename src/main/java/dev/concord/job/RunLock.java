package dev.concord.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One process at a time per run: an operating-system lock on a file in the job state. The system releases it however
 * its holder ends, {@code kill -9} included, so a lock is never left behind and a held one always means a live run.
 */
final class RunLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static Path file(Path stateDir, String runId) {
    return stateDir.resolve("locks").resolve(runId + ".lock");
  }

  /** The lock of {@code runId}, or empty when another process (or this one) holds it. */
  static Optional<RunLock> tryAcquire(Path stateDir, String runId) {
    Path file = file(stateDir, runId);
    try {
      Files.createDirectories(file.getParent());
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return Optional.of(new RunLock(channel, lock));
        }
      } catch (OverlappingFileLockException held) {
        // Held by this JVM: as much a running run as another process's.
      }
      channel.close();
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + file, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
