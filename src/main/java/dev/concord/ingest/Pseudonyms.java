package dev.concord.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Annotator pseudonyms: HMAC-SHA256 of the platform id under a secret key, as {@code ann-} and 80 bits in hex, and
 * the scrubbing of free texts (metadata, problem details) so that no raw id reaches a published table.
 */
public final class Pseudonyms {
  /** Hex characters kept of the HMAC: 80 bits, collision-free for any realistic workforce. */
  static final int HEX_CHARS = 20;
  static final String PREFIX = "ann-";

  private Pseudonyms() {}

  /** The pseudonym of one id, for {@code trace}, the exclusion list and the tests. */
  public static String of(String rawId, byte[] key) {
    return new Hasher(key).of(rawId);
  }

  /** Pseudonyms computed in per-record Java code, one MAC reused; not thread-safe, so one per task. */
  public static final class Hasher {
    private final javax.crypto.Mac mac;

    public Hasher(byte[] key) {
      try {
        mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    public String of(String rawId) {
      String hex = HexFormat.of().formatHex(mac.doFinal(rawId.getBytes(StandardCharsets.UTF_8)));
      return PREFIX + hex.substring(0, HEX_CHARS);
    }
  }

  private static final java.util.regex.Pattern EMAIL_PATTERN = java.util.regex.Pattern.compile(
      "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+");
  /** What separates the words of a free text: whitespace, brackets, quotes and list punctuation. */
  private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[^\\s,;:()\\[\\]{}<>\"'`|=]+");

  /**
   * {@code text} with no raw identifier left: every e-mail address becomes its pseudonym, and so does every word
   * (or the whole text) that {@code asPseudonym} recognises as a raw annotator id (it returns the pseudonym, else
   * null). A word's trailing sentence punctuation is not part of it. Equal ids give equal pseudonyms, so the text
   * still says who, to someone with the key.
   */
  public static String scrubText(String text, Hasher hasher, java.util.function.Function<String, String> asPseudonym) {
    if (text == null) {
      return null;
    }
    String whole = asPseudonym.apply(text);
    if (whole != null) {
      return whole;
    }
    java.util.regex.Matcher email = EMAIL_PATTERN.matcher(text);
    String noEmails = email.find() ? email.replaceAll(m -> hasher.of(m.group())) : text;
    java.util.regex.Matcher word = WORD.matcher(noEmails);
    StringBuilder out = new StringBuilder(noEmails.length());
    int last = 0;
    while (word.find()) {
      int end = word.end();
      while (end > word.start() && ".!?".indexOf(noEmails.charAt(end - 1)) >= 0) {
        end--;
      }
      String w = noEmails.substring(word.start(), end);
      String pseudonym = w.isEmpty() || isPseudonym(w) ? null : asPseudonym.apply(w);
      if (pseudonym != null) {
        out.append(noEmails, last, word.start()).append(pseudonym);
        last = end;
      }
    }
    return last == 0 ? noEmails : out.append(noEmails, last, noEmails.length()).toString();
  }

  /** {@link #scrubText} over a map's keys and values. */
  public static java.util.Map<String, String> scrubMap(java.util.Map<String, String> map, Hasher hasher,
      java.util.function.Function<String, String> asPseudonym) {
    if (map == null) {
      return null;
    }
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    map.forEach((k, v) -> out.put(scrubText(k, hasher, asPseudonym), scrubText(v, hasher, asPseudonym)));
    return out;
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
}
