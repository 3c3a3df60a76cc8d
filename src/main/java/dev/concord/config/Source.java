package dev.concord.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a project's answers come from when they arrive as an annotation tool's export
 * ({@code projects.NAME.source}): which tool, which of its projects and files, and which of its data fields and
 * controls (Label Studio) or questions (Argilla) hold the prompt, the responses and each answer.
 *
 * @param format {@code label-studio} or {@code argilla}
 * @param projectId Label Studio's project id, when one export holds tasks of several projects
 * @param files glob patterns of the export files this mapping applies to (all files of its format when omitted)
 * @param prompt the data field holding the prompt: a string, or a list of {role, content} messages
 * @param responses the data fields holding the responses, in order; or one field holding a list of them
 * @param controls Label Studio: control name ({@code from_name}) to what it answers
 * @param questions Argilla: question name to what it answers
 */
public record Source(String format, Long projectId, List<String> files, String prompt,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> responses,
    Map<String, Control> controls, Map<String, Control> questions) implements Serializable {

  public static final String LABEL_STUDIO = "label-studio";
  public static final String ARGILLA = "argilla";
  static final List<String> FORMATS = List.of(LABEL_STUDIO, ARGILLA);

  /** What an answer control stands for, besides the five task types: the annotator's written reasoning. */
  public static final String JUSTIFICATION = "justification";

  /**
   * What one control or question answers.
   *
   * @param task a task type, or {@code justification}
   * @param dimension the rating dimension ({@code rating.DIMENSION}), else null
   * @param response Argilla: the field of the response a rating, label or text question is about (Label Studio's
   *     controls say so themselves, in {@code to_name})
   * @param buckets Label Studio's Ranker with buckets: the bucket names, best first; the ranking is the buckets'
   *     items in this order ({@code _} is the unbucketed items' bucket)
   */
  @JsonDeserialize(using = ControlReader.class)
  public record Control(String task, String dimension, String response, List<String> buckets)
      implements Serializable {
    public TaskType taskType() {
      return task.equals(JUSTIFICATION) ? null : TaskType.parse(task);
    }

    public boolean justification() {
      return task.equals(JUSTIFICATION);
    }

    /** {@code pairwise}, {@code rating.accuracy}, {@code justification}: the value's short form. */
    static Control parse(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("is empty; expected one of " + forms());
      }
      if (value.startsWith("rating.")) {
        String dimension = value.substring("rating.".length());
        if (dimension.isBlank()) {
          throw new IllegalArgumentException("'" + value + "' names no rating dimension after 'rating.'");
        }
        return new Control(TaskType.RATING.id(), dimension, null, null);
      }
      if (value.equals(TaskType.RATING.id())) {
        throw new IllegalArgumentException("'rating' needs its dimension: rating.DIMENSION (rating.accuracy, say)");
      }
      if (!value.equals(JUSTIFICATION) && !TaskType.ids().contains(value)) {
        throw new IllegalArgumentException("'" + value + "' is not one of " + forms());
      }
      return new Control(value, null, null, null);
    }

    private static String forms() {
      return "pairwise, ranking, rating.DIMENSION, label, sft, justification";
    }
  }

  /** A control is its short form ({@code rating.accuracy}) or an object {@code {task, response?, buckets?}}. */
  static final class ControlReader extends JsonDeserializer<Control> {
    private static final Set<String> KEYS = Set.of("task", "response", "buckets");

    @Override
    public Control deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      JsonNode node = ctx.readTree(p);
      try {
        if (node.isTextual()) {
          return Control.parse(node.asText());
        }
        if (!node.isObject()) {
          throw new IllegalArgumentException("must be a task (pairwise, rating.accuracy, ...) or an object {task,"
              + " response, buckets}, got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
          String name = names.next();
          if (!KEYS.contains(name)) {
            throw new IllegalArgumentException("unknown key '" + name + "' (known keys here: buckets, response,"
                + " task)");
          }
        }
        JsonNode task = node.get("task");
        Control c = Control.parse(task == null || !task.isTextual() ? null : task.asText());
        String response = text(node.get("response"), "response");
        List<String> buckets = null;
        JsonNode b = node.get("buckets");
        if (b != null) {
          if (!b.isArray() || b.isEmpty()) {
            throw new IllegalArgumentException("buckets must be a non-empty list of bucket names, best first");
          }
          buckets = new ArrayList<>();
          for (JsonNode name : b) {
            buckets.add(text(name, "buckets"));
          }
          if (!c.task().equals(TaskType.RANKING.id())) {
            throw new IllegalArgumentException("buckets belong to a ranking control, not to '" + c.task() + "'");
          }
          if (buckets.stream().distinct().count() != buckets.size()) {
            throw new IllegalArgumentException("buckets repeats a bucket: " + buckets);
          }
        }
        return new Control(c.task(), c.dimension(), response, buckets == null ? null : List.copyOf(buckets));
      } catch (IllegalArgumentException e) {
        throw com.fasterxml.jackson.databind.JsonMappingException.from(p, e.getMessage());
      }
    }

    private static String text(JsonNode node, String key) {
      if (node == null) {
        return null;
      }
      if (!node.isTextual() || node.asText().isBlank()) {
        throw new IllegalArgumentException(key + " must be a non-empty string, got " + node);
      }
      return node.asText();
    }
  }

  /** The mapping's controls or questions, whichever its format uses. */
  public Map<String, Control> answers() {
    return format.equals(LABEL_STUDIO) ? controls : questions;
  }

  /** Checks the mapping of {@code project}; every message names the key and the value. */
  void validate(String key) {
    if (format == null || !FORMATS.contains(format)) {
      throw new ConfigException(key + ".format must be one of " + FORMATS + ", got " + (format == null ? "nothing"
          : "'" + format + "'"));
    }
    boolean ls = format.equals(LABEL_STUDIO);
    String own = ls ? "controls" : "questions";
    if ((ls ? questions : controls) != null) {
      throw new ConfigException(key + "." + (ls ? "questions" : "controls") + " does not apply to " + format
          + " (its answers are under " + key + "." + own + ")");
    }
    if (!ls && projectId != null) {
      throw new ConfigException(key + ".project_id applies to label-studio only, got " + projectId + " for "
          + format);
    }
    if (prompt == null || prompt.isBlank()) {
      throw new ConfigException(key + ".prompt is required: the data field holding the prompt");
    }
    if (responses != null && (responses.isEmpty() || responses.stream().anyMatch(r -> r == null || r.isBlank()))) {
      throw new ConfigException(key + ".responses must name data fields, got " + responses);
    }
    if (responses != null && responses.stream().distinct().count() != responses.size()) {
      throw new ConfigException(key + ".responses repeats a field: " + responses);
    }
    if (files != null && (files.isEmpty() || files.stream().anyMatch(f -> f == null || f.isBlank()))) {
      throw new ConfigException(key + ".files must be a non-empty list of glob patterns, got " + files);
    }
    Map<String, Control> answers = answers();
    if (answers == null || answers.isEmpty()) {
      throw new ConfigException(key + "." + own + " is required: which " + (ls ? "control" : "question")
          + " answers what");
    }
    answers.forEach((name, c) -> {
      if (c == null) {
        throw new ConfigException(key + "." + own + "." + name + " is empty");
      }
      if (c.response() != null && ls) {
        throw new ConfigException(key + "." + own + "." + name + ".response applies to argilla only (a Label"
            + " Studio control names its response in to_name), got '" + c.response() + "'");
      }
      if (c.response() != null && (responses == null || responses.size() < 2 || !responses.contains(c.response()))) {
        throw new ConfigException(key + "." + own + "." + name + ".response '" + c.response()
            + "' is not one of the response fields " + responses);
      }
      if (c.buckets() != null && !ls) {
        throw new ConfigException(key + "." + own + "." + name + ".buckets applies to label-studio's Ranker only");
      }
      if (!ls && c.taskType() == TaskType.RATING && c.response() == null && responses != null
          && responses.size() > 1) {
        throw new ConfigException(key + "." + own + "." + name + " rates one of the responses " + responses
            + ": name it in " + key + "." + own + "." + name + ".response");
      }
      boolean needsResponses = c.taskType() == TaskType.PAIRWISE || c.taskType() == TaskType.RANKING
          || c.taskType() == TaskType.RATING;
      if (needsResponses && responses == null) {
        throw new ConfigException(key + "." + own + "." + name + " is a " + c.task() + " answer, which needs the"
            + " responses: set " + key + ".responses");
      }
    });
    if (answers.values().stream().filter(Control::justification).count() > 1) {
      throw new ConfigException(key + "." + own + " names more than one justification: " + answers.entrySet()
          .stream().filter(e -> e.getValue().justification()).map(Map.Entry::getKey).sorted().toList());
    }
  }

  /** Whether {@code file} is one this mapping reads: any file of its format when it names none. */
  public boolean reads(String file) {
    if (files == null) {
      return true;
    }
    java.nio.file.Path path = java.nio.file.Path.of(file);
    return files.stream().anyMatch(glob -> {
      java.nio.file.PathMatcher m = java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
      return m.matches(path) || m.matches(path.getFileName());
    });
  }
}
