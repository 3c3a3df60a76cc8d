package dev.concord.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Exact duplicates merged, and the split drawn. Within one table, candidates with the same normalised content are
 * one record; the keeper is the one with the highest agreement, then the most annotators, then the smallest item id
 * (never partition or input order). The record's {@code id} is derived from its content, so the same content has
 * the same id in every run. The split is drawn from the prompt alone, so all records of a prompt share it.
 */
public final class Dedup {
  private Dedup() {}

  public static final String TRAIN = "train";
  public static final String TEST = "test";
  static final long BUCKETS = 1_000_000L;
  /** The item whose candidate was kept for a group of duplicates. */
  public static final String KEEPER_ITEM = "keeper_item";
  public static final String KEEPER = "keeper";

  /**
   * Adds {@code id}, {@code split}, {@code merged_count} and a {@code keeper} flag to candidates
   * ({@code record_table, key, prompt_key, agreement, annotator_count, item_id, candidate}).
   */
  public static Dataset<Row> apply(Dataset<Row> candidates, double testShare, String salt) {
    WindowSpec group = Window.partitionBy(Col.RECORD_TABLE, Col.KEY);
    WindowSpec order = group.orderBy(col(Col.AGREEMENT).desc(), col(Col.ANNOTATOR_COUNT).desc(),
        col(Col.ITEM_ID).asc(), col(Resolve.CANDIDATE).asc());
    return candidates
        .withColumn("rank", row_number().over(order))
        .withColumn(Col.MERGED_COUNT, count(lit(1)).over(group).minus(1).cast("int"))
        .withColumn(KEEPER_ITEM, first(Col.ITEM_ID).over(order.rowsBetween(Window.unboundedPreceding(), 0)))
        .withColumn(KEEPER, col("rank").equalTo(1))
        .withColumn(Col.ID, substring(col(Col.KEY), 1, 32))
        .withColumn(Col.SPLIT, split(col(Col.PROMPT_KEY), testShare, salt))
        .drop("rank");
  }

  /** The split of a prompt: a salted hash of its key in [0, 1), test below the share. */
  public static Column split(Column promptKey, double testShare, String salt) {
    Column bucket = pmod(xxhash64(lit(salt), promptKey), lit(BUCKETS));
    return when(bucket.lt(lit((long) Math.round(testShare * BUCKETS))), lit(TEST)).otherwise(lit(TRAIN));
  }

  /** The {@code duplicates} table: every candidate merged into another. */
  public static Dataset<Row> duplicates(Dataset<Row> deduped) {
    return deduped.filter(col(KEEPER).unary_$bang()).select(col(Col.RECORD_TABLE), col(Col.ID).as(Col.KEPT_ID),
        col(Col.ITEM_ID).as(Col.REMOVED_ITEM_ID), col(Resolve.CANDIDATE).as(Col.REMOVED_KEY), lit("exact").as(Col.KIND),
        lit(1.0).as(Col.SIMILARITY),
        concat_ws("", lit("same normalised content as the record kept from item '"), col(KEEPER_ITEM),
            lit("', which has the higher agreement, more annotators or the smaller item id")).as(Col.REASON));
  }
}
