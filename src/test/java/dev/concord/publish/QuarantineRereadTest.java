package dev.concord.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class QuarantineRereadTest {
  private static final String LINE = "{\"submission_id\":\"s1\",\"item_id\":\"i1\"}";

  private static long hash(String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return org.apache.spark.sql.catalyst.expressions.XXH64.hashUnsafeBytes(b,
        org.apache.spark.unsafe.Platform.BYTE_ARRAY_OFFSET, b.length, 42L);
  }

  private static Dataset<Row> noBadLines() {
    return SparkTest.spark().createDataFrame(List.of(), new StructType().add(Col.SOURCE_FILE, "string")
        .add(Col.BLOCK_START, "long").add(Col.ROW_ID, "long").add(Col.RAW, "string").add(Col.RAW_BYTES, "binary")
        .add(Col.REASON, "string").add(Col.DETAIL, "string").add(Col.SUBMISSION_ID, "string")
        .add(Col.ITEM_ID, "string").add(Col.ANNOTATOR, "string"));
  }

  /** A good line rejected across lines, its text not staged (null) or staged (a CSV row's). */
  private static Dataset<Row> rejected(String staged) {
    return SparkTest.spark().createDataFrame(List.of(RowFactory.create("/in/a.jsonl", 0L, 3L, hash(LINE), staged,
        null, "s1", "i1", "ann-1", "duplicate_submission_id", "two contents")), new StructType()
        .add(Col.SOURCE_FILE, "string").add(Col.BLOCK_START, "long").add(Col.ROW_ID, "long")
        .add(Col.LINE_HASH, "long").add(Col.RAW, "string").add(Col.RAW_BYTES, "binary")
        .add(Col.SUBMISSION_ID, "string").add(Col.ITEM_ID, "string").add(Col.ANNOTATOR, "string")
        .add(Col.REASON, "string").add(Col.DETAIL, "string"));
  }

  private static Dataset<Row> readAgain(String text) {
    return SparkTest.spark().createDataFrame(List.of(RowFactory.create("/in/a.jsonl", 0L, 3L,
        text.getBytes(StandardCharsets.UTF_8))), new StructType().add(Col.SOURCE_FILE, "string")
        .add(Col.BLOCK_START, "long").add(Col.ROW_ID, "long").add(Col.RAW, DataTypes.BinaryType));
  }

  @Test
  void aRejectedLineTakesTheTextReadAgainWhenItIsTheLineReadFirst() {
    Row r = Accounting.quarantine(noBadLines(), rejected(null), readAgain(LINE)).first();
    assertEquals(LINE, r.getAs(Col.RAW_TEXT));
    assertEquals("duplicate_submission_id", r.getAs(Col.REASON));
  }

  @Test
  void aStagedTextStandsAndIsNotReadAgain() {
    Row r = Accounting.quarantine(noBadLines(), rejected("task,worker,label"), readAgain("anything")).first();
    assertEquals("task,worker,label", r.getAs(Col.RAW_TEXT));
  }

  @Test
  void aLineThatChangedOrVanishedSinceIngestFailsTheWriteRatherThanQuarantineAnotherText() {
    for (Dataset<Row> again : List.of(readAgain(LINE.replace("s1", "s2")), readAgain(LINE).limit(0))) {
      Exception e = assertThrows(Exception.class,
          () -> Accounting.quarantine(noBadLines(), rejected(null), again).collectAsList());
      String message = String.valueOf(e.getMessage());
      assertTrue(message.contains("/in/a.jsonl, block at byte 0, line 4 of the block, is not the line read at ingest"),
          message);
    }
  }
}
