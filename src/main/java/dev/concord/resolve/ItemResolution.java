package dev.concord.resolve;

import dev.concord.agreement.Units;
import dev.concord.config.ProjectSettings;
import dev.concord.config.TaskType;
import dev.concord.schema.Status;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The resolution of one item from everything known of it: its votes, its gold units and, under Dawid-Skene, its
 * posteriors. Each task type's rule is plain Java over the item's few rows, the same rules as {@link Resolve}
 * documents: gold first, then the project's method; a tie or too little confidence to review. Sums are rounded to nine
 * digits before any comparison, as there, so float noise never decides.
 */
final class ItemResolution {
  private ItemResolution() {}

  /** One project's resolution settings. */
  /**
   * @param consensus the least vote share that resolves a rating pair
   * @param review the least support that resolves a categorical answer or a ranking pair (the consensus threshold,
   *     or the posterior threshold under an estimated method), and {@code reviewKey} the key it comes from
   */
  record Rules(double consensus, double review, String reviewKey, String method, boolean adjacentOnly,
      double ratingMargin, Map<String, Double> dimensionWeights) implements Serializable {
    Rules withMethod(String other) {
      return new Rules(consensus, review, reviewKey, other, adjacentOnly, ratingMargin, dimensionWeights);
    }
  }

  /** The settings of every project named in the configuration, and of the rest. */
  record Settings(Rules defaults, Map<String, Rules> projects) implements Serializable {
    Rules of(String project) {
      Rules own = projects.get(project);
      return own == null ? defaults : own;
    }
  }

  /** A vote: an annotator's answer on one unit of the item. */
  record Vote(String unit, String partA, String partB, String category, Double ordinal, String annotator,
      String submissionId, Integer strength, double weight, String method) {}

  /** A gold unit of the item. */
  record Gold(String unit, String partA, String partB, String category, Double ordinal, Integer strength) {}

  /** Everything known of one item. */
  static final class Item {
    String id;
    String project;
    String taskType;
    List<String> responseIds;
    final List<Vote> votes = new ArrayList<>();
    final List<Gold> gold = new ArrayList<>();
    /** Posterior per unit and category, for the units Dawid-Skene estimated. */
    final Map<String, Map<String, Double>> posteriors = new TreeMap<>();
  }

  /** The rows of one item: its outcome, its candidate records and their edges, each as a {@link Out} row. */
  static List<Row> resolve(Item item, Settings settings) {
    Rules configured = settings.of(item.project);
    // Under auto, the votes carry the model chosen for the item's project and task type: the one that resolved it.
    Rules rules = ProjectSettings.AUTO.equals(configured.method()) && !item.votes.isEmpty()
        ? configured.withMethod(item.votes.get(0).method()) : configured;
    return switch (TaskType.parse(item.taskType)) {
      case PAIRWISE, LABEL -> categorical(item, rules);
      case RANKING -> ranking(item, rules);
      case RATING -> rating(item, rules);
      case SFT -> List.of();
    };
  }

  // ---- pairwise and label ----

  private record Answer(double w, long n, String category, Double meanStrength) {}

  private static final Comparator<Answer> RANKED = Comparator.comparingDouble(Answer::w)
      .thenComparingLong(Answer::n).thenComparing(Answer::category)
      .thenComparing(Answer::meanStrength, Comparator.nullsFirst(Comparator.naturalOrder())).reversed();

