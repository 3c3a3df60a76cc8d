package dev.concord.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concord.config.ConcordConfig;
import dev.concord.config.ConfigException;
import dev.concord.config.Source;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The annotation tools' exports Concord reads, and the per-project mappings that turn their tasks and records into
 * submissions ({@code projects.NAME.source}). Serializable: every reading task holds one.
 */
public final class Exports implements Serializable {

  /** The input formats: the contract's own JSON Lines, and the two tools' exports. */
  public enum Format {
    CONCORD("concord"), LABEL_STUDIO(Source.LABEL_STUDIO), ARGILLA(Source.ARGILLA);

    private final String id;

    Format(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    /** The format {@code --input-format} names. */
    public static Format parse(String id) {
      for (Format f : values()) {
        if (f.id.equals(id)) {
          return f;
        }
      }
      throw new ConfigException("--input-format must be one of concord, label-studio, argilla, got '" + id + "'");
    }
  }

  private final Map<String, Source> sources;
  private final byte[] pseudonymKey;

  private Exports(Map<String, Source> sources, byte[] pseudonymKey) {
    this.sources = Map.copyOf(sources);
    this.pseudonymKey = pseudonymKey.clone();
  }

  /** The mappings of {@code config}'s projects; {@code pseudonymKey} names Argilla's users in submission ids. */
  public static Exports of(ConcordConfig config, byte[] pseudonymKey) {
    Map<String, Source> sources = new TreeMap<>();
    config.projects().forEach((name, p) -> {
      if (p.source() != null) {
        sources.put(name, p.source());
      }
    });
    return new Exports(sources, pseudonymKey);
  }

  /**
   * The format of a file from what its first record holds: {@code annotations} is a Label Studio task; a
   * {@code responses} object, {@code fields}, or a {@code QUESTION.responses} column is an Argilla record; else null.
   */
  public static Format byKeys(Collection<String> keys) {
    if (keys.contains("annotations")) {
      return Format.LABEL_STUDIO;
    }
    if (keys.contains("fields") || keys.contains("responses") || keys.stream().anyMatch(k -> k.endsWith(".responses"))) {
      return Format.ARGILLA;
    }
    return null;
  }

  /** The mappings of {@code format} that read {@code file}, by project. */
  Map<String, Source> reading(String file, Format format) {
    Map<String, Source> out = new TreeMap<>();
    sources.forEach((name, s) -> {
      if (s.format().equals(format.id()) && s.reads(file)) {
        out.put(name, s);
      }
    });
    return out;
  }

  /**
   * Refuses, before anything is read, an export that no mapping reads, or an Argilla export that several do (its
   * records do not say which dataset they are from).
   */
  public void check(String file, Format format) {
    Map<String, Source> reading = reading(file, format);
    if (reading.isEmpty()) {
      throw new ConfigException("--input " + file + " is a " + format.id() + " export, but no project maps one:"
          + " set projects.NAME.source with format: " + format.id() + (sources.isEmpty() ? ""
          + " (conf/concord.yaml shows one for each format)" : " and files matching it"));
    }
    if (format == Format.ARGILLA && reading.size() > 1) {
      throw new ConfigException("--input " + file + " is an argilla export that the sources of projects "
          + reading.keySet() + " all read: give each its own projects.NAME.source.files");
    }
  }

  /** The pieces of one task or record (its 1-based {@code number} in {@code file}). */
  public List<ExportPiece> convert(String file, Format format, JsonNode node, long number) {
    Map<String, Source> reading = reading(file, format);
    if (format == Format.LABEL_STUDIO) {
      return new LabelStudio(reading).convert(node, number);
    }
    Map.Entry<String, Source> only = reading.entrySet().iterator().next();
    return new Argilla(only.getKey(), only.getValue(), new Pseudonyms.Hasher(pseudonymKey)).convert(node, number);
  }

  /** The mapped controls or questions of each project: what a run checks the export for. */
  public Map<String, java.util.Set<String>> mapped() {
    Map<String, java.util.Set<String>> out = new TreeMap<>();
    sources.forEach((name, s) -> out.put(name, new java.util.TreeSet<>(s.answers().keySet())));
    return out;
  }

  /** The strict JSON reading of exports, as of every input line: {@code maxString} bounds one string. */
  public static com.fasterxml.jackson.core.JsonFactory jsonFactory(int maxString) {
    return JsonReading.factory(maxString);
  }

  public boolean any() {
    return !sources.isEmpty();
  }
}
