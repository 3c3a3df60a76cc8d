package dev.concord.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict JSON reading of one input line, shared by submissions and gold: JSON as RFC 8259 defines it (no single
 * quotes, no NaN, no comments, no duplicate keys, nothing after the value), valid UTF-8, no unpaired surrogates, and
 * bounded nesting and token sizes. Every failure becomes a {@link Problem} whose detail names the field and the
 * position but never echoes the offending token, which may be a raw annotator id.
 */
final class JsonReading {
  private JsonReading() {}

  /** Deeper than any submission needs (root, answer, ratings, response, dimension) with room for platform extras. */
  static final int MAX_DEPTH = 256;
  static final int MAX_NUMBER_DIGITS = 1000;
  static final int MAX_KEY_CHARS = 50_000;

  /** The factory of strict parsers; strings may be as long as a line, since field sizes are rules of their own. */
  static JsonFactory factory(int maxLineBytes) {
    JsonFactory f = JsonFactory.builder()
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
            .maxNumberLength(MAX_NUMBER_DIGITS).maxNameLength(MAX_KEY_CHARS)
            .maxStringLength(Math.max(maxLineBytes, 1)).maxDocumentLength(-1).build())
        .build();
    f.disable(JsonFactory.Feature.INTERN_FIELD_NAMES);
    return f;
  }

  /**
   * What reading one line came to: its bytes, its text (null when they are not UTF-8) and, for a bad line, the reason
   * and the detail.
   */
  record Outcome(byte[] raw, String text, String reason, String detail) {
    /** The raw text the quarantine keeps: the line as received, each invalid UTF-8 sequence as U+FFFD. */
    String rawText() {
      return text != null ? text : lenientText(raw);
    }

    /** The exact bytes, only when the text cannot hold them. */
    byte[] rawBytes() {
      return text != null ? null : raw;
    }

    boolean good() {
      return reason == null;
    }
  }

  /** Reads one line's JSON; returns the (reason, detail) of a rule that fails, else null. */
  interface Reading {
    String[] read(String json) throws Problem;
  }

  /**
   * Reads a line ({@code raw} bytes, and {@code reason, detail} where the file reader already found it bad, which
   * stand): decoded as strict UTF-8, refused when blank, else given to {@code reading}. Whatever fails, even a bug,
   * is the line's problem and never the run's. {@code holds} says what a line holds, for the blank line's detail.
   */
  static Outcome read(org.apache.spark.sql.Row line, String holds, Reading reading) {
    byte[] raw = line.getAs(dev.concord.schema.Col.RAW);
    String reason = line.getAs(dev.concord.schema.Col.REASON);
    String detail = line.getAs(dev.concord.schema.Col.DETAIL);
    String text = null;
    try {
      text = decode(raw);
      if (reason == null) {
        if (isBlank(text)) {
          throw new Problem("blank_line", "the line is empty or holds only whitespace; a line must hold " + holds);
        }
        String[] failed = reading.read(json(text));
        if (failed != null) {
          reason = failed[0];
          detail = failed[1];
        }
      }
    } catch (Problem p) {
      if (reason == null) {
        reason = p.reason();
        detail = p.detail();
      }
    } catch (RuntimeException e) {
      reason = "unreadable_line";
      detail = "the line could not be read (" + e.getClass().getSimpleName() + "); it is kept here as received";
    }
    return new Outcome(raw, text, reason, detail);
  }

  /** A line's text, or the problem that it is not valid UTF-8 (with the byte offset of the first bad byte). */
  static String decode(byte[] line) throws Problem {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(line);
    CharBuffer out = CharBuffer.allocate(line.length);
    CoderResult r = decoder.decode(in, out, true);
    if (r.isError()) {
      int at = in.position();
      throw new Problem("invalid_utf8", String.format("the line is not valid UTF-8: byte 0x%02X at byte %d starts"
          + " no valid character (the line must be UTF-8; was it written in another encoding?)", line[at] & 0xFF,
          at + 1));
    }
    decoder.flush(out);
    out.flip();
    return out.toString();
  }

  /** The text JSON is parsed from: without a byte order mark before it (editors on Windows write one). */
  static String json(String text) {
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** The line's text with every invalid byte sequence replaced by U+FFFD, for the quarantine. */
  static String lenientText(byte[] line) {
    return new String(line, StandardCharsets.UTF_8);
  }

  /** Whether every character is whitespace, a control or an invisible format character (a zero-width space). */
  static boolean isBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)
          || Character.getType(c) == Character.FORMAT)) {
        return false;
      }
    }
    return true;
  }

  /** The index of the first unpaired UTF-16 surrogate in {@code s}, or -1. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** The current value as a string; a string holding an unpaired surrogate (an escape like \ud800) is refused. */
  static String text(JsonParser p, String path) throws IOException, Problem {
    String s = p.getText();
    int at = unpairedSurrogate(s);
    if (at >= 0) {
      throw new Problem("bad_text", "field '" + path + "' holds an unpaired UTF-16 surrogate (" + String.format(
          "\\u%04x", (int) s.charAt(at)) + " at character " + (at + 1) + "), which is no Unicode text");
    }
    return s;
  }

  /** A string value, null for JSON null; anything else is the wrong type. */
  static String string(JsonParser p, String path) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw wrongType(p, path, "a string");
    }
    return text(p, path);
  }

  /** An integer value within int range, null for JSON null. */
  static Integer integer(JsonParser p, String path) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
      throw wrongType(p, path, "an integer");
    }
    return p.getIntValue();
  }

  /** A number value, null for JSON null. */
  static Double number(JsonParser p, String path) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
      throw wrongType(p, path, "a number");
    }
    double d = p.getDoubleValue();
    if (Double.isInfinite(d)) {
      throw new Problem("wrong_type", "field '" + path + "' is a number too large for a double");
    }
    return d;
  }

  /** A list of strings, null for JSON null. */
  static List<String> strings(JsonParser p, String path) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.START_ARRAY) {
      throw wrongType(p, path, "a list of strings");
    }
    List<String> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String s = string(p, path + "[" + out.size() + "]");
      if (s == null) {
        throw new Problem("wrong_type", "field '" + path + "[" + out.size() + "]' must be a string, got null");
      }
      out.add(s);
    }
    return out;
  }

  static void expectObject(JsonParser p, String path, String what) throws Problem {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw wrongType(p, path, what);
    }
  }

  static Problem wrongType(JsonParser p, String path, String expected) {
    return new Problem("wrong_type", "field '" + path + "' must be " + expected + ", got " + kind(p.currentToken()));
  }

  /** What a token is, in words; never its value. */
  static String kind(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number with a fraction";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> "a " + t.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /**
   * Reads to the end of the line after the root value: anything but whitespace there (a second object, a stray
   * brace) is a problem, since one line holds one JSON value.
   */
  static void requireEnd(JsonParser p) throws Problem {
    long end = offset(p.currentLocation());
    try {
      if (p.nextToken() == null) {
        return;
      }
    } catch (IOException e) {
      // Garbage after the value: reported as trailing content below, not as the garbage's own syntax error.
    }
    throw new Problem("trailing_content", "the line holds more after its JSON value ends at character " + end
        + "; a line must hold exactly one JSON object (two submissions on one line, or stray characters?)");
  }

  private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) ['\"](.*)['\"]");
  private static final Pattern UNEXPECTED = Pattern.compile("Unexpected character \\('(.)' \\(code (\\d+)");

  /**
   * A Jackson failure as a problem: its kind in words, the field it happened in and the byte where, but no token
   * of the input (Jackson's own messages quote the token, which may be a raw id). {@code known} names the keys a
   * detail may quote (the contract's field names); any other key is only "a key".
   */
  static Problem explain(JsonProcessingException e, JsonParser p, java.util.Set<String> known) {
    String where = where(p);
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      if (message.contains("nesting depth")) {
        return new Problem("too_deep", "the line nests lists or objects more than " + MAX_DEPTH + " levels deep"
            + where);
      }
      if (message.contains("Number value length") || message.contains("Number length")) {
        return new Problem("field_too_large", "a number has more than " + MAX_NUMBER_DIGITS + " digits" + where);
      }
      if (message.contains("Name length") || message.contains("name length")) {
        return new Problem("field_too_large", "a key has more than " + MAX_KEY_CHARS + " characters" + where);
      }
      return new Problem("field_too_large", "a value exceeds the parser's limits (" + scrubQuoted(message) + ")"
          + where);
    }
    Matcher dup = DUPLICATE.matcher(message);
    if (dup.find()) {
      String key = known.contains(dup.group(1)) ? "the key '" + dup.group(1) + "'" : "a key";
      return new Problem("duplicate_key", key + " appears twice in one object" + where
          + "; which one holds would be a guess");
    }
    if (e instanceof JsonEOFException || message.startsWith("Unexpected end-of-input")) {
      return new Problem("invalid_json", "the line ends inside a JSON value (cut short?)" + where);
    }
    String what;
    Matcher unexpected = UNEXPECTED.matcher(message);
    if (message.startsWith("Unrecognized token")) {
      what = "a bare word where a JSON value should be (strings need double quotes)";
    } else if (message.startsWith("Non-standard token")) {
      what = "NaN or Infinity, which are not JSON numbers";
    } else if (unexpected.find()) {
      int code = Integer.parseInt(unexpected.group(2));
      what = code == '\'' ? "a single quote (JSON strings and keys need double quotes)"
          : "an unexpected character " + (code > 32 && code < 127 ? "'" + (char) code + "'" : "")
              + String.format(" (U+%04X)", code);
    } else if (message.startsWith("Illegal unquoted character")) {
      what = "a control character inside a string (it must be escaped)";
    } else if (message.startsWith("Unrecognized character escape")) {
      what = "an escape sequence JSON does not have";
    } else if (message.startsWith("Invalid numeric value") || message.startsWith("Leading zeroes")) {
      what = "a malformed number";
    } else {
      what = scrubQuoted(message.lines().findFirst().orElse("a syntax error"));
    }
    return new Problem("invalid_json", "the line is not valid JSON: " + what + where);
  }

  /** " in field 'x' at byte N", from where the parser stands. */
  private static String where(JsonParser p) {
    StringBuilder sb = new StringBuilder();
    String path = path(p.getParsingContext());
    if (!path.isEmpty()) {
      sb.append(" in field '").append(path).append("'");
    }
    JsonLocation at = p.currentLocation();
    if (at != null && offset(at) >= 0) {
      sb.append(" at character ").append(offset(at) + 1);
    }
    return sb.toString();
  }

  /** Where the parser stands in the line, 0-based: lines are parsed as text, so in characters. */
  private static long offset(JsonLocation at) {
    return at.getByteOffset() >= 0 ? at.getByteOffset() : at.getCharOffset();
  }

  static String path(JsonStreamContext context) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.add(0, "[" + Math.max(c.getCurrentIndex(), 0) + "]");
      } else if (c.getCurrentName() != null) {
        parts.add(0, "." + c.getCurrentName());
      }
    }
    String s = String.join("", parts);
    return s.startsWith(".") ? s.substring(1) : s;
  }

  /** Jackson's message with every quoted token taken out. */
  private static String scrubQuoted(String message) {
    return message.replaceAll("'[^']*'", "'…'").replaceAll("\"[^\"]*\"", "\"…\"");
  }

}
