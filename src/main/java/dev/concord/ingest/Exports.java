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

  /** The metadata key naming the controls or questions behind a submission read from an export. */
  public static final String CONTROLS = "controls";
  /** The metadata key naming the tool a submission was read from. */
  public static final String SOURCE_FORMAT = "source_format";

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
      throw new ConfigException("--input " + file + " is " + (format == Format.ARGILLA ? "an " : "a ") + format.id() + " export, but no project maps one:"
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
    try {
      return converted(file, format, node, number);
    } catch (RuntimeException e) {
      // Even a bug is the record's problem, never the run's: the record is quarantined with what happened.
      ExportPiece.Pieces bad = new ExportPiece.Pieces(number, node);
      bad.bad("conversion_failed", (format == Format.LABEL_STUDIO ? "task " : "record ") + number + " could not be"
          + " read (" + e.getClass().getSimpleName() + "); it is kept here as received");
      return bad.all();
    }
  }

  private List<ExportPiece> converted(String file, Format format, JsonNode node, long number) {
    Map<String, Source> reading = reading(file, format);
    if (format == Format.LABEL_STUDIO) {
      return new LabelStudio(reading).convert(node, number);
    }
    Map.Entry<String, Source> only = reading.entrySet().iterator().next();
    return new Argilla(only.getKey(), only.getValue(), new Pseudonyms.Hasher(pseudonymKey)).convert(node, number);
  }

  /**
   * Refuses a mapping whose answer control or question appears in none of the submissions a run read for its
   * project ({@code seen}: project to the controls behind its submissions; projects without any are not judged): a
   * misspelt {@code from_name} would otherwise lose every answer it holds without a word. A justification may
   * always be left empty, so it is not required.
   */
  public void checkSeen(Map<String, java.util.Set<String>> seen) {
    seen.forEach((project, controls) -> {
      Source s = sources.get(project);
      if (s == null) {
        return;
      }
      String key = s.format().equals(Source.LABEL_STUDIO) ? "controls" : "questions";
      List<String> missing = s.answers().entrySet().stream().filter(e -> !e.getValue().justification()
          && !controls.contains(e.getKey())).map(Map.Entry::getKey).sorted().toList();
      if (!missing.isEmpty()) {
        throw new ConfigException("projects." + project + ".source." + key + "." + missing.get(0) + ": '"
            + missing.get(0) + "' (" + s.answers().get(missing.get(0)).task() + ") answers none of the submissions"
            + " read for " + project + " (whose answers came from " + controls + "); is it the name the"
            + " labeling interface gives it?" + (missing.size() > 1 ? " Nor do " + missing.subList(1,
            missing.size()) + "." : ""));
      }
    });
  }

  /**
   * The JSON reading of exports: RFC 8259 and bounded nesting, as for every input line. Not bounded by the line
   * limit, since one record is no line (each submission's fields are held to the limits later, by the same rules as
   * a line's), and a repeated key takes its last value, as the Python that writes these exports does: the scan for
   * record boundaries must fail exactly where the reading does, or records after a failure would be lost.
   */
  public static com.fasterxml.jackson.core.JsonFactory jsonFactory() {
    com.fasterxml.jackson.core.JsonFactory f = JsonReading.factory(Integer.MAX_VALUE - 16);
    f.disable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    return f;
  }

}
