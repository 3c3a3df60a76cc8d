package dev.concord.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.Lines;
import dev.concord.TestConfigs;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Label Studio tasks as the contract's submissions: every control type, and what is no answer or bad. */
class LabelStudioTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final byte[] KEY = {1, 2, 3};
  /** The shipped mappings: helpfulness-ls (project 3) and ranking-ls (project 4, a Ranker with buckets). */
  static final ConcordConfig CONFIG = TestConfigs.of(Map.of());
  static final Exports EXPORTS = Exports.of(CONFIG, KEY);
  static final String FILE = "/exports/project.json";

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<ExportPiece> convert(String task) {
    return EXPORTS.convert(FILE, Exports.Format.LABEL_STUDIO, json(task), 4);
  }

  static List<ExportPiece> of(List<ExportPiece> pieces, ExportPiece.Kind kind) {
    return pieces.stream().filter(p -> p.kind() == kind).toList();
  }

  static final String DATA = "'data': {'prompt': 'Explain RLHF', 'answer1': 'It learns from preferences.',"
      + " 'answer2': 'It is a database.'}";

  static String task(String annotations) {
    return "{'id': 17, 'project': 3, " + DATA + ", 'annotations': [" + annotations + "], 'predictions': []}";
  }

  static String annotation(int id, String completedBy, String results) {
    return "{'id': " + id + ", 'completed_by': " + completedBy + ", 'was_cancelled': false, 'ground_truth': false,"
        + " 'created_at': '2025-01-05T10:00:00Z', 'updated_at': '2025-01-05T10:02:00Z', 'lead_time': 41.2,"
        + " 'result': [" + results + "]}";
  }

  static final String PAIRWISE = "{'from_name': 'comparison', 'to_name': 'comparison', 'type': 'pairwise',"
      + " 'value': {'selected': 'right'}}";
  static final String RATINGS = "{'from_name': 'accuracy_1', 'to_name': 'answer1', 'type': 'rating', 'value':"
      + " {'rating': 4}}, {'from_name': 'accuracy_2', 'to_name': 'answer2', 'type': 'rating', 'value': {'rating': 2}}";
  static final String CHOICE = "{'from_name': 'safety', 'to_name': 'answer2', 'type': 'choices', 'value': {'choices':"
      + " ['unsafe']}}";
  static final String REWRITE = "{'from_name': 'rewrite', 'to_name': 'answer1', 'type': 'textarea', 'value':"
      + " {'text': ['Better:', 'it learns a reward model.']}}";
  static final String WHY = "{'from_name': 'why', 'to_name': 'prompt', 'type': 'textarea', 'value': {'text':"
      + " ['answer2 is wrong']}}";

  @Test
  void eachControlBecomesASubmissionOfItsTypeWithTheAnnotationsTimesAndJustification() {
    List<ExportPiece> pieces = convert(task(annotation(901, "12", String.join(", ", PAIRWISE, RATINGS, CHOICE,
        REWRITE, WHY))));
    assertEquals(List.of(), of(pieces, ExportPiece.Kind.BAD));
    Map<String, JsonNode> byType = new java.util.TreeMap<>();
    of(pieces, ExportPiece.Kind.SUBMISSION).forEach(p -> byType.put(json(p.json()).get("task_type").asText(),
        json(p.json())));
    assertEquals(List.of("label", "pairwise", "rating", "sft"), List.copyOf(byType.keySet()));

    JsonNode pairwise = byType.get("pairwise");
    assertEquals("ls:17:901:comparison", pairwise.get("submission_id").asText());
    assertEquals("ls:17:comparison", pairwise.get("item_id").asText());
    assertEquals("helpfulness-ls", pairwise.get("project").asText());
    assertEquals("12", pairwise.get("annotator_id").asText());
    assertEquals("2025-01-05T10:02:00Z", pairwise.get("submitted_at").asText(), "updated_at before created_at");
    assertEquals(41.2, pairwise.get("time_spent_s").asDouble());
    assertEquals("answer2", pairwise.at("/answer/preferred").asText(), "right is the second response");
    assertEquals(List.of("answer1", "answer2"), ids(pairwise));
    assertEquals("answer2 is wrong", pairwise.get("justification").asText());
    assertEquals("901", pairwise.at("/metadata/annotation_id").asText());

    JsonNode rating = byType.get("rating");
    assertEquals("ls:17:rating", rating.get("item_id").asText(), "both rating controls make one submission");
    assertEquals(4, rating.at("/answer/ratings/answer1/accuracy").asInt());
    assertEquals(2, rating.at("/answer/ratings/answer2/accuracy").asInt());

    JsonNode label = byType.get("label");
    assertEquals("unsafe", label.at("/answer/label").asText());
    assertEquals(List.of("answer2"), ids(label), "a choice labels the response its to_name names");

    JsonNode sft = byType.get("sft");
    assertEquals("Better:\nit learns a reward model.", sft.at("/answer/completion").asText());
    assertEquals(List.of("answer1"), ids(sft), "a rewrite shows the response it rewrites");
  }

  @Test
  void theSubmissionsAreGoodLinesOfTheContractWithTheAnnotatorPseudonymised() {
    List<ExportPiece> pieces = convert(task(annotation(901, "{'id': 5, 'email': 'ana@team.example'}",
        String.join(", ", PAIRWISE, RATINGS, CHOICE, REWRITE))));
    List<String> lines = of(pieces, ExportPiece.Kind.SUBMISSION).stream().map(ExportPiece::json).toList();
    List<Row> parsed = Ingest.parse(Lines.of(lines.toArray(String[]::new)), IngestSettings.of(CONFIG), KEY)
        .collectAsList();
    assertEquals(4, parsed.size());
    for (Row r : parsed) {
      assertNull(r.getAs(Col.REASON), () -> r.getAs(Col.DETAIL));
      assertEquals(Pseudonyms.of("ana@team.example", KEY), r.getAs(Col.ANNOTATOR), "the e-mail is the raw id");
    }
  }

  @Test
  void whatIsNoAnswerIsCountedByKindAndNeverASubmission() {
    String cancelled = "{'id': 902, 'completed_by': 13, 'was_cancelled': true, 'result': []}";
    String empty = annotation(903, "14", "");
    String unmapped = annotation(904, "15", "{'from_name': 'comment', 'to_name': 'prompt', 'type': 'textarea',"
        + " 'value': {'text': ['hm']}}");
    String task = "{'id': 17, 'project': 3, " + DATA + ", 'annotations': [" + cancelled + ", " + empty + ", "
        + unmapped + "], 'predictions': [286, 287], 'drafts': [{'id': 3, 'result': []}]}";
    List<ExportPiece> pieces = convert(task);
    assertEquals(List.of(), of(pieces, ExportPiece.Kind.SUBMISSION));
    assertEquals(List.of("model_prediction", "model_prediction", "draft_annotation", "cancelled_annotation",
        "empty_annotation", "unmapped_control"), of(pieces, ExportPiece.Kind.NOT_AN_ANSWER).stream()
        .map(ExportPiece::reason).toList());
    ExportPiece c = of(pieces, ExportPiece.Kind.NOT_AN_ANSWER).get(3);
    assertEquals("task 4 (id 17), annotation 1 (id 902)", c.detail());
    assertEquals("{\"not_an_answer\":\"cancelled_annotation\",\"where\":\"task 4 (id 17), annotation 1 (id 902)\","
        + "\"project\":\"helpfulness-ls\"}", c.json(), "a piece that is no answer keeps no annotator id");
  }

  @Test
  void aGroundTruthAnnotationIsAGoldLabelNotASubmission() {
    String gold = annotation(905, "1", PAIRWISE).replace("'ground_truth': false", "'ground_truth': true");
    List<ExportPiece> pieces = convert(task(gold));
    assertEquals(List.of(), of(pieces, ExportPiece.Kind.SUBMISSION));
    JsonNode g = json(of(pieces, ExportPiece.Kind.GOLD).get(0).json());
    assertEquals("ls:17:comparison", g.get("item_id").asText(), "the item its submissions answer");
    assertEquals("answer2", g.at("/answer/preferred").asText());
    assertTrue(g.get("source").asText().contains("905"));
  }

  @Test
  void aRankerIsReadAsAListByItsOwnNameOrInTheMappingsBucketOrder() {
    String items = "'data': {'question': 'Which is best?', 'items': [{'id': 'a', 'title': 'A', 'body': 'alpha'},"
        + " {'id': 'b', 'title': 'B', 'body': 'beta'}, {'id': 'c', 'title': 'C', 'body': 'gamma'}]}";
    String bucketed = "{'id': 30, 'project': 4, " + items + ", 'annotations': [" + annotation(906, "21",
        "{'from_name': 'rank', 'to_name': 'items', 'type': 'ranker', 'value': {'ranker': {'_': ['c'], 'best':"
        + " ['b'], 'good': ['a']}}}") + "]}";
    JsonNode ranking = json(of(EXPORTS.convert(FILE, Exports.Format.LABEL_STUDIO, json(bucketed), 1),
        ExportPiece.Kind.SUBMISSION).get(0).json());
    assertEquals("[\"b\",\"a\",\"c\"]", ranking.at("/answer/ranking").toString(), "best, good, then _");
    assertEquals("alpha", ranking.at("/responses/0/text").asText(), "an item's body is its text");

    String stray = bucketed.replace("'good'", "'meh'");
    ExportPiece bad = of(EXPORTS.convert(FILE, Exports.Format.LABEL_STUDIO, json(stray), 1),
        ExportPiece.Kind.BAD).get(0);
    assertTrue(bad.detail().contains("bucket 'meh' holds 1 items but is not in the mapping's bucket order"),
        bad.detail());

    ConcordConfig plain = TestConfigs.of(Map.of("projects.ranking-ls.source.controls.rank", "ranking"));
    Exports unbucketed = Exports.of(plain, KEY);
    for (String value : List.of("{'ranker': {'rank': ['c', 'a', 'b']}}", "{'ranker': ['c', 'a', 'b']}")) {
      String task = bucketed.replaceAll("\\{'ranker': \\{[^}]*\\}\\}", value.replace("'", "\""));
      JsonNode r = json(of(unbucketed.convert(FILE, Exports.Format.LABEL_STUDIO, json(task), 1),
          ExportPiece.Kind.SUBMISSION).get(0).json());
      assertEquals("[\"c\",\"a\",\"b\"]", r.at("/answer/ranking").toString(), value);
    }
  }

  @Test
  void aBadPieceKeepsItsTaskAndSaysWhereAndWhatWithoutLosingTheRest() {
    String middle = PAIRWISE.replace("'right'", "'middle'");
    List<ExportPiece> pieces = convert(task(annotation(907, "12", middle + ", " + CHOICE)));
    ExportPiece bad = of(pieces, ExportPiece.Kind.BAD).get(0);
    assertEquals("bad_value", bad.reason());
    assertEquals("task 4 (id 17), annotation 1 (id 907), result 1 (from_name 'comparison'): value.selected is the"
        + " string 'middle', not 'left' or 'right'", bad.detail());
    assertEquals(17, json(bad.json()).get("id").asInt(), "the raw JSON of the task");
    assertEquals(1, of(pieces, ExportPiece.Kind.SUBMISSION).size(), "the annotation's other control still counts");

    String lacking = task(annotation(908, "12", PAIRWISE)).replace("'answer2': 'It is a database.'", "'other': 1");
    ExportPiece missing = of(convert(lacking), ExportPiece.Kind.BAD).get(0);
    assertEquals("missing_data_field", missing.reason());
    assertTrue(missing.detail().contains("data field 'answer2' (projects.helpfulness-ls.source.responses) is"
        + " missing"), missing.detail());

    assertEquals("bad_task", convert("[1, 2]").get(0).reason());
    ExportPiece unmapped = convert(task(annotation(909, "12", PAIRWISE)).replace("'project': 3", "'project': 9")
        ).get(0);
    assertEquals("unmapped_project", unmapped.reason());
    ExportPiece anonymous = of(convert(task(annotation(910, "null", PAIRWISE))), ExportPiece.Kind.BAD).get(0);
    assertEquals("missing_field", anonymous.reason(), "an annotation without its annotator cannot be used");
  }

  private static List<String> ids(JsonNode submission) {
    List<String> ids = new java.util.ArrayList<>();
    submission.path("responses").forEach(r -> ids.add(r.get("response_id").asText()));
    return ids;
  }

  @Test
  void whatCannotBeConvertedIsTheRecordsProblemNeverTheRuns() {
    // A justification alone answers nothing; an id too large for a rating; a task whose conversion throws.
    List<ExportPiece> alone = convert(task(annotation(911, "12", WHY)));
    assertEquals(List.of("justification_only"), of(alone, ExportPiece.Kind.NOT_AN_ANSWER).stream()
        .map(ExportPiece::reason).toList());
    String huge = RATINGS.replace("{'rating': 4}", "{'rating': 4294967300}");
    assertTrue(of(convert(task(annotation(912, "12", huge))), ExportPiece.Kind.BAD).get(0).detail()
        .contains("not an integer"));
    List<ExportPiece> failed = EXPORTS.convert(FILE, Exports.Format.LABEL_STUDIO, null, 9);
    assertEquals("conversion_failed", failed.get(0).reason());
    assertEquals("task 9 could not be read (NullPointerException); it is kept here as received",
        failed.get(0).detail());
  }
}
