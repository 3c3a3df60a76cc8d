package dev.concord.ingest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * 64-bit fingerprints of parsed submissions, for the cross-line checks: the same content gives the same hash
 * whatever the key order, whitespace or escapes of the line. Each value is written with its length before it, so
 * no two different submissions share an encoding (only a hash collision, at odds of 2^-64 a pair).
 */
final class Hashes {
  private Hashes() {}

  /** The whole submission but where it was read: two lines of one submission id must agree on it. */
  static long content(Submission s) {
    Encoder e = new Encoder();
    e.add(s.submissionId).add(s.itemId).add(s.project).add(s.taskType).add(s.annotatorId).add(s.submittedAtText);
    prompt(e, s.prompt);
    responses(e, s.responses, false);
    Submission.Answer a = s.answer;
    e.add(a.preferred).add(a.strength == null ? null : a.strength.toString()).list(a.ranking);
    if (a.ratings == null) {
      e.add(null);
    } else {
      Map<String, Map<String, Integer>> sorted = new TreeMap<>();
      a.ratings.forEach((r, scores) -> sorted.put(r, new TreeMap<>(scores)));
      e.add(String.valueOf(sorted.size()));
      sorted.forEach((r, scores) -> {
        e.add(r).add(String.valueOf(scores.size()));
        scores.forEach((d, v) -> e.add(d).add(v.toString()));
      });
    }
    e.add(a.label).add(a.completion).add(s.justification).add(s.guidelineVersion)
        .add(s.timeSpentS == null ? null : Double.toString(s.timeSpentS));
    if (s.metadata == null) {
      e.add(null);
    } else {
      Map<String, String> sorted = new TreeMap<>(s.metadata);
      e.add(String.valueOf(sorted.size()));
      sorted.forEach((k, v) -> e.add(k).add(v));
    }
    return e.hash();
  }

  /** What every submission on one item must share: its project, task type, prompt and responses (in any order). */
  static long item(Submission s) {
    Encoder e = new Encoder();
    e.add(s.project).add(s.taskType);
    prompt(e, s.prompt);
    responses(e, s.responses, true);
    return e.hash();
  }

  private static void prompt(Encoder e, List<Submission.Message> prompt) {
    e.add(String.valueOf(prompt.size()));
    prompt.forEach(m -> e.add(m.role()).add(m.content()));
  }

  private static void responses(Encoder e, List<Submission.Response> responses, boolean anyOrder) {
    List<Submission.Response> rs = responses == null ? List.of() : anyOrder
        ? responses.stream().sorted(Comparator.comparing(Submission.Response::responseId)).toList() : responses;
    e.add(String.valueOf(rs.size()));
    rs.forEach(r -> e.add(r.responseId()).add(r.text()).add(r.model()));
  }

  /** Each value a marker (null or not), then its UTF-8 length as a varint and its bytes. */
  private static final class Encoder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    Encoder add(String value) {
      if (value == null) {
        out.write(0);
        return this;
      }
      out.write(1);
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      for (int n = b.length; ; n >>>= 7) {
        if (n < 0x80) {
          out.write(n);
          break;
        }
        out.write((n & 0x7F) | 0x80);
      }
      out.write(b, 0, b.length);
      return this;
    }

    Encoder list(List<String> values) {
      if (values == null) {
        return add(null);
      }
      add(String.valueOf(values.size()));
      values.forEach(this::add);
      return this;
    }

    long hash() {
      byte[] b = out.toByteArray();
      return MurmurHash3.hash128x64(b, 0, b.length, 0)[0];
    }
  }
}
