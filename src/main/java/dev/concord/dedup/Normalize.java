package dev.concord.dedup;

import static org.apache.spark.sql.functions.udf;

import java.text.Normalizer;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Text as compared for duplicates: Unicode NFKC, every run of whitespace one space, trimmed. Spark has no Unicode
 * normalisation built in, hence the one UDF; it runs once per record text, never per submission.
 */
public final class Normalize {
  private Normalize() {}

  private static final Pattern SPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  public static String text(String s) {
    if (s == null || isNormalAscii(s)) {
      return s;
    }
    return SPACE.matcher(Normalizer.normalize(s, Normalizer.Form.NFKC)).replaceAll(" ").trim();
  }

  /**
   * Whether {@code s} is ASCII with single spaces between words and nothing {@link String#trim} removes at the ends:
   * NFKC leaves ASCII as it is, and such a text has no whitespace to fold, so most texts skip the normaliser and the
   * regular expression.
   */
  static boolean isNormalAscii(String s) {
    if (s.isEmpty() || s.charAt(0) <= ' ' || s.charAt(s.length() - 1) <= ' ') {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80 || (c >= 0x09 && c <= 0x0D) || (c == ' ' && s.charAt(i - 1) == ' ')) {
        return false;
      }
    }
    return true;
  }

  private static final UserDefinedFunction UDF = udf((UDF1<String, String>) Normalize::text, DataTypes.StringType);

  public static Column text(Column c) {
    return UDF.apply(c);
  }

  /** {@link #text(Column)}, then case-folded when {@code ignoreCase}. */
  public static Column text(Column c, boolean ignoreCase) {
    return ignoreCase ? org.apache.spark.sql.functions.lower(UDF.apply(c)) : UDF.apply(c);
  }
}
