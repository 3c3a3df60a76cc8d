package dev.concord.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The files an input path stands for: the file itself, or every regular file under a directory, at any depth and
 * whatever its name (names starting with '.' or '_' too, which Spark's readers would skip without a word). The one
 * listing that reading, the resume check and the manifest share.
 */
public final class InputFiles {
  private InputFiles() {}

  /**
   * One input file.
   *
   * @param path its absolute, normalised path, as {@code source_file} names it
   * @param gzip whether it starts with the gzip magic bytes (whatever its name)
   */
  public record File(String path, long size, boolean gzip) {}

  public static List<File> list(List<Path> inputs) {
    TreeSet<Path> files = new TreeSet<>();
    for (Path input : inputs) {
      Path p = input.toAbsolutePath().normalize();
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile).forEach(files::add);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list the input folder " + p, e);
        }
      } else {
        files.add(p);
      }
    }
    List<File> out = new ArrayList<>();
    for (Path f : files) {
      out.add(new File(f.toString(), size(f), isGzip(f)));
    }
    return out;
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  private static boolean isGzip(Path f) {
    try (InputStream in = Files.newInputStream(f)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    } catch (IOException e) {
      // An unreadable file is read as plain, and its reading reports what is wrong with it.
      return false;
    }
  }

  /**
   * Each file with its size and SHA-256, streamed (never held in memory); a file that cannot be read has the error
   * in place of its checksum.
   */
  public static List<Map<String, Object>> describe(List<Path> inputs) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (File f : list(inputs)) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("path", f.path());
      entry.put("bytes", f.size());
      try {
        entry.put("sha256", sha256(Path.of(f.path())));
      } catch (IOException e) {
        entry.put("sha256", null);
        entry.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      out.add(entry);
    }
    return out;
  }

  static String sha256(Path f) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
