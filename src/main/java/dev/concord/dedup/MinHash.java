package dev.concord.dedup;

import static org.apache.spark.sql.functions.udf;

import dev.concord.config.ConcordConfig.DedupSettings;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Character shingles, MinHash signatures and their LSH band keys, and the exact Jaccard similarity that verifies a
 * candidate pair. Plain Java on one text at a time (Spark has no MinHash in its SQL functions, and spark-mllib's
 * {@code MinHashLSH} is not published for this Spark version); the two UDFs are built from these methods.
 *
 * <p>Every hash is a fixed function of the text: the same text gets the same band keys in every run and JVM.
 */
public final class MinHash implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final int shingleChars;
  private final int bands;
  private final int rows;
  private final long[] multipliers;
  private final long[] offsets;

  public MinHash(DedupSettings settings) {
    this(settings.shingleChars(), settings.bands(), settings.rows());
  }

  MinHash(int shingleChars, int bands, int rows) {
    this.shingleChars = shingleChars;
    this.bands = bands;
    this.rows = rows;
    this.multipliers = new long[bands * rows];
    this.offsets = new long[bands * rows];
    long state = 0x436f6e636f7264L;
    for (int i = 0; i < multipliers.length; i++) {
      state += 0x9E3779B97F4A7C15L;
      multipliers[i] = mix(state) | 1L;
      state += 0x9E3779B97F4A7C15L;
      offsets[i] = mix(state);
    }
  }

  /**
   * The distinct hashes of every run of {@code shingleChars} code points, in no particular order. A text shorter than
   * that is one shingle; an empty text has none.
   */
  long[] shingles(String text) {
    if (text == null || text.isEmpty()) {
      return new long[0];
    }
    int[] cps = text.codePoints().toArray();
    int n = Math.max(1, cps.length - shingleChars + 1);
    long[] out = new long[n];
    for (int start = 0; start < n; start++) {
      long h = 0xcbf29ce484222325L;
      for (int i = start; i < Math.min(cps.length, start + shingleChars); i++) {
        h = (h ^ cps[i]) * 0x100000001b3L;
      }
      out[start] = mix(h);
    }
    return distinct(out);
  }

  /**
   * The distinct values, in first-seen order. One pass through a hash table: sorting a 1,000-character text's
   * shingles took 35 µs, most of the time of hashing a text.
   */
  static long[] distinct(long[] values) {
    HashSet64 seen = new HashSet64(values.length);
    int n = 0;
    long[] out = new long[values.length];
    for (long v : values) {
      if (seen.add(v)) {
        out[n++] = v;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /**
   * A set of 64-bit hashes, open addressing with linear probing at most half full. The values are well-mixed hashes
   * already, so their high bits pick the slot. 0 marks an empty slot, so the value 0 is kept apart.
   */
  private static final class HashSet64 {
    private final long[] slots;
    private final int shift;
    private final int mask;
    private boolean zero;

    HashSet64(int values) {
      int bits = Math.max(4, 64 - Long.numberOfLeadingZeros(2L * values));
      slots = new long[1 << bits];
      shift = 64 - bits;
      mask = slots.length - 1;
    }

    /** Whether {@code v} was new. */
    boolean add(long v) {
      if (v == 0) {
        boolean added = !zero;
        zero = true;
        return added;
      }
      for (int i = (int) (v >>> shift); ; i = (i + 1) & mask) {
        if (slots[i] == v) {
          return false;
        }
        if (slots[i] == 0) {
          slots[i] = v;
          return true;
        }
      }
    }

    boolean contains(long v) {
      if (v == 0) {
        return zero;
      }
      for (int i = (int) (v >>> shift); ; i = (i + 1) & mask) {
        if (slots[i] == v) {
          return true;
        }
        if (slots[i] == 0) {
          return false;
        }
      }
    }
  }

  /*
   * Signatures (bands * rows values) come from two schemes, each giving two texts equal values with
   * probability equal to their Jaccard similarity, and each cheap where the other is not: classic MinHash, one hash
   * function per value, costs a pass over the shingles per value, cheap for short texts only; one-permutation hashing
   * costs one pass whatever the number of values, but a text with fewer shingles than values leaves bins empty, and
   * the bins filled from others make short texts that share common words alike far more often than their similarity
   * says. bandKeys gives a text with fewer than 2 * bands * rows distinct shingles classic values, one with at least
   * bands * rows one-permutation values, and texts in between both, each set banded apart. Two texts at Jaccard
   * similarity J have shingle counts within a factor J of each other, so any pair at or above 1/2 shares a scheme.
   */

  /** One minimum per hash function {@code a * x + b} ({@code a} odd: a permutation of the 64-bit values). */
  long[] classicSignature(long[] shingles) {
    long[] sig = new long[multipliers.length];
    Arrays.fill(sig, Long.MAX_VALUE);
    for (long s : shingles) {
      for (int i = 0; i < sig.length; i++) {
        long h = s * multipliers[i] + offsets[i];
        if (h < sig[i]) {
          sig[i] = h;
        }
      }
    }
    return sig;
  }

  /**
   * One-permutation hashing (Li, Owen and Zhang 2012): each shingle's hash picks one of the {@code bands * rows} bins
   * by its high bits, and a bin keeps its smallest hash. A bin no shingle fell into takes the value of the first
   * non-empty bin on a probe sequence fixed by the bin's number (Shrivastava's optimal densification, 2017).
   */
  long[] onePermutationSignature(long[] shingles) {
    if (shingles.length == 0) {
      return new long[0];
    }
    int size = bands * rows;
    long[] bins = new long[size];
    boolean[] filled = new boolean[size];
    Arrays.fill(bins, Long.MAX_VALUE);
    for (long s : shingles) {
      int bin = (int) (((s >>> 32) * size) >>> 32);
      filled[bin] = true;
      if (s < bins[bin]) {
        bins[bin] = s;
      }
    }
    long[] sig = bins.clone();
    for (int i = 0; i < size; i++) {
      if (!filled[i]) {
        long probe = mix(0x5851F42D4C957F2DL ^ i);
        int j;
        do {
          probe = mix(probe + 0x9E3779B97F4A7C15L);
          j = (int) (((probe >>> 32) * size) >>> 32);
        } while (!filled[j]);
        sig[i] = bins[j];
      }
    }
    return sig;
  }

  /**
   * The band keys of a text: one per band, hashing the band's number with its rows, so that two texts share a key
   * exactly when they agree on every row of that band. Every shingle counts, so two texts share a band with
   * probability (their Jaccard similarity)^rows. A text without shingles has none. A text hashed by both schemes has
   * its classic keys first, then its one-permutation keys: {@code bands} keys each.
   */
  public long[] bandKeys(String text) {
    long[] shingles = shingles(text);
    int size = bands * rows;
    if (shingles.length == 0) {
      return new long[0];
    }
    long[] classic = shingles.length < 2 * size ? keys(classicSignature(shingles), 0) : new long[0];
    long[] permuted = shingles.length >= size ? keys(onePermutationSignature(shingles), bands) : new long[0];
    long[] keys = Arrays.copyOf(classic, classic.length + permuted.length);
    System.arraycopy(permuted, 0, keys, classic.length, permuted.length);
    return keys;
  }

  /** The number of bands of each scheme ({@link #bandKeys(String)}). */
  int bands() {
    return bands;
  }

  /** A key per band, hashing the band's number (offset by the scheme) with its rows. */
  private long[] keys(long[] sig, int firstBand) {
    long[] keys = new long[bands];
    for (int b = 0; b < bands; b++) {
      long h = mix(firstBand + b + 1L);
      for (int r = 0; r < rows; r++) {
        h = mix(h ^ sig[b * rows + r]);
      }
      keys[b] = h;
    }
    return keys;
  }

  /** The exact Jaccard similarity of two texts' shingle sets: 1 for two empty texts. */
  public double jaccard(String a, String b) {
    long[] x = shingles(a);
    long[] y = shingles(b);
    if (x.length == 0 && y.length == 0) {
      return 1.0;
    }
    HashSet64 inX = new HashSet64(x.length);
    for (long v : x) {
      inX.add(v);
    }
    int common = 0;
    for (long v : y) {
      if (inX.contains(v)) {
        common++;
      }
    }
    return (double) common / (x.length + y.length - common);
  }

  /**
   * The similarity of two texts made of parts ({@link #PART} between them; the first part is the prompt, the rest
   * responses): the smallest Jaccard similarity of corresponding parts, the responses matched up whichever way
   * gives the higher figure. Two comparisons that share a prompt and one response are not near duplicates unless
   * their other responses are too. Texts with different numbers of parts have similarity 0.
   */
  public double partsJaccard(String a, String b) {
    String[] x = a.split(PART, -1);
    String[] y = b.split(PART, -1);
    if (x.length != y.length) {
      return 0.0;
    }
    double prompt = jaccard(x[0], y[0]);
    if (x.length == 1) {
      return prompt;
    }
    double straight = prompt;
    for (int i = 1; i < x.length; i++) {
      straight = Math.min(straight, jaccard(x[i], y[i]));
    }
    if (x.length != 3) {
      return straight;
    }
    double crossed = Math.min(prompt, Math.min(jaccard(x[1], y[2]), jaccard(x[2], y[1])));
    return Math.max(straight, crossed);
  }

  /** Separates the parts of a record's text: its prompt and its responses. */
  public static final String PART = "\u001d";

  /** SplitMix64's finaliser: every input bit affects every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** {@link #bandKeys(String)} as a column function. */
  public Column bandKeys(Column text) {
    MinHash self = this;
    UserDefinedFunction f = udf((UDF1<String, long[]>) self::bandKeys,
        DataTypes.createArrayType(DataTypes.LongType, false));
    return f.apply(text);
  }

  /** {@link #partsJaccard} as a column function. */
  public Column partsJaccard(Column a, Column b) {
    MinHash self = this;
    UserDefinedFunction f = udf((UDF2<String, String, Double>) self::partsJaccard, DataTypes.DoubleType);
    return f.apply(a, b);
  }
}