  private static List<Row> categorical(Item item, Rules rules) {
    List<Row> out = new ArrayList<>();
    Map<String, long[]> counted = new TreeMap<>();
    Map<String, double[]> strengths = new TreeMap<>();
    for (Vote v : item.votes) {
      counted.computeIfAbsent(v.category(), c -> new long[1])[0]++;
      strengths.computeIfAbsent(v.category(), c -> new double[2])[0] += v.strength() == null ? Resolve.DEFAULT_STRENGTH
          : v.strength();
      strengths.get(v.category())[1]++;
    }
    Map<String, Double> support = support(item.votes, item.posteriors, item.id);
    List<Answer> ranked = null;
    Double totalW = null;
    Long totalN = null;
    if (!support.isEmpty()) {
      ranked = new ArrayList<>();
      double w = 0;
      long n = 0;
      for (Map.Entry<String, Double> s : support.entrySet()) {
        long count = counted.containsKey(s.getKey()) ? counted.get(s.getKey())[0] : 0;
        double[] st = strengths.get(s.getKey());
        ranked.add(new Answer(s.getValue(), count, s.getKey(), st == null ? null : st[0] / st[1]));
        w += s.getValue();
        n += count;
      }
      ranked.sort(RANKED);
      totalW = w;
      totalN = n;
    }
    Gold gold = item.gold.isEmpty() ? null : item.gold.get(0);
    boolean hasGold = gold != null && gold.category() != null;
    double total = totalW == null ? 0.0 : totalW;
    Answer top = ranked == null || ranked.isEmpty() ? null : ranked.get(0);
    Answer second = ranked == null || ranked.size() < 2 ? null : ranked.get(1);
    double goldShare = 0.0;
    if (hasGold && total > 0) {
      double s = 0;
      for (Answer a : ranked) {
        if (a.category().equals(gold.category())) {
          s += a.w();
        }
      }
      goldShare = s / total;
    }
    Double topShare = top == null || total == 0 ? null : top.w() / total;
    String outcome = hasGold ? gold.category() : top == null ? null : top.category();
    String reason = hasGold ? null : total == 0 ? "no_kept_annotators"
        : second != null && second.w() == top.w() ? "tie"
        : topShare != null && topShare < rules.review() ? "no_consensus" : null;
    String status = reason != null ? Status.REVIEW : "tie".equals(outcome) ? Resolve.NO_RECORD : Resolve.RESOLVED;
    long agreed = 0;
    Double strengthOfOutcome = null;
    if (ranked != null) {
      for (Answer a : ranked) {
        if (a.category().equals(outcome)) {
          agreed += a.n();
          strengthOfOutcome = a.meanStrength();
        }
      }
    }
    String resolution = hasGold ? Resolve.GOLD
        : totalN != null && agreed == totalN && !ProjectSettings.estimated(rules.method()) ? Resolve.UNANIMOUS
        : rules.method();
    double agreement = hasGold ? goldShare : topShare == null ? 0.0 : topShare;
    String detail = "no_kept_annotators".equals(reason)
        ? "every annotator of the item was dropped, and there is no gold label"
        : "tie".equals(reason) ? "the two leading answers have the same " + supportNoun(rules.method()) + " "
            + formatNumber(top.w())
        : "no_consensus".equals(reason) ? "the leading answer has " + supportNoun(rules.method()) + " "
            + formatNumber(topShare) + ", below " + rules.reviewKey() + " " + rules.review()
        : Resolve.NO_RECORD.equals(status) ? "resolved as a tie, which makes no preference pair" : null;
    int annotatorCount = totalN == null ? 0 : (int) (long) totalN;
    double strength = hasGold && gold.strength() != null ? gold.strength()
        : strengthOfOutcome != null ? strengthOfOutcome : Resolve.DEFAULT_STRENGTH;
    List<Row> votes = new ArrayList<>();
    if (ranked != null) {
      for (Answer a : ranked) {
        votes.add(RowFactory.create(a.category(), (int) a.n(), a.w()));
      }
    }
    out.add(Out.outcome(item, status, reason, detail, resolution, agreement, annotatorCount, votes));
    if (!Resolve.RESOLVED.equals(status)) {
      return out;
    }
    boolean pairwise = item.taskType.equals(TaskType.PAIRWISE.id());
    String candidate;
    if (pairwise) {
      List<String> sorted = new ArrayList<>(item.responseIds);
      sorted.sort(Comparator.nullsLast(Comparator.naturalOrder()));
      int o = Integer.parseInt(outcome);
      String chosen = sorted.get(o - 1);
      String rejected = sorted.get(3 - o - 1);
      candidate = String.join("\u001f", Resolve.PREFERENCES, item.id, chosen, rejected);
      double margin = resolution.equals(Resolve.GOLD) ? strength : agreement * strength;
      out.add(Out.candidate(candidate, Resolve.PREFERENCES, item, chosen, rejected, null, null, resolution,
          agreement, annotatorCount, (int) agreed, annotators(item.votes), margin));
    } else {
      candidate = String.join("\u001f", Resolve.LABELS, item.id, outcome);
      String response = item.responseIds == null || item.responseIds.isEmpty() ? null : item.responseIds.get(0);
      out.add(Out.candidate(candidate, Resolve.LABELS, item, null, null, outcome, response, resolution, agreement,
          annotatorCount, (int) agreed, annotators(item.votes), 0.0));
    }
    for (Vote v : item.votes) {
      out.add(Out.edge(candidate, item.id, v.submissionId(), role(v.category().equals(outcome), resolution)));
    }
    return out;
  }

