package dev.concord.quality;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gates evaluated against a run's figures, and the previous published version's for drift. */
public final class Gates {
  private Gates() {}

  /**
   * The outcome of one gate.
   *
   * @param figure the figure held to the threshold (for drift, the absolute change); null when there was nothing to
   *     compare with (drift on a first version), which passes
   */
  public record Result(Gate gate, Double figure, Double current, Double previous, boolean passed) {
    public boolean failedAsError() {
      return !passed && Gate.ERROR.equals(gate.level());
    }

    public Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("gate", gate.label());
      m.put("level", gate.level());
      m.put("threshold", gate.threshold());
      m.put("figure", figure);
      if (Gate.Rule.named(gate.rule()) == Gate.Rule.DRIFT) {
        m.put("current", current);
        m.put("previous", previous);
      }
      m.put("passed", passed);
      return m;
    }

    public String line() {
      String bound = Gate.Rule.named(gate.rule()) == Gate.Rule.MIN_ROWS ? "at least " : "at most ";
      String drift = previous == null ? "" : " (now " + current + ", previous version " + previous + ")";
      return gate.level() + " " + gate.label() + ": " + (figure == null ? "nothing to compare with" : figure)
          + drift + ", must be " + bound + gate.threshold() + (passed ? ": passed" : ": FAILED");
    }
  }

  /**
   * @param figures this run's figures: the shares, {@code chosen_equals_rejected}, {@code empty_prompts} and
   *     {@code rows.TABLE}
   * @param previous the previous published version's figures (empty when there is none)
   */
  public static List<Result> evaluate(List<Gate> gates, Map<String, Double> figures, Map<String, Double> previous) {
    List<Result> out = new ArrayList<>();
    for (Gate g : gates) {
      Gate.Rule rule = Gate.Rule.named(g.rule());
      switch (rule) {
        case MIN_ROWS -> {
          double rows = figure(figures, "rows." + g.table());
          out.add(new Result(g, rows, null, null, rows >= g.threshold()));
        }
        case DRIFT -> {
          double now = figure(figures, g.metric());
          Double then = previous.get(g.metric());
          Double change = then == null ? null : Math.abs(now - then);
          out.add(new Result(g, change, now, then, change == null || change <= g.threshold()));
        }
        default -> {
          double f = figure(figures, g.rule());
          out.add(new Result(g, f, null, null, f <= g.threshold()));
        }
      }
    }
    return out;
  }

  private static double figure(Map<String, Double> figures, String name) {
    Double f = figures.get(name);
    if (f == null) {
      throw new IllegalStateException("no figure '" + name + "' among " + figures.keySet());
    }
    return f;
  }

  /** An error-level gate failed: the run publishes nothing and exits 3. */
  public static final class Failure extends RuntimeException {
    private final transient List<Result> results;

    public Failure(List<Result> results) {
      super("data-quality gate failed: " + String.join("; ",
          results.stream().filter(Result::failedAsError).map(Result::line).toList()));
      this.results = List.copyOf(results);
    }

    public List<Result> results() {
      return results;
    }
  }
}
