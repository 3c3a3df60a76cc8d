package dev.concord.dedup;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate texts: candidate pairs from MinHash LSH, each verified on its exact Jaccard similarity, and the
 * clusters the verified pairs link (connected components, so a chain A~B~C is one cluster even when A and C differ
 * more than the threshold allows).
 */
public final class NearDuplicates {
  private NearDuplicates() {}

  public static final String DOC = "doc";
  public static final String BLOCK = "block";
  public static final String TEXT = "doc_text";
  public static final String A = "a";
  public static final String B = "b";
  public static final String SIMILARITY = "similarity";
  public static final String CLUSTER = "cluster";

  /**
   * Verified near-duplicate pairs of {@code docs} ({@code doc} unique, {@code block}, {@code doc_text}): texts of
   * one block only, {@code a < b}, similarity at least {@code threshold}. Candidates come from MinHash LSH on the
   * whole text.
   */
  public static Dataset<Row> pairs(Dataset<Row> docs, MinHash minHash, double threshold, int window) {
    return verified(docs, minHash.bandKeys(col(TEXT), commonShingles(docs, minHash)), minHash, threshold, window,
        BROADCAST_CANDIDATES);
  }

  /**
   * Verified near-duplicate pairs of records made of parts ({@link MinHash#PART}): the prompt, whose near duplicates
   * the block already holds together, then one or two responses. A record's similarity is the smallest of its parts'
   * ({@link MinHash#partsJaccard}), so two records are near duplicates only if each response of one is a near
   * duplicate of a response of the other. The distinct responses of a block are therefore clustered first, and only
   * records whose responses fall in the same clusters are compared. Hashing whole records instead makes every two
   * records that share a prompt and one response (the pairs of one ranking) candidates, each checked on all its
   * texts, while none of them can pass.
   */
  public static Dataset<Row> recordPairs(Dataset<Row> docs, MinHash minHash, double threshold, int window) {
    return recordPairs(docs, minHash, threshold, window, BROADCAST_CANDIDATES);
  }

  /** {@link #recordPairs}, broadcasting the record candidates' hashes only up to {@code broadcastCandidates} pairs. */
  static Dataset<Row> recordPairs(Dataset<Row> docs, MinHash minHash, double threshold, int window,
      long broadcastCandidates) {
    Column parts = split(col(TEXT), MinHash.PART, -1);
    Dataset<Row> responses = docs
        .select(col(DOC).as("record"), col(BLOCK), explode(slice(parts, 2, Integer.MAX_VALUE)).as("response"))
        .withColumn(DOC, sha2(concat_ws(MinHash.PART, col(BLOCK), col("response")), 256))
        .localCheckpoint();
    Dataset<Row> distinctResponses = responses.select(col(DOC), col(BLOCK), col("response").as(TEXT)).distinct()
        .localCheckpoint();
    Dataset<Row> responseClusters = clusters(pairs(distinctResponses, minHash, threshold, window));
    // The sorted clusters of a record's responses: records with the same responses up to near duplicates, in either
    // order, share the key.
    Column key = xxhash64(array_join(array_sort(collect_list(coalesce(col(CLUSTER), col(DOC)))), " "));
    Dataset<Row> keys = responses.join(responseClusters, new String[] {DOC}, "left")
        .groupBy("record").agg(key.as("key"))
        .localCheckpoint();
    Dataset<Row> keyed = docs.join(keys.withColumnRenamed("record", DOC), new String[] {DOC}, "left");
    return verified(keyed, array(coalesce(col("key"), lit(0L))), minHash, threshold, window, broadcastCandidates);
  }

