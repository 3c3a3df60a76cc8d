package dev.concord.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run's result depends on besides the code: its input, gold and evaluation files (each with size and
 * SHA-256, hashed once, here), the configuration's hash and the exclusion list's. Recorded when the run begins; a
 * run started again under the same id resumes only if this is unchanged, since its staged data came from it.
 *
 * @param description the files and hashes, as the manifest lists them
 */
public record RunInputs(Map<String, Object> description) {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  static final String FILE = "inputs.json";

  public static RunInputs of(List<Path> inputs, List<Path> gold, List<Path> evalPrompts, String configSha256,
      List<String> excludedPseudonyms) {
    return of(inputs, gold, evalPrompts, configSha256, excludedPseudonyms, List.of(), java.util.Set.of());
  }

  /**
   * @param configSha256 the configuration's hash ({@link dev.concord.config.ConcordConfig#sha256})
   * @param storeBatches the submission store's committed batches the run builds on: a run resumed after another
   *     run committed one starts over, since its staged tables were built over an older history
   * @param storedChecksums the checksums of the files the store already holds: such input and gold files are
   *     skipped (listed under {@code skipped}), not read again
   */
  public static RunInputs of(List<Path> inputs, List<Path> gold, List<Path> evalPrompts, String configSha256,
      List<String> excludedPseudonyms, List<String> storeBatches, java.util.Set<String> storedChecksums) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("inputs", InputFiles.describe(inputs));
    d.put("gold", InputFiles.describe(gold));
    d.put("eval_prompts", InputFiles.describe(evalPrompts));
    d.put("configuration_sha256", configSha256);
    d.put("excluded_annotators_sha256", sha256(String.join("\n", excludedPseudonyms)));
    d.put("store_batches", List.copyOf(storeBatches));
    List<String> skipped = new java.util.ArrayList<>();
    for (String kind : List.of("inputs", "gold")) {
      for (Map<String, Object> f : new RunInputs(d).files(kind)) {
        if (storedChecksums.contains(String.valueOf(f.get("sha256")))) {
          skipped.add(String.valueOf(f.get("path")));
        }
      }
    }
    d.put("skipped", skipped);
    return new RunInputs(d);
  }

  /** The same, read as {@code format} ({@code --input-format}): another format is another run's input. */
  public RunInputs readAs(dev.concord.ingest.Exports.Format format) {
    if (format == null) {
      return this;
    }
    Map<String, Object> d = new LinkedHashMap<>(description);
    d.put("input_format", format.id());
    return new RunInputs(d);
  }

  /** The files of {@code kind} (inputs, gold) this run reads: all but those the store already holds. */
  public List<Path> ingested(String kind) {
    List<?> skipped = (List<?>) description.getOrDefault("skipped", List.of());
    return files(kind).stream().map(f -> String.valueOf(f.get("path"))).filter(p -> !skipped.contains(p))
        .map(Path::of).toList();
  }

  /** The input and gold files this run reads, each with its {@code kind}: what its batch in the store holds. */
  public List<Map<String, Object>> batchFiles() {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (String kind : List.of("inputs", "gold")) {
      java.util.Set<String> read = new java.util.HashSet<>();
      ingested(kind).forEach(p -> read.add(p.toString()));
      for (Map<String, Object> f : files(kind)) {
        if (read.contains(String.valueOf(f.get("path")))) {
          Map<String, Object> entry = new LinkedHashMap<>(f);
          entry.put("kind", kind);
          out.add(entry);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> files(String kind) {
    return (List<Map<String, Object>>) description.get(kind);
  }

  /** One hash of the whole description: equal exactly when nothing the run depends on changed. */
  public String fingerprint() {
    try {
      return sha256(JSON.writeValueAsString(description));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What differs from {@code earlier}, in words: the files added, removed or changed, and the settings. */
  public String differencesFrom(RunInputs earlier) {
    List<String> out = new java.util.ArrayList<>();
    for (String kind : List.of("inputs", "gold", "eval_prompts")) {
      Map<Object, Object> before = new LinkedHashMap<>();
      earlier.files(kind).forEach(f -> before.put(f.get("path"), f.get("sha256")));
      Map<Object, Object> now = new LinkedHashMap<>();
      files(kind).forEach(f -> now.put(f.get("path"), f.get("sha256")));
      now.forEach((path, sha) -> {
        if (!before.containsKey(path)) {
          out.add("new file " + path);
        } else if (!java.util.Objects.equals(before.get(path), sha)) {
          out.add("changed file " + path);
        }
      });
      before.keySet().stream().filter(p -> !now.containsKey(p)).forEach(p -> out.add("file gone " + p));
    }
    if (!java.util.Objects.equals(description.get("store_batches"), earlier.description.get("store_batches"))) {
      out.add("the submission store (another run committed a batch)");
    }
    if (!java.util.Objects.equals(description.get("input_format"), earlier.description.get("input_format"))) {
      out.add("--input-format");
    }
    if (!description.get("configuration_sha256").equals(earlier.description.get("configuration_sha256"))) {
      out.add("the configuration");
    }
    if (!description.get("excluded_annotators_sha256")
        .equals(earlier.description.get("excluded_annotators_sha256"))) {
      out.add("the --exclude-annotators list");
    }
    return out.isEmpty() ? "nothing" : String.join(", ", out);
  }

  void write(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(FILE + ".tmp");
      JSON.writeValue(tmp.toFile(), description);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the run's inputs in " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  static java.util.Optional<RunInputs> read(Path file) {
    if (!Files.exists(file)) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(new RunInputs(JSON.readValue(file.toFile(), Map.class)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the run's recorded inputs " + file, e);
    }
  }

  static String sha256(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
