package dev.concord.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concord.config.Source;
import dev.concord.config.TaskType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task of a Label Studio JSON export, as submissions (one per annotation and control, a rating's controls
 * together), gold labels (a {@code ground_truth} annotation), and the rest counted: cancelled and empty annotations,
 * drafts, predictions, results of controls the mapping does not name. {@code platform-exports.md} is the contract.
 */
final class LabelStudio {
  private final Map<String, Source> sources;

  /** @param sources the Label Studio mappings that read this file, by project name */
  LabelStudio(Map<String, Source> sources) {
    this.sources = Map.copyOf(sources);
  }

  List<ExportPiece> convert(JsonNode task, long number) {
    ExportPiece.Pieces out = new ExportPiece.Pieces(number, task);
    try {
      read(task, number, out);
    } catch (Problem p) {
      out.bad(p.reason(), p.detail());
    }
    return out.all();
  }

  private void read(JsonNode task, long number, ExportPiece.Pieces out) throws Problem {
    if (!task.isObject()) {
      throw new Problem("bad_task", "task " + number + " is " + ExportPiece.kind(task) + ", not an object");
    }
    String taskId = ExportPiece.id(task.get("id"));
    if (taskId == null) {
      throw new Problem("missing_field", "task " + number + " has no 'id' (a number or a string): it is "
          + ExportPiece.kind(task.get("id")));
    }
    String where = "task " + number + " (id " + taskId + ")";
    Map.Entry<String, Source> mapping = project(task, where);
    String project = mapping.getKey();
    Source source = mapping.getValue();
    out.project(project);
    JsonNode predictions = task.path("predictions");
    for (int i = 0; i < predictions.size(); i++) {
      out.notAnAnswer("model_prediction", where + ", prediction " + (i + 1));
    }
    JsonNode drafts = task.path("drafts");
    for (int i = 0; i < drafts.size(); i++) {
      out.notAnAnswer("draft_annotation", where + ", draft " + (i + 1));
    }
    JsonNode data = task.get("data");
    if (data == null || !data.isObject()) {
      throw new Problem("missing_field", where + " has no 'data' object: it is " + ExportPiece.kind(data));
    }
    JsonNode annotations = task.get("annotations");
    if (annotations == null || !annotations.isArray()) {
      throw new Problem("missing_field", where + " has no 'annotations' list: it is "
          + ExportPiece.kind(annotations));
    }
    ExportTexts texts = ExportTexts.of(data, source, project, where);
    for (int i = 0; i < annotations.size(); i++) {
      JsonNode a = annotations.get(i);
      String at = where + ", annotation " + (i + 1) + (a.isObject() && ExportPiece.id(a.get("id")) != null
          ? " (id " + a.get("id").asText() + ")" : "");
      try {
        annotation(a, at, taskId, project, source, texts, out);
      } catch (Problem p) {
        out.bad(p.reason(), p.detail());
      }
    }
  }

  /** The mapping of the task's project: the one naming its project id, else the one naming none. */
  private Map.Entry<String, Source> project(JsonNode task, String where) throws Problem {
    String projectId = ExportPiece.id(task.get("project"));
    List<Map.Entry<String, Source>> byId = sources.entrySet().stream()
        .filter(e -> e.getValue().projectId() != null && String.valueOf(e.getValue().projectId()).equals(projectId))
        .toList();
    List<Map.Entry<String, Source>> fits = byId.isEmpty() ? sources.entrySet().stream()
        .filter(e -> e.getValue().projectId() == null).toList() : byId;
    if (fits.size() == 1) {
      return fits.get(0);
    }
    throw new Problem("unmapped_project", where + " is of Label Studio project " + (projectId == null ? "(none given)"
        : projectId) + ", which " + (fits.isEmpty() ? "no label-studio source maps (projects.NAME.source.project_id)"
        : "the sources of " + fits.stream().map(Map.Entry::getKey).sorted().toList() + " all map: give each its"
        + " project_id or files"));
  }

