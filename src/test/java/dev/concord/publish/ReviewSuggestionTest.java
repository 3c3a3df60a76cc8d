package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import dev.concord.schema.Status;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The review table's suggestion: the leading answer and its share of the support, for a reviewer to start from. */
class ReviewSuggestionTest {
  private static final StructType OUTCOMES = new StructType().add(Col.ITEM_ID, "string").add(Col.PROJECT, "string")
      .add(Col.TASK_TYPE, "string").add(Col.STATUS, "string").add(Col.REASON, "string").add(Col.DETAIL, "string")
      .add(Col.VOTES, "array<struct<answer:string,annotators:int,weight:double>>");
  private static final StructType SUBMISSIONS = new StructType().add(Col.SUBMISSION_ID, "string")
      .add(Col.ITEM_ID, "string").add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string").add(Col.STATUS, "string");
  private static final StructType ITEMS = new StructType().add(Col.ITEM_ID, "string").add(Col.PROMPT, "string")
      .add(Col.RESPONSES, "string");

  @Test
  void suggestsTheLeadingAnswerWithItsShare() {
    SparkSession spark = SparkTest.spark();
    Dataset<Row> outcomes = spark.createDataFrame(List.of(
        outcome("posterior", List.of(vote("2", 2, 0.58), vote("1", 1, 0.42))),
        outcome("weighted", List.of(vote("safe", 2, 1.5), vote("unsafe", 1, 0.5), vote("borderline", 1, 0.5))),
        outcome("tie", List.of(vote("1", 1, 0.5), vote("2", 1, 0.5))),
        outcome("nobody", List.of()),
        RowFactory.create("ranked", "p", "ranking", Status.REVIEW, "cycle", "",
            List.of(vote("a vs b", 2, 0.7), vote("b vs c", 2, 0.6)))), OUTCOMES);
    Dataset<Row> review = Accounting.review(outcomes, spark.createDataFrame(List.of(), SUBMISSIONS),
        spark.createDataFrame(List.of(), ITEMS));
    Map<String, Row> byItem = new TreeMap<>();
    review.collectAsList().forEach(r -> byItem.put(r.getAs(Col.ITEM_ID), r));
    assertEquals("2", byItem.get("posterior").getAs(Col.SUGGESTED_ANSWER));
    assertEquals(0.58, (double) byItem.get("posterior").getAs(Col.SUGGESTED_CONFIDENCE), 1e-12);
    assertEquals("safe", byItem.get("weighted").getAs(Col.SUGGESTED_ANSWER));
    assertEquals(0.6, (double) byItem.get("weighted").getAs(Col.SUGGESTED_CONFIDENCE), 1e-12);
    assertNull(byItem.get("tie").getAs(Col.SUGGESTED_ANSWER));
    assertNull(byItem.get("tie").getAs(Col.SUGGESTED_CONFIDENCE));
    assertNull(byItem.get("nobody").getAs(Col.SUGGESTED_ANSWER));
    assertNull(byItem.get("ranked").getAs(Col.SUGGESTED_ANSWER), "a ranking's votes are pairs, not answers");
    assertNull(byItem.get("ranked").getAs(Col.SUGGESTED_CONFIDENCE));
  }

  /** Only an answer a model estimates from is said to inform the estimate: not a rating, an SFT answer or a vote. */
  @Test
  void onlyEstimatedAnswersInformTheEstimate() {
    SparkSession spark = SparkTest.spark();
    StructType shape = new StructType().add(Col.TASK_TYPE, "string").add("method", "string");
    List<Row> rows = spark.createDataFrame(List.of(RowFactory.create("label", "mace"),
            RowFactory.create("pairwise", "dawid_skene"), RowFactory.create("ranking", "one_coin"),
            RowFactory.create("rating", "mace"), RowFactory.create("sft", "mace"),
            RowFactory.create("label", "majority_vote")), shape)
        .select(Accounting.estimatedBy(org.apache.spark.sql.functions.col("method"))).collectAsList();
    assertEquals(java.util.Arrays.asList("mace", "dawid_skene", "one_coin", null, null, null),
        rows.stream().map(r -> r.getString(0)).toList());
  }

  private static Row outcome(String item, List<Row> votes) {
    return RowFactory.create(item, "p", "label", Status.REVIEW, "no_consensus", "", votes);
  }

  private static Row vote(String answer, int annotators, double weight) {
    return RowFactory.create(answer, annotators, weight);
  }
}
