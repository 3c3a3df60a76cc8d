package dev.concord.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.config.ConcordConfig;
import dev.concord.dataset.Records;
import dev.concord.ingest.Ingest;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class DedupTest {
  static final ConcordConfig CONFIG = ConcordConfig.load(Path.of("conf/concord.yaml"));

  static final StructType ITEM = new StructType().add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.PROMPT, Ingest.MESSAGES).add(Col.RESPONSES, DataTypes.createArrayType(new StructType()
          .add(Col.RESPONSE_ID, DataTypes.StringType).add(Col.TEXT, DataTypes.StringType)
          .add(Col.MODEL, DataTypes.StringType)));
  static final StructType CANDIDATE = new StructType().add(Resolve.CANDIDATE, DataTypes.StringType)
      .add(Col.RECORD_TABLE, DataTypes.StringType).add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.CHOSEN_RESPONSE_ID, DataTypes.StringType).add(Col.REJECTED_RESPONSE_ID, DataTypes.StringType)
      .add(Col.LABEL, DataTypes.StringType).add(Col.RESPONSE_ID, DataTypes.StringType)
      .add(Col.RESOLUTION, DataTypes.StringType).add(Col.AGREEMENT, DataTypes.DoubleType)
      .add(Col.ANNOTATOR_COUNT, DataTypes.IntegerType).add(Col.AGREED_COUNT, DataTypes.IntegerType)
      .add(Col.ANNOTATORS, DataTypes.createArrayType(DataTypes.StringType)).add(Col.MARGIN, DataTypes.DoubleType);

  static final String[] WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike"
      + " november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basil cedar"
      + " dune ember fjord grove harbor islet jasper kelp lagoon meadow nectar orchid pebble quartz reef").split(" ");

  /** A text of random words, about {@code chars} long. */
  static String words(SplittableRandom rnd, int chars) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < chars) {
      sb.append(sb.length() == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }

  /** The text with {@code n} of its words replaced. */
  static String changeWords(String text, int n, SplittableRandom rnd) {
    String[] w = text.split(" ");
    for (int i = 0; i < n; i++) {
      w[rnd.nextInt(w.length)] = "changed" + rnd.nextInt(1000);
    }
    return String.join(" ", w);
  }

  static Row item(String id, String prompt, String r1, String r2) {
    return RowFactory.create(id, List.of(RowFactory.create("user", prompt)),
        List.of(RowFactory.create("r1", r1, "m1"), RowFactory.create("r2", r2, "m2")));
  }

  /** A preference candidate of {@code item}: chosen over rejected, with its evidence. */
  static Row pref(String item, String chosen, String rejected, String resolution, double agreement, int n, int agreed) {
    return RowFactory.create(String.join("\u001f", "preferences", item, chosen, rejected), "preferences", item, "p",
        "pairwise", chosen, rejected, null, null, resolution, agreement, n, agreed, List.of(), agreement);
  }

  static final Dataset<Row> NO_COMPLETIONS = SparkTest.spark().createDataFrame(List.of(), Records.COMPLETIONS);

  static Dataset<Row> items(List<Row> rows) {
    return SparkTest.spark().createDataFrame(rows, ITEM)
        .withColumn(Records.PROMPT_TEXT, Records.promptText(col(Col.PROMPT), false))
        .withColumn(Col.PROMPT_KEY, sha2(col(Records.PROMPT_TEXT), 256));
  }

  /** Candidates through Records and Dedup, as the job does; {@code evalPrompts} are user prompts. */
  static Dataset<Row> dedup(List<Row> itemRows, List<Row> candidates, List<String> evalPrompts) {
    return dedup(itemRows, candidates, evalPrompts, null);
  }

  /** Prompts published by earlier versions, each with its split, as the submission store pins them. */
  static Dataset<Row> pins(Map<String, String> splitByPrompt) {
    Dataset<Row> out = null;
    for (Map.Entry<String, String> e : splitByPrompt.entrySet()) {
      Dataset<Row> one = items(List.of(item("pinned", e.getKey(), "", ""))).select(col(Col.PROMPT_KEY),
          col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT), lit(e.getValue()).as(Col.SPLIT));
      out = out == null ? one : out.unionByName(one);
    }
    return out;
  }

  static Dataset<Row> dedup(List<Row> itemRows, List<Row> candidates, List<String> evalPrompts, Dataset<Row> pins) {
    Dataset<Row> items = items(itemRows);
    Dataset<Row> judged = Records.judged(SparkTest.spark().createDataFrame(candidates, CANDIDATE), items, false);
    Dataset<Row> prompts = items.select(col(Col.PROMPT_KEY), col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT),
        lit(false).as("eval"));
    if (!evalPrompts.isEmpty()) {
      Dataset<Row> eval = items(evalPrompts.stream().map(p -> item("eval", p, "", "")).toList());
      prompts = prompts.unionByName(eval.select(col(Col.PROMPT_KEY), col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT),
          lit(true).as("eval")));
    }
    return Dedup.apply(judged, Dedup.promptClusters(prompts, pins, CONFIG.dedup()),
        docs -> Records.docTexts(docs, items, NO_COMPLETIONS, false), Dedup.Settings.of(CONFIG)).cache();
  }

  static Row only(Dataset<Row> out, String item) {
    List<Row> rows = out.filter(col(Col.ITEM_ID).equalTo(item)).collectAsList();
    assertEquals(1, rows.size(), item);
    return rows.get(0);
  }

  @Test
  void normalisationIsNfkcAndWhitespace() {
    assertEquals("fi 2 x", Normalize.text("  \uFB01\u00A02\t\n x "));
  }

  /** Texts that skip the normaliser come out as the normaliser would leave them. */
  @Test
  void theAsciiShortcutAgreesWithTheNormaliser() {
    java.util.regex.Pattern space = java.util.regex.Pattern.compile("\\s+",
        java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
    char[] alphabet = {'a', 'Z', '7', '.', ' ', ' ', '\t', '\n', '\r', '\u000B', '\f', '\u001C', '\u007F', '\u0085',
        '\u00A0', '\uFB01', '\u3000'};
    SplittableRandom rnd = new SplittableRandom(5);
    int shortcuts = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = rnd.nextInt(8);
      for (int j = 0; j < n; j++) {
        b.append(alphabet[rnd.nextInt(i % 2 == 0 ? 4 : alphabet.length)]);
      }
      String s = b.toString();
      String expected = space.matcher(java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC))
          .replaceAll(" ").trim();
      assertEquals(expected, Normalize.text(s), () -> "text " + s.chars().boxed().toList());
      shortcuts += Normalize.isNormalAscii(s) ? 1 : 0;
    }
    assertTrue(shortcuts > 5_000, "texts taking the shortcut: " + shortcuts);
  }

  @Test
  void ignoreCaseFoldsCaseForKeysAndPrompts() {
    Dataset<Row> items = SparkTest.spark().createDataFrame(List.of(item("i1", "Reverse a List", "Use X", "No"),
            item("i2", "reverse a list", "use x", "no")), ITEM);
    for (boolean ignoreCase : List.of(false, true)) {
      Dataset<Row> withKeys = items.withColumn(Records.PROMPT_TEXT, Records.promptText(col(Col.PROMPT), ignoreCase))
          .withColumn(Col.PROMPT_KEY, sha2(col(Records.PROMPT_TEXT), 256));
      Dataset<Row> judged = Records.judged(SparkTest.spark().createDataFrame(List.of(
          pref("i1", "r1", "r2", "unanimous", 1.0, 3, 3), pref("i2", "r1", "r2", "unanimous", 1.0, 3, 3)), CANDIDATE),
          withKeys, ignoreCase);
      assertEquals(ignoreCase ? 1 : 2, judged.select(Col.KEY).distinct().count(), "ignore_case " + ignoreCase);
    }
  }

  @Test
  void jaccardIsThatOfTheSetsOfShingleStrings() {
    assertArrayEquals(new long[] {0, 5, -1, Long.MIN_VALUE},
        MinHash.distinct(new long[] {0, 5, 0, 5, -1, Long.MIN_VALUE, -1}));
    MinHash m = new MinHash(3, 20, 5);
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < 500; i++) {
      // Three letters: shingles repeat within a text, and texts share many.
      String a = randomText(rnd, "abc", 1 + rnd.nextInt(60));
      String b = randomText(rnd, "abc", 1 + rnd.nextInt(60));
      java.util.Set<String> x = shingleStrings(a, 3);
      java.util.Set<String> y = shingleStrings(b, 3);
      java.util.Set<String> both = new java.util.HashSet<>(x);
      both.retainAll(y);
      assertEquals((double) both.size() / (x.size() + y.size() - both.size()), m.jaccard(a, b), 1e-12, a + " " + b);
      assertEquals(x.size(), m.shingles(a).length, a);
    }
  }

  private static String randomText(SplittableRandom rnd, String letters, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append(letters.charAt(rnd.nextInt(letters.length())));
    }
    return b.toString();
  }

  private static java.util.Set<String> shingleStrings(String text, int k) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (int start = 0; start <= Math.max(0, text.length() - k); start++) {
      out.add(text.substring(start, Math.min(text.length(), start + k)));
    }
    return out;
  }

  @Test
  void shinglesJaccardAndBandKeys() {
    MinHash m = new MinHash(3, 20, 5);
    // abc bcd cde def against abc bcd cde deg: 3 shared of 5.
    assertEquals(0.6, m.jaccard("abcdef", "abcdeg"), 1e-12);
    assertEquals(1.0, m.jaccard("ab", "ab"), 1e-12);
    assertEquals(0.0, m.jaccard("ab", "cd"), 1e-12);
    assertEquals(List.of(), java.util.Arrays.stream(m.bandKeys("")).boxed().toList());
    // Parts: the same prompt and one shared response are not enough; the responses match up either way round.
    String part = MinHash.PART;
    assertEquals(0.0, m.partsJaccard("abcdef" + part + "xyz" + part + "uvw", "abcdef" + part + "xyz" + part + "klm"));
    assertEquals(1.0, m.partsJaccard("abcdef" + part + "xyz" + part + "uvw", "abcdef" + part + "uvw" + part + "xyz"));
    assertEquals(0.6, m.partsJaccard("abcdef" + part + "xyz", "abcdeg" + part + "xyz"), 1e-12);
    assertEquals(0.0, m.partsJaccard("abcdef", "abcdef" + part + "xyz"));

    SplittableRandom rnd = new SplittableRandom(7);
    MinHash shipped = new MinHash(CONFIG.dedup());
    int near = 0;
    int far = 0;
    double farExpected = 0;
    double estimateError = 0;
    for (int i = 0; i < 200; i++) {
      String a = words(rnd, 300);
      String b = changeWords(a, 1, rnd);
      String c = words(rnd, 300);
      near += shareBand(shipped, a, b) ? 1 : 0;
      far += shareBand(shipped, a, c) ? 1 : 0;
      farExpected += 1 - Math.pow(1 - Math.pow(shipped.jaccard(a, c), CONFIG.dedup().rows()), CONFIG.dedup().bands());
      long[] sa = shipped.onePermutationSignature(shipped.shingles(a));
      long[] sb = shipped.onePermutationSignature(shipped.shingles(b));
      int equal = 0;
      for (int k = 0; k < sa.length; k++) {
        equal += sa[k] == sb[k] ? 1 : 0;
      }
      estimateError = Math.max(estimateError, Math.abs(equal / (double) sa.length - shipped.jaccard(a, b)));
    }
    // One word changed in ~50 (Jaccard about 0.9): a candidate nearly always; unrelated texts (about 0.2): hardly.
    assertTrue(near >= 198, "near pairs sharing a band: " + near);
    // Texts from one vocabulary share some shingles; their expected count of shared bands is small, and the count
    // seen stays within a few standard deviations of it.
    assertTrue(farExpected < 5, "expected unrelated pairs sharing a band: " + farExpected);
    assertTrue(far <= farExpected + 4 * Math.sqrt(farExpected) + 1, "unrelated pairs sharing a band: " + far
        + ", expected " + farExpected);
    // The share of equal MinHash values estimates the Jaccard similarity (100 values: standard error about 0.03).
    assertTrue(estimateError < 0.15, "largest estimate error " + estimateError);
  }

  /**
   * 400 prompts that differ in an id and in the order of 10 words, so every word and every pair of words is common,
   * unrelated prompts share bands often and the buckets hold far more than the window; and 40 near copies among
   * them (one word changed, Jaccard 0.9 or more). Every near copy is found. Band keys without the common shingles
   * (left with the id's and the changed word's) or a window over hashes alone in such buckets lose some.
   */
  @Test
  void nearCopiesAreFoundInBucketsCrowdedByASmallVocabulary() {
    SplittableRandom rnd = new SplittableRandom(9);
    List<Row> rows = new ArrayList<>();
    List<String> planted = new ArrayList<>();
    MinHash m = new MinHash(CONFIG.dedup());
    for (int i = 0; i < 400; i++) {
      StringBuilder prompt = new StringBuilder("Question it-" + i + ":");
      while (prompt.length() < 600) {
        prompt.append(' ').append(WORDS[rnd.nextInt(10)]);
      }
      rows.add(RowFactory.create(String.format("d%03d", i), "prompt", prompt.toString()));
      if (i < 40) {
        String copy = changeWords(prompt.toString(), 1, rnd);
        assertTrue(m.jaccard(prompt.toString(), copy) >= 0.9, "a near copy: " + m.jaccard(prompt.toString(), copy));
        rows.add(RowFactory.create(String.format("d%03d-copy", i), "prompt", copy));
        planted.add(String.format("d%03d d%03d-copy", i, i));
      }
    }
    int window = 4;
    Map<Long, Integer> bucketSizes = new java.util.HashMap<>();
    rows.forEach(r -> java.util.Arrays.stream(m.bandKeys(r.getString(2))).forEach(k -> bucketSizes.merge(k, 1,
        Integer::sum)));
    long crowded = bucketSizes.values().stream().filter(n -> n > window).count();
    assertTrue(crowded > 100, "buckets holding more than the window: " + crowded);
    StructType schema = new StructType().add(NearDuplicates.DOC, DataTypes.StringType)
        .add(NearDuplicates.BLOCK, DataTypes.StringType).add(NearDuplicates.TEXT, DataTypes.StringType);
    java.util.Set<String> found = new java.util.HashSet<>();
    NearDuplicates.pairs(SparkTest.spark().createDataFrame(rows, schema), m, 0.7, window).collectAsList()
        .forEach(r -> found.add(r.getString(0) + " " + r.getString(1)));
    assertEquals(List.of(), planted.stream().filter(p -> !found.contains(p)).toList());
  }

  private static boolean shareBand(long[] x, long[] y) {
    java.util.Set<Long> keys = new java.util.HashSet<>();
    for (long k : x) {
      keys.add(k);
    }
    for (long k : y) {
      if (keys.contains(k)) {
        return true;
      }
    }
    return false;
  }

  private static boolean shareBand(MinHash m, String a, String b) {
    return shareBand(m.bandKeys(a), m.bandKeys(b));
  }


  @Test
  void aChainIsOneClusterNamedByItsSmallestId() {
    SplittableRandom rnd = new SplittableRandom(3);
    String a = words(rnd, 400);
    // b changes the first part of a, c also the last part: a~b, b~c, but a and c differ too much.
    String[] w = a.split(" ");
    int half = w.length / 2;
    String[] wb = w.clone();
    for (int i = 0; i < half / 3; i++) {
      wb[i] = "first" + i;
    }
    String b = String.join(" ", wb);
    String[] wc = wb.clone();
    for (int i = w.length - half / 3; i < w.length; i++) {
      wc[i] = "last" + i;
    }
    String c = String.join(" ", wc);
    String d = words(rnd, 400);
    MinHash m = new MinHash(CONFIG.dedup());
    double t = CONFIG.dedup().jaccardThreshold();
    assertTrue(m.jaccard(a, b) >= t && m.jaccard(b, c) >= t && m.jaccard(a, c) < t,
        m.jaccard(a, b) + " " + m.jaccard(b, c) + " " + m.jaccard(a, c));

    StructType docSchema = new StructType().add(NearDuplicates.DOC, DataTypes.StringType)
        .add(NearDuplicates.BLOCK, DataTypes.StringType).add(NearDuplicates.TEXT, DataTypes.StringType);
    Dataset<Row> docs = SparkTest.spark().createDataFrame(List.of(RowFactory.create("z", "x", a),
        RowFactory.create("y", "x", b), RowFactory.create("m", "x", c), RowFactory.create("q", "x", d),
        RowFactory.create("k", "other block", a)), docSchema);
    Dataset<Row> pairs = NearDuplicates.pairs(docs, m, t, CONFIG.dedup().bucketWindow());
    assertEquals(List.of("m y", "y z"), pairs.orderBy(NearDuplicates.A).collectAsList().stream()
        .map(r -> r.getString(0) + " " + r.getString(1)).toList());
    Map<String, String> clusters = new TreeMap<>();
    NearDuplicates.clusters(pairs).collectAsList().forEach(r -> clusters.put(r.getString(0), r.getString(1)));
    assertEquals(Map.of("m", "m", "y", "m", "z", "m"), clusters);
  }

  /**
   * Records of one or two responses drawn from a pool that holds near copies (one word changed) and far copies (a
   * third of the words changed), in two blocks: the pairs found through response clusters are exactly the pairs
   * whose every part is at the threshold, found by comparing every two records of a block.
   */
  @Test
  void recordPairsAreThePairsWhoseEveryPartIsANearDuplicate() {
    SplittableRandom rnd = new SplittableRandom(11);
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String base = words(rnd, 300);
      pool.add(base);
      pool.add(changeWords(base, 1, rnd));
      pool.add(changeWords(base, 20, rnd));
    }
    String prompt = words(rnd, 60);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String first = pool.get(rnd.nextInt(pool.size()));
      String text = prompt + MinHash.PART + first;
      if (i % 4 != 0) {
        text += MinHash.PART + pool.get(rnd.nextInt(pool.size()));
      }
      rows.add(RowFactory.create(String.format("r%02d", i), i % 2 == 0 ? "even" : "odd", text));
    }
    MinHash m = new MinHash(CONFIG.dedup());
    double t = CONFIG.dedup().jaccardThreshold();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      for (int j = i + 1; j < rows.size(); j++) {
        Row a = rows.get(i);
        Row b = rows.get(j);
        if (a.getString(1).equals(b.getString(1)) && m.partsJaccard(a.getString(2), b.getString(2)) >= t) {
          expected.add(a.getString(0) + " " + b.getString(0));
        }
      }
    }
    StructType schema = new StructType().add(NearDuplicates.DOC, DataTypes.StringType)
        .add(NearDuplicates.BLOCK, DataTypes.StringType).add(NearDuplicates.TEXT, DataTypes.StringType);
    assertTrue(expected.size() > 10, "the pool makes near-duplicate records: " + expected.size());
    // With the candidates' hashes broadcast, and with every text shuffled.
    for (long broadcastCandidates : new long[] {NearDuplicates.BROADCAST_CANDIDATES, 0}) {
      List<String> found = NearDuplicates.recordPairs(SparkTest.spark().createDataFrame(rows, schema), m, t,
              CONFIG.dedup().bucketWindow(), broadcastCandidates)
          .orderBy(NearDuplicates.A, NearDuplicates.B).collectAsList().stream()
          .map(r -> r.getString(0) + " " + r.getString(1)).toList();
      assertEquals(expected, found);
    }
  }

  /** Members are (bucket, next band key, hash), sorted so. */
  @Test
  void smallBucketsArePairedInFullAndLargeOnesWithinTheWindowOfTheirNextBand() {
    List<Row> members = List.of(member(1, 7, 10), member(1, 8, 20), member(1, 9, 30), member(2, 5, 50),
        member(3, 1, 60), member(3, 2, 70));
    assertEquals(List.of("10 20", "10 30", "20 30", "60 70"), windowPairs(members, 3));
    // Bucket 1 has 5 members, more than the window of 2: only members with the same next key meet, two back at most.
    List<Row> large = List.of(member(1, 7, 10), member(1, 7, 20), member(1, 7, 30), member(1, 7, 40),
        member(1, 8, 50), member(1, 8, 60), member(2, 7, 70), member(2, 7, 80));
    assertEquals(List.of("10 20", "10 30", "20 30", "20 40", "30 40", "50 60", "70 80"), windowPairs(large, 2));
    assertEquals(List.of(), windowPairs(List.of(member(5, 1, 1)), 3));
    assertEquals(List.of(), windowPairs(List.of(member(5, 1, 1), member(5, 2, 1)), 3));
  }

  private static Row member(long bucket, long next, long h) {
    return RowFactory.create(bucket, next, h);
  }

  private static List<String> windowPairs(List<Row> members, int window) {
    List<String> pairs = new ArrayList<>();
    new NearDuplicates.WindowPairs(window).call(members.iterator())
        .forEachRemaining(r -> pairs.add(r.getLong(0) + " " + r.getLong(1)));
    return pairs;
  }

  @Test
  void exactDuplicatesKeepTheHighestAgreementThenMostAnnotatorsThenSmallestItem() {
    List<Row> items = new ArrayList<>();
    List<Row> candidates = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(11);
    String p1 = words(rnd, 200);
    String a = words(rnd, 300);
    String b = words(rnd, 300);
    // The same content, whitespace and compatibility forms aside.
    items.add(item("i1", p1, a, b));
    items.add(item("i2", " " + p1.replace(" ", "  "), a, b));
    items.add(item("i3", p1, a + "\t", b));
    candidates.add(pref("i1", "r1", "r2", "dawid_skene", 0.8, 4, 3));
    candidates.add(pref("i2", "r1", "r2", "dawid_skene", 0.9, 3, 3));
    candidates.add(pref("i3", "r1", "r2", "dawid_skene", 0.8, 5, 4));
    Dataset<Row> out = dedup(items, candidates, List.of());
    Row kept = only(out, "i2");
    assertEquals(Dedup.PUBLISHED, kept.getAs(Dedup.FATE));
    assertEquals(2, (int) kept.getAs(Col.MERGED_COUNT));
    for (String removed : List.of("i1", "i3")) {
      Row r = only(out, removed);
      assertEquals(Dedup.EXACT, r.getAs(Dedup.FATE));
      assertEquals(kept.<String>getAs(Col.ID), r.getAs(Col.RECORD_ID));
      assertEquals(1.0, r.<Double>getAs(Col.SIMILARITY), 0.0);
    }
    assertEquals(2, Dedup.duplicates(out).count());
  }

  @Test
  void aMirroredPairIsSettledByThePooledEvidenceOrSentToReview() {
    SplittableRandom rnd = new SplittableRandom(5);
    String p = words(rnd, 200);
    String a = words(rnd, 300);
    String b = words(rnd, 300);
    // i2 lists the same two texts the other way round: its r2 is i1's r1.
    List<Row> items = List.of(item("i1", p, a, b), item("i2", p, b, a), item("i3", p, a, b));

    // i1: 3 of 3 for a; i2: 2 of 3 for b. Pooled: a 3 + 1 = 4, b 2 + 0 = 2, 0.667 >= 0.6.
    Dataset<Row> clear = dedup(items.subList(0, 2), List.of(pref("i1", "r1", "r2", "unanimous", 1.0, 3, 3),
        pref("i2", "r1", "r2", "dawid_skene", 0.7, 3, 2)), List.of());
    Row won = only(clear, "i1");
    Row lost = only(clear, "i2");
    assertEquals(Dedup.PUBLISHED, won.getAs(Dedup.FATE));
    assertEquals(Contradictions.CONTRADICTION, lost.getAs(Dedup.FATE));
    assertEquals(won.<String>getAs(Col.ID), lost.getAs(Col.RECORD_ID));
    assertTrue(lost.<String>getAs(Col.DETAIL).contains("4 of 6 pooled answers (0.667)"), lost.<String>getAs(Col.DETAIL));
    assertEquals(1, (int) won.getAs(Col.MERGED_COUNT));

    // 2 of 3 each way: pooled 3 to 3, no direction reaches 0.6; both items go to review, no record published.
    Dataset<Row> unclear = dedup(items.subList(0, 2), List.of(pref("i1", "r1", "r2", "dawid_skene", 0.7, 3, 2),
        pref("i2", "r1", "r2", "dawid_skene", 0.7, 3, 2)), List.of());
    assertEquals(0, unclear.filter(col(Dedup.KEEPER)).count());
    List<Row> reviews = Contradictions.reviews(unclear).orderBy(Col.ITEM_ID).collectAsList();
    assertEquals(2, reviews.size());
    assertEquals(Contradictions.REASON, reviews.get(0).getAs(Col.REASON));
    assertEquals("[[r1 over r2,3,0.5], [r2 over r1,3,0.5]]", reviews.get(0).getList(5).toString());
    assertNull(only(unclear, "i1").getAs(Col.RECORD_ID));

    // Gold backs b on i2 however many annotators backed a elsewhere; i3 (a again) goes into the gold record too.
    Dataset<Row> gold = dedup(items, List.of(pref("i1", "r1", "r2", "unanimous", 1.0, 5, 5),
        pref("i2", "r1", "r2", "gold", 1.0, 3, 0), pref("i3", "r1", "r2", "unanimous", 1.0, 5, 5)), List.of());
    String goldId = only(gold, "i2").getAs(Col.ID);
    assertEquals(Dedup.PUBLISHED, only(gold, "i2").getAs(Dedup.FATE));
    assertEquals(goldId, only(gold, "i1").getAs(Col.RECORD_ID));
    assertEquals(goldId, only(gold, "i3").getAs(Col.RECORD_ID));
    assertEquals(1, gold.filter(col(Dedup.KEEPER)).count());
  }

  @Test
  void nearDuplicatesMergeIntoOneKeeperAndShareTheSplitWithTheirPrompts() {
    SplittableRandom rnd = new SplittableRandom(9);
    String p = words(rnd, 300);
    String a = words(rnd, 400);
    String b = words(rnd, 400);
    String p2 = changeWords(p, 2, rnd);
    List<Row> items = List.of(item("i1", p, a, b), item("i2", p2, changeWords(a, 1, rnd), b),
        // Near-duplicate prompt, different responses: a different record, but the same split.
        item("i3", changeWords(p, 1, rnd), words(rnd, 400), words(rnd, 400)),
        item("i4", words(rnd, 300), a, b));
    Dataset<Row> out = dedup(items, List.of(pref("i1", "r1", "r2", "dawid_skene", 0.8, 3, 3),
        pref("i2", "r1", "r2", "dawid_skene", 0.9, 3, 3), pref("i3", "r1", "r2", "dawid_skene", 0.9, 3, 3),
        pref("i4", "r1", "r2", "dawid_skene", 0.9, 3, 3)), List.of());
    Row kept = only(out, "i2");
    Row near = only(out, "i1");
    assertEquals(Dedup.PUBLISHED, kept.getAs(Dedup.FATE));
    assertEquals(Dedup.NEAR, near.getAs(Dedup.FATE));
    assertEquals(kept.<String>getAs(Col.ID), near.getAs(Col.RECORD_ID));
    MinHash m = new MinHash(CONFIG.dedup());
    double similarity = near.getAs(Col.SIMILARITY);
    assertTrue(similarity >= CONFIG.dedup().jaccardThreshold() && similarity < 1, "similarity " + similarity);
    assertEquals(Dedup.PUBLISHED, only(out, "i3").getAs(Dedup.FATE));
    assertEquals(Dedup.PUBLISHED, only(out, "i4").getAs(Dedup.FATE));
    assertEquals(1, out.filter(col(Dedup.KEEPER)).select(Dedup.PROMPT_CLUSTER).distinct().count() - 1,
        "i2 and i3 in one prompt cluster, i4 in its own");
    assertEquals(kept.<String>getAs(Col.SPLIT), only(out, "i3").getAs(Col.SPLIT));
    assertTrue(m.jaccard(p, p2) >= CONFIG.dedup().jaccardThreshold());
  }

  @Test
  void aNewPromptNearAPublishedOneTakesItsSplitEvenWhenThePublishedItemIsGone() {
    SplittableRandom rnd = new SplittableRandom(21);
    String toTest = words(rnd, 300);
    String toTrain = words(rnd, 300);
    String fresh = words(rnd, 300);
    List<Row> items = List.of(item("near-test", changeWords(toTest, 1, rnd), words(rnd, 300), words(rnd, 300)),
        item("near-train", changeWords(toTrain, 1, rnd), words(rnd, 300), words(rnd, 300)),
        item("fresh", fresh, words(rnd, 300), words(rnd, 300)));
    List<Row> candidates = List.of(pref("near-test", "r1", "r2", "unanimous", 1.0, 3, 3),
        pref("near-train", "r1", "r2", "unanimous", 1.0, 3, 3), pref("fresh", "r1", "r2", "unanimous", 1.0, 3, 3));
    Dataset<Row> unpinned = dedup(items, candidates, List.of());
    Dataset<Row> out = dedup(items, candidates, List.of(), pins(Map.of(toTest, Dedup.TEST, toTrain, Dedup.TRAIN)));
    assertEquals(Dedup.TEST, only(out, "near-test").getAs(Col.SPLIT));
    assertEquals(Dedup.TRAIN, only(out, "near-train").getAs(Col.SPLIT));
    assertEquals(Dedup.PUBLISHED, only(out, "near-test").getAs(Dedup.FATE));
    // A cluster with no published prompt is drawn as before.
    assertEquals(only(unpinned, "fresh").<String>getAs(Col.SPLIT), only(out, "fresh").getAs(Col.SPLIT));
  }

  @Test
  void aNewPromptLinkingPromptsPublishedInBothSplitsIsHeldOutWhileTheyKeepTheirs() {
    SplittableRandom rnd = new SplittableRandom(23);
    String bridge = words(rnd, 300);
    String inTrain = changeWords(bridge, 2, rnd);
    String inTest = changeWords(bridge, 2, rnd);
    List<Row> items = List.of(item("bridge", bridge, words(rnd, 300), words(rnd, 300)),
        item("old-train", inTrain, words(rnd, 300), words(rnd, 300)),
        item("old-test", inTest, words(rnd, 300), words(rnd, 300)));
    Dataset<Row> out = dedup(items, List.of(pref("bridge", "r1", "r2", "unanimous", 1.0, 3, 3),
            pref("old-train", "r1", "r2", "unanimous", 1.0, 3, 3), pref("old-test", "r1", "r2", "unanimous", 1.0, 3, 3)),
        List.of(), pins(Map.of(inTrain, Dedup.TRAIN, inTest, Dedup.TEST)));
    Row held = only(out, "bridge");
    assertEquals(Dedup.HELD_OUT, held.getAs(Dedup.FATE));
    assertFalse(held.<Boolean>getAs(Dedup.KEEPER));
    assertNull(held.getAs(Col.RECORD_ID));
    assertTrue(held.<String>getAs(Col.DETAIL).contains("published in both train and test"));
    assertEquals(Dedup.TRAIN, only(out, "old-train").getAs(Col.SPLIT));
    assertEquals(Dedup.TEST, only(out, "old-test").getAs(Col.SPLIT));
    assertEquals(Dedup.PUBLISHED, only(out, "old-test").getAs(Dedup.FATE));
    assertEquals(List.of(Dedup.HELD_OUT), Dedup.duplicates(out).collectAsList().stream()
        .map(r -> r.<String>getAs(Col.KIND)).toList());
  }

  @Test
  void promptsMatchingAnEvaluationPromptExactlyOrNearAreDecontaminated() {
    SplittableRandom rnd = new SplittableRandom(13);
    String evalPrompt = words(rnd, 300);
    List<Row> items = List.of(item("i1", evalPrompt, words(rnd, 300), words(rnd, 300)),
        item("i2", changeWords(evalPrompt, 2, rnd), words(rnd, 300), words(rnd, 300)),
        item("i3", words(rnd, 300), words(rnd, 300), words(rnd, 300)));
    Dataset<Row> out = dedup(items, List.of(pref("i1", "r1", "r2", "unanimous", 1.0, 3, 3),
        pref("i2", "r1", "r2", "unanimous", 1.0, 3, 3), pref("i3", "r1", "r2", "unanimous", 1.0, 3, 3)),
        List.of(evalPrompt));
    Row exact = only(out, "i1");
    Row near = only(out, "i2");
    assertEquals(Dedup.DECONTAMINATED, exact.getAs(Dedup.FATE));
    assertEquals(1.0, exact.<Double>getAs(Col.SIMILARITY), 0.0);
    assertEquals("its prompt is an evaluation prompt", exact.getAs(Col.DETAIL));
    assertEquals(Dedup.DECONTAMINATED, near.getAs(Dedup.FATE));
    assertTrue(near.<String>getAs(Col.DETAIL).startsWith("its prompt is a near duplicate (Jaccard 0."),
        near.<String>getAs(Col.DETAIL));
    assertNull(near.getAs(Col.RECORD_ID));
    assertEquals(Dedup.PUBLISHED, only(out, "i3").getAs(Dedup.FATE));
    List<Row> audit = Dedup.duplicates(out).orderBy(Col.REMOVED_ITEM_ID).collectAsList();
    assertEquals(List.of("decontaminated", "decontaminated"), audit.stream().map(r -> r.<String>getAs(Col.KIND))
        .toList());
  }

  @Test
  void idsKeepersAndSplitsDoNotDependOnPartitionsOrInputOrder() {
    SplittableRandom rnd = new SplittableRandom(21);
    List<Row> items = new ArrayList<>();
    List<Row> candidates = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String p = words(rnd, 250);
      String a = words(rnd, 300);
      String b = words(rnd, 300);
      // Each base item with an exact copy, a near copy, and a mirror; ties on agreement and annotators.
      items.add(item("b" + i, p, a, b));
      items.add(item("e" + i, p, a, b));
      items.add(item("n" + i, changeWords(p, 1, rnd), a, b));
      items.add(item("m" + i, p, b, a));
      candidates.add(pref("b" + i, "r1", "r2", "dawid_skene", 0.9, 3, 3));
      candidates.add(pref("e" + i, "r1", "r2", "dawid_skene", 0.9, 3, 3));
      candidates.add(pref("n" + i, "r1", "r2", "dawid_skene", 0.9, 3, 3));
      candidates.add(pref("m" + i, i % 2 == 0 ? "r1" : "r2", i % 2 == 0 ? "r2" : "r1", "dawid_skene", 0.9, 3, 2));
    }
    List<String> reference = null;
    try {
      for (int run = 0; run < 3; run++) {
        SparkTest.spark().conf().set("spark.sql.shuffle.partitions", run == 1 ? "16" : "2");
        List<Row> shuffledItems = new ArrayList<>(items);
        List<Row> shuffledCandidates = new ArrayList<>(candidates);
        Collections.shuffle(shuffledItems, new java.util.Random(run));
        Collections.shuffle(shuffledCandidates, new java.util.Random(run + 100));
        List<String> result = dedup(shuffledItems, shuffledCandidates, List.of())
            .orderBy(Resolve.CANDIDATE).collectAsList().stream()
            .map(r -> String.join(" ", r.getAs(Resolve.CANDIDATE), r.getAs(Dedup.FATE), r.getAs(Col.ID),
                String.valueOf((Object) r.getAs(Col.RECORD_ID)), r.getAs(Col.SPLIT))).toList();
        if (reference == null) {
          reference = result;
          // 60 comparisons: the base kept (smallest id among equals), exact and near copies merged into it, and
          // the mirror either an exact copy or the losing side of a contradiction (pooled 7 to 2).
          assertEquals(240, result.size());
          assertEquals(60, result.stream().filter(s -> s.contains(" published ")).count());
        } else {
          assertEquals(reference, result, "run " + run);
        }
      }
    } finally {
      SparkTest.spark().conf().set("spark.sql.shuffle.partitions", "4");
    }
  }

  @Test
  void splitDependsOnThePromptClusterAndHonoursTheShare() {
    Dataset<Row> clusters = SparkTest.spark().range(4000).select(
        org.apache.spark.sql.functions.concat(lit("cluster-"), col("id").mod(2000)).as(Dedup.PROMPT_CLUSTER));
    Dataset<Row> out = clusters.withColumn(Col.SPLIT, Dedup.split(col(Dedup.PROMPT_CLUSTER), 0.2, "salt"));
    assertEquals(0, out.groupBy(Dedup.PROMPT_CLUSTER)
        .agg(org.apache.spark.sql.functions.countDistinct(Col.SPLIT).as("n")).filter(col("n").gt(1)).count());
    double test = out.filter(col(Col.SPLIT).equalTo(Dedup.TEST)).count() / 4000.0;
    assertEquals(0.2, test, 0.03);
  }

  /** Prompt docs as {@link Dedup#promptDocs} sees them: tonight's prompts and published ones. */
  private static Dataset<Row> promptRows(List<String> prompts) {
    return items(prompts.stream().map(p -> item("x", p, "", "")).toList()).select(col(Col.PROMPT_KEY),
        col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT), lit(false).as("eval"));
  }

  @Test
  void publishedPromptsKeepTheirBandKeysAndOnlyPairsWithANewPromptAreSearched() {
    SplittableRandom rnd = new SplittableRandom(5);
    String a = words(rnd, 400);
    String b = changeWords(a, 1, rnd);
    String c = changeWords(a, 2, rnd);
    String far = words(rnd, 400);
    // a and b are published and near each other, but the store knows no pair between them: a pair of two published
    // prompts comes only from the store, so it is not found again. c is new: its pairs with both are searched.
    Dataset<Row> pins = pins(Map.of(a, Dedup.TRAIN, b, Dedup.TRAIN, far, Dedup.TEST));
    Dataset<Row> docs = Dedup.promptDocs(promptRows(List.of(c)), pins, CONFIG.dedup()).cache();
    Map<String, String> keyOf = new TreeMap<>();
    for (String p : List.of(a, b, c, far)) {
      keyOf.put(p, promptRows(List.of(p)).first().getString(0));
    }
    Dataset<Row> none = SparkTest.spark().createDataFrame(List.of(), new StructType().add("a", "string")
        .add("b", "string").add("similarity", "double"));
    List<String> found = new ArrayList<>();
    for (Row r : Dedup.promptPairs(docs, none, CONFIG.dedup()).collectAsList()) {
      found.add(r.getString(0) + "~" + r.getString(1));
    }
    Collections.sort(found);
    List<String> expected = new ArrayList<>(List.of(pairOf(keyOf.get(a), keyOf.get(c)),
        pairOf(keyOf.get(b), keyOf.get(c))));
    Collections.sort(expected);
    assertEquals(expected, found, "the new prompt is paired with both published ones, which are not paired again");

    // A known pair between published prompts is taken as the store has it; with no store every pair is searched.
    Dataset<Row> known = SparkTest.spark().createDataFrame(List.of(RowFactory.create(
        min(keyOf.get(a), keyOf.get(b)), max(keyOf.get(a), keyOf.get(b)), 0.95)), none.schema());
    assertEquals(3, Dedup.promptPairs(docs, known, CONFIG.dedup()).count());
    assertEquals(0.95, Dedup.promptPairs(docs, known, CONFIG.dedup()).filter(col("a").equalTo(min(keyOf.get(a),
        keyOf.get(b))).and(col("b").equalTo(max(keyOf.get(a), keyOf.get(b))))).first().getDouble(2));
    assertEquals(3, Dedup.promptPairs(docs, null, CONFIG.dedup()).count());

    // A published prompt's band keys come from the store, not from its text.
    Dataset<Row> withKeys = pins.withColumn(NearDuplicates.KEYS, org.apache.spark.sql.functions.array(lit(42L)));
    Row farDoc = Dedup.promptDocs(promptRows(List.of(c)), withKeys, CONFIG.dedup())
        .filter(col(NearDuplicates.DOC).equalTo(keyOf.get(far))).first();
    assertEquals(List.of(42L), farDoc.getList(farDoc.fieldIndex(NearDuplicates.KEYS)));
    assertTrue(farDoc.<Boolean>getAs(NearDuplicates.SETTLED));
    Row newDoc = Dedup.promptDocs(promptRows(List.of(c)), withKeys, CONFIG.dedup())
        .filter(col(NearDuplicates.DOC).equalTo(keyOf.get(c))).first();
    assertArrayEquals(new MinHash(CONFIG.dedup()).bandKeys(newDoc.<String>getAs(NearDuplicates.TEXT)), newDoc.getList(newDoc.fieldIndex(NearDuplicates.KEYS))
        .stream().mapToLong(x -> (Long) x).toArray());
    assertFalse(newDoc.<Boolean>getAs(NearDuplicates.SETTLED));
  }

  @Test
  void blocksHoldingTheSameRecordsKeepTheirPairsAndOnlyBlocksWithANewRecordAreSearched() {
    SplittableRandom rnd = new SplittableRandom(9);
    String p = words(rnd, 300);
    String a = words(rnd, 400);
    String b = words(rnd, 400);
    String q = words(rnd, 300);
    // Block of p: i1 and i2 are near duplicates (their prompts cluster). Block of q: two records, no pair.
    List<Row> itemRows = List.of(item("i1", p, a, b), item("i2", changeWords(p, 2, rnd), changeWords(a, 1, rnd), b),
        item("j1", q, words(rnd, 400), words(rnd, 400)), item("j2", q, words(rnd, 400), words(rnd, 400)));
    Dataset<Row> items = items(itemRows);
    Dataset<Row> candidates = Records.judged(SparkTest.spark().createDataFrame(List.of(
        pref("i1", "r1", "r2", "dawid_skene", 0.8, 3, 3), pref("i2", "r1", "r2", "dawid_skene", 0.9, 3, 3),
        pref("j1", "r1", "r2", "dawid_skene", 0.9, 3, 3), pref("j2", "r1", "r2", "dawid_skene", 0.9, 3, 3)),
        CANDIDATE), items, false);
    Dataset<Row> prompts = items.select(col(Col.PROMPT_KEY), col(Records.PROMPT_TEXT).as(NearDuplicates.TEXT),
        lit(false).as("eval"));
    Dedup.Settings settings = Dedup.Settings.of(CONFIG);
    Dataset<Row> settled = Dedup.settle(candidates, Dedup.promptClusters(prompts, null, CONFIG.dedup()), settings)
        .cache();
    java.util.concurrent.atomic.AtomicLong searched = new java.util.concurrent.atomic.AtomicLong();
    java.util.function.UnaryOperator<Dataset<Row>> docTexts = docs -> {
      searched.addAndGet(docs.count());
      return Records.docTexts(docs, items, NO_COMPLETIONS, false);
    };

    List<Row> first = Dedup.recordPairs(settled, docTexts, null, CONFIG.dedup()).orderBy(NearDuplicates.BLOCK)
        .collectAsList();
    assertEquals(4, searched.get(), "with nothing known, every compared record is joined to its texts");
    assertEquals(2, first.size(), "a row per block");
    Row pBlock = first.stream().filter(r -> r.getAs(NearDuplicates.A) != null).findFirst().orElseThrow();
    Row qBlock = first.stream().filter(r -> r.getAs(NearDuplicates.A) == null).findFirst().orElseThrow();
    assertEquals(2L, qBlock.<Long>getAs(Dedup.RECORDS_IN_BLOCK));
    double similarity = pBlock.getAs(NearDuplicates.SIMILARITY);
    assertTrue(similarity >= CONFIG.dedup().jaccardThreshold());

    // Known: q's block with its records as they are, holding a pair the texts would never give (so it can only come
    // from the store); p's block with another hash (a record was added or left), holding a stale similarity.
    Dataset<Row> known = SparkTest.spark().createDataFrame(List.of(
        RowFactory.create(qBlock.getAs(NearDuplicates.BLOCK), 2L, qBlock.getAs(Dedup.BLOCK_HASH), "x", "y", 0.99),
        RowFactory.create(pBlock.getAs(NearDuplicates.BLOCK), 2L, pBlock.<Long>getAs(Dedup.BLOCK_HASH) + 1,
            pBlock.getAs(NearDuplicates.A), pBlock.getAs(NearDuplicates.B), 0.5)), recordPairsSchema());
    searched.set(0);
    List<Row> second = Dedup.recordPairs(settled, docTexts, known, CONFIG.dedup()).orderBy(NearDuplicates.A)
        .collectAsList();
    assertEquals(2, searched.get(), "only the block whose records changed is joined to its texts");
    assertEquals(List.of(pBlock.getAs(NearDuplicates.A), "x"), second.stream().map(r -> r.getAs(NearDuplicates.A))
        .toList());
    assertEquals(similarity, second.get(0).<Double>getAs(NearDuplicates.SIMILARITY), 1e-12, "searched again");
    assertEquals(0.99, second.get(1).<Double>getAs(NearDuplicates.SIMILARITY), "kept as the store has it");

    // Placing with the pairs searched in full gives what apply gives.
    Dataset<Row> placed = Dedup.place(candidates, settled, Dedup.recordPairs(settled, docTexts, null,
        CONFIG.dedup()), docTexts, settings);
    Dataset<Row> applied = Dedup.apply(candidates, Dedup.promptClusters(prompts, null, CONFIG.dedup()), docTexts,
        settings);
    assertEquals(0, placed.select(Col.ID, Dedup.FATE, Col.RECORD_ID, Col.SIMILARITY).exceptAll(
        applied.select(Col.ID, Dedup.FATE, Col.RECORD_ID, Col.SIMILARITY)).count());
    assertEquals(Dedup.NEAR, only(placed, "i1").getAs(Dedup.FATE));
  }

  private static StructType recordPairsSchema() {
    return new StructType().add(NearDuplicates.BLOCK, "string").add(Dedup.RECORDS_IN_BLOCK, "long")
        .add(Dedup.BLOCK_HASH, "long").add(NearDuplicates.A, "string").add(NearDuplicates.B, "string")
        .add(NearDuplicates.SIMILARITY, "double");
  }

  private static String pairOf(String x, String y) {
    return min(x, y) + "~" + max(x, y);
  }

  private static String min(String x, String y) {
    return x.compareTo(y) <= 0 ? x : y;
  }

  private static String max(String x, String y) {
    return x.compareTo(y) <= 0 ? y : x;
  }
}
