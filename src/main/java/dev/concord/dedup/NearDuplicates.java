package dev.concord.dedup;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
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
  /** Optional column of docs: their band keys ({@link MinHash#bandKeys(String)}), kept from an earlier run. */
  public static final String KEYS = "band_keys";
  /**
   * Optional column of docs: whether the doc's pairs with other settled docs are known already (an earlier run
   * verified them), so that only pairs with an unsettled end are searched.
   */
  public static final String SETTLED = "settled";

  /**
   * Verified near-duplicate pairs of {@code docs} ({@code doc} unique, {@code block}, {@code doc_text}): texts of
   * one block only, {@code a < b}, similarity at least {@code threshold}. Candidates come from MinHash LSH on the
   * whole text, with the docs' {@code band_keys} where they have them. Docs with a {@code settled} column are not
   * paired when both are settled.
   */
  public static Dataset<Row> pairs(Dataset<Row> docs, MinHash minHash, double threshold, int window) {
    Column keys = List.of(docs.columns()).contains(KEYS) ? coalesce(col(KEYS), minHash.bandKeys(col(TEXT)))
        : minHash.bandKeys(col(TEXT));
    return verified(docs, keys, minHash.bands(), minHash, threshold, window, BROADCAST_CANDIDATES);
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
    return verified(keyed, array(coalesce(col("key"), lit(0L))), 1, minHash, threshold, window, broadcastCandidates);
  }

  /**
   * The pairs of {@code docs} that share a band key ({@code keys}, an array column of {@code bands} keys per
   * scheme), paired within each bucket as {@link WindowPairs} says, whose similarity is at least {@code threshold}.
   * Up to {@code broadcastCandidates} candidate pairs, only their texts are shuffled for the check.
   */
  private static Dataset<Row> verified(Dataset<Row> docs, Column keys, int bands, MinHash minHash, double threshold,
      int window, long broadcastCandidates) {
    // A bucket is a 64-bit hash of the block and the band key, and holds 64-bit hashes of the ids, to keep the
    // shuffle of bands x docs rows small. Colliding hashes only add candidates: every candidate is checked on its
    // block and its texts. A member also carries the key of the next band of its scheme, which splits a large
    // bucket (WindowPairs).
    // A settled doc's hash has its lowest bit set, so that a candidate pair of two settled docs is dropped before
    // its texts are fetched; the other docs' hashes have it clear. A collision costs a candidate, as before.
    boolean settling = List.of(docs.columns()).contains(SETTLED);
    Column h = settling ? xxhash64(col(DOC)).bitwiseAND(lit(~1L)).bitwiseOR(when(col(SETTLED), lit(1L))
        .otherwise(lit(0L))) : xxhash64(col(DOC));
    Dataset<Row> hashed = docs.select(col(DOC), col(BLOCK), col(TEXT), h.as("h"), keys.as("keys"));
    Column pos = col("pos");
    Column next = pos.minus(pmod(pos, lit(bands))).plus(pmod(pos.plus(1), lit(bands))).plus(1);
    Dataset<Row> members = hashed.select(col("h"), col(BLOCK), col("keys"), posexplode(col("keys")))
        .select(xxhash64(col(BLOCK), col("col")).as("bucket"), element_at(col("keys"), next).as("next"), col("h"));
    if (settling) {
      // A bucket of settled docs alone pairs only settled docs, whose pairs are known: when the unsettled docs are
      // few (a night's new prompts against everything published), only the buckets holding one are shuffled and
      // sorted, not every band of every published doc.
      Dataset<Row> open = members.filter(col("h").bitwiseAND(lit(1L)).equalTo(0L)).select("bucket");
      long unsettled = docs.filter(col(SETTLED).unary_$bang()).count();
      if (unsettled * 2L * bands <= BROADCAST_BUCKETS) {
        members = members.join(broadcast(open.distinct()), new String[] {"bucket"}, "left_semi");
      }
    }
    members = members
        .repartition(col("bucket"))
        .sortWithinPartitions("bucket", "next", "h");
    Dataset<Row> candidates = members
        .mapPartitions(new WindowPairs(window), Encoders.row(new StructType().add("ha", DataTypes.LongType, false)
            .add("hb", DataTypes.LongType, false)))
        .filter(settling ? col("ha").bitwiseAND(col("hb")).bitwiseAND(lit(1L)).equalTo(0L) : lit(true))
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

  /** The most buckets of unsettled docs broadcast to keep only theirs (8 bytes each, 32 MB at most). */
  static final long BROADCAST_BUCKETS = 4_000_000;

  /** The most candidate pairs whose hashes are broadcast (16 bytes a pair at most, whatever the input's size). */
  static final long BROADCAST_CANDIDATES = 1_000_000;

  /**
   * The candidate pairs of bucket members ({@code bucket, next, h}) sorted by bucket, next band key and hash. A
   * bucket of at most {@code window} members is paired in full, as LSH has it. A larger one is split by the members'
   * next band key, and each member is paired with the {@code window} members before it that share that key too: a
   * bucket of thousands of texts that share one band by chance (a template, a small vocabulary) costs no more than
   * members x window checks, while two near duplicates, which agree on most bands, still meet. Two texts at Jaccard
   * similarity J therefore meet in a band with probability at least J^(2 x rows), whatever the buckets' sizes: a pair
   * at 0.9 is missed by all 40 bands of 5 rows with probability at most 4e-8, at 0.97 below 1e-23. A window over
   * hashes alone in a large bucket would make that chance fall with the number of unrelated texts in the bucket.
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
        private final ArrayDeque<Row> out = new ArrayDeque<>();
        private long bucket;
        /** The bucket's first members, until it has more than {@code window}: then it is split. */
        private final long[] headNext = new long[window + 1];
        private final long[] headH = new long[window + 1];
        private int headSize;
        private boolean split;
        /** In a split bucket: the current next band key, and the last members sharing it, oldest first. */
        private long runNext;
        private final long[] run = new long[window];
        private int runSize;
        private boolean ended;

        @Override
        public boolean hasNext() {
          while (out.isEmpty() && members.hasNext()) {
            Row m = members.next();
            accept(m.getLong(0), m.getLong(1), m.getLong(2));
          }
          if (out.isEmpty() && !ended) {
            ended = true;
            endBucket();
          }
          return !out.isEmpty();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return out.poll();
        }

        private void accept(long b, long next, long h) {
          if (b != bucket) {
            endBucket();
            bucket = b;
          }
          if (split) {
            inRun(next, h);
            return;
          }
          headNext[headSize] = next;
          headH[headSize++] = h;
          if (headSize > window) {
            split = true;
            for (int i = 0; i < headSize; i++) {
              inRun(headNext[i], headH[i]);
            }
          }
        }

        private void endBucket() {
          if (!split) {
            for (int i = 0; i < headSize; i++) {
              for (int j = i + 1; j < headSize; j++) {
                emit(headH[i], headH[j]);
              }
            }
          }
          headSize = 0;
          split = false;
          runSize = 0;
        }

        private void inRun(long next, long h) {
          if (runSize > 0 && next != runNext) {
            runSize = 0;
          }
          runNext = next;
          for (int i = 0; i < runSize; i++) {
            emit(run[i], h);
          }
          if (runSize == window) {
            System.arraycopy(run, 1, run, 0, window - 1);
            runSize--;
          }
          run[runSize++] = h;
        }

        private void emit(long x, long y) {
          if (x != y) {
            out.add(RowFactory.create(Math.min(x, y), Math.max(x, y)));
          }
        }
      };
    }
  }

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
