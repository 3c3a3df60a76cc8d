package dev.concord.quality;

import java.util.List;

/**
 * A data-quality gate, as written in the configuration: a rule over one figure of the run, the level of a failure
 * and the threshold it is held to.
 *
 * @param rule what is measured; see {@link Rule}
 * @param level {@code error} (the run publishes nothing and exits 3) or {@code warning} (noted in the manifest)
 * @param threshold the most the figure may be, or for {@code min_rows} the least; for {@code drift} the most the share
 *     may move from the previous published version's, in absolute terms
 * @param table for {@code min_rows}: the published table counted, or {@link #RECORDS}
 * @param metric for {@code drift}: the share compared with the previous version's
 */
public record Gate(String rule, String level, Double threshold, String table, String metric) {
  public static final String ERROR = "error";
  public static final String WARNING = "warning";
  /** For {@code min_rows}: the record tables together (preferences, sft and labels), so a gate fits every project. */
  public static final String RECORDS = "records";

  /** The rules, each with the figure it reads and whether the figure is bounded from above or below. */
  public enum Rule {
    QUARANTINED_SHARE("quarantined_share"),
    DROPPED_ANNOTATOR_SHARE("dropped_annotator_share"),
    REVIEW_SHARE("review_share"),
    CHOSEN_EQUALS_REJECTED("chosen_equals_rejected"),
    EMPTY_PROMPTS("empty_prompts"),
    MIN_ROWS("min_rows"),
    DRIFT("drift");

    final String name;

    Rule(String name) {
      this.name = name;
    }

    static Rule named(String name) {
      for (Rule r : values()) {
        if (r.name.equals(name)) {
          return r;
        }
      }
      return null;
    }
  }

  /** The shares a drift gate may compare. */
  public static final List<String> SHARES = List.of(Rule.QUARANTINED_SHARE.name, Rule.DROPPED_ANNOTATOR_SHARE.name,
      Rule.REVIEW_SHARE.name);

  /** Checks the gate against the names of the published tables; returns a message naming what is wrong, or null. */
  public String problem(List<String> tables) {
    Rule r = rule == null ? null : Rule.named(rule);
    if (r == null) {
      return "rule '" + rule + "' is not one of " + java.util.Arrays.stream(Rule.values()).map(x -> x.name).toList();
    }
    if (!ERROR.equals(level) && !WARNING.equals(level)) {
      return "level '" + level + "' is not error or warning";
    }
    if (threshold == null || threshold.isNaN() || threshold < 0) {
      return "threshold must be a number, at least 0, got " + threshold;
    }
    if (r == Rule.MIN_ROWS ? !tables.contains(table) && !RECORDS.equals(table) : table != null) {
      return r == Rule.MIN_ROWS ? "table '" + table + "' is not one of " + tables + " nor " + RECORDS
          : "table applies to min_rows only";
    }
    if (r == Rule.DRIFT ? !SHARES.contains(metric) : metric != null) {
      return r == Rule.DRIFT ? "metric '" + metric + "' is not one of " + SHARES : "metric applies to drift only";
    }
    if (r.name.endsWith("_share") && threshold > 1) {
      return "threshold of a share must be at most 1, got " + threshold;
    }
    return null;
  }

  /** How the gate names itself in reports: the rule, with its table or metric. */
  public String label() {
    return rule + (table != null ? "(" + table + ")" : "") + (metric != null ? "(" + metric + ")" : "");
  }
}
