package dev.concord.ingest;

import static dev.concord.ingest.LabelStudioTest.json;
import static dev.concord.ingest.LabelStudioTest.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concord.TestConfigs;
import dev.concord.config.ConcordConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Argilla records, nested and flat, as the contract's submissions: only submitted responses are answers. */
class ArgillaTest {
  static final byte[] KEY = {1, 2, 3};
  /** The shipped mapping preference-argilla: preference (pairwise), quality (rating of response1), topic, notes. */
  static final Exports EXPORTS = Exports.of(TestConfigs.of(Map.of()), KEY);
  static final String FILE = "/exports/records.json";

  static List<ExportPiece> convert(Exports exports, String record) {
    return exports.convert(FILE, Exports.Format.ARGILLA, json(record), 2);
  }

  static final String NESTED = "{'id': 'rec-1', 'fields': {'prompt': 'Why?', 'response1': 'Because.', 'response2':"
      + " 'No idea.'}, 'metadata': {}, 'suggestions': {'preference': {'value': ['response2', 'response1'], 'score':"
      + " null, 'agent': 'gpt-4'}}, 'responses': {"
      + "'preference': [{'value': ['response1', 'response2'], 'user_id': 'u-1'}, {'value': ['response2',"
      + " 'response1'], 'user_id': 'u-2'}],"
      + " 'quality': [{'value': 4, 'user_id': 'u-1'}, {'value': 2, 'user_id': 'u-2'}],"
      + " 'topic': [{'value': 'science', 'user_id': 'u-1'}],"
      + " 'notes': [{'value': 'response1 answers it.', 'user_id': 'u-1'}]}}";

  static final String FLAT = "{'id': 'rec-1', 'prompt': 'Why?', 'response1': 'Because.', 'response2': 'No idea.',"
      + " 'preference.responses': [['response1', 'response2'], ['response2', 'response1'], ['response1',"
      + " 'response2']], 'preference.responses.users': ['u-1', 'u-2', 'u-3'], 'preference.responses.status':"
      + " ['submitted', 'submitted', 'discarded'], 'preference.suggestion': ['response2', 'response1'],"
      + " 'preference.suggestion.agent': 'gpt-4',"
      + " 'quality.responses': [4, 2, 5], 'quality.responses.users': ['u-1', 'u-2', 'u-3'],"
      + " 'quality.responses.status': ['submitted', 'submitted', 'draft'],"
      + " 'topic.responses': ['science'], 'topic.responses.users': ['u-1'],"
      + " 'notes.responses': ['response1 answers it.'], 'notes.responses.users': ['u-1'], 'notes.suggestion': null}";

  @Test
  void nestedAndFlatRecordsGiveTheSameSubmissions() {
    List<ExportPiece> nested = convert(EXPORTS, NESTED);
    List<ExportPiece> flat = convert(EXPORTS, FLAT);
    assertEquals(of(nested, ExportPiece.Kind.SUBMISSION), of(flat, ExportPiece.Kind.SUBMISSION));
    assertEquals(List.of(), of(flat, ExportPiece.Kind.BAD));
    assertEquals(List.of("model_suggestion", "discarded_response", "draft_response"),
        of(flat, ExportPiece.Kind.NOT_AN_ANSWER).stream().map(ExportPiece::reason).toList(),
        "the suggestion and the responses that were not submitted are counted, never used");
  }

  @Test
  void eachUsersAnswersBecomeSubmissionsNamedByPseudonymWithTheirJustification() {
    List<JsonNode> submissions = of(convert(EXPORTS, NESTED), ExportPiece.Kind.SUBMISSION).stream()
        .map(p -> json(p.json())).toList();
    assertEquals(5, submissions.size(), "u-1: pairwise, label, rating; u-2: pairwise, rating");
    JsonNode first = submissions.get(0);
    assertEquals("argilla:preference-argilla:rec-1:preference", first.get("item_id").asText(),
        "record ids are unique within a dataset only: the project is part of the item");
    assertEquals("argilla:preference-argilla:rec-1:preference:" + Pseudonyms.of("u-1", KEY),
        first.get("submission_id").asText(),
        "a submission id never holds a raw user id");
    assertEquals("u-1", first.get("annotator_id").asText());
    assertEquals("response1", first.at("/answer/preferred").asText());
    assertEquals("response1 answers it.", first.get("justification").asText());
    assertEquals(Argilla.UNDATED, first.get("submitted_at").asText(), "to_dict() gives no timestamps");
    JsonNode rating = submissions.stream().filter(s -> s.get("task_type").asText().equals("rating")).findFirst()
        .orElseThrow();
    assertEquals(4, rating.at("/answer/ratings/response1/helpfulness").asInt());
    assertEquals(1, rating.get("responses").size(), "a rating shows the one response it rates");
    JsonNode label = submissions.stream().filter(s -> s.get("task_type").asText().equals("label")).findFirst()
        .orElseThrow();
    assertEquals("science", label.at("/answer/label").asText());
    assertTrue(label.path("responses").isMissingNode(), "a label of the record is about its prompt");
  }

