package dev.concord.dedup;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.config.ConcordConfig;
import dev.concord.config.ConcordConfig.DedupSettings;
import dev.concord.config.ConcordConfig.SplitSettings;
import dev.concord.config.Projects;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Which candidate records are published, and what became of the rest. In order:
 * <ol>
 *   <li>records whose prompt is, or is a near duplicate of, an evaluation prompt are removed ({@code
 *       decontaminated});
 *   <li>a comparison resolved both ways on different items is settled ({@link Contradictions});
 *   <li>records with the same normalised content are one record ({@code exact});
 *   <li>records whose whole texts are near duplicates are one record ({@code near}), clusters linked through chains.
 * </ol>
 * The keeper of a group is the record with the highest agreement, then the most annotators, then the smallest id,
 * then the smallest item id: never partition or input order. Every removed record names the published record it
 * went into ({@code record_id}), where its lineage moves. The split is drawn per prompt cluster, so a prompt and
 * its near duplicates always share it.
 */
public final class Dedup {
  private Dedup() {}

  /**
   * What dedup reads of the configuration: what counts as a duplicate, the split, and each project's consensus
   * threshold (for contradictions).
   */
  public record Settings(DedupSettings dedup, SplitSettings split, Projects projects) {
    public static Settings of(ConcordConfig config) {
      return new Settings(config.dedup(), config.split(), config.perProject());
    }
  }

  public static final String TRAIN = "train";
  public static final String TEST = "test";
  static final long BUCKETS = 1_000_000L;
  /**
   * The join hint for a narrow table joined to texts: a shuffled hash join keeps the narrow side in a hash table and
   * streams the texts past it, where a sort-merge join would sort both, texts and all.
   */
  public static final String SHUFFLE_HASH = "shuffle_hash";

  /** What became of a candidate record: published, or the kind of its removal. */
  public static final String FATE = "dedup_fate";
  public static final String PUBLISHED = "published";
  public static final String EXACT = "exact";
  public static final String NEAR = "near";
  public static final String DECONTAMINATED = "decontaminated";
  /** A new record whose prompt cluster links prompts published in both splits. */
  public static final String HELD_OUT = "held_out";
  /** Per prompt key: the split it was published in, null if never. */
  public static final String PINNED_SPLIT = "pinned_split";
  static final String CLUSTER_SPLIT = "cluster_split";
  static final String SPLIT_CONFLICT = "split_conflict";
  /** A published record; the keeper of its group. */
  public static final String KEEPER = "keeper";
  /** Internal: the prompt cluster, the smallest prompt key linked to the record's prompt. */
  public static final String PROMPT_CLUSTER = "prompt_cluster";
  public static final String CONTAMINATED = "contaminated";
  static final String KEEPER_ITEM = "keeper_item";

  /**
   * The prompt clusters of {@code prompts} ({@code prompt_key}, {@code doc_text}, {@code eval}: whether it is an
   * evaluation prompt): per prompt key its {@code prompt_cluster}, whether the cluster holds an evaluation prompt,
   * and the detail of that match.
   */
  public static Dataset<Row> promptClusters(Dataset<Row> prompts, DedupSettings settings) {
    return promptClusters(prompts, null, settings);
  }

  /**
   * As {@link #promptClusters(Dataset, ConcordConfig)}, with the prompts published so far and their splits
   * ({@code pins}: {@code prompt_key, doc_text, split}; null for none) clustered too: {@link #promptDocs}, {@link
   * #promptPairs} and {@link #promptClusters(Dataset, Dataset, Dataset, ConcordConfig)} in one, every pair searched.
   */
  public static Dataset<Row> promptClusters(Dataset<Row> prompts, Dataset<Row> pins, DedupSettings settings) {
    Dataset<Row> docs = promptDocs(prompts, pins, settings).localCheckpoint();
    return promptClusters(docs, promptPairs(docs, null, settings).localCheckpoint(), pins);
  }

