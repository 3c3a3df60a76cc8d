package dev.concord.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concord.config.Source;
import dev.concord.config.TaskType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One record of an Argilla v2 export, nested ({@code record.to_dict()}) or flat ({@code to_list(flatten=True)},
 * {@code to_datasets()}), as submissions: one per user and question, a user's rating questions together. Only
 * submitted responses are answers; drafts, discarded responses and suggestions are counted. The record id is the
 * item, the user id the annotator. {@code platform-exports.md} is the contract.
 */
final class Argilla {
  /** What a record without timestamps is dated: the epoch, as crowd CSV files are (the order of nights still holds). */
  static final String UNDATED = "1970-01-01T00:00:00Z";

  private final String project;
  private final Source source;
  private final Pseudonyms.Hasher hasher;

  Argilla(String project, Source source, Pseudonyms.Hasher hasher) {
    this.project = project;
    this.source = source;
    this.hasher = hasher;
  }

  /** One user's response to one question. */
  private record Response(String user, JsonNode value, String status, String time) {}

  List<ExportPiece> convert(JsonNode record, long number) {
    ExportPiece.Pieces out = new ExportPiece.Pieces(number, record);
    out.project(project);
    try {
      read(record, number, out);
    } catch (Problem p) {
      out.bad(p.reason(), p.detail());
    }
    return out.all();
  }

  private void read(JsonNode record, long number, ExportPiece.Pieces out) throws Problem {
    if (!record.isObject()) {
      throw new Problem("bad_record", "record " + number + " is " + ExportPiece.kind(record) + ", not an object");
    }
    String recordId = ExportPiece.id(record.get("id"));
    if (recordId == null) {
      recordId = ExportPiece.id(record.get("_server_id"));
    }
    if (recordId == null) {
      throw new Problem("missing_field", "record " + number + " has no 'id' (a string or a number)");
    }
    String where = "record " + number + " (id " + recordId + ")";
    boolean nested = record.path("fields").isObject() || record.path("responses").isObject();
    JsonNode fields = nested ? record.path("fields") : record;
    ExportTexts texts = ExportTexts.of(fields, source, project, where);
    String recordTime = time(record) != null ? time(record) : UNDATED;

    // Per user, in the order of the questions: their answers, and their justification.
    Map<String, Map<String, ObjectNode>> byUser = new LinkedHashMap<>();
    Map<String, ObjectNode> ratings = new LinkedHashMap<>();
    Map<String, String> justifications = new LinkedHashMap<>();
    Map<String, String> times = new LinkedHashMap<>();
    Map<String, List<ExportPiece.Response>> shown = new LinkedHashMap<>();
    Map<String, List<String>> ratedBy = new LinkedHashMap<>();
    String justificationQuestion = source.questions().entrySet().stream().filter(e -> e.getValue().justification())
        .map(Map.Entry::getKey).findFirst().orElse(null);
    for (Map.Entry<String, Source.Control> q : source.questions().entrySet()) {
      String question = q.getKey();
      Source.Control c = q.getValue();
      if (hasSuggestion(record, question, nested)) {
        out.notAnAnswer("model_suggestion", where + ", question '" + question + "'");
      }
      List<Response> responses = nested ? nestedResponses(record, question, where)
          : flatResponses(record, question, where);
      for (int i = 0; i < responses.size(); i++) {
        Response r = responses.get(i);
        String at = where + ", question '" + question + "', response " + (i + 1);
        switch (r.status() == null ? "submitted" : r.status()) {
          case "submitted" -> { }
          case "draft" -> {
            out.notAnAnswer("draft_response", at);
            continue;
          }
          case "discarded" -> {
            out.notAnAnswer("discarded_response", at);
            continue;
          }
          default -> {
            out.bad("bad_value", at + ": status '" + r.status() + "' is not submitted, draft or discarded");
            continue;
          }
        }
        if (r.user() == null) {
          out.bad("missing_field", at + " has no user id");
          continue;
        }
        try {
          times.putIfAbsent(r.user(), r.time() != null ? r.time() : recordTime);
          if (c.justification()) {
            justifications.put(r.user(), text(r.value(), at));
          } else if (c.taskType() == TaskType.RATING) {
            ExportPiece.Response rated = rated(texts, c, at);
            if (!r.value().isIntegralNumber() || !r.value().canConvertToInt()) {
              throw new Problem("bad_value", at + ": the rating is " + ExportPiece.kind(r.value())
                  + ", not an integer");
            }
            ObjectNode mine = ratings.computeIfAbsent(r.user(), u -> ExportPiece.JSON.createObjectNode());
            ObjectNode of = mine.has(rated.id()) ? (ObjectNode) mine.get(rated.id()) : mine.putObject(rated.id());
            of.put(c.dimension(), r.value().asInt());
            ratedBy.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(question);
          } else {
            List<ExportPiece.Response> about = new ArrayList<>(texts.responses());
            ObjectNode answer = answer(c, r.value(), texts, at, about);
            byUser.computeIfAbsent(r.user(), u -> new LinkedHashMap<>()).put(question, answer);
            shown.put(question, about);
          }
        } catch (Problem p) {
          out.bad(p.reason(), p.detail());
        }
      }
    }
    ratings.forEach((user, rated) -> byUser.computeIfAbsent(user, u -> new LinkedHashMap<>())
        .put(TaskType.RATING.id(), ExportPiece.JSON.createObjectNode().set("ratings", rated)));
    // A rating shows the responses it rates (the contract: a rating rates every response it shows).
    justifications.keySet().stream().filter(user -> !byUser.containsKey(user))
        .forEach(user -> out.notAnAnswer("justification_only", where + ", the justification of a user who answered"
            + " nothing else"));
    for (Map.Entry<String, Map<String, ObjectNode>> u : byUser.entrySet()) {
      String user = u.getKey();
      for (Map.Entry<String, ObjectNode> a : u.getValue().entrySet()) {
        String question = a.getKey();
        if (question.equals(TaskType.RATING.id())) {
          // A rating shows the responses it rates (the contract: a rating rates every response it shows).
          shown.put(question, texts.rated(ratings.get(user)));
        }
        String type = question.equals(TaskType.RATING.id()) ? question : source.questions().get(question).task();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(Exports.SOURCE_FORMAT, Source.ARGILLA);
        metadata.put("record_id", recordId);
        List<String> questions = new ArrayList<>(question.equals(TaskType.RATING.id()) ? ratedBy.get(user)
            : List.of(question));
        if (justifications.containsKey(user)) {
          questions.add(justificationQuestion);
        }
        metadata.put(Exports.CONTROLS, String.join(",", questions));
        // The user id may be personal data: the submission id names the user by pseudonym.
        // Argilla's record ids are unique within a dataset only: the project is part of the item.
        String item = "argilla:" + project + ":" + recordId + ":" + question;
        out.submission(ExportPiece.submission(item + ":" + hasher.of(user), item, project, type, user, times.getOrDefault(user, recordTime),
            texts.prompt(), shown.get(question), a.getValue(), justifications.get(user), null, metadata));
      }
    }
  }

