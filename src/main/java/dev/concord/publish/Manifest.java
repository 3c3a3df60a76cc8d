package dev.concord.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** manifest.json: what went in, with what configuration, and what came out of each stage. */
public final class Manifest {
  private Manifest() {}

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** Every input file under the given paths with its size and SHA-256, streamed (never held in memory). */
  public static List<Map<String, Object>> files(List<Path> paths) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Path p : paths) {
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
          String name = f.getFileName().toString();
          if (name.startsWith(".") || name.startsWith("_")) {
            continue;
          }
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("path", f.toAbsolutePath().normalize().toString());
          entry.put("bytes", Files.size(f));
          entry.put("sha256", sha256(f));
          out.add(entry);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  static String sha256(Path f) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest())) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    }
  }

  public static String sha256(String text) {
    return HexFormat.of().formatHex(digest().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows per published table, as the manifest of a published version records them. */
  public static Map<String, Long> tableRows(Path versionDir) {
    Path file = versionDir.resolve("manifest.json");
    try {
      Map<String, Long> rows = new LinkedHashMap<>();
      JSON.readTree(file.toFile()).path("counts").path("tables").properties()
          .forEach(e -> rows.put(e.getKey(), e.getValue().asLong()));
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public static void write(Path file, Map<String, Object> manifest) {
    try {
      JSON.writeValue(file.toFile(), manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
