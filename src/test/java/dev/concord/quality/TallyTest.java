package dev.concord.quality;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TallyTest {
  private static Dataset<Row> decisions() {
    return SparkTest.spark().sql("""
        SELECT * FROM VALUES ('s1', 'used', 'train'), ('s2', 'used', 'test'), ('s3', 'quarantined', NULL),
          ('s4', 'used', 'train') AS t(submission_id, fate, split)""");
  }

  @Test
  void countsEveryTallyOfEveryTableInOneAggregation() {
    Dataset<Row> quarantine = SparkTest.spark().sql(
        "SELECT * FROM VALUES ('bad_json'), ('bad_json'), ('blank_line') AS t(reason)");
    Map<String, Map<String, Long>> t = Tally.count(List.of(
        new Tally.Over(decisions(), List.of(Tally.of("fates", "fate"), Tally.of("splits", "split"),
            new Tally("long_ids", col("submission_id").startsWith("s")))),
        new Tally.Over(quarantine, List.of(Tally.of("reasons", "reason")))));
    assertEquals(Map.of("used", 3L, "quarantined", 1L), t.get("fates"));
    assertEquals(Map.of("train", 2L, "test", 1L, "null", 1L), t.get("splits"), "a null value counts as \"null\"");
    assertEquals(Map.of("true", 4L), t.get("long_ids"));
    assertEquals(Map.of("bad_json", 2L, "blank_line", 1L), t.get("reasons"));
    assertEquals(List.of("fates", "splits", "long_ids", "reasons"), List.copyOf(t.keySet()), "in the order given");
  }

  @Test
  void aTallyNamedOverTwoTablesSumsBothAndAnEmptyTableGivesAnEmptyMap() {
    Dataset<Row> none = decisions().filter(col("fate").equalTo("superseded"));
    Map<String, Map<String, Long>> t = new Tally.Tables()
        .over(decisions(), Tally.of("fates", "fate"))
        .over(decisions().limit(1), Tally.of("fates", "fate"))
        .over(none, Tally.of("nothing", "fate"))
        .count();
    assertEquals(Map.of("used", 4L, "quarantined", 1L), t.get("fates"));
    assertEquals(Map.of(), t.get("nothing"));
  }

  @Test
  void aColumnThatIsNotACategoryIsRefusedRatherThanCollected() {
    Dataset<Row> ids = SparkTest.spark().range(Tally.MAX_VALUES + 1).toDF("id");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Tally.count(List.of(new Tally.Over(ids, List.of(Tally.of("ids", "id"))))));
    assertTrue(e.getMessage().contains("[ids]"), e.getMessage());
  }
}