  /**
   * The prompts to cluster, once each: {@code prompts} ({@code prompt_key, doc_text, eval}) and the prompts
   * published so far ({@code pins}: {@code prompt_key, doc_text, split}, optionally {@code band_keys}; null for
   * none), as {@code doc, block, doc_text, eval}, with {@code band_keys} (the pins' own where they have them, so that
   * a published prompt is not shingled again) and {@code settled}: whether the prompt is published.
   */
  public static Dataset<Row> promptDocs(Dataset<Row> prompts, Dataset<Row> pins, DedupSettings settings) {
    Dataset<Row> own = prompts.select(col(Col.PROMPT_KEY), col(NearDuplicates.TEXT), col("eval"),
        lit(null).cast(KEYS_TYPE).as(NearDuplicates.KEYS), lit(false).as(NearDuplicates.SETTLED));
    Dataset<Row> all = pins == null ? own : own.unionByName(pins.select(col(Col.PROMPT_KEY),
        col(NearDuplicates.TEXT), lit(false).as("eval"), (List.of(pins.columns()).contains(NearDuplicates.KEYS)
            ? col(NearDuplicates.KEYS) : lit(null).cast(KEYS_TYPE)).as(NearDuplicates.KEYS),
        lit(true).as(NearDuplicates.SETTLED)));
    MinHash minHash = new MinHash(settings);
    return all.groupBy(Col.PROMPT_KEY)
        .agg(first(NearDuplicates.TEXT).as(NearDuplicates.TEXT), max(col("eval")).as("eval"),
            first(NearDuplicates.KEYS, true).as(NearDuplicates.KEYS),
            max(col(NearDuplicates.SETTLED)).as(NearDuplicates.SETTLED))
        .select(col(Col.PROMPT_KEY).as(NearDuplicates.DOC), lit("prompt").as(NearDuplicates.BLOCK),
            col(NearDuplicates.TEXT), col("eval"),
            coalesce(col(NearDuplicates.KEYS), minHash.bandKeys(col(NearDuplicates.TEXT))).as(NearDuplicates.KEYS),
            col(NearDuplicates.SETTLED));
  }

  private static final String KEYS_TYPE = "array<bigint>";

  /**
   * The verified near-duplicate pairs ({@code a, b, similarity}) of {@link #promptDocs}: {@code known}, the pairs
   * between published prompts an earlier run verified with the same settings, and the search for every pair with an
   * unpublished end; with {@code known} null, every pair is searched.
   */
  public static Dataset<Row> promptPairs(Dataset<Row> docs, Dataset<Row> known, DedupSettings s) {
    MinHash minHash = new MinHash(s);
    if (known == null) {
      return NearDuplicates.pairs(docs.withColumn(NearDuplicates.SETTLED, lit(false)), minHash,
          s.jaccardThreshold(), s.bucketWindow());
    }
    Dataset<Row> settled = docs.filter(col(NearDuplicates.SETTLED)).select(NearDuplicates.DOC);
    return NearDuplicates.pairs(docs, minHash, s.jaccardThreshold(), s.bucketWindow())
        .unionByName(known.select(NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY)
            .join(settled.withColumnRenamed(NearDuplicates.DOC, NearDuplicates.A), NearDuplicates.A)
            .join(settled.withColumnRenamed(NearDuplicates.DOC, NearDuplicates.B), NearDuplicates.B)
            .select(NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY));
  }