  /**
   * Each answer's support on a unit: the rounded sum of its votes' weights, or under Dawid-Skene the posterior of
   * every class with any mass (answers nobody gave included).
   */
  private static Map<String, Double> support(List<Vote> votes, Map<String, Map<String, Double>> posteriors,
      String unit) {
    Map<String, Double> out = new TreeMap<>();
    boolean estimated = false;
    Map<String, List<Double>> weights = new TreeMap<>();
    for (Vote v : votes) {
      if (!v.unit().equals(unit)) {
        continue;
      }
      if (ProjectSettings.estimated(v.method())) {
        estimated = true;
      } else {
        weights.computeIfAbsent(v.category(), c -> new ArrayList<>()).add(v.weight());
      }
    }
    weights.forEach((c, ws) -> out.put(c, round(sum(ws.stream().sorted().toList()))));
    if (estimated || posteriors.containsKey(unit)) {
      posteriors.getOrDefault(unit, Map.of()).forEach((c, p) -> {
        if (p > 0) {
          out.put(c, p);
        }
      });
    }
    return out;
  }

  // ---- ranking ----

  private static final class Pair {
    String a;
    String b;
    String unit;
    Double wa;
    Double wt;
    Long n;
    Long na;
    String goldCategory;
    boolean voted;
    List<Vote> votes = new ArrayList<>();
  }