  private static String time(JsonNode node) {
    String updated = ExportPiece.text(node.get("updated_at"));
    return updated != null ? updated : ExportPiece.text(node.get("inserted_at"));
  }

  private static boolean hasSuggestion(JsonNode record, String question, boolean nested) {
    if (nested) {
      JsonNode s = record.path("suggestions").path(question);
      return !s.isMissingNode() && !s.isNull();
    }
    JsonNode s = record.has(question + ".suggestion") ? record.get(question + ".suggestion")
        : record.get(question + "-suggestion");
    return s != null && !s.isNull();
  }

  /** {@code responses.QUESTION}: a list of {value, user_id, status?}; the nested form may leave the status out. */
  private static List<Response> nestedResponses(JsonNode record, String question, String where) throws Problem {
    JsonNode list = record.path("responses").path(question);
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw new Problem("bad_value", where + ": responses." + question + " is " + ExportPiece.kind(list)
          + ", not a list of responses");
    }
    return responsesOf(list, question, where);
  }

  private static List<Response> responsesOf(JsonNode list, String question, String where) throws Problem {
    List<Response> out = new ArrayList<>();
    for (JsonNode r : list) {
      if (!r.isObject()) {
        throw new Problem("bad_value", where + ": responses." + question + " holds " + ExportPiece.kind(r)
            + ", not a {value, user_id} response");
      }
      out.add(new Response(ExportPiece.id(r.get("user_id")), r.path("value"), ExportPiece.text(r.get("status")),
          time(r)));
    }
    return out;
  }

  /** {@code QUESTION.responses}, {@code .responses.users} and {@code .responses.status}: lists side by side. */
  private static List<Response> flatResponses(JsonNode record, String question, String where) throws Problem {
    JsonNode values = record.get(question + ".responses");
    if (values == null || values.isNull()) {
      // Argilla 1's FeedbackDataset export: a column per question holding {user_id, value, status} objects.
      JsonNode v1 = record.get(question);
      return v1 != null && v1.isArray() && v1.size() > 0 && v1.get(0).isObject()
          ? responsesOf(v1, question, where) : List.of();
    }
    JsonNode users = record.path(question + ".responses.users");
    JsonNode status = record.path(question + ".responses.status");
    if (!values.isArray() || !users.isArray() || users.size() != values.size()
        || (!status.isMissingNode() && !status.isNull() && (!status.isArray() || status.size() != values.size()))) {
      throw new Problem("bad_value", where + ": " + question + ".responses (" + ExportPiece.kind(values) + ") and "
          + question + ".responses.users (" + ExportPiece.kind(users) + ") are not lists of one length"
          + (status.isArray() ? " with " + question + ".responses.status" : ""));
    }
    List<Response> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      out.add(new Response(ExportPiece.id(users.get(i)), values.get(i),
          status.isArray() ? ExportPiece.text(status.get(i)) : null, null));
    }
    return out;
  }

  private static ObjectNode answer(Source.Control c, JsonNode value, ExportTexts texts, String at,
      List<ExportPiece.Response> about) throws Problem {
    ObjectNode answer = ExportPiece.JSON.createObjectNode();
    switch (c.taskType()) {
      case PAIRWISE -> {
        List<List<String>> ranks = ranks(value, texts, at);
        if (texts.responses().size() != 2 || ranks.stream().flatMap(List::stream).distinct().count() != 2
            || ranks.stream().mapToInt(List::size).sum() != 2) {
          throw new Problem("bad_value", at + ": a pairwise answer ranks 2 responses; the ranking holds "
              + ranks.stream().mapToInt(List::size).sum() + " of the record's " + texts.responses().size());
        }
        answer.put("preferred", ranks.size() == 1 ? "tie" : ranks.get(0).get(0));
      }
      case RANKING -> {
        List<String> order = new ArrayList<>();
        for (List<String> rank : ranks(value, texts, at)) {
          if (rank.size() > 1) {
            throw new Problem("bad_value", at + ": responses " + rank + " share a rank; a ranking orders every"
                + " response");
          }
          order.addAll(rank);
        }
        answer.set("ranking", ExportPiece.JSON.valueToTree(order));
      }
      case LABEL -> {
        JsonNode label = value;
        if (value.isArray()) {
          if (value.size() != 1) {
            throw new Problem("bad_value", at + ": the multi-label answer holds " + value.size() + " labels; a"
                + " label answer is one label");
          }
          label = value.get(0);
        }
        if (!label.isTextual()) {
          throw new Problem("bad_value", at + ": the label is " + ExportPiece.kind(label) + ", not a string");
        }
        answer.put("label", label.asText());
        narrow(texts, c, about);
      }
      case SFT -> {
        answer.put("completion", text(value, at));
        narrow(texts, c, about);
      }
      default -> throw new IllegalStateException("a rating question is read with its dimension");
    }
    return answer;
  }

  /**
   * A ranking's groups, best first: a list of field names (one each), or the API's {@code [{value, rank}]}, where
   * equal ranks share a group.
   */
  private static List<List<String>> ranks(JsonNode value, ExportTexts texts, String at) throws Problem {
    if (!value.isArray()) {
      throw new Problem("bad_value", at + ": the ranking is " + ExportPiece.kind(value) + ", not a list of"
          + " response fields");
    }
    List<Map.Entry<Integer, String>> ranked = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      JsonNode v = value.get(i);
      String field = v.isObject() ? ExportPiece.text(v.get("value")) : ExportPiece.text(v);
      int rank = v.isObject() && v.path("rank").isIntegralNumber() ? v.get("rank").asInt() : i + 1;
      if (field == null) {
        throw new Problem("bad_value", at + ": ranking entry " + (i + 1) + " is " + ExportPiece.kind(v)
            + ", not a response field");
      }
      if (texts.named(field) == null) {
        throw new Problem("bad_value", at + ": ranking entry " + (i + 1) + " names '" + field + "', none of the"
            + " responses " + texts.responses().stream().map(ExportPiece.Response::id).toList());
      }
      ranked.add(Map.entry(rank, field));
    }
    ranked.sort(Comparator.comparing(Map.Entry::getKey));
    List<List<String>> groups = new ArrayList<>();
    Integer last = null;
    for (Map.Entry<Integer, String> e : ranked) {
      if (!e.getKey().equals(last)) {
        groups.add(new ArrayList<>());
        last = e.getKey();
      }
      groups.get(groups.size() - 1).add(e.getValue());
    }
    return groups;
  }

  /** A label or a text about one response: the one the mapping names, else the prompt. */
  private static void narrow(ExportTexts texts, Source.Control c, List<ExportPiece.Response> about) {
    about.clear();
    ExportPiece.Response named = c.response() == null ? null : texts.named(c.response());
    if (named != null) {
      about.add(named);
    }
  }

  private static ExportPiece.Response rated(ExportTexts texts, Source.Control c, String at) throws Problem {
    ExportPiece.Response named = c.response() != null ? texts.named(c.response())
        : texts.responses().size() == 1 ? texts.responses().get(0) : null;
    if (named == null) {
      throw new Problem("bad_value", at + ": the rating names no response (projects.NAME.source.questions"
          + ".QUESTION.response) among " + texts.responses().stream().map(ExportPiece.Response::id).toList());
    }
    return named;
  }

  private static String text(JsonNode value, String at) throws Problem {
    if (!value.isTextual()) {
      throw new Problem("bad_value", at + ": the text is " + ExportPiece.kind(value) + ", not a string");
    }
    return value.asText();
  }
}
