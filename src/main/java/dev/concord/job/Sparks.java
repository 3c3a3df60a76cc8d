package dev.concord.job;

import org.apache.spark.sql.SparkSession;

/** The Spark settings every Concord session carries, whatever its master. */
public final class Sparks {
  private Sparks() {}

  public static SparkSession.Builder configure(SparkSession.Builder builder) {
    return builder
        .config("spark.sql.session.timeZone", "UTC")
        // parquet-avro readers cannot read Spark's default INT96 timestamps.
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
  }
}