  private static List<Row> ranking(Item item, Rules rules) {
    List<Row> out = new ArrayList<>();
    Map<List<String>, Pair> pairs = new TreeMap<>(Comparator.<List<String>, String>comparing(p -> p.get(0))
        .thenComparing(p -> p.get(1)));
    Map<String, List<Vote>> byUnit = new TreeMap<>();
    for (Vote v : item.votes) {
      byUnit.computeIfAbsent(v.unit(), u -> new ArrayList<>()).add(v);
    }
    for (Map.Entry<String, List<Vote>> u : byUnit.entrySet()) {
      Vote first = u.getValue().get(0);
      Pair p = pairs.computeIfAbsent(List.of(first.partA(), first.partB()), k -> new Pair());
      p.a = first.partA();
      p.b = first.partB();
      p.unit = u.getKey();
      p.voted = true;
      p.votes.addAll(u.getValue());
      long n = 0;
      long na = 0;
      for (Vote v : u.getValue()) {
        n++;
        if (v.category().equals(Units.ABOVE)) {
          na++;
        }
      }
      Map<String, Double> support = support(u.getValue(), item.posteriors, u.getKey());
      double above = 0;
      double all = 0;
      for (Map.Entry<String, Double> s : support.entrySet()) {
        if (s.getKey().equals(Units.ABOVE)) {
          above += s.getValue();
        }
        all += s.getValue();
      }
      p.wa = round(above);
      p.wt = round(all);
      p.n = n;
      p.na = na;
    }
    boolean itemHasGold = !item.gold.isEmpty();
    for (Gold g : item.gold) {
      Pair p = pairs.computeIfAbsent(List.of(g.partA(), g.partB()), k -> new Pair());
      p.a = g.partA();
      p.b = g.partB();
      p.goldCategory = g.category();
    }
    // Borda places from the votes, and gold's places: how many responses gold puts above each.
    Map<String, Double> score = new TreeMap<>();
    for (Pair p : pairs.values()) {
      if (p.voted) {
        score.merge(p.a, p.wa, Double::sum);
        score.merge(p.b, p.wt - p.wa, Double::sum);
      }
    }
    score.replaceAll((r, s) -> round(s));
    Map<String, Integer> place = denseRankDescending(score);
    Map<String, Integer> goldPlace = new TreeMap<>();
    for (Gold g : item.gold) {
      goldPlace.merge(g.partA(), Units.BELOW.equals(g.category()) ? 1 : 0, Integer::sum);
      goldPlace.merge(g.partB(), Units.ABOVE.equals(g.category()) ? 1 : 0, Integer::sum);
    }
    goldPlace.replaceAll((r, n) -> n + 1);

    record Judged(Pair p, boolean confident, boolean decided, boolean wanted, String chosen, String rejected,
        String resolution, double share, Double margin, Boolean aWins, long n, int agreed, Double rawShare) {}
    List<Judged> judged = new ArrayList<>();
    for (Pair p : pairs.values()) {
      double wa = p.wa == null ? 0.0 : p.wa;
      double wt = p.wt == null ? 0.0 : p.wt;
      double wb = wt - wa;
      Boolean aWins = itemHasGold ? (p.goldCategory == null ? null : p.goldCategory.equals(Units.ABOVE)) : wa > wb;
      boolean wins = Boolean.TRUE.equals(aWins);
      boolean decided = itemHasGold || wa != wb;
      Double share = wt > 0 ? Math.max(wa, wb) / wt : null;
      double winnerShare = itemHasGold ? (wt > 0 ? (wins ? wa : wb) / wt : 0.0) : share == null ? 0.0 : share;
      Integer ga = itemHasGold ? goldPlace.get(p.a) : place.get(p.a);
      Integer gb = itemHasGold ? goldPlace.get(p.b) : place.get(p.b);
      Integer gap = ga == null || gb == null ? null : Math.abs(ga - gb);
      boolean confident = decided && (itemHasGold || winnerShare >= rules.review());
      boolean wanted = !rules.adjacentOnly() || Integer.valueOf(1).equals(gap);
      long n = p.n == null ? 0 : p.n;
      long na = p.na == null ? 0 : p.na;
      long agreed = wins ? na : n - na;
      String resolution = itemHasGold ? Resolve.GOLD
          : agreed == n && !ProjectSettings.estimated(rules.method()) ? Resolve.UNANIMOUS : rules.method();
      judged.add(new Judged(p, confident, decided, wanted, wins ? p.a : p.b, wins ? p.b : p.a, resolution,
          winnerShare, gap == null ? null : winnerShare * gap, aWins, n, (int) agreed, share));
    }
    if (judged.isEmpty()) {
      return out;
    }
    List<List<String>> edges = new ArrayList<>();
    for (Judged j : judged) {
      if (j.confident()) {
        edges.add(List.of(j.chosen(), j.rejected()));
      }
    }
    String cycle = edges.isEmpty() ? null : Cycles.find(edges);
    List<String> annotators = annotators(item.votes);
    int annotatorCount = annotators.size();
    boolean emitted = false;
    boolean anyDecided = false;
    long maxN = 0;
    for (Judged j : judged) {
      boolean emit = j.confident() && j.wanted() && cycle == null;
      anyDecided |= j.decided();
      maxN = Math.max(maxN, j.n());
      if (!emit) {
        continue;
      }
      emitted = true;
      String candidate = String.join("\u001f", Resolve.PREFERENCES, item.id, j.chosen(), j.rejected());
      out.add(Out.candidate(candidate, Resolve.PREFERENCES, item, j.chosen(), j.rejected(), null, null,
          j.resolution(), j.share(), annotatorCount, j.agreed(), annotators, j.margin()));
      for (Vote v : j.p().votes) {
        Boolean agrees = j.aWins() == null ? null : v.category().equals(Units.ABOVE) == j.aWins();
        out.add(Out.edge(candidate, item.id, v.submissionId(), role(Boolean.TRUE.equals(agrees), j.resolution())));
      }
    }
    String reason = emitted ? null : maxN == 0 ? "no_kept_annotators" : cycle != null ? "cycle"
        : !anyDecided ? "tie" : "no_consensus";
    String detail = "no_kept_annotators".equals(reason)
        ? "every annotator of the item was dropped, and there is no gold label"
        : "cycle".equals(reason) ? "the confident pair decisions go round in a cycle: " + cycle
        : "tie".equals(reason) ? "every response pair has equal support on both sides"
        : "no_consensus".equals(reason) ? "no response pair reaches " + rules.reviewKey() + " " + rules.review()
            + " (by " + supportNoun(rules.method()) + ")" : null;
    record Ranked(Double weight, String a, String b, long n, int agreed) {}
    List<Ranked> ranked = new ArrayList<>();
    for (Judged j : judged) {
      ranked.add(new Ranked(j.rawShare(), j.p().a, j.p().b, j.n(), j.agreed()));
    }
    ranked.sort(Comparator.comparing(Ranked::weight, Comparator.nullsFirst(Comparator.<Double>naturalOrder()))
        .thenComparing(Ranked::a).thenComparing(Ranked::b).thenComparingLong(Ranked::n)
        .thenComparingInt(Ranked::agreed).reversed());
    List<Row> votes = new ArrayList<>();
    for (Ranked r : ranked) {
      votes.add(RowFactory.create(r.a() + " vs " + r.b(), (int) r.n(), r.weight() == null ? 0.0 : r.weight()));
    }
    out.add(0, Out.outcome(item, reason == null ? Resolve.RESOLVED : Status.REVIEW, reason, detail,
        itemHasGold ? Resolve.GOLD : rules.method(), null, annotatorCount, votes));
    return out;
  }

