package dev.concord;

import org.apache.spark.sql.SparkSession;

/** The one SparkSession of the test JVM: local[2], no UI, few shuffle partitions. */
public final class SparkTest {
  private SparkTest() {}

  private static SparkSession spark;

  public static synchronized SparkSession spark() {
    if (spark == null) {
      spark = dev.concord.job.Sparks.open("concord-tests", "local[2]",
          java.util.Map.of("spark.sql.shuffle.partitions", "4")).spark();
    }
    return spark;
  }

  /** The shared reference data next to the repository. */
  public static java.nio.file.Path shared(String path) {
    java.nio.file.Path p = java.nio.file.Path.of("..", "shared", path);
    if (!java.nio.file.Files.exists(p)) {
      throw new IllegalStateException("missing shared reference " + p.toAbsolutePath());
    }
    return p;
  }
}