  /**
   * Per prompt key of {@link #promptDocs} ({@code docs}), given their verified {@code pairs}: its {@code
   * prompt_cluster}, whether the cluster holds an evaluation prompt and the detail of that match, its own pinned split
   * ({@code pinned_split}, from {@code pins}), the one split pinned in its cluster ({@code cluster_split}), and
   * whether its cluster holds prompts pinned to both splits ({@code split_conflict}). Published prompts are
   * clustered with the others, so that a new prompt near a published one meets it even when the published one's
   * items are gone (an exclusion, say).
   */
  public static Dataset<Row> promptClusters(Dataset<Row> docs, Dataset<Row> pairs, Dataset<Row> pins) {
    Dataset<Row> pinned = pins != null ? pins.select(col(Col.PROMPT_KEY), col(Col.SPLIT).as(PINNED_SPLIT))
        : docs.sparkSession().createDataFrame(List.of(), new org.apache.spark.sql.types.StructType()
            .add(Col.PROMPT_KEY, "string").add(PINNED_SPLIT, "string"));
    Dataset<Row> clusters = NearDuplicates.clusters(pairs);
    Dataset<Row> evalDocs = docs.filter(col("eval")).select(NearDuplicates.DOC);
    // The closest direct match with an evaluation prompt, for the audit; a prompt linked only through a chain has
    // none and says so.
    Dataset<Row> direct = pairs.join(evalDocs.withColumnRenamed(NearDuplicates.DOC, NearDuplicates.B), NearDuplicates.B)
        .select(col(NearDuplicates.A).as(NearDuplicates.DOC), col(NearDuplicates.SIMILARITY))
        .union(pairs.join(evalDocs.withColumnRenamed(NearDuplicates.DOC, NearDuplicates.A), NearDuplicates.A)
            .select(col(NearDuplicates.B).as(NearDuplicates.DOC), col(NearDuplicates.SIMILARITY)))
        .groupBy(NearDuplicates.DOC).agg(max(NearDuplicates.SIMILARITY).as("eval_similarity"));
    WindowSpec cluster = Window.partitionBy(PROMPT_CLUSTER);
    Column clusterPins = array_sort(collect_set(col(PINNED_SPLIT)).over(cluster));
    return docs.select(NearDuplicates.DOC, "eval").join(clusters, new String[] {NearDuplicates.DOC}, "left")
        .join(direct, new String[] {NearDuplicates.DOC}, "left")
        .join(pinned.withColumnRenamed(Col.PROMPT_KEY, NearDuplicates.DOC), new String[] {NearDuplicates.DOC}, "left")
        .withColumn(PROMPT_CLUSTER, coalesce(col(NearDuplicates.CLUSTER), col(NearDuplicates.DOC)))
        .withColumn(CONTAMINATED, max(col("eval")).over(cluster))
        .withColumn("cluster_pins", clusterPins)
        .select(col(NearDuplicates.DOC).as(Col.PROMPT_KEY), col(PROMPT_CLUSTER), col(CONTAMINATED),
            col(PINNED_SPLIT), when(size(col("cluster_pins")).equalTo(1), element_at(col("cluster_pins"), 1))
                .as(CLUSTER_SPLIT), size(col("cluster_pins")).gt(1).as(SPLIT_CONFLICT),
            when(col("eval"), lit(1.0)).otherwise(col("eval_similarity")).as("eval_similarity"),
            when(col("eval"), lit("its prompt is an evaluation prompt"))
                .when(col("eval_similarity").isNotNull(), concat(lit("its prompt is a near duplicate (Jaccard "),
                    format_number(col("eval_similarity"), 3), lit(") of an evaluation prompt")))
                .when(col(CONTAMINATED), lit("its prompt is linked to an evaluation prompt through a chain of near"
                    + " duplicates"))
                .as("eval_detail"));
  }

  /**
   * Adds {@code id}, {@code dedup_fate}, {@code record_id} (the published record it ends in, null when it ends in
   * none), {@code similarity}, {@code detail}, {@code keeper}, {@code merged_count} and {@code split} to candidate
   * records ({@code candidate, record_table, item_id, project, task_type, agreement, annotator_count, agreed_count,
   * resolution, key, prompt_key, comparison_key, direction, chosen_response_id, rejected_response_id, response_id,
   * submission_id, block}); {@code prompts} is {@link #promptClusters}, and {@code docTexts} adds {@code doc_text} to
   * the records that must be compared on their texts. {@link #settle}, {@link #recordPairs} and {@link #place} in
   * one, every pair searched.
   */
  public static Dataset<Row> apply(Dataset<Row> candidates, Dataset<Row> prompts,
      UnaryOperator<Dataset<Row>> docTexts, Settings settings) {
    Dataset<Row> settled = settle(candidates, prompts, settings).localCheckpoint();
    Dataset<Row> pairs = recordPairs(settled, docTexts, null, settings.dedup()).localCheckpoint();
    return place(candidates, settled, pairs, docTexts, settings);
  }

  /**
   * The decisions made on the narrow columns alone: per candidate its {@code id}, its prompt cluster and split pins,
   * and its {@code dedup_fate} so far (decontaminated, held out, a contradiction settled, or an exact duplicate; null
   * for the records the near-duplicate search may still merge), {@code exact_rank} 1 for the first of its content.
   */
  public static Dataset<Row> settle(Dataset<Row> candidates, Dataset<Row> prompts, Settings settings) {
    Dataset<Row> c = candidates.select(col(Resolve.CANDIDATE), col(Col.RECORD_TABLE), col(Col.ITEM_ID),
            col(Col.PROJECT), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT), col(Col.AGREED_COUNT),
            col(Col.RESOLUTION), col(Col.KEY), col(Col.PROMPT_KEY), col(Contradictions.COMPARISON_KEY),
            col(Contradictions.DIRECTION), col(Col.CHOSEN_RESPONSE_ID), col(Col.REJECTED_RESPONSE_ID),
            col(Col.RESPONSE_ID), col(Col.SUBMISSION_ID), col(NearDuplicates.BLOCK))
        .withColumn(Col.ID, substring(col(Col.KEY), 1, 32))
        .join(prompts, new String[] {Col.PROMPT_KEY}, "left")
        .withColumn(CONTAMINATED, coalesce(col(CONTAMINATED), lit(false)))
        // A new prompt whose cluster holds prompts published in both splits would leak into either: held out.
        .withColumn(HELD_OUT, coalesce(col(SPLIT_CONFLICT), lit(false)).and(col(PINNED_SPLIT).isNull())
            .and(col(CONTAMINATED).unary_$bang()));

