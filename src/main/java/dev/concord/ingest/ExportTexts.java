package dev.concord.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concord.config.Source;
import java.util.ArrayList;
import java.util.List;

/**
 * The prompt and responses of a task or record, from the data fields its project's mapping names. A missing field
 * is a problem of the task (the mapping's key and the field in the detail); the shapes inside the prompt are checked
 * later, by the same rules as a JSON Lines submission's.
 *
 * @param prompt a string, or a list of {role, content} messages
 */
record ExportTexts(JsonNode prompt, List<ExportPiece.Response> responses) {

  /** The keys a response object's text may stand under, as Label Studio's Ranker items and chat tools write them. */
  private static final List<String> TEXT_KEYS = List.of("text", "body", "content", "html", "title");

  static ExportTexts of(JsonNode data, Source source, String project, String where) throws Problem {
    JsonNode prompt = data.get(source.prompt());
    if (prompt == null || !(prompt.isTextual() || prompt.isArray())) {
      throw new Problem("missing_data_field", where + ": data field '" + source.prompt() + "' (projects." + project
          + ".source.prompt) is " + ExportPiece.kind(prompt) + ", not a string or a list of {role, content}"
          + " messages");
    }
    List<ExportPiece.Response> responses = new ArrayList<>();
    List<String> fields = source.responses() == null ? List.of() : source.responses();
    if (fields.size() == 1 && data.get(fields.get(0)) != null && data.get(fields.get(0)).isArray()) {
      JsonNode list = data.get(fields.get(0));
      for (int i = 0; i < list.size(); i++) {
        responses.add(listed(list.get(i), i, fields.get(0), project, where));
      }
    } else {
      for (String field : fields) {
        JsonNode value = data.get(field);
        String text = value == null ? null : value.isTextual() ? value.asText() : textOf(value);
        if (text == null) {
          throw new Problem("missing_data_field", where + ": data field '" + field + "' (projects." + project
              + ".source.responses) is " + ExportPiece.kind(value) + ", not a response's text");
        }
        String model = value.isObject() && value.path("model").isTextual() ? value.get("model").asText() : null;
        responses.add(new ExportPiece.Response(field, text, model));
      }
    }
    return new ExportTexts(prompt, responses);
  }

  /** One response of a list held in one field: a string (numbered from 1) or an object with an id and a text. */
  private static ExportPiece.Response listed(JsonNode item, int index, String field, String project, String where)
      throws Problem {
    if (item.isTextual()) {
      return new ExportPiece.Response(String.valueOf(index + 1), item.asText(), null);
    }
    String id = item.isObject() ? ExportPiece.id(item.get("id")) : null;
    String text = item.isObject() ? textOf(item) : null;
    if (id == null || text == null) {
      throw new Problem("missing_data_field", where + ": item " + (index + 1) + " of data field '" + field
          + "' (projects." + project + ".source.responses) is " + ExportPiece.kind(item) + ", not a string or an"
          + " object with an 'id' and a text (" + String.join(", ", TEXT_KEYS) + ")");
    }
    return new ExportPiece.Response(id, text, item.path("model").isTextual() ? item.get("model").asText() : null);
  }

  private static String textOf(JsonNode object) {
    if (!object.isObject()) {
      return null;
    }
    for (String key : TEXT_KEYS) {
      if (object.path(key).isTextual()) {
        return object.get(key).asText();
      }
    }
    return null;
  }

  /** The response a control names (Label Studio's {@code to_name}, an Argilla question's field), or null. */
  ExportPiece.Response named(String field) {
    return responses.stream().filter(r -> r.id().equals(field)).findFirst().orElse(null);
  }

  /** The responses {@code ratings} (response id to dimensions) rates, in the task's order. */
  List<ExportPiece.Response> rated(com.fasterxml.jackson.databind.node.ObjectNode ratings) {
    return responses.stream().filter(r -> ratings.has(r.id())).toList();
  }
}
