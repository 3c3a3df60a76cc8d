package dev.concord;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
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
  @SuppressWarnings("unchecked")
  public static Path write(Path dir, String name, Map<String, Object> settings) throws IOException {
    Map<String, Object> tree = YAML.readValue(Path.of("conf", "concord.yaml").toFile(), LinkedHashMap.class);
    settings.forEach((path, value) -> {
      String[] keys = path.split("\\.");
      Map<String, Object> node = tree;
      for (int i = 0; i < keys.length - 1; i++) {
        node = (Map<String, Object>) node.computeIfAbsent(keys[i], k -> new LinkedHashMap<String, Object>());
      }
      node.put(keys[keys.length - 1], value);
    });
    Path file = dir.resolve(name + ".yaml");
    YAML.writeValue(file.toFile(), tree);
    return file;
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
