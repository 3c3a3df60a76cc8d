package dev.concord.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one piece of an annotation tool's export becomes: a submission or a gold label in the contract's own JSON
 * form (so that everything after reading is the same as for JSON Lines), something that is no answer (a cancelled
 * annotation, a draft, a model's suggestion), counted and never used, or a bad piece kept with its raw JSON and a
 * reason naming the field and the value.
 *
 * @param record the 1-based number of the task or record in its file
 * @param json the submission or gold line; for a bad piece the raw JSON of its task or record; for a piece that is
 *     no answer where it was (no personal data)
 * @param reason null for a submission or gold line; the reason of a bad piece, or the kind of a piece that is no
 *     answer ({@link #NOT_ANSWERS})
 */
public record ExportPiece(Kind kind, long record, String json, String reason, String detail) {

  public enum Kind { SUBMISSION, GOLD, NOT_AN_ANSWER, BAD }

  /** The kinds of what an export holds that is no answer: counted in the manifest and the card, never used. */
  public static final List<String> NOT_ANSWERS = List.of("cancelled_annotation", "empty_annotation",
      "draft_annotation", "model_prediction", "unmapped_control", "draft_response", "discarded_response",
      "model_suggestion", "justification_only");

  static final ObjectMapper JSON = new ObjectMapper();

  /** The pieces of one task or record, numbered by their place in it. */
  static final class Pieces {
    private final long record;
    private final JsonNode raw;
    private final List<ExportPiece> out = new ArrayList<>();
    private String project;

    Pieces(long record, JsonNode raw) {
      this.record = record;
      this.raw = raw;
    }

    /** The project the record turned out to be of: named by what it holds that is no answer. */
    void project(String name) {
      this.project = name;
    }

    void submission(ObjectNode line) {
      out.add(new ExportPiece(Kind.SUBMISSION, record, line.toString(), null, null));
    }

    void gold(ObjectNode line) {
      out.add(new ExportPiece(Kind.GOLD, record, line.toString(), null, null));
    }

    /** Something that is no answer, where it was: the position only, since it is never published. */
    void notAnAnswer(String kind, String where) {
      if (!NOT_ANSWERS.contains(kind)) {
        throw new IllegalArgumentException("not a kind of non-answer: " + kind);
      }
      ObjectNode at = JSON.createObjectNode().put("not_an_answer", kind).put("where", where);
      if (project != null) {
        at.put("project", project);
      }
      out.add(new ExportPiece(Kind.NOT_AN_ANSWER, record, at.toString(), kind, where));
    }

    /** A bad piece: its task's or record's raw JSON, and what is wrong with it. */
    void bad(String reason, String detail) {
      out.add(new ExportPiece(Kind.BAD, record, raw == null ? "null" : raw.toString(), reason, detail));
    }

    List<ExportPiece> all() {
      return out;
    }
  }

  /** A response as the contract's {@code responses} hold it. */
  record Response(String id, String text, String model) {}

  /** A submission line in the contract's form; null fields are left out. */
  static ObjectNode submission(String submissionId, String itemId, String project, String taskType,
      String annotatorId, String submittedAt, JsonNode prompt, List<Response> responses, ObjectNode answer,
      String justification, Double timeSpent, Map<String, String> metadata) {
    ObjectNode s = JSON.createObjectNode();
    s.put("submission_id", submissionId).put("item_id", itemId).put("project", project).put("task_type", taskType)
        .put("annotator_id", annotatorId).put("submitted_at", submittedAt);
    s.set("prompt", prompt);
    if (!responses.isEmpty()) {
      ArrayNode rs = s.putArray("responses");
      for (Response r : responses) {
        ObjectNode o = rs.addObject().put("response_id", r.id()).put("text", r.text());
        if (r.model() != null) {
          o.put("model", r.model());
        }
      }
    }
    s.set("answer", answer);
    if (justification != null) {
      s.put("justification", justification);
    }
    if (timeSpent != null) {
      s.put("time_spent_s", timeSpent);
    }
    ObjectNode m = s.putObject("metadata");
    metadata.forEach(m::put);
    return s;
  }

  /** A gold line in the contract's form. */
  static ObjectNode gold(String itemId, String taskType, ObjectNode answer, String source, String createdAt) {
    ObjectNode g = JSON.createObjectNode().put("item_id", itemId).put("task_type", taskType);
    g.set("answer", answer);
    g.put("source", source);
    if (createdAt != null) {
      g.put("created_at", createdAt);
    }
    return g;
  }

  /** What a JSON value is, in words, for a detail. */
  static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "missing";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case STRING -> "the string " + abbreviate(node.asText());
      case NUMBER -> "the number " + node.asText();
      case BOOLEAN -> "the boolean " + node.asText();
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  static String abbreviate(String text) {
    return "'" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "'";
  }

  /** An id that may be a number or a string, as text; null when it is neither (or empty). */
  static String id(JsonNode node) {
    if (node == null || !(node.isTextual() || node.isIntegralNumber()) || node.asText().isEmpty()) {
      return null;
    }
    return node.asText();
  }

  /** A timestamp field's text, or null. */
  static String text(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }
}
