package dev.concord;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.concord.config.ConcordConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Configurations for tests, built as values: the shipped {@code conf/concord.yaml} read as a tree, keys set by
 * their path, written as YAML. A key that the shipped file lacks is added, so an edit can never silently miss.
 */
public final class TestConfigs {
  private TestConfigs() {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Writes the shipped configuration with {@code settings} ("a.b.c" to value) applied to {@code dir/NAME.yaml}. */
  public static Path write(Path dir, String name, Map<String, Object> settings) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, yaml(settings));
    return file;
  }

  /** The shipped configuration with {@code settings} applied, bound and validated as a run would bind it. */
  public static ConcordConfig of(Map<String, Object> settings) {
    try {
      return ConcordConfig.parse(yaml(settings), "test configuration " + settings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped configuration with the bootstrap intervals off: they only make a test longer. */
  public static final Map<String, Object> QUICK = Map.of("agreement.bootstrap_replicates", 0);

  /** {@code settings} and {@code more} together, {@code more} winning. */
  public static Map<String, Object> with(Map<String, Object> settings, Map<String, Object> more) {
    Map<String, Object> all = new LinkedHashMap<>(settings);
    all.putAll(more);
    return all;
  }

  @SuppressWarnings("unchecked")
  private static String yaml(Map<String, Object> settings) throws IOException {
    Map<String, Object> tree = YAML.readValue(Path.of("conf", "concord.yaml").toFile(), LinkedHashMap.class);
    settings.forEach((path, value) -> {
      String[] keys = path.split("\\.");
      Map<String, Object> node = tree;
      for (int i = 0; i < keys.length - 1; i++) {
        node = (Map<String, Object>) node.computeIfAbsent(keys[i], k -> new LinkedHashMap<String, Object>());
      }
      node.put(keys[keys.length - 1], value);
    });
    return YAML.writeValueAsString(tree);
  }

  /** One gate as the configuration writes it. */
  public static Map<String, Object> gate(String rule, String level, double threshold, String table) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("rule", rule);
    g.put("level", level);
    g.put("threshold", threshold);
    if (table != null) {
      g.put("table", table);
    }
    return g;
  }
}