  @Test
  void rankingsInTheApiFormKeepTiesAndEveryQuestionTypeIsRead() {
    ConcordConfig config = TestConfigs.of(Map.of(
        "projects.preference-argilla.source.questions.preference", "ranking",
        "projects.preference-argilla.source.questions.tags", "label",
        "projects.preference-argilla.source.questions.ideal", Map.of("task", "sft", "response", "response2")));
    Exports exports = Exports.of(config, KEY);
    String record = "{'id': 7, 'fields': {'prompt': 'Why?', 'response1': 'Because.', 'response2': 'No idea.'},"
        + " 'responses': {'preference': [{'value': [{'value': 'response2', 'rank': 1}, {'value': 'response1', 'rank':"
        + " 2}], 'user_id': 'u-1'}], 'tags': [{'value': ['single'], 'user_id': 'u-1'}, {'value': ['a', 'b'],"
        + " 'user_id': 'u-2'}], 'ideal': [{'value': 'A better answer.', 'user_id': 'u-1', 'status': 'submitted'}]}}";
    List<ExportPiece> pieces = convert(exports, record);
    Map<String, JsonNode> subs = new java.util.TreeMap<>();
    of(pieces, ExportPiece.Kind.SUBMISSION).forEach(p -> subs.put(json(p.json()).get("task_type").asText(),
        json(p.json())));
    assertEquals("[\"response2\",\"response1\"]", subs.get("ranking").at("/answer/ranking").toString());
    assertEquals("single", subs.get("label").at("/answer/label").asText(), "a multi-label answer of one label");
    assertEquals("A better answer.", subs.get("sft").at("/answer/completion").asText());
    assertEquals("response2", subs.get("sft").at("/responses/0/response_id").asText(), "the response it rewrites");
    ExportPiece twoLabels = of(pieces, ExportPiece.Kind.BAD).get(0);
    assertEquals("record 2 (id 7), question 'tags', response 2: the multi-label answer holds 2 labels; a label"
        + " answer is one label", twoLabels.detail());

    String tie = NESTED.replace("[{'value': ['response1', 'response2'], 'user_id': 'u-1'}",
        "[{'value': [{'value': 'response1', 'rank': 1}, {'value': 'response2', 'rank': 1}], 'user_id': 'u-1'}");
    JsonNode tied = json(of(convert(EXPORTS, tie), ExportPiece.Kind.SUBMISSION).get(0).json());
    assertEquals("tie", tied.at("/answer/preferred").asText(), "equal ranks in a pairwise comparison are a tie");
  }

  @Test
  void aBadResponseOrRecordIsQuarantinedWithWhereAndWhat() {
    String unknown = NESTED.replace("['response1', 'response2'], 'user_id': 'u-1'",
        "['response1', 'response9'], 'user_id': 'u-1'");
    ExportPiece bad = of(convert(EXPORTS, unknown), ExportPiece.Kind.BAD).get(0);
    assertEquals("record 2 (id rec-1), question 'preference', response 1: ranking entry 2 names 'response9', none"
        + " of the responses [response1, response2]", bad.detail());
    assertEquals(4, of(convert(EXPORTS, unknown), ExportPiece.Kind.SUBMISSION).size(), "the rest still counts");

    ExportPiece noPrompt = convert(EXPORTS, NESTED.replace("'prompt': 'Why?', ", "")).get(0);
    assertEquals("missing_data_field", noPrompt.reason());
    assertTrue(noPrompt.json().contains("rec-1"), "the raw JSON of the record");
    ExportPiece uneven = of(convert(EXPORTS, FLAT.replace("'quality.responses.users': ['u-1', 'u-2', 'u-3']",
        "'quality.responses.users': ['u-1']")), ExportPiece.Kind.BAD).get(0);
    assertTrue(uneven.detail().contains("quality.responses"), uneven.detail());
  }

  @Test
  void argillaOnesFeedbackDatasetColumnsAreReadToo() {
    String v1 = "{'id': 'r', 'prompt': 'Why?', 'response1': 'Because.', 'response2': 'No idea.', 'preference':"
        + " [{'user_id': 'u-1', 'value': [{'rank': 1, 'value': 'response2'}, {'rank': 2, 'value': 'response1'}],"
        + " 'status': 'submitted'}], 'preference-suggestion': null}";
    JsonNode s = json(of(convert(EXPORTS, v1), ExportPiece.Kind.SUBMISSION).get(0).json());
    assertEquals("response2", s.at("/answer/preferred").asText());
  }

  @Test
  void aPairwiseRankingOfOneResponseTwiceAJustificationAloneAndAnOverflowingRatingAreNoAnswers() {
    String twice = NESTED.replace("['response1', 'response2'], 'user_id': 'u-1'",
        "['response1', 'response1'], 'user_id': 'u-1'");
    assertEquals("bad_value", of(convert(EXPORTS, twice), ExportPiece.Kind.BAD).get(0).reason());
    String overflow = NESTED.replace("{'value': 4, 'user_id': 'u-1'}", "{'value': 4294967300, 'user_id': 'u-1'}");
    assertTrue(of(convert(EXPORTS, overflow), ExportPiece.Kind.BAD).get(0).detail().contains("not an integer"));
    String alone = NESTED.replace("'notes': [{'value': 'response1 answers it.', 'user_id': 'u-1'}]",
        "'notes': [{'value': 'only this', 'user_id': 'u-9'}]");
    assertEquals(List.of("model_suggestion", "justification_only"), of(convert(EXPORTS, alone),
        ExportPiece.Kind.NOT_AN_ANSWER).stream().map(ExportPiece::reason).toList());
  }
}