  private void annotation(JsonNode a, String at, String taskId, String project, Source source, ExportTexts texts,
      ExportPiece.Pieces out) throws Problem {
    if (!a.isObject()) {
      throw new Problem("bad_annotation", at + " is " + ExportPiece.kind(a) + ", not an object");
    }
    String annotationId = ExportPiece.id(a.get("id"));
    if (annotationId == null) {
      throw new Problem("missing_field", at + " has no 'id': it is " + ExportPiece.kind(a.get("id")));
    }
    if (a.path("was_cancelled").asBoolean(false)) {
      out.notAnAnswer("cancelled_annotation", at);
      return;
    }
    JsonNode result = a.get("result");
    if (result == null || !result.isArray()) {
      throw new Problem("missing_field", at + " has no 'result' list: it is " + ExportPiece.kind(result));
    }
    if (result.isEmpty()) {
      out.notAnAnswer("empty_annotation", at);
      return;
    }
    boolean gold = a.path("ground_truth").asBoolean(false);
    String annotator = gold ? null : annotator(a.get("completed_by"), at);
    String submittedAt = ExportPiece.text(a.get("updated_at")) != null ? a.get("updated_at").asText()
        : ExportPiece.text(a.get("created_at"));
    Double leadTime = a.path("lead_time").isNumber() ? a.get("lead_time").asDouble() : null;

    Map<String, ObjectNode> answers = new LinkedHashMap<>();
    List<String> ratingControls = new ArrayList<>();
    String justificationControl = null;
    Map<String, List<ExportPiece.Response>> shown = new LinkedHashMap<>();
    ObjectNode ratings = ExportPiece.JSON.createObjectNode();
    String justification = null;
    for (int k = 0; k < result.size(); k++) {
      JsonNode r = result.get(k);
      String from = r.path("from_name").asText(null);
      Source.Control c = from == null ? null : source.controls().get(from);
      String piece = at + ", result " + (k + 1) + (from == null ? "" : " (from_name '" + from + "')");
      if (c == null) {
        out.notAnAnswer("unmapped_control", piece);
        continue;
      }
      JsonNode value = r.get("value");
      if (value == null || !value.isObject()) {
        out.bad("bad_value", piece + ": 'value' is " + ExportPiece.kind(value) + ", not an object");
        continue;
      }
      String toName = r.path("to_name").asText("");
      try {
        if (c.justification()) {
          justification = text(value, piece);
          justificationControl = from;
        } else if (c.taskType() == TaskType.RATING) {
          ExportPiece.Response rated = rated(texts, toName, piece);
          JsonNode score = value.get("rating");
          if (score == null || !score.isIntegralNumber() || !score.canConvertToInt()) {
            throw new Problem("bad_value", piece + ": value.rating is " + ExportPiece.kind(score)
                + ", not an integer");
          }
          ObjectNode of = ratings.has(rated.id()) ? (ObjectNode) ratings.get(rated.id())
              : ratings.putObject(rated.id());
          of.put(c.dimension(), score.asInt());
          ratingControls.add(from);
        } else {
          List<ExportPiece.Response> responses = new ArrayList<>(texts.responses());
          answers.put(from, answer(c, from, value, texts, toName, piece, responses));
          shown.put(from, responses);
        }
      } catch (Problem p) {
        out.bad(p.reason(), p.detail());
      }
    }
    if (!ratings.isEmpty()) {
      answers.put(TaskType.RATING.id(), ExportPiece.JSON.createObjectNode().set("ratings", ratings));
      // A rating shows the responses it rates (the contract: a rating rates every response it shows).
      shown.put(TaskType.RATING.id(), texts.rated(ratings));
    }
    if (answers.isEmpty() && justification != null) {
      out.notAnAnswer("justification_only", at);
    }
    for (Map.Entry<String, ObjectNode> e : answers.entrySet()) {
      String control = e.getKey();
      String type = control.equals(TaskType.RATING.id()) ? control : source.controls().get(control).task();
      String item = "ls:" + taskId + ":" + control;
      if (gold) {
        out.gold(ExportPiece.gold(item, type, e.getValue(), "label-studio ground truth (annotation "
            + annotationId + ")", submittedAt));
        continue;
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(Exports.SOURCE_FORMAT, Source.LABEL_STUDIO);
      metadata.put("task_id", taskId);
      metadata.put("annotation_id", annotationId);
      // The controls behind the submission: for an auditor, and for the check that every mapped control appears.
      List<String> controls = new ArrayList<>(control.equals(TaskType.RATING.id()) ? ratingControls
          : List.of(control));
      if (justification != null) {
        controls.add(justificationControl);
      }
      metadata.put(Exports.CONTROLS, String.join(",", controls));
      out.submission(ExportPiece.submission("ls:" + taskId + ":" + annotationId + ":" + control, item, project,
          type, annotator, submittedAt, texts.prompt(), shown.get(control), e.getValue(), justification, leadTime,
          metadata));
    }
  }

  /**
   * The answer of one control, and the responses its submission shows: a label or a written response is about the
   * response its {@code to_name} names, or the prompt.
   */
  private static ObjectNode answer(Source.Control c, String from, JsonNode value, ExportTexts texts, String toName,
      String piece,
      List<ExportPiece.Response> responses) throws Problem {
    ObjectNode answer = ExportPiece.JSON.createObjectNode();
    switch (c.taskType()) {
      case PAIRWISE -> {
        JsonNode selected = value.get("selected");
        String side = selected == null ? null : selected.asText();
        if (texts.responses().size() != 2) {
          throw new Problem("bad_value", piece + ": a Pairwise answer needs 2 responses, the task shows "
              + texts.responses().size());
        }
        if (!"left".equals(side) && !"right".equals(side)) {
          throw new Problem("bad_value", piece + ": value.selected is " + ExportPiece.kind(selected)
              + ", not 'left' or 'right'");
        }
        answer.put("preferred", texts.responses().get(side.equals("left") ? 0 : 1).id());
      }
      case RANKING -> answer.set("ranking", ExportPiece.JSON.valueToTree(ranking(c, from, value.get("ranker"),
          piece)));
      case LABEL -> {
        JsonNode choices = value.get("choices");
        if (choices == null || !choices.isArray() || choices.size() != 1 || !choices.get(0).isTextual()) {
          throw new Problem("bad_value", piece + ": value.choices is " + ExportPiece.kind(choices)
              + (choices != null && choices.isArray() ? " of " + choices.size() + " choices" : "")
              + "; a label control gives exactly one choice");
        }
        answer.put("label", choices.get(0).asText());
        about(texts, toName, responses);
      }
      case SFT -> {
        answer.put("completion", text(value, piece));
        about(texts, toName, responses);
      }
      default -> throw new IllegalStateException("a rating control is read with its dimension");
    }
    return answer;
  }

  /** Narrows the shown responses to the one {@code toName} names, or none when it names the prompt. */
  private static void about(ExportTexts texts, String toName, List<ExportPiece.Response> responses) {
    ExportPiece.Response named = texts.named(toName);
    responses.clear();
    if (named != null) {
      responses.add(named);
    }
  }

  /** A Ranker's order: a list of item ids, or buckets of them read in the mapping's bucket order. */
  private static List<String> ranking(Source.Control c, String from, JsonNode ranker, String piece) throws Problem {
    List<String> order = new ArrayList<>();
    if (ranker != null && ranker.isArray()) {
      if (c.buckets() != null) {
        throw new Problem("bad_value", piece + ": value.ranker is a plain list, but the mapping reads buckets "
            + c.buckets());
      }
      for (JsonNode id : ranker) {
        order.add(rankedId(id, piece));
      }
      return order;
    }
    if (ranker == null || !ranker.isObject()) {
      throw new Problem("bad_value", piece + ": value.ranker is " + ExportPiece.kind(ranker) + ", not a list of"
          + " item ids or an object of buckets");
    }
    if (c.buckets() == null) {
      // Without buckets, Label Studio keys the one list by the Ranker's own name.
      List<String> keys = names(ranker);
      JsonNode list = ranker.has(from) ? ranker.get(from) : keys.size() == 1 ? ranker.get(keys.get(0)) : null;
      if (list == null || !list.isArray()) {
        throw new Problem("bad_value", piece + ": value.ranker holds buckets " + keys + ", but the mapping"
            + " names no bucket order (projects.NAME.source.controls.CONTROL.buckets)");
      }
      for (JsonNode id : list) {
        order.add(rankedId(id, piece));
      }
      return order;
    }
    for (java.util.Iterator<String> names = ranker.fieldNames(); names.hasNext(); ) {
      String bucket = names.next();
      if (!c.buckets().contains(bucket) && ranker.get(bucket).size() > 0) {
        throw new Problem("bad_value", piece + ": bucket '" + bucket + "' holds " + ranker.get(bucket).size()
            + " items but is not in the mapping's bucket order " + c.buckets());
      }
    }
    for (String bucket : c.buckets()) {
      JsonNode ids = ranker.path(bucket);
      for (JsonNode id : ids) {
        order.add(rankedId(id, piece));
      }
    }
    return order;
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String rankedId(JsonNode id, String piece) throws Problem {
    String text = ExportPiece.id(id);
    if (text == null) {
      throw new Problem("bad_value", piece + ": value.ranker holds " + ExportPiece.kind(id) + ", not an item id");
    }
    return text;
  }

  /** The response a Rating control's {@code to_name} names; the only response when there is one. */
  private static ExportPiece.Response rated(ExportTexts texts, String toName, String piece) throws Problem {
    ExportPiece.Response named = texts.named(toName);
    if (named != null) {
      return named;
    }
    if (texts.responses().size() == 1) {
      return texts.responses().get(0);
    }
    throw new Problem("bad_value", piece + ": to_name '" + toName + "' names none of the responses "
        + texts.responses().stream().map(ExportPiece.Response::id).toList());
  }

  /** A TextArea's text: its lines joined by newlines. */
  private static String text(JsonNode value, String piece) throws Problem {
    JsonNode text = value.get("text");
    List<String> lines = new ArrayList<>();
    if (text != null && text.isTextual()) {
      lines.add(text.asText());
    } else if (text != null && text.isArray()) {
      for (JsonNode line : text) {
        if (!line.isTextual()) {
          throw new Problem("bad_value", piece + ": value.text holds " + ExportPiece.kind(line) + ", not a string");
        }
        lines.add(line.asText());
      }
    }
    if (lines.isEmpty()) {
      throw new Problem("bad_value", piece + ": value.text is " + ExportPiece.kind(text) + ", not a list of"
          + " strings");
    }
    return String.join("\n", lines);
  }

  /** The raw annotator id: {@code completed_by} as a number, or an object's e-mail (else its id). */
  private static String annotator(JsonNode completedBy, String at) throws Problem {
    if (completedBy != null && completedBy.isObject()) {
      if (completedBy.path("email").isTextual() && !completedBy.get("email").asText().isBlank()) {
        return completedBy.get("email").asText();
      }
      completedBy = completedBy.get("id");
    }
    String id = ExportPiece.id(completedBy);
    if (id == null) {
      throw new Problem("missing_field", at + " has no annotator: completed_by is " + ExportPiece.kind(completedBy)
          + ", not a user id or an object with an email or id");
    }
    return id;
  }
}
