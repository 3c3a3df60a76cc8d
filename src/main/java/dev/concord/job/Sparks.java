package dev.concord.job;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The one place Concord makes a Spark session, and the settings every session carries, whatever its master. */
public final class Sparks {
  private Sparks() {}

  /**
   * A session, and whether this call started it. A JVM that already runs a session (one that embeds Concord, or a
   * test suite) lends it: it is used as it is, and {@link #close} leaves it running.
   */
  public record Session(SparkSession spark, boolean started) implements AutoCloseable {
    @Override
    public void close() {
      if (started) {
        spark.stop();
      }
    }
  }

  /**
   * The running session, or a new one on {@code master} named {@code appName}; {@code settings} apply to a new
   * session only (a lent one keeps its own), e.g. its shuffle partitions and scratch folder.
   */
  public static Session open(String appName, String master, Map<String, String> settings) {
    if (SparkSession.getDefaultSession().isDefined()) {
      return new Session(SparkSession.getDefaultSession().get(), false);
    }
    SparkSession.Builder builder = SparkSession.builder().appName(appName).master(master)
        .config("spark.sql.session.timeZone", "UTC")
        // parquet-avro readers cannot read Spark's default INT96 timestamps.
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.adaptive.enabled", "true")
        // Bad data must never crash the job: out-of-range lookups and failed casts give null, which every stage
        // handles explicitly, instead of ANSI mode's exceptions.
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.legacy.sizeOfNull", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.ui.showConsoleProgress", "false")
        // The web UI costs a second at start and memory all run long; -Dspark.ui.enabled=true brings it back.
        .config("spark.ui.enabled", System.getProperty("spark.ui.enabled", "false"));
    settings.forEach(builder::config);
    return new Session(builder.getOrCreate(), true);
  }
}