  private static Map<String, Integer> denseRankDescending(Map<String, Double> score) {
    List<Double> distinct = new ArrayList<>(new TreeSet<>(score.values()).descendingSet());
    Map<String, Integer> out = new HashMap<>();
    score.forEach((r, s) -> out.put(r, distinct.indexOf(s) + 1));
    return out;
  }

  // ---- rating ----

  private static List<Row> rating(Item item, Rules rules) {
    List<Row> out = new ArrayList<>();
    // Cells: a response and dimension, with the votes' weighted median, or gold's score.
    Map<List<String>, List<Vote>> cells = new TreeMap<>(Comparator.<List<String>, String>comparing(c -> c.get(0))
        .thenComparing(c -> c.get(1)));
    for (Vote v : item.votes) {
      cells.computeIfAbsent(List.of(v.partA(), v.partB()), c -> new ArrayList<>()).add(v);
    }
    Map<List<String>, Double> goldScore = new HashMap<>();
    for (Gold g : item.gold) {
      goldScore.put(List.of(g.partA(), g.partB()), g.ordinal());
      cells.computeIfAbsent(List.of(g.partA(), g.partB()), c -> new ArrayList<>());
    }
    Map<String, double[]> overall = new TreeMap<>();
    Map<String, Boolean> overallGold = new TreeMap<>();
    for (Map.Entry<List<String>, List<Vote>> cell : cells.entrySet()) {
      Double median = weightedMedian(cell.getValue());
      Double gs = goldScore.get(cell.getKey());
      Double score = gs != null ? gs : median;
      if (score == null) {
        continue;
      }
      double w = dimensionWeight(rules, cell.getKey().get(1));
      double[] acc = overall.computeIfAbsent(cell.getKey().get(0), r -> new double[2]);
      acc[0] += w * score;
      acc[1] += w;
      overallGold.merge(cell.getKey().get(0), gs != null, Boolean::logicalOr);
    }
    Map<String, Double> overallScore = new TreeMap<>();
    overall.forEach((r, acc) -> {
      if (acc[1] != 0) {
        overallScore.put(r, round(acc[0] / acc[1]));
      }
    });
    // Each submission's own overall score of each response.
    Map<String, Map<String, double[]>> own = new TreeMap<>();
    Map<String, Vote> firstVoteOf = new TreeMap<>();
    for (Vote v : item.votes) {
      double w = dimensionWeight(rules, v.partB());
      double[] acc = own.computeIfAbsent(v.submissionId(), s -> new TreeMap<>())
          .computeIfAbsent(v.partA(), r -> new double[2]);
      acc[0] += w * v.ordinal();
      acc[1] += w;
      firstVoteOf.putIfAbsent(v.submissionId(), v);
    }
    String method = rules.method().equals(ProjectSettings.MAJORITY_VOTE) ? Resolve.MEDIAN : Resolve.WEIGHTED_MEDIAN;
    boolean emitted = false;
    int candidates = 0;
    boolean anyGold = false;
    for (Map.Entry<String, Double> x : overallScore.entrySet()) {
      for (Map.Entry<String, Double> y : overallScore.entrySet()) {
        double margin = round(x.getValue() - y.getValue());
        if (!(margin >= rules.ratingMargin())) {
          continue;
        }
        candidates++;
        String candidate = String.join("\u001f", Resolve.PREFERENCES, item.id, x.getKey(), y.getKey());
        double agreeing = 0;
        double weights = 0;
        int nAgree = 0;
        int n = 0;
        TreeSet<String> annotators = new TreeSet<>();
        List<Object[]> ballots = new ArrayList<>();
        for (Map.Entry<String, Map<String, double[]>> sub : own.entrySet()) {
          double[] c = sub.getValue().get(x.getKey());
          double[] r = sub.getValue().get(y.getKey());
          if (c == null || r == null) {
            continue;
          }
          Vote v = firstVoteOf.get(sub.getKey());
          Double ownChosen = c[1] == 0 ? null : round(c[0] / c[1]);
          Double ownRejected = r[1] == 0 ? null : round(r[0] / r[1]);
          Boolean agrees = ownChosen == null || ownRejected == null ? null : ownChosen > ownRejected;
          n++;
          weights += v.weight();
          if (Boolean.TRUE.equals(agrees)) {
            nAgree++;
            agreeing += v.weight();
          }
          annotators.add(v.annotator());
          ballots.add(new Object[] {sub.getKey(), agrees});
        }
        Double share = n == 0 || weights == 0 ? null : round(agreeing / weights);
        boolean gold = overallGold.getOrDefault(x.getKey(), false) || overallGold.getOrDefault(y.getKey(), false);
        double agreement = share == null ? 0.0 : share;
        boolean emit = gold || agreement >= rules.consensus();
        String resolution = gold ? Resolve.GOLD : n > 0 && nAgree == n ? Resolve.UNANIMOUS : method;
        anyGold |= resolution.equals(Resolve.GOLD);
        if (!emit) {
          continue;
        }
        emitted = true;
        out.add(Out.candidate(candidate, Resolve.PREFERENCES, item, x.getKey(), y.getKey(), null, null, resolution,
            agreement, n, nAgree, List.copyOf(annotators), margin));
        for (Object[] b : ballots) {
          out.add(Out.edge(candidate, item.id, (String) b[0], role(Boolean.TRUE.equals(b[1]), resolution)));
        }
      }
    }
    // A response is scored when any of its cells has a score, even if its dimensions all weigh nothing.
    boolean scored = !overall.isEmpty();
    String status = emitted ? Resolve.RESOLVED : !scored ? Status.REVIEW
        : candidates == 0 ? Resolve.NO_RECORD : Status.REVIEW;
    String reason = !status.equals(Status.REVIEW) ? null : !scored ? "no_kept_annotators" : "no_consensus";
    String detail = "no_kept_annotators".equals(reason)
        ? "every annotator of the item was dropped, and there is no gold label"
        : "no_consensus".equals(reason) ? "the annotators' own scores back no pair by consensus_threshold "
            + rules.consensus()
        : Resolve.NO_RECORD.equals(status) ? "no two responses' overall scores differ by rating_margin" : null;
    out.add(0, Out.outcome(item, status, reason, detail, anyGold ? Resolve.GOLD : method, null,
        annotators(item.votes).size(), List.of()));
    return out;
  }

