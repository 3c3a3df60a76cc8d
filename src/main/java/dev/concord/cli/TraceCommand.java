package dev.concord.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.concord.config.ConfigException;
import dev.concord.ingest.Pseudonyms;
import dev.concord.trace.Trace;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/concord trace --out ROOT [--run-id ID] (--record ID | --submission ID | --annotator ID) [--json]}: the
 * auditor's answer from one published version (the newest, {@code ROOT/LATEST}, unless named), as an indented tree
 * or as JSON. An annotator may be named by pseudonym, or by raw platform id when the pseudonym key is at hand
 * ({@code CONCORD_PSEUDONYM_KEY}, else the key file in the job state).
 */
final class TraceCommand {
  private TraceCommand() {}

  static int run(Main.Args a, PrintStream out) {
    Path root = null;
    String runId = null;
    String kind = null;
    String id = null;
    boolean json = false;
    while (a.hasNext()) {
      String opt = a.next();
      switch (opt) {
        case "--out" -> root = Path.of(a.value(opt));
        case "--run-id" -> runId = a.value(opt);
        case "--record", "--submission", "--annotator" -> {
          if (kind != null) {
            throw new ConfigException("trace takes one of --record, --submission, --annotator, got " + kind
                + " and " + opt);
          }
          kind = opt;
          id = a.value(opt);
        }
        case "--json" -> json = true;
        default -> throw new ConfigException("unknown option '" + opt + "' for trace\n" + Main.USAGE);
      }
    }
    if (root == null || kind == null) {
      throw new ConfigException("trace needs --out ROOT and one of --record, --submission, --annotator\n" + Main.USAGE);
    }
    Path version = version(root, runId);
    String subject = kind.equals("--annotator") ? pseudonym(id, root) : id;
    Map<String, Object> answer;
    try (Trace trace = Trace.open(version)) {
      answer = switch (kind) {
        case "--record" -> trace.record(subject);
        case "--submission" -> trace.submission(subject);
        default -> trace.annotator(subject);
      };
    } catch (Trace.NotFound e) {
      System.err.println("concord: " + e.getMessage() + " (" + version + ")");
      return 1;
    }
    if (json) {
      try {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(answer));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      out.println("version " + version);
      tree(answer, "", out);
    }
    return 0;
  }

  /** The version named, else the one {@code ROOT/LATEST} names. */
  static Path version(Path root, String runId) {
    String id = runId;
    if (id == null) {
      Path latest = root.resolve("LATEST");
      if (!Files.exists(latest)) {
        throw new ConfigException("--out " + root + " has no LATEST: no version published there yet");
      }
      try {
        id = Files.readString(latest).trim();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path v = root.resolve(id);
    if (!Files.exists(v.resolve("manifest.json"))) {
      throw new ConfigException("--run-id " + id + ": no published version at " + v);
    }
    return v;
  }

  /** A pseudonym as given, or a raw platform id mapped through the key. */
  static String pseudonym(String id, Path root) {
    if (Pseudonyms.isPseudonym(id)) {
      return id;
    }
    Path state = root.resolve(".concord");
    byte[] key = dev.concord.job.Runner.existingPseudonymKey(state).orElseThrow(() -> new ConfigException(
        "--annotator " + id + " is a raw id; mapping it needs the pseudonym key (CONCORD_PSEUDONYM_KEY, or "
            + state.resolve("pseudonym.key") + ", which does not exist)"));
    return Pseudonyms.of(id, key);
  }

  /** Maps as "key: value" lines, nested values indented under their key, list entries marked "- " (as YAML). */
  @SuppressWarnings("unchecked")
  static void tree(Map<String, Object> node, String indent, PrintStream out) {
    String first = indent;
    String rest = indent.endsWith("- ") ? indent.substring(0, indent.length() - 2) + "  " : indent;
    for (Map.Entry<String, Object> e : node.entrySet()) {
      Object value = e.getValue();
      String at = first;
      if (value instanceof Map<?, ?> m) {
        out.println(at + e.getKey() + ":");
        tree((Map<String, Object>) m, rest + "  ", out);
      } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map) {
        out.println(at + e.getKey() + ": (" + list.size() + ")");
        for (Object item : list) {
          tree((Map<String, Object>) item, rest + "  - ", out);
        }
      } else if (value != null) {
        out.println(at + e.getKey() + ": " + value);
      } else {
        continue;
      }
      first = rest;
    }
  }
}
