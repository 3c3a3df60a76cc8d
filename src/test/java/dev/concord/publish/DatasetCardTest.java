package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCardTest {
  @Test
  void aProjectNameCannotBreakTheTables(@TempDir Path dir) throws Exception {
    Map<String, Object> scope = new java.util.HashMap<>(Map.of("project", "a|b\nc <i>", "task_type", "label",
        "units", 3, "annotators", 2, "peer_units", 3, "gold_units", 0, "decisions", Map.of("kept", 2)));
    Map<String, Object> manifest = Map.of("run_id", "r", "pseudonym_key_fingerprint", "sha256:0",
        "counts", Map.of("tables", Map.of(), "removed_records_by_kind", Map.of()), "agreement", List.of(scope));
    Path card = dir.resolve("README.md");
    DatasetCard.write(card, manifest);
    List<String> rows = Files.readAllLines(card).stream().filter(l -> l.startsWith("| a")).toList();
    assertEquals(2, rows.size(), "one row in each agreement table");
    for (String row : rows) {
      assertEquals(9, row.split("(?<!\\\\)\\|", -1).length, "7 cells, so 8 unescaped bars: " + row);
      assertEquals(true, row.startsWith("| a\\|b c &lt;i&gt; | label |"), row);
    }
  }
}
