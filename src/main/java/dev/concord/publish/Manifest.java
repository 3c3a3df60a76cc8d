package dev.concord.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** manifest.json: what went in, with what configuration, and what came out of each stage. */
public final class Manifest {
  private Manifest() {}

  public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

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
