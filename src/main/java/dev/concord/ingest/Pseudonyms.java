package dev.concord.ingest;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.unhex;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.spark.sql.Column;

/**
 * Annotator pseudonyms: HMAC-SHA256 of the platform id under a secret key, built from Spark's own {@code sha2} so it
 * runs as a column expression. HMAC(K, m) = H((K ^ opad) || H((K ^ ipad) || m)) with K padded to the 64-byte block.
 */
public final class Pseudonyms {
  private static final int BLOCK = 64;
  /** Hex characters kept of the HMAC: 80 bits, collision-free for any realistic workforce. */
  static final int HEX_CHARS = 20;
  static final String PREFIX = "ann-";

  private Pseudonyms() {}

  public static Column of(Column rawId, byte[] key) {
    byte[] k = blockKey(key);
    byte[] ipad = new byte[BLOCK];
    byte[] opad = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      ipad[i] = (byte) (k[i] ^ 0x36);
      opad[i] = (byte) (k[i] ^ 0x5c);
    }
    Column inner = unhex(sha2(concat(lit(ipad), encode(rawId, "UTF-8")), 256));
    Column mac = sha2(concat(lit(opad), inner), 256);
    return concat(lit(PREFIX), substring(mac, 1, HEX_CHARS));
  }

  /** The same pseudonym computed on the driver, for {@code trace} and the tests. */
  public static String of(String rawId, byte[] key) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      String hex = HexFormat.of().formatHex(mac.doFinal(rawId.getBytes(StandardCharsets.UTF_8)));
      return PREFIX + hex.substring(0, HEX_CHARS);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An e-mail address; the look-behind starts a match only where a run of name characters starts (linear time). */
  private static final String EMAIL = "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+";

  /**
   * Submission metadata with no raw identifier left: a value that is the annotator's raw id or an e-mail address
   * becomes its pseudonym (so that equal values stay equal), and an e-mail address inside a longer value is removed.
   */
  public static Column scrub(Column metadata, Column rawAnnotatorId, byte[] key) {
    return org.apache.spark.sql.functions.transform_values(metadata, (k, v) ->
        org.apache.spark.sql.functions.when(v.equalTo(rawAnnotatorId).or(v.rlike("^" + EMAIL + "$")), of(v, key))
            .otherwise(org.apache.spark.sql.functions.regexp_replace(v, EMAIL, "[e-mail removed]")));
  }

  /** Whether {@code id} has the shape of a pseudonym rather than of a raw platform id. */
  public static boolean isPseudonym(String id) {
    return id.matches(PREFIX + "[0-9a-f]{" + HEX_CHARS + "}");
  }

  /** The key's public fingerprint, recorded in the manifest in place of the key. */
  public static String fingerprint(byte[] key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
      return "sha256:" + HexFormat.of().formatHex(d).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] blockKey(byte[] key) {
    byte[] k = key;
    if (k.length > BLOCK) {
      try {
        k = MessageDigest.getInstance("SHA-256").digest(k);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return java.util.Arrays.copyOf(k, BLOCK);
  }
}
