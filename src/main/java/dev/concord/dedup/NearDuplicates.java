package dev.concord.dedup;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
   * one block only, {@code a < b}, similarity at least {@code threshold}.
   */
  public static Dataset<Row> pairs(Dataset<Row> docs, MinHash minHash, double threshold, int window) {
    Dataset<Row> buckets = docs
        .select(col(DOC), col(BLOCK), explode(minHash.bandKeys(col(TEXT))).as("band_key"))
        .groupBy(BLOCK, "band_key").agg(array_sort(collect_set(DOC)).as("docs"))
        .filter(size(col("docs")).gt(1));
    Column ids = col("docs");
    Column n = size(ids);
    Column inWindow = flatten(transform(sequence(lit(1), n.minus(1)), i ->
        transform(sequence(i.plus(1), least(n, i.plus(window))), j ->
            struct(element_at(ids, i).as(A), element_at(ids, j).as(B)))));
    Dataset<Row> candidates = buckets.select(explode(inWindow).as("p")).select("p.a", "p.b").distinct();
    Dataset<Row> texts = docs.select(DOC, TEXT);
    return candidates
        .join(texts.withColumnRenamed(DOC, A).withColumnRenamed(TEXT, "text_a"), A)
        .join(texts.withColumnRenamed(DOC, B).withColumnRenamed(TEXT, "text_b"), B)
        .select(col(A), col(B), minHash.partsJaccard(col("text_a"), col("text_b")).as(SIMILARITY))
        .filter(col(SIMILARITY).geq(threshold));
  }

  /**
   * The cluster of every doc that has a pair: the smallest doc id reachable through pairs. Minimum-label
   * propagation, one hop per round, until no label changes; the rounds are bounded by the longest chain.
   */
  public static Dataset<Row> clusters(Dataset<Row> pairs) {
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
