package dev.concord.bench;

import dev.concord.ingest.Ingest;
import dev.concord.job.Sparks;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The floor of {@code bench/}: the least any Spark job can do with the input, read the JSON Lines with the
 * submission schema and write them as Parquet. Usage: {@code Floor OUT INPUT...}.
 */
public final class Floor {
  private Floor() {}

  public static void main(String[] args) {
    StructType schema = new StructType();
    for (StructField f : Ingest.wireSchema().fields()) {
      if (!f.name().startsWith("_")) {
        schema = schema.add(f);
      }
    }
    SparkSession spark = Sparks.open("concord floor", "local[*]", java.util.Map.of()).spark();
    String[] inputs = java.util.Arrays.copyOfRange(args, 1, args.length);
    spark.read().schema(schema).option("recursiveFileLookup", "true").json(inputs)
        .write().mode(SaveMode.Overwrite).parquet(args[0]);
    spark.stop();
  }
}
