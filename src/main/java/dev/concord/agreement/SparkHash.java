package dev.concord.agreement;

import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The hash draws of {@link ProjectAgreement} in plain Java, bit for bit: Spark's {@code xxhash64} of (project,
 * task type, key, replicate) with its seed 42, reduced modulo 2^30 to a uniform draw in [0, 1). Units and
 * annotators are sampled by these draws, so a figure is the same whichever engine computes it.
 */
final class SparkHash {
  private SparkHash() {}

  private static final long SEED = 42L;
  private static final long RANGE = 1L << 30;

  static double uniform(String project, String taskType, String key, int replicate) {
    long h = SEED;
    h = string(project, h);
    h = string(taskType, h);
    h = string(key, h);
    h = XXH64.hashInt(replicate, h);
    return Math.floorMod(h, RANGE) / (double) RANGE;
  }

  private static long string(String s, long seed) {
    return s == null ? seed : XXH64.hashUTF8String(UTF8String.fromString(s), seed);
  }
}