    Dataset<Row> settled = Contradictions.settle(c.filter(col(CONTAMINATED).unary_$bang()
            .and(col(HELD_OUT).unary_$bang())), settings.projects())
        .unionByName(c.filter(col(CONTAMINATED)).withColumn(FATE, lit(DECONTAMINATED))
            .withColumn(Contradictions.WINNER_ID, lit(null).cast("string"))
            .withColumn(Col.DETAIL, col("eval_detail")), true)
        .unionByName(c.filter(col(HELD_OUT)).withColumn(FATE, lit(HELD_OUT))
            .withColumn(Contradictions.WINNER_ID, lit(null).cast("string"))
            .withColumn(Col.DETAIL, lit("its prompt is a near duplicate of prompts published in both train and test"
                + " (directly or through a chain): published in either split it would leak into the other")), true);

    WindowSpec sameContent = Window.partitionBy(Col.RECORD_TABLE, Col.KEY).orderBy(order());
    return settled
        .withColumn(EXACT_RANK, when(col(FATE).isNull(), row_number().over(sameContent)))
        .withColumn(FATE, when(col(EXACT_RANK).gt(1), lit(EXACT)).otherwise(col(FATE)));
  }

  /** Column of {@link #settle}: 1 for the first record of its content, null for a record already decided. */
  static final String EXACT_RANK = "exact_rank";

  /** Columns of {@link #recordPairs}: a block of compared records, how many it holds, and a hash of their ids. */
  public static final String RECORDS_IN_BLOCK = "records_in_block";
  public static final String BLOCK_HASH = "block_hash";

  /**
   * The verified near-duplicate pairs between the records of {@link #settle} that share a block and a prompt cluster
   * with another record (a near duplicate's prompt is a near duplicate too, so only those are compared, and only
   * within their block): {@code block, records_in_block, block_hash, a, b, similarity}, with one row of null pair
   * for each block without one. A block's pairs depend on its records' contents alone, and a record's id is its
   * content: so a block of {@code known} (an earlier run's result, with the same settings) holding the same ids
   * keeps its pairs, and only the blocks with a new record are joined to their texts and searched.
   */
  public static Dataset<Row> recordPairs(Dataset<Row> settled, UnaryOperator<Dataset<Row>> docTexts,
      Dataset<Row> known, DedupSettings s) {
    Dataset<Row> members = compared(settled).localCheckpoint();
    Column[] signature = {col(NearDuplicates.BLOCK), col(RECORDS_IN_BLOCK), col(BLOCK_HASH)};
    Dataset<Row> blocks = members.groupBy(NearDuplicates.BLOCK).agg(count(lit(1)).as(RECORDS_IN_BLOCK),
        bit_xor(xxhash64(col(Col.ID))).as(BLOCK_HASH));
    Dataset<Row> search = members;
    Dataset<Row> reused = null;
    if (known != null) {
      Dataset<Row> same = blocks.join(known.select(signature).distinct(),
          new String[] {NearDuplicates.BLOCK, RECORDS_IN_BLOCK, BLOCK_HASH}, "left_semi");
      search = members.join(same.select(NearDuplicates.BLOCK), new String[] {NearDuplicates.BLOCK}, "left_anti");
      reused = known.filter(col(NearDuplicates.A).isNotNull())
          .join(same, new String[] {NearDuplicates.BLOCK, RECORDS_IN_BLOCK, BLOCK_HASH}, "left_semi")
          .select(NearDuplicates.BLOCK, NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY);
    }
    Dataset<Row> docs = docTexts.apply(search).select(col(Col.ID).as(NearDuplicates.DOC), col(NearDuplicates.BLOCK),
        col(NearDuplicates.TEXT)).localCheckpoint();
    Dataset<Row> found = NearDuplicates.recordPairs(docs, new MinHash(s), s.jaccardThreshold(), s.bucketWindow())
        .join(search.select(col(Col.ID).as(NearDuplicates.A), col(NearDuplicates.BLOCK)), NearDuplicates.A)
        .select(NearDuplicates.BLOCK, NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY);
    Dataset<Row> pairs = reused == null ? found : found.unionByName(reused);
    return blocks.join(pairs, new String[] {NearDuplicates.BLOCK}, "left")
        .select(col(NearDuplicates.BLOCK), col(RECORDS_IN_BLOCK), col(BLOCK_HASH), col(NearDuplicates.A),
            col(NearDuplicates.B), col(NearDuplicates.SIMILARITY));
  }

  /**
   * The records of {@link #settle} compared on their texts, each once: the first of its content, in a block (its
   * table, or table and label) and prompt cluster with another record; {@code block} names both.
   */
  private static Dataset<Row> compared(Dataset<Row> settled) {
    WindowSpec sameCluster = Window.partitionBy(NearDuplicates.BLOCK, PROMPT_CLUSTER);
    return settled.filter(col(EXACT_RANK).equalTo(1))
        .withColumn("cluster_records", count(lit(1)).over(sameCluster))
        .filter(col("cluster_records").gt(1))
        .drop("cluster_records")
        .withColumn(NearDuplicates.BLOCK, concat_ws("\u001f", col(NearDuplicates.BLOCK), col(PROMPT_CLUSTER)));
  }

  /**
   * The records of {@link #apply}, from {@code candidates}, their {@link #settle}d fates and the {@link #recordPairs}
   * of their blocks: near-duplicate clusters keep their best record, and each removed record names where it went.
   * Only the records in a near-duplicate cluster are joined to their texts (for the similarity to their keeper).
   */
  public static Dataset<Row> place(Dataset<Row> candidates, Dataset<Row> settled, Dataset<Row> recordPairs,
      UnaryOperator<Dataset<Row>> docTexts, Settings settings) {
    DedupSettings s = settings.dedup();
    MinHash minHash = new MinHash(s);
    Dataset<Row> clusters = NearDuplicates.clusters(recordPairs.filter(col(NearDuplicates.A).isNotNull())
        .select(NearDuplicates.A, NearDuplicates.B, NearDuplicates.SIMILARITY));
    // Pairs join only compared records, each the first of its content: no need to work out which were compared.
    Dataset<Row> clustered = settled.filter(col(EXACT_RANK).equalTo(1))
        .join(clusters.withColumnRenamed(NearDuplicates.DOC, Col.ID), Col.ID);
    Dataset<Row> docs = docTexts.apply(clustered).select(col(Col.ID).as(NearDuplicates.DOC),
        col(NearDuplicates.TEXT), col(Col.AGREEMENT), col(Col.ANNOTATOR_COUNT), col(Col.ITEM_ID),
        col(NearDuplicates.CLUSTER));
    WindowSpec byCluster = Window.partitionBy(NearDuplicates.CLUSTER).orderBy(col(Col.AGREEMENT).desc(),
        col(Col.ANNOTATOR_COUNT).desc(), col(NearDuplicates.DOC).asc(), col(Col.ITEM_ID).asc());
    // final_id: the published record each surviving content ends in, its own or its near cluster's keeper's.
    Dataset<Row> finalIds = docs
        .withColumn("final_id", first(NearDuplicates.DOC).over(byCluster))
        .withColumn("final_text", first(NearDuplicates.TEXT).over(byCluster))
        .withColumn("final_item", first(Col.ITEM_ID).over(byCluster))
        .filter(col("final_id").notEqual(col(NearDuplicates.DOC)))
        .select(col(NearDuplicates.DOC).as("from_id"), col("final_id"), col("final_item"),
            minHash.partsJaccard(col(NearDuplicates.TEXT), col("final_text")).as("near_similarity"));

    Column target = when(col(FATE).isNull().or(col(FATE).equalTo(EXACT)), col(Col.ID))
        .when(col(FATE).equalTo(Contradictions.CONTRADICTION), col(Contradictions.WINNER_ID));
    Dataset<Row> placed = settled.withColumn("from_id", target)
        .join(finalIds, new String[] {"from_id"}, "left")
        .withColumn(FATE, when(col(FATE).isNull().and(col("final_id").isNotNull()), lit(NEAR))
            .when(col(FATE).isNull(), lit(PUBLISHED)).otherwise(col(FATE)))
        .withColumn(Col.RECORD_ID, coalesce(col("final_id"), col("from_id")));

    WindowSpec sameRecord = Window.partitionBy(Col.RECORD_TABLE, Col.RECORD_ID);
    WindowSpec sameContentAll = Window.partitionBy(Col.RECORD_TABLE, Col.KEY).orderBy(order());
    Column threshold = format_number(lit(s.jaccardThreshold()), 2);
    Dataset<Row> decided = placed
        .withColumn(KEEPER, col(FATE).equalTo(PUBLISHED))
        .withColumn(Col.MERGED_COUNT, when(col(Col.RECORD_ID).isNull(), lit(0))
            .otherwise(count(lit(1)).over(sameRecord).minus(1)).cast("int"))
        .withColumn(KEEPER_ITEM, first(Col.ITEM_ID).over(sameContentAll))
        .withColumn(Col.SIMILARITY, when(col(FATE).equalTo(NEAR).or(col(FATE).equalTo(EXACT)
                .and(col("final_id").isNotNull())), col("near_similarity"))
            .when(col(FATE).equalTo(DECONTAMINATED), col("eval_similarity"))
            .when(col(FATE).equalTo(HELD_OUT), lit(null).cast("double"))
            .when(col(FATE).equalTo(PUBLISHED), lit(null).cast("double"))
            .otherwise(lit(1.0)))
        .withColumn(Col.DETAIL, when(col(FATE).equalTo(EXACT).and(col("final_id").isNull()),
                concat(lit("same normalised content as the record kept from item '"), col(KEEPER_ITEM),
                    lit("', which has the higher agreement, more annotators or the smaller id")))
            .when(col(FATE).isin(NEAR, EXACT), concat(lit("near duplicate of the record kept from item '"),
                col("final_item"), lit("' (Jaccard "), format_number(col("near_similarity"), 3),
                when(col("near_similarity").geq(s.jaccardThreshold()), lit(""))
                    .otherwise(concat(lit(", linked through near duplicates each at least "), threshold)),
                lit("), which has the higher agreement, more annotators or the smaller id")))
            .otherwise(col(Col.DETAIL)))
        // A published prompt keeps its split; a new one takes its cluster's published split, else a fresh draw.
        .withColumn(Col.SPLIT, coalesce(col(PINNED_SPLIT), col(CLUSTER_SPLIT),
            split(col(PROMPT_CLUSTER), settings.split().testShare(), settings.split().salt())))
        .select(col(Resolve.CANDIDATE), col(Col.ID), col(FATE), col(Col.RECORD_ID), col(Col.SIMILARITY),
            col(Col.DETAIL), col(KEEPER), col(Col.MERGED_COUNT), col(Col.SPLIT), col(PROMPT_CLUSTER),
            col("review_votes"));
    return candidates.join(decided.hint(SHUFFLE_HASH), Resolve.CANDIDATE);
  }

  /** The documented keeper order: highest agreement, most annotators, smallest id, smallest item id. */
  private static Column[] order() {
    return new Column[] {col(Col.AGREEMENT).desc(), col(Col.ANNOTATOR_COUNT).desc(), col(Col.ID).asc(),
        col(Col.ITEM_ID).asc(), col(Resolve.CANDIDATE).asc()};
  }

  /** The split of a prompt cluster: a salted hash of its key in [0, 1), test below the share. */
  public static Column split(Column promptCluster, double testShare, String salt) {
    Column bucket = pmod(xxhash64(lit(salt), promptCluster), lit(BUCKETS));
    return when(bucket.lt(lit((long) Math.round(testShare * BUCKETS))), lit(TEST)).otherwise(lit(TRAIN));
  }

  /** The {@code duplicates} audit table: every candidate record not published, and why. */
  public static Dataset<Row> duplicates(Dataset<Row> deduped) {
    return deduped.filter(col(KEEPER).unary_$bang()).select(col(Col.RECORD_TABLE),
        col(Col.RECORD_ID).as(Col.KEPT_ID), col(Col.ID).as(Col.REMOVED_ID), col(Col.ITEM_ID).as(Col.REMOVED_ITEM_ID),
        col(Resolve.CANDIDATE).as(Col.REMOVED_KEY), col(FATE).as(Col.KIND), col(Col.SIMILARITY),
        col(Col.DETAIL).as(Col.REASON));
  }
}
