package dev.concord.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.concord.SparkTest;
import dev.concord.config.ConcordConfig;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Time on task per annotator and scope, and the figures attached to the annotators' table. */
class AnnotatorFiguresTest {
  private static final StructType ACTIVE = new StructType().add(Col.ANNOTATOR, "string").add(Col.PROJECT, "string")
      .add(Col.TASK_TYPE, "string").add(Col.TIME_SPENT_S, "double");
  private static final ConcordConfig.TimeOnTaskSettings FLOORS = new ConcordConfig.TimeOnTaskSettings(Map.of(
      "pairwise", 10.0, "ranking", 20.0, "rating", 10.0, "label", 3.0, "sft", 30.0));

  @Test
  void mediansAndFastSharesCountOnlyTimedSubmissions() {
    SparkSession spark = SparkTest.spark();
    Dataset<Row> active = spark.createDataFrame(List.of(
        RowFactory.create("a", "p", "pairwise", 4.0), RowFactory.create("a", "p", "pairwise", 8.0),
        RowFactory.create("a", "p", "pairwise", 30.0), RowFactory.create("a", "p", "pairwise", 50.0),
        RowFactory.create("a", "p", "pairwise", null),
        RowFactory.create("a", "p", "sft", 29.0),
        RowFactory.create("b", "p", "pairwise", null)), ACTIVE);
    Map<String, Row> byScope = new java.util.TreeMap<>();
    AnnotatorFigures.timeOnTask(active, FLOORS).collectAsList().forEach(r -> byScope.put(r.getAs(Col.ANNOTATOR) + "/"
        + r.getAs(Col.TASK_TYPE), r));

    Row a = byScope.get("a/pairwise");
    assertEquals(5L, (long) a.getAs(Col.SUBMISSIONS));
    assertEquals(4L, (long) a.getAs(Col.TIMED_SUBMISSIONS));
    assertEquals(19.0, (double) a.getAs(Col.MEDIAN_S), 1e-12, "between 8 and 30");
    assertEquals(0.5, (double) a.getAs(Col.FAST_SHARE), 1e-12, "4 and 8 of 4 timed, under 10");
    assertEquals(10.0, (double) a.getAs(Col.FAST_FLOOR_S));
    Row sft = byScope.get("a/sft");
    assertEquals(30.0, (double) sft.getAs(Col.FAST_FLOOR_S), "the sft floor");
    assertEquals(1.0, (double) sft.getAs(Col.FAST_SHARE), 1e-12);
    Row b = byScope.get("b/pairwise");
    assertEquals(0L, (long) b.getAs(Col.TIMED_SUBMISSIONS));
    assertNull(b.getAs(Col.MEDIAN_S), "no time given, no median");
    assertNull(b.getAs(Col.FAST_SHARE));
  }

  @Test
  void attachGivesEveryAnnotatorTheListsEmptyOrNot() {
    SparkSession spark = SparkTest.spark();
    Dataset<Row> annotators = spark.createDataFrame(List.of(RowFactory.create("a"), RowFactory.create("c")),
        new StructType().add(Col.ANNOTATOR, "string"));
    Dataset<Row> active = spark.createDataFrame(List.of(RowFactory.create("a", "p", "label", 1.0)), ACTIVE);
    Dataset<Row> confusion = spark.createDataFrame(List.of(RowFactory.create("a", "p", "label", "x", "y", 3L),
        RowFactory.create("a", "p", "label", "x", "x", 1L)), new StructType().add(Col.ANNOTATOR, "string")
        .add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string").add("answer", "string").add("resolved", "string")
        .add(Col.COUNT, "long"));
    Map<String, Row> rows = new java.util.TreeMap<>();
    Dataset<Row> matrices = spark.createDataFrame(List.of(RowFactory.create("p", "label", "a", "y", "x", 0.1),
        RowFactory.create("p", "label", "a", "x", "x", 0.9)), dev.concord.resolve.DawidSkene.MATRICES);
    AnnotatorFigures.attach(annotators, AnnotatorFigures.timeOnTask(active, FLOORS), confusion, matrices)
        .collectAsList()
        .forEach(r -> rows.put(r.getAs(Col.ANNOTATOR), r));
    assertEquals(1, rows.get("a").getList(rows.get("a").fieldIndex(Col.TIME_ON_TASK)).size());
    List<Row> cells = rows.get("a").getList(rows.get("a").fieldIndex(Col.CONFUSION));
    assertEquals(List.of("x x 1", "x y 3"), cells.stream().map(c -> c.getAs("answer") + " " + c.getAs("resolved") + " "
        + c.getAs(Col.COUNT)).toList(), "in a fixed order");
    assertEquals(List.of(), rows.get("c").getList(rows.get("c").fieldIndex(Col.CONFUSION)));
    assertEquals(List.of(), rows.get("c").getList(rows.get("c").fieldIndex(Col.TIME_ON_TASK)));
    List<Row> estimated = rows.get("a").getList(rows.get("a").fieldIndex(Col.DAWID_SKENE));
    assertEquals(List.of("x|x 0.9", "y|x 0.1"), estimated.stream().map(c -> c.getAs(Col.ANSWER) + "|"
        + c.getAs(Col.TRUTH) + " " + c.getAs(Col.PROBABILITY)).toList());
    assertEquals(List.of(), rows.get("c").getList(rows.get("c").fieldIndex(Col.DAWID_SKENE)));
  }
}