  /**
   * The weighted median of a cell's scores: the score at which half the weight lies on either side, the midpoint
   * of the two middle scores when the halves meet exactly; null without weight.
   */
  static Double weightedMedian(List<Vote> votes) {
    if (votes.isEmpty()) {
      return null;
    }
    List<Vote> sorted = new ArrayList<>(votes);
    sorted.sort(Comparator.comparing(Vote::ordinal).thenComparingDouble(Vote::weight));
    double total = 0;
    for (Vote v : sorted) {
      total += v.weight();
    }
    if (!(total > 0)) {
      return null;
    }
    double half = round(total / 2);
    double running = 0;
    Double lower = null;
    Double upper = null;
    for (Vote v : sorted) {
      running += v.weight();
      double r = round(running);
      if (lower == null && r >= half) {
        lower = v.ordinal();
      }
      if (upper == null && r > half) {
        upper = v.ordinal();
      }
    }
    return lower == null || upper == null ? null : (lower + upper) / 2;
  }

  private static double dimensionWeight(Rules rules, String dimension) {
    if (rules.dimensionWeights() == null) {
      return 1.0;
    }
    return rules.dimensionWeights().getOrDefault(dimension, 0.0);
  }

  // ---- shared ----

  private static List<String> annotators(List<Vote> votes) {
    TreeSet<String> out = new TreeSet<>();
    votes.forEach(v -> out.add(v.annotator()));
    return List.copyOf(out);
  }

