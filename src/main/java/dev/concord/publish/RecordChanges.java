package dev.concord.publish;

import static org.apache.spark.sql.functions.bit_or;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What became of each record id between the version {@code LATEST} named before a run and the run's own: added,
 * removed or kept, per table. What an exclusion on request or a changed input changed.
 */
final class RecordChanges {
  private RecordChanges() {}

  static final String CHANGE = Col.CHANGE;
  static final String ADDED = "added";
  static final String REMOVED = "removed";
  static final String KEPT = "kept";
  private static final int NOW = 1;
  private static final int BEFORE = 2;

  /**
   * @param now and {@code before}: each version's record tables by name (preferences, sft, labels), with an id
   * @return a row per (table, id) seen in either version, with its {@code change}
   */
  static Dataset<Row> of(Map<String, Dataset<Row>> now, Map<String, Dataset<Row>> before) {
    Dataset<Row> sides = null;
    for (Map.Entry<String, Dataset<Row>> t : now.entrySet()) {
      Dataset<Row> both = ids(t.getKey(), t.getValue(), NOW).union(ids(t.getKey(), before.get(t.getKey()), BEFORE));
      sides = sides == null ? both : sides.union(both);
    }
    return sides.groupBy(Col.RECORD_TABLE, Col.ID).agg(bit_or(col("side")).as("sides"))
        .select(col(Col.RECORD_TABLE), col(Col.ID), when(col("sides").equalTo(NOW), lit(ADDED))
            .when(col("sides").equalTo(BEFORE), lit(REMOVED)).otherwise(lit(KEPT)).as(CHANGE));
  }

  private static Dataset<Row> ids(String table, Dataset<Row> records, int side) {
    return records.select(lit(table).as(Col.RECORD_TABLE), col(Col.ID), lit(side).as("side"));
  }
}
