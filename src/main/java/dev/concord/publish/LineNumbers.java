package dev.concord.publish;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.concord.schema.Col;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Line numbers without a second read of the input: a line knows its file, the start of the file block it was read
 * from and Spark's monotonically increasing id, which counts up within a block. A line's number is its place in its
 * block plus the lines of the file's earlier blocks.
 */
public final class LineNumbers {
  private LineNumbers() {}

  /** One row per (file, block): small, proportional to the number of blocks, not lines. */
  public static Dataset<Row> blocks(Dataset<Row> lines) {
    return lines.groupBy(Col.SOURCE_FILE, Col.BLOCK_START)
        .agg(min(Col.ROW_ID).as("first_row"), count(lit(1)).as("rows"))
        .withColumn("lines_before", coalesce(sum("rows").over(Window.partitionBy(Col.SOURCE_FILE)
            .orderBy(Col.BLOCK_START).rowsBetween(Window.unboundedPreceding(), -1)), lit(0L)));
  }

  /**
   * Adds {@code line_number} (1-based) to rows carrying {@code source_file, block_start, row_id}. A piece of an
   * annotation tool's export (a negative {@code block_start}) carries its task's or record's number itself, in the
   * high bits of its {@code row_id}.
   */
  public static Dataset<Row> attach(Dataset<Row> rows, Dataset<Row> blocks) {
    return rows.join(broadcast(blocks), new String[] {Col.SOURCE_FILE, Col.BLOCK_START})
        .withColumn(Col.LINE_NUMBER, when(col(Col.BLOCK_START).lt(0),
            org.apache.spark.sql.functions.shiftright(col(Col.ROW_ID), PART_BITS))
            .otherwise(col(Col.ROW_ID).minus(col("first_row")).plus(col("lines_before")).plus(1L)))
        .drop("first_row", "rows", "lines_before");
  }

  /** The bits of an export piece's {@code row_id} that number the pieces of one task or record. */
  public static final int PART_BITS = 24;
}