  private static String role(boolean agreed, String resolution) {
    return agreed ? Resolve.AGREED : resolution.equals(Resolve.GOLD) ? Resolve.OVERRIDDEN_BY_GOLD : Resolve.OUTVOTED;
  }

  private static String supportNoun(String method) {
    return ProjectSettings.estimated(method) ? "posterior (" + method + ")"
        : method.equals(ProjectSettings.MAJORITY_VOTE) ? "share of the votes"
        : "share of the reliability-weighted votes";
  }

  /** Spark's round(x, 9): half up on the shortest decimal that reads back as x. */
  static double round(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return new BigDecimal(Double.toString(x)).setScale(Resolve.WEIGHT_DIGITS, RoundingMode.HALF_UP).doubleValue();
  }

  private static double sum(List<Double> values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }

  /** Spark's format_number(x, 3). */
  static String formatNumber(Double x) {
    DecimalFormat f = new DecimalFormat("#,###,###,###,###,###,##0.000", DecimalFormatSymbols.getInstance(Locale.US));
    return f.format(x);
  }

  /** The rows the resolution writes, in {@link Resolve#RESOLUTION}'s shape: an outcome, a candidate or an edge. */
  static final class Out {
    private Out() {}

    static Row outcome(Item item, String status, String reason, String detail, String resolution, Double agreement,
        int annotatorCount, List<Row> votes) {
      return RowFactory.create(Resolve.OUTCOME_ROW, item.id, item.project, item.taskType, status, reason, detail,
          resolution, agreement, annotatorCount, scala(votes), null, null, null, null, null, null, null, null,
          null, null, null);
    }

    static Row candidate(String candidate, String table, Item item, String chosen, String rejected, String label,
        String responseId, String resolution, double agreement, int annotatorCount, int agreedCount,
        List<String> annotators, Double margin) {
      return RowFactory.create(Resolve.CANDIDATE_ROW, item.id, item.project, item.taskType, null, null, null,
          resolution, agreement, annotatorCount, null, candidate, table, chosen, rejected, label, responseId,
          agreedCount, scala(annotators), margin, null, null);
    }

    static Row edge(String candidate, String itemId, String submissionId, String role) {
      return RowFactory.create(Resolve.EDGE_ROW, itemId, null, null, null, null, null, null, null, null, null,
          candidate, null, null, null, null, null, null, null, null, submissionId, role);
    }

    private static scala.collection.immutable.Seq<Object> scala(List<?> values) {
      return scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<Object>(values)).toList();
    }
  }
}
