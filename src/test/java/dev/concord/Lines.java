package dev.concord;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Input lines built in code, in the shape the store reads them. */
public final class Lines {
  private Lines() {}

  public static Dataset<Row> of(String... raw) {
    return ofBytes(java.util.Arrays.stream(raw).map(l -> l.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toArray(byte[][]::new));
  }

  /** Lines given as bytes, which need not be valid UTF-8. */
  public static Dataset<Row> ofBytes(byte[]... raw) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < raw.length; i++) {
      rows.add(RowFactory.create("test.jsonl", 0L, (long) i, raw[i], null, null, false));
    }
    return SparkTest.spark().createDataFrame(rows, new StructType().add(Col.SOURCE_FILE, DataTypes.StringType)
        .add(Col.BLOCK_START, DataTypes.LongType).add(Col.ROW_ID, DataTypes.LongType)
        .add(Col.RAW, DataTypes.BinaryType).add(Col.REASON, DataTypes.StringType)
        .add(Col.DETAIL, DataTypes.StringType).add(Col.KEEP_RAW, DataTypes.BooleanType));
  }

  /** A valid pairwise submission line; {@code extra} replaces or adds top-level JSON fields. */
  public static String pairwise(String sid, String item, String annotator, String preferred, String at) {
    return "{\"submission_id\":\"" + sid + "\",\"item_id\":\"" + item + "\",\"project\":\"p\",\"task_type\":\"pairwise\","
        + "\"annotator_id\":\"" + annotator + "\",\"submitted_at\":\"" + at + "\",\"prompt\":\"Which is better?\","
        + "\"responses\":[{\"response_id\":\"r1\",\"text\":\"One\"},{\"response_id\":\"r2\",\"text\":\"Two\"}],"
        + "\"answer\":{\"preferred\":\"" + preferred + "\"}}";
  }
}