  /**
   * The pairs of {@code docs} that share a band key ({@code keys}, an array column), within {@code window} of each
   * other in a bucket ordered by hash, whose similarity is at least {@code threshold}. Up to {@code
   * broadcastCandidates} candidate pairs, only their texts are shuffled for the check.
   */
  private static Dataset<Row> verified(Dataset<Row> docs, Column keys, MinHash minHash, double threshold,
      int window, long broadcastCandidates) {
    // A bucket is a 64-bit hash of the block and the band key, and holds 64-bit hashes of the ids, to keep the
    // shuffle of bands x docs rows small. Colliding hashes only add candidates: every candidate is checked on its
    // block and its texts.
    Dataset<Row> hashed = docs.select(col(DOC), col(BLOCK), col(TEXT), xxhash64(col(DOC)).as("h"), keys.as("keys"));
    Dataset<Row> members = hashed.select(col("h"), col(BLOCK), explode(col("keys")).as("band_key"))
        .select(xxhash64(col(BLOCK), col("band_key")).as("bucket"), col("h"))
        .repartition(col("bucket"))
        .sortWithinPartitions("bucket", "h");
    Dataset<Row> candidates = members
        .mapPartitions(new WindowPairs(window), Encoders.row(new StructType().add("ha", DataTypes.LongType, false)
            .add("hb", DataTypes.LongType, false)))
        .distinct()
        .localCheckpoint();
    Dataset<Row> texts = hashed.select("h", DOC, BLOCK, TEXT);
    if (candidates.count() <= broadcastCandidates) {
      // Most texts are in no candidate pair: with the candidates' hashes broadcast, only the texts of candidates
      // are shuffled for the check, not every text twice.
      Dataset<Row> wanted = candidates.select(col("ha").as("h")).union(candidates.select(col("hb").as("h")))
          .distinct();
      texts = texts.join(broadcast(wanted), new String[] {"h"}, "left_semi").localCheckpoint();
    }
    return candidates
        .join(texts.withColumnRenamed("h", "ha").withColumnRenamed(DOC, "doc_a").withColumnRenamed(BLOCK, "block_a")
            .withColumnRenamed(TEXT, "text_a"), "ha")
        .join(texts.withColumnRenamed("h", "hb").withColumnRenamed(DOC, "doc_b").withColumnRenamed(BLOCK, "block_b")
            .withColumnRenamed(TEXT, "text_b"), "hb")
        .filter(col("doc_a").notEqual(col("doc_b")).and(col("block_a").equalTo(col("block_b"))))
        .select(least(col("doc_a"), col("doc_b")).as(A), greatest(col("doc_a"), col("doc_b")).as(B),
            minHash.partsJaccard(col("text_a"), col("text_b")).as(SIMILARITY))
        .filter(col(SIMILARITY).geq(threshold))
        .distinct();
  }

  /** The most candidate pairs whose hashes are broadcast (16 bytes a pair at most, whatever the input's size). */
  static final long BROADCAST_CANDIDATES = 1_000_000;

  /**
   * The candidate pairs of bucket members sorted by bucket then hash: each member with each of the {@code window}
   * members before it in its bucket, so a bucket of thousands of near-identical texts costs members x window checks,
   * not members squared, and its members still chain into one cluster.
   */
  static final class WindowPairs implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final int window;

