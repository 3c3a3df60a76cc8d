package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.config.ConcordConfig;
import dev.concord.config.ConcordConfigTest;
import dev.concord.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
  @TempDir
  Path root;

  private void version(String name, String createdAt) throws IOException {
    Files.createDirectories(root.resolve(name).resolve("preferences"));
    Files.writeString(root.resolve(name).resolve("preferences").resolve("part-0.parquet"), "x");
    Files.writeString(root.resolve(name).resolve("manifest.json"), "{\"created_at\": \"" + createdAt + "\"}");
  }

  private Set<String> left() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void keepsTheNewestByCreationAndAlwaysLatestAndLeavesOtherFoldersAlone() throws IOException {
    version("20261119", "2026-11-19T03:00:00Z");
    version("20261120", "2026-11-20T03:00:00Z");
    version("b-rerun", "2026-11-21T03:00:00Z");
    version("a-newest", "2026-11-22T03:00:00Z");
    Files.createDirectories(root.resolve(".concord").resolve("staging"));
    Files.createDirectories(root.resolve("notes"));
    Files.writeString(root.resolve("LATEST"), "20261119");

    List<Path> removed = Retention.apply(root, 2, "20261119");
    assertEquals(Set.of("20261120"), removed.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
        "the two newest stay, and the version LATEST names");
    assertEquals(Set.of("20261119", "b-rerun", "a-newest", ".concord", "notes", "LATEST"), left());
  }

  @Test
  void zeroKeepsEverything() throws IOException {
    version("v1", "2026-11-19T03:00:00Z");
    version("v2", "2026-11-20T03:00:00Z");
    assertTrue(Retention.apply(root, 0, "v2").isEmpty());
    assertEquals(Set.of("v1", "v2"), left());
  }

  @Test
  void aNegativeSettingIsAConfigurationError() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConcordConfig.parse(
        ConcordConfigTest.MINIMAL + "retention:\n  keep_versions: -1\n", "t"));
    assertTrue(e.getMessage().contains("retention.keep_versions"), e.getMessage());
  }
}
