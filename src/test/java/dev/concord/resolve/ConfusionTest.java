package dev.concord.resolve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Each unit's resolved answer by precedence (gold, Dawid-Skene, the weighted vote), and the cells counted. */
class ConfusionTest {
  private static final StructType UNITS = new StructType().add(Col.ANNOTATOR, "string").add(Col.PROJECT, "string")
      .add(Col.TASK_TYPE, "string").add(Col.UNIT, "string").add(Col.CATEGORY, "string");
  private static final StructType VOTES = new StructType().add(Col.UNIT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.CATEGORY, "string").add(Col.WEIGHT, "double");
  private static final StructType GOLD = new StructType().add(Col.UNIT, "string").add(Col.CATEGORY, "string");

  @Test
  void cellsCountEachAnswerAgainstTheResolvedOne() {
    SparkSession spark = SparkTest.spark();
    Dataset<Row> units = spark.createDataFrame(List.of(
        // u1 has gold "2"; the kept annotators' vote for "1" does not count against it.
        unit("bad", "u1", "1"), unit("good", "u1", "2"),
        // u2 Dawid-Skene resolves to "2" though the weighted vote says "1".
        unit("bad", "u2", "1"), unit("good", "u2", "2"),
        // u3's vote ties 1.0 to 1.0: no resolved answer, left out.
        unit("bad", "u3", "1"), unit("good", "u3", "2"),
        // u4's vote: "tie" weighs 1.5 against "1"'s 0.5.
        unit("bad", "u4", "1"), unit("good", "u4", "tie"),
        // u6: Dawid-Skene ties 0.5 to 0.5; its vote for "1" must not stand in for it.
        unit("bad", "u6", "1"), unit("good", "u6", "2"),
        // a rating unit is never in a matrix
        new Object[] {"bad", "p", "rating", "u5", "3"}).stream().map(RowFactory::create).toList(), UNITS);
    Dataset<Row> votes = spark.createDataFrame(List.of(
        RowFactory.create("u1", "pairwise", "1", 2.0), RowFactory.create("u2", "pairwise", "1", 2.0),
        RowFactory.create("u2", "pairwise", "2", 0.5), RowFactory.create("u3", "pairwise", "1", 1.0),
        RowFactory.create("u3", "pairwise", "2", 1.0), RowFactory.create("u4", "pairwise", "1", 0.5),
        RowFactory.create("u4", "pairwise", "tie", 1.5), RowFactory.create("u5", "rating", "4", 1.0),
        RowFactory.create("u6", "pairwise", "1", 3.0)), VOTES);
    Dataset<Row> posteriors = spark.createDataFrame(List.of(RowFactory.create("u2", "1", 0.3),
        RowFactory.create("u2", "2", 0.7), RowFactory.create("u6", "1", 0.5), RowFactory.create("u6", "2", 0.5)),
        DawidSkene.POSTERIORS);
    Dataset<Row> gold = spark.createDataFrame(List.of(RowFactory.create("u1", "2"), RowFactory.create("u5", "3")),
        GOLD);

    Map<String, Long> cells = new TreeMap<>();
    for (Row r : Confusion.of(units, votes, posteriors, gold).collectAsList()) {
      cells.put(r.getAs(Col.ANNOTATOR) + " " + r.getAs(Col.ANSWER) + "->" + r.getAs(Col.RESOLVED),
          r.getAs(Col.COUNT));
    }
    assertEquals(Map.of("bad 1->2", 2L, "bad 1->tie", 1L, "good 2->2", 2L, "good tie->tie", 1L), cells);
  }

  private static Object[] unit(String annotator, String unit, String category) {
    return new Object[] {annotator, "p", "pairwise", unit, category};
  }
}
