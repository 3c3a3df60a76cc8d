package dev.concord.ingest;

import static dev.concord.ingest.JsonReading.expectObject;
import static dev.concord.ingest.JsonReading.string;
import static dev.concord.ingest.JsonReading.wrongType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.concord.schema.Col;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one submission line into a {@link Submission}, strictly: the contract's fields with the contract's types
 * (a field of another type is a problem, never coerced), unknown fields skipped. A problem ends the reading; what
 * was read before it stays in the submission.
 */
final class SubmissionParser {
  /** The names a problem's detail may quote: the contract's fields, and nothing a line could make up. */
  static final Set<String> KNOWN = Set.of(Col.SUBMISSION_ID, Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE,
      Col.ANNOTATOR_ID, Col.SUBMITTED_AT, Col.PROMPT, Col.RESPONSES, Col.ANSWER, Col.JUSTIFICATION,
      Col.GUIDELINE_VERSION, Col.TIME_SPENT_S, Col.METADATA, Col.ROLE, Col.CONTENT, Col.RESPONSE_ID, Col.TEXT,
      Col.MODEL, Col.PREFERRED, Col.STRENGTH, Col.RANKING, Col.RATINGS, Col.LABEL, Col.COMPLETION, Col.SOURCE,
      Col.CREATED_AT);

  private final JsonFactory json;

  SubmissionParser(JsonFactory json) {
    this.json = json;
  }

  /**
   * Parses {@code line} into {@code into}. The line is parsed as the text it was decoded to (strict UTF-8), never as
   * bytes, which Jackson would read as UTF-16 or UTF-32 when their patterns suggest so.
   */
  void parse(String line, Submission into) throws Problem {
    try (JsonParser p = json.createParser(line)) {
      try {
        JsonToken root = p.nextToken();
        if (root != JsonToken.START_OBJECT) {
          throw new Problem("not_an_object", "the line is " + JsonReading.kind(root) + ", not a JSON object");
        }
        readFields(p, into);
        JsonReading.requireEnd(p);
      } catch (JsonProcessingException e) {
        throw JsonReading.explain(e, p, KNOWN);
      }
    } catch (IOException e) {
      throw new Problem("invalid_json", "the line cannot be read as JSON (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static void readFields(JsonParser p, Submission s) throws IOException, Problem {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case Col.SUBMISSION_ID -> s.submissionId = string(p, field);
        case Col.ITEM_ID -> s.itemId = string(p, field);
        case Col.PROJECT -> s.project = string(p, field);
        case Col.TASK_TYPE -> s.taskType = string(p, field);
        case Col.ANNOTATOR_ID -> s.annotatorId = string(p, field);
        case Col.SUBMITTED_AT -> {
          s.submittedAtText = string(p, field);
          s.submittedAt = Rfc3339.parse(s.submittedAtText);
        }
        case Col.PROMPT -> s.prompt = prompt(p);
        case Col.RESPONSES -> s.responses = responses(p);
        case Col.ANSWER -> s.answer = answer(p);
        case Col.JUSTIFICATION -> s.justification = string(p, field);
        case Col.GUIDELINE_VERSION -> s.guidelineVersion = string(p, field);
        case Col.TIME_SPENT_S -> s.timeSpentS = JsonReading.number(p, field);
        case Col.METADATA -> s.metadata = metadata(p);
        default -> p.skipChildren();
      }
    }
  }

  /** A string is one user turn; a list holds {role, content} messages; anything else is the wrong type. */
  static List<Submission.Message> prompt(JsonParser p) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_STRING) {
      return List.of(new Submission.Message("user", JsonReading.text(p, Col.PROMPT)));
    }
    if (t != JsonToken.START_ARRAY) {
      throw wrongType(p, Col.PROMPT, "a string or a list of {role, content} messages");
    }
    List<Submission.Message> messages = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String path = Col.PROMPT + "[" + messages.size() + "]";
      expectObject(p, path, "a {role, content} message");
      String role = null;
      String content = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case Col.ROLE -> role = string(p, path + "." + Col.ROLE);
          case Col.CONTENT -> content = string(p, path + "." + Col.CONTENT);
          default -> p.skipChildren();
        }
      }
      messages.add(new Submission.Message(role, content));
    }
    return messages;
  }

  private static List<Submission.Response> responses(JsonParser p) throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw wrongType(p, Col.RESPONSES, "a list of {response_id, text, model?}");
    }
    List<Submission.Response> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String path = Col.RESPONSES + "[" + out.size() + "]";
      expectObject(p, path, "a {response_id, text, model?} object");
      String id = null;
      String text = null;
      String model = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case Col.RESPONSE_ID -> id = string(p, path + "." + Col.RESPONSE_ID);
          case Col.TEXT -> text = string(p, path + "." + Col.TEXT);
          case Col.MODEL -> model = string(p, path + "." + Col.MODEL);
          default -> p.skipChildren();
        }
      }
      out.add(new Submission.Response(id, text, model));
    }
    return out;
  }

  /** The answer object, every task type's fields (gold answers have the same shape). */
  static Submission.Answer answer(JsonParser p) throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject(p, Col.ANSWER, "an object");
    Submission.Answer a = new Submission.Answer();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      String path = Col.ANSWER + "." + field;
      p.nextToken();
      switch (field) {
        case Col.PREFERRED -> a.preferred = string(p, path);
        case Col.STRENGTH -> a.strength = JsonReading.integer(p, path);
        case Col.RANKING -> a.ranking = JsonReading.strings(p, path);
        case Col.RATINGS -> a.ratings = ratings(p, path);
        case Col.LABEL -> a.label = string(p, path);
        case Col.COMPLETION -> a.completion = string(p, path);
        default -> p.skipChildren();
      }
    }
    return a;
  }

  private static Map<String, Map<String, Integer>> ratings(JsonParser p, String path) throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject(p, path, "an object of response id to {dimension: integer}");
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String response = JsonReading.text(p, path + " (a response id)");
      String responsePath = path + "." + response;
      p.nextToken();
      expectObject(p, responsePath, "an object of dimension to integer");
      Map<String, Integer> scores = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String dimension = JsonReading.text(p, responsePath + " (a dimension)");
        p.nextToken();
        Integer score = JsonReading.integer(p, responsePath + "." + dimension);
        if (score == null) {
          throw new Problem("wrong_type", "rating '" + responsePath + "." + dimension + "' must be an integer, got"
              + " null");
        }
        scores.put(dimension, score);
      }
      out.put(response, scores);
    }
    return out;
  }

  private static Map<String, String> metadata(JsonParser p) throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject(p, Col.METADATA, "an object of string to string");
    Map<String, String> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = JsonReading.text(p, Col.METADATA + " (a key)");
      p.nextToken();
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        // The key may be personal data (an e-mail address): the detail names its position, not the key.
        throw new Problem("wrong_type", "metadata values must be strings, but the value of metadata key "
            + (out.size() + 1) + " is " + JsonReading.kind(p.currentToken()));
      }
      out.put(key, JsonReading.text(p, Col.METADATA + " (value " + (out.size() + 1) + ")"));
    }
    return out;
  }
}
