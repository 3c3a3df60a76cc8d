package dev.concord.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.forall;

import dev.concord.schema.Status;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;

/** The figures the gates read, from a run's counts and its published records. */
public final class Figures {
  private Figures() {}

  /** Tallied over the published preference pairs, for {@link #of}. */
  public static List<Tally> preferenceTallies() {
    return List.of(new Tally(Gate.Rule.CHOSEN_EQUALS_REJECTED.name, col(Col.CHOSEN).equalTo(col(Col.REJECTED))),
        new Tally(Gate.Rule.EMPTY_PROMPTS.name, emptyPrompt()));
  }

  /** Tallied over the published SFT pairs, for {@link #of}. */
  public static List<Tally> sftTallies() {
    return List.of(new Tally(Gate.Rule.EMPTY_PROMPTS.name, emptyPrompt()));
  }

  /**
   * @param counts the manifest's {@code counts}: fates, annotators, items and tables
   * @param tallies the counts of {@link #preferenceTallies} and {@link #sftTallies} (absent ones count nothing)
   */
  public static Map<String, Double> of(Map<String, Object> counts, Map<String, Map<String, Long>> tallies) {
    Map<String, Double> f = new TreeMap<>();
    Map<String, Object> fates = map(counts, "fates");
    f.put(Gate.Rule.QUARANTINED_SHARE.name, share(number(fates.get("quarantined")), number(counts.get("decisions"))));
    Map<String, Object> annotators = map(counts, "annotators");
    f.put(Gate.Rule.DROPPED_ANNOTATOR_SHARE.name, share(number(annotators.get("dropped")), total(annotators)));
    Map<String, Object> items = map(counts, "items");
    double review = items.entrySet().stream().filter(e -> e.getKey().endsWith("/" + dev.concord.schema.Status.REVIEW))
        .mapToDouble(e -> number(e.getValue())).sum();
    f.put(Gate.Rule.REVIEW_SHARE.name, share(review, total(items)));
    map(counts, "tables").forEach((table, rows) -> f.put("rows." + table, number(rows)));
    f.put("rows." + Gate.RECORDS, java.util.stream.Stream.of("preferences", "sft", "labels")
        .mapToDouble(t -> number(map(counts, "tables").get(t))).sum());
    for (Gate.Rule counted : List.of(Gate.Rule.CHOSEN_EQUALS_REJECTED, Gate.Rule.EMPTY_PROMPTS)) {
      f.put(counted.name, number(tallies.getOrDefault(counted.name, Map.of()).get("true")));
    }
    return f;
  }

  /**
   * No message, or only messages whose content is blank: nothing but whitespace (Unicode's, not only the space),
   * control and invisible format characters.
   */
  static Column emptyPrompt() {
    return forall(col(Col.PROMPT), m -> m.getField("content").isNull()
        .or(m.getField("content").rlike("^[\\s\\p{Z}\\p{Cc}\\p{Cf}]*$")));
  }

  private static double share(double part, double whole) {
    return whole == 0 ? 0.0 : part / whole;
  }

  private static double total(Map<String, Object> m) {
    return m.values().stream().mapToDouble(Figures::number).sum();
  }

  private static double number(Object o) {
    return o == null ? 0.0 : ((Number) o).doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> counts, String key) {
    Object o = counts.get(key);
    return o == null ? Map.of() : (Map<String, Object>) o;
  }
}