    WindowPairs(int window) {
      this.window = window;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> members) {
      return new Iterator<>() {
        /** The bucket's last {@code window} hashes before the current member, oldest first. */
        private final long[] previous = new long[window];
        private int held;
        private boolean started;
        private long bucket;
        /** The current member, paired in turn with previous[next], previous[next + 1] and so on. */
        private long h;
        private int next;
        private boolean pairing;

        @Override
        public boolean hasNext() {
          while (true) {
            if (pairing && next < held) {
              return true;
            }
            if (pairing) {
              remember(h);
              pairing = false;
            }
            if (!members.hasNext()) {
              return false;
            }
            Row member = members.next();
            if (!started || member.getLong(0) != bucket) {
              started = true;
              bucket = member.getLong(0);
              held = 0;
            }
            h = member.getLong(1);
            next = 0;
            pairing = true;
          }
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return RowFactory.create(previous[next++], h);
        }

        private void remember(long x) {
          if (held > 0 && previous[held - 1] == x) {
            return;
          }
          if (held == window) {
            System.arraycopy(previous, 1, previous, 0, window - 1);
            held--;
          }
          previous[held++] = x;
        }
      };
    }
  }

  /**
   * The shingles found in at least {@link #COMMON_SHARE} of the texts, and in at least {@link #MIN_COMMON} of them,
   * counted on a sample of about {@link #SAMPLE} texts drawn by a hash of their id (the same sample in every run).
   * At most (shingles per text) / share of them, whatever the number of texts. The floor keeps a small batch's few
   * near duplicates from making their own shingles common.
   */
  static long[] commonShingles(Dataset<Row> docs, MinHash minHash) {
    long count = docs.count();
    if (count == 0) {
      return new long[0];
    }
    long buckets = Math.max(1, Math.min(1000, 1000 * SAMPLE / count));
    Dataset<Row> sample = docs.filter(pmod(xxhash64(col(DOC)), lit(1000L)).lt(buckets));
    long sampled = sample.count();
    return sample.select(explode(minHash.shingles(col(TEXT))).as("shingle"))
        .groupBy("shingle").count()
        .filter(col("count").geq(Math.max(MIN_COMMON, (long) Math.ceil(COMMON_SHARE * sampled))))
        .select("shingle").collectAsList().stream().mapToLong(r -> r.getLong(0)).sorted().toArray();
  }

  /** A shingle in this share of the texts is left out of the band keys ({@link MinHash#bandKeys(String, long[])}). */
  static final double COMMON_SHARE = 0.05;
  /** The fewest texts a common shingle is found in. */
  static final long MIN_COMMON = 50;
  /** Texts sampled to find the common shingles. */
  static final long SAMPLE = 2_000;

  /**
   * Clusters of near duplicates, chains included (A~B, B~C): per doc of {@code pairs} ({@code a, b}) its {@code
   * cluster}, the smallest doc linked to it. The pairs are few next to the docs (most texts have no near duplicate),
   * so the components are found in one task by union-find; more than {@link #SINGLE_TASK_PAIRS} pairs are left to
   * label propagation in Spark, a few jobs per step of the longest chain.
   */
  public static Dataset<Row> clusters(Dataset<Row> pairs) {
    Dataset<Row> edges = pairs.select(col(A), col(B)).localCheckpoint();
    if (edges.count() > SINGLE_TASK_PAIRS) {
      return propagated(edges);
    }
    org.apache.spark.api.java.JavaRDD<Row> components = edges.repartition(1).javaRDD()
        .mapPartitions(Components::of);
    return pairs.sparkSession().createDataFrame(components, new StructType().add(DOC, DataTypes.StringType)
        .add(CLUSTER, DataTypes.StringType));
  }

  /** Above this many pairs, clusters are found by label propagation across the cluster rather than in one task. */
  static final long SINGLE_TASK_PAIRS = 5_000_000L;

  /** Label propagation: every doc takes the smallest label among itself and its neighbours until none changes. */
  static Dataset<Row> propagated(Dataset<Row> pairs) {
    Dataset<Row> edges = pairs.select(col(A).as("src"), col(B).as("dst"))
        .union(pairs.select(col(B).as("src"), col(A).as("dst")))
        .localCheckpoint();
    Dataset<Row> labels = edges.groupBy("src").agg(least(col("src"), min("dst")).as(CLUSTER))
        .withColumnRenamed("src", DOC).localCheckpoint();
    while (true) {
      Dataset<Row> next = edges.join(labels.withColumnRenamed(DOC, "dst"), "dst")
          .groupBy("src").agg(min(CLUSTER).as("via"))
          .join(labels.withColumnRenamed(DOC, "src"), "src")
          .select(col("src").as(DOC), least(col(CLUSTER), col("via")).as(CLUSTER), col(CLUSTER).as("before"))
          .localCheckpoint();
      labels = next.select(DOC, CLUSTER);
      if (next.filter(col(CLUSTER).notEqual(col("before"))).isEmpty()) {
        return labels;
      }
    }
  }
}
