package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class RecordChangesTest {
  private static Dataset<Row> ids(String... ids) {
    return SparkTest.spark().createDataset(java.util.List.of(ids), org.apache.spark.sql.Encoders.STRING()).toDF("id");
  }

  @Test
  void eachIdIsAddedRemovedOrKeptWithinItsTable() {
    Map<String, Dataset<Row>> now = Map.of("preferences", ids("a", "b", "c"), "sft", ids("x"));
    Map<String, Dataset<Row>> before = Map.of("preferences", ids("b", "c", "d", "e"), "sft", ids("a"));
    Map<String, String> change = new HashMap<>();
    for (Row r : RecordChanges.of(now, before).collectAsList()) {
      change.put(r.getString(0) + "/" + r.getString(1), r.getString(2));
    }
    assertEquals(Map.of("preferences/a", "added", "preferences/b", "kept", "preferences/c", "kept",
        "preferences/d", "removed", "preferences/e", "removed", "sft/x", "added", "sft/a", "removed"), change,
        "an id that moved between tables is a removal from one and an addition to the other");
  }
}
