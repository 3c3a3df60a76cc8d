package dev.concord.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Explains a line that Spark's JSON parser could not map onto the submission schema: not JSON, not an object, or a
 * field of the wrong type. Called only for those lines (they are rare), so it may take its time to be precise.
 */
final class MalformedLine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MalformedLine() {}

  /** A (reason, detail) row for the line. */
  static Row explain(String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return RowFactory.create("invalid_json", "the line is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
    if (node == null || !node.isObject()) {
      String kind = node == null ? "empty" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
      return RowFactory.create("not_an_object", "the line is a JSON " + kind + ", not an object");
    }
    String wrong = firstWrongType(node);
    return RowFactory.create("wrong_type", wrong != null ? wrong
        : "a field does not have the type the contract gives it");
  }

  private static String firstWrongType(JsonNode o) {
    for (String f : new String[] {"submission_id", "item_id", "project", "task_type", "annotator_id",
        "submitted_at", "justification", "guideline_version"}) {
      JsonNode v = o.get(f);
      if (v != null && !v.isNull() && !v.isTextual()) {
        return "field '" + f + "' must be a string, got " + v;
      }
    }
    JsonNode t = o.get("time_spent_s");
    if (t != null && !t.isNull() && !t.isNumber()) {
      return "field 'time_spent_s' must be a number, got " + t;
    }
    JsonNode meta = o.get("metadata");
    if (meta != null && !meta.isNull()) {
      if (!meta.isObject()) {
        return "field 'metadata' must be an object of strings, got " + meta;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          return "field 'metadata." + e.getKey() + "' must be a string, got " + e.getValue();
        }
      }
    }
    JsonNode responses = o.get("responses");
    if (responses != null && !responses.isNull()) {
      if (!responses.isArray()) {
        return "field 'responses' must be a list of {response_id, text, model?}, got " + abbreviate(responses);
      }
      for (JsonNode r : responses) {
        if (!r.isObject()) {
          return "each of 'responses' must be an object {response_id, text, model?}, got " + abbreviate(r);
        }
      }
    }
    JsonNode answer = o.get("answer");
    if (answer != null && !answer.isNull()) {
      if (!answer.isObject()) {
        return "field 'answer' must be an object, got " + abbreviate(answer);
      }
      JsonNode strength = answer.get("strength");
      if (strength != null && !strength.isNull() && !strength.isInt()) {
        return "field 'answer.strength' must be the integer 1, 2 or 3, got " + strength;
      }
      JsonNode ranking = answer.get("ranking");
      if (ranking != null && !ranking.isNull() && !ranking.isArray()) {
        return "field 'answer.ranking' must be a list of response ids, got " + abbreviate(ranking);
      }
      JsonNode ratings = answer.get("ratings");
      if (ratings != null && !ratings.isNull()) {
        if (!ratings.isObject()) {
          return "field 'answer.ratings' must map response ids to {dimension: integer}, got " + abbreviate(ratings);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = ratings.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isObject()) {
            return "field 'answer.ratings." + e.getKey() + "' must be {dimension: integer}, got " + e.getValue();
          }
          for (Iterator<Map.Entry<String, JsonNode>> d = e.getValue().fields(); d.hasNext(); ) {
            Map.Entry<String, JsonNode> dim = d.next();
            if (!dim.getValue().isInt()) {
              return "rating 'answer.ratings." + e.getKey() + "." + dim.getKey() + "' must be an integer, got "
                  + dim.getValue();
            }
          }
        }
      }
    }
    return null;
  }

  private static String abbreviate(JsonNode n) {
    return org.apache.commons.lang3.StringUtils.abbreviate(n.toString(), 80);
  }
}
