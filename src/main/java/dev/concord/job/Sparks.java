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
        // Bad data must never crash the job: out-of-range lookups and failed casts give null, which every stage
        // handles explicitly, instead of ANSI mode's exceptions.
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.legacy.sizeOfNull", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
  }
}
