package dev.concord.ingest;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.concord.SparkTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class PseudonymsTest {
  @Test
  void sparkColumnIsHmacSha256() {
    for (byte[] key : List.of("k".getBytes(StandardCharsets.UTF_8), new byte[64], new byte[100])) {
      List<String> ids = List.of("w17@vendor.example", "ünïcødé", "");
      List<Row> rows = SparkTest.spark().createDataset(ids, Encoders.STRING()).toDF("id")
          .select(col("id"), Pseudonyms.of(col("id"), key).as("p")).collectAsList();
      for (Row r : rows) {
        assertEquals(Pseudonyms.of(r.getString(0), key), r.getString(1));
      }
    }
  }

  @Test
  void differentKeysGiveDifferentPseudonyms() {
    assertNotEquals(Pseudonyms.of("w17@vendor.example", new byte[] {1}),
        Pseudonyms.of("w17@vendor.example", new byte[] {2}));
  }
}
