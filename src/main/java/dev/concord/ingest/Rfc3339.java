package dev.concord.ingest;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 3339 timestamps (section 5.6): a date, {@code T} or a space, a time with optional fraction and a mandatory
 * offset; {@code T} and {@code Z} in either case; a leap second (:60) read as the last instant of its minute's 59th
 * second, as {@code java.time} does.
 */
final class Rfc3339 {
  private Rfc3339() {}

  private static final Pattern FORM = Pattern.compile(
      "(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(\\.\\d{1,9})?([Zz]|([+-])(\\d{2}):(\\d{2}))");

  /** The instant, or null when {@code text} is not an RFC 3339 timestamp of a real date and time. */
  static Instant parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      return null;
    }
    try {
      int second = Integer.parseInt(m.group(6));
      boolean leap = second == 60;
      if (leap && !m.group(5).equals("59")) {
        return null;
      }
      int nanos = m.group(7) == null ? 0 : Integer.parseInt((m.group(7).substring(1) + "00000000").substring(0, 9));
      LocalDateTime local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
          leap ? 59 : second, leap ? 999_999_999 : nanos);
      ZoneOffset offset = m.group(9) == null ? ZoneOffset.UTC : ZoneOffset.ofHoursMinutes(
          Integer.parseInt(m.group(9) + m.group(10)), Integer.parseInt(m.group(9) + m.group(11)));
      return local.toInstant(offset);
    } catch (DateTimeException | NumberFormatException e) {
      return null;
    }
  }
}
