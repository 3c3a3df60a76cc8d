package dev.concord.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A published version loaded as a researcher loads a dataset: the {@code datasets} library, installed into a virtual
 * environment with {@code pip} (which on these machines resolves from a local package index), reads every
 * configuration of the card, and each split holds the rows the manifest counts.
 */
class DatasetsLoadIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> RECORD_TABLES = List.of("preferences", "sft", "labels");

  @TempDir
  Path root;

  @Test
  @SuppressWarnings("unchecked")
  void everyConfigurationLoadsWithTheSplitsTheManifestCounts() throws Exception {
    assertEquals(0, Runner.run(new RunRequest(List.of(Path.of("data-samples/submissions")),
        List.of(Path.of("data-samples/gold")), root, null, "samples", null, List.of(Path.of("data-samples/eval")))));
    Path version = root.resolve("samples");
    Map<String, Object> counts = (Map<String, Object>) JSON.readValue(version.resolve("manifest.json").toFile(),
        Map.class).get("counts");
    Map<String, Number> tables = (Map<String, Number>) counts.get("tables");
    Map<String, Map<String, Number>> splits = (Map<String, Map<String, Number>>) counts.get("record_splits");

    Map<String, Object> loaded = JSON.readValue(python(version, root), Map.class);

    Map<String, Map<String, Long>> expected = new TreeMap<>();
    for (String t : tables.keySet()) {
      Map<String, Long> bySplit = new TreeMap<>();
      if (RECORD_TABLES.contains(t)) {
        splits.get(t).forEach((split, n) -> {
          if (n.longValue() > 0) {
            bySplit.put(split, n.longValue());
          }
        });
      } else {
        bySplit.put("train", tables.get(t).longValue());
      }
      expected.put(t, bySplit);
    }
    Map<String, Map<String, Long>> actual = new TreeMap<>();
    loaded.forEach((name, value) -> {
      if (!name.startsWith("(")) {
        Map<String, Long> bySplit = new TreeMap<>();
        ((Map<String, Number>) value).forEach((split, n) -> bySplit.put(split, n.longValue()));
        actual.put(name, bySplit);
      }
    });
    assertEquals(expected, actual, "every table a configuration, every split the manifest's rows");
    assertEquals(java.util.Set.of("train", "test"), expected.get("preferences").keySet(), "the samples have both");
    assertEquals(loaded.get("preferences"), loaded.get("(default)"), "preferences is the default configuration");
    assertTrue(((List<String>) loaded.get("(preferences columns)")).containsAll(List.of("prompt", "chosen",
        "rejected", "split")), String.valueOf(loaded.get("(preferences columns)")));
    assertEquals(true, loaded.get("(chosen is a conversation)"), "TRL's conversational format");
  }

  /** Runs {@code load_version.py} over the version in a virtual environment with the datasets library. */
  private static String python(Path version, Path scratch) throws IOException, InterruptedException {
    Path venv = Path.of("target", "datasets-venv").toAbsolutePath();
    Path py = venv.resolve("bin/python");
    if (!Files.exists(py) || run(List.of(py.toString(), "-c", "import datasets"), 60) != 0) {
      assertEquals(0, run(List.of("python3", "-m", "venv", venv.toString()), 300), "python3 -m venv");
      // No retries against an index that cannot be reached: pip goes on to the ones that can.
      assertEquals(0, run(List.of(venv.resolve("bin/pip").toString(), "install", "--quiet", "--retries", "0",
          "datasets"), 1800), "pip install datasets");
    }
    Path script = Path.of("src/test/resources/load_version.py").toAbsolutePath();
    Path output = scratch.resolve("load-version.json");
    ProcessBuilder b = new ProcessBuilder(py.toString(), script.toString(), version.toString())
        .redirectOutput(output.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
    // As a researcher offline would: nothing is fetched from a hub.
    b.environment().put("HF_DATASETS_OFFLINE", "1");
    b.environment().put("HF_HUB_OFFLINE", "1");
    b.environment().put("HF_HOME", Files.createDirectories(scratch.resolve("hf-home")).toString());
    Process p = b.start();
    assertTrue(p.waitFor(900, TimeUnit.SECONDS), "load_version.py finished");
    assertEquals(0, p.exitValue(), "load_version.py: " + Files.readString(output));
    String out = Files.readString(output, StandardCharsets.UTF_8).trim();
    return out.substring(out.lastIndexOf('\n') + 1);
  }

  private static int run(List<String> command, long seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
