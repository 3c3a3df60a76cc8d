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

  @Test
  void metadataKeepsNoRawIdentifier() {
    byte[] key = {7};
    Row r = SparkTest.spark().sql("select map('reviewer', 'qa@x.example', 'who', 'worker9', 'note', "
            + "'asked lead.one@corp.example.org twice', 'locale', 'en-GB') as m, 'worker9' as raw")
        .select(Pseudonyms.scrub(col("m"), col("raw"), key).as("m")).first();
    java.util.Map<String, String> m = r.getJavaMap(0);
    assertEquals(Pseudonyms.of("qa@x.example", key), m.get("reviewer"));
    assertEquals(Pseudonyms.of("worker9", key), m.get("who"));
    assertEquals("asked [e-mail removed] twice", m.get("note"));
    assertEquals("en-GB", m.get("locale"));
  }
}
