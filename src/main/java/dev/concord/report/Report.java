package dev.concord.report;

import static org.apache.commons.text.StringEscapeUtils.escapeHtml4;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A version's quality report as one self-contained HTML page: for each project and task type the agreement figures,
 * every annotator's deciding figure against the threshold, the dropped and borderline annotators' confusion, time on
 * task; then why items went to review, why lines were quarantined, what dedup removed, how margins and agreement are
 * distributed, and the trends over the versions before it. A pure function of the versions: no I/O, no clock.
 */
final class Report {
  private Report() {}

  /** How many annotators the trends follow: those whose deciding figure fell most since the version before. */
  static final int TREND_ANNOTATORS = 8;
  /** How many annotators the time-on-task table lists per project and task type: the fastest. */
  static final int FASTEST = 10;

  /**
   * @param current the version the report is of
   * @param earlier the versions before it under the same root, oldest first (empty for a first version)
   */
  static String html(Version current, List<Version> earlier) {
    Page page = new Page();
    JsonNode m = current.manifest();
    page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>Concord quality report: " + escapeHtml4(current.runId()) + "</title><style>" + CSS + "</style>"
        + "</head><body>");
    page.raw("<header><h1>Quality report <span class=\"run\">" + escapeHtml4(current.runId()) + "</span></h1><p>"
        + "Published " + escapeHtml4(m.path("created_at").asText()) + " by Concord "
        + escapeHtml4(m.path("concord_version").asText("(development build)")) + ". Every figure comes from this"
        + " version's <code>manifest.json</code> and <code>annotators/</code>; the dataset card"
        + " (<code>README.md</code>) explains the tables.</p>");
    page.raw(contents(current));
    page.raw("</header><main>");
    summary(page, current);
    List<Version.Key> keys = keys(current);
    for (Version.Key key : keys) {
      scope(page, current, key);
    }
    for (Version.Key key : timedOnly(current)) {
      page.raw("<section id=\"" + anchor(key) + "\"><h2>" + escapeHtml4(key.toString()) + "</h2>");
      timeOnTask(page, current, key, List.of());
      page.raw("</section>");
    }
    outcomes(page, m);
    trends(page, current, earlier);
    page.raw("</main></body></html>\n");
    return page.toString();
  }

  /** The projects and task types with agreement figures in the manifest, in order. */
  static List<Version.Key> keys(Version v) {
    TreeSet<Version.Key> keys = new TreeSet<>();
    v.manifest().path("agreement").forEach(a -> keys.add(new Version.Key(a.path("project").asText(),
        a.path("task_type").asText())));
    return List.copyOf(keys);
  }

  /**
   * The projects and task types with time on task but no agreement figures (SFT, whose completions are not compared),
   * in order.
   */
  static List<Version.Key> timedOnly(Version v) {
    TreeSet<Version.Key> keys = new TreeSet<>();
    v.annotators().forEach(a -> a.timeOnTask().forEach(t -> keys.add(new Version.Key(t.project(), t.taskType()))));
    keys.removeAll(keys(v));
    return List.copyOf(keys);
  }

  private static String contents(Version v) {
    StringBuilder s = new StringBuilder("<nav><a href=\"#summary\">Summary</a>");
    List<Version.Key> all = new ArrayList<>(keys(v));
    all.addAll(timedOnly(v));
    for (Version.Key k : all) {
      s.append(" · <a href=\"#").append(anchor(k)).append("\">").append(escapeHtml4(k.toString())).append("</a>");
    }
    return s.append(" · <a href=\"#outcomes\">Review, quarantine, dedup</a> · <a href=\"#trends\">Trends</a></nav>")
        .toString();
  }

  private static void summary(Page page, Version v) {
    JsonNode counts = v.manifest().path("counts");
    page.raw("<section id=\"summary\"><h2>Summary</h2><table class=\"figures\">");
    page.row("input lines", number(counts.path("input_lines")));
    page.row("submissions by fate", entries(counts.path("fates")));
    page.row("annotators by decision", entries(counts.path("annotators")));
    page.row("items by outcome", entries(counts.path("items")));
    page.row("published rows", entries(counts.path("tables")));
    JsonNode changed = counts.path("records_changed");
    page.row("records against " + (changed.path("previous_run").isNull() || changed.path("previous_run").isMissingNode()
        ? "nothing (first version)" : changed.path("previous_run").asText()),
        changed.path("added").asLong() + " added, " + changed.path("removed").asLong() + " removed, "
            + changed.path("changed").asLong() + " changed");
    StringBuilder gates = new StringBuilder();
    for (JsonNode g : v.manifest().path("quality_gates")) {
      gates.append(gates.length() == 0 ? "" : "<br>").append(escapeHtml4(g.path("gate").asText()))
          .append(g.path("metric").isTextual() ? " of " + escapeHtml4(g.path("metric").asText()) : "").append(": ")
          .append(g.path("figure").isNumber() ? format(g.path("figure").asDouble()) : "n/a").append(" against ")
          .append(format(g.path("threshold").asDouble())).append(", ")
          .append(g.path("passed").asBoolean() ? "passed" : "<span class=\"bad\">failed</span> ("
              + escapeHtml4(g.path("level").asText()) + ")");
    }
    page.rawRow("quality gates", gates.length() == 0 ? "none configured" : gates.toString());
    page.raw("</table></section>");
  }

  private static void scope(Page page, Version v, Version.Key key) {
    JsonNode figures = null;
    for (JsonNode a : v.manifest().path("agreement")) {
      if (a.path("project").asText().equals(key.project()) && a.path("task_type").asText().equals(key.taskType())) {
        figures = a;
      }
    }
    page.raw("<section id=\"" + anchor(key) + "\"><h2>" + escapeHtml4(key.toString()) + "</h2>");
    page.raw("<table class=\"figures\">");
    page.row("annotators judged", figures.path("annotators").asText() + " (" + entries(figures.path("decisions"))
        + ")");
    page.row("units rated", figures.path("units").asText("n/a") + " units, " + figures.path("peer_units").asText()
        + " peer and " + figures.path("gold_units").asText() + " gold unit comparisons");
    for (String f : List.of("fleiss_kappa", "alpha_nominal", "alpha_ordinal", "alpha_interval", "light_kappa",
        "mean_tau_b")) {
      if (figures.path(f).isNumber()) {
        page.row(f.replace('_', ' '), interval(figures, f));
      }
    }
    page.row("mean deciding figure", figures.path("mean_deciding_kappa").isNumber()
        ? format(figures.path("mean_deciding_kappa").asDouble()) : "n/a");
    page.raw("</table>");

    List<Judged> judged = judged(v, key);
    List<Judged> scored = judged.stream().filter(j -> j.scope().value() != null).sorted(
        Comparator.comparingDouble((Judged j) -> j.scope().value()).thenComparing(j -> j.annotator().id())).toList();
    long unscored = judged.size() - scored.size();
    if (!scored.isEmpty()) {
      double threshold = scored.get(0).scope().threshold();
      List<Charts.Point> points = new ArrayList<>();
      for (int i = 0; i < scored.size(); i++) {
        Version.Scope s = scored.get(i).scope();
        points.add(new Charts.Point(s.group(), i + 1, s.value(), or(s.ciLow(), s.value()), or(s.ciHigh(), s.value())));
      }
      page.chart("deciding-" + anchor(key), Charts.intervals("Deciding figure per annotator, with its interval",
          "annotators, from the lowest figure", "deciding figure (kappa against gold or peers)", points, threshold),
          "Each point is an annotator's deciding figure (against gold where they answered enough gold items, else"
              + " against their co-annotators), with the one-sided bounds at the configured confidence; green kept,"
              + " amber uncertain (the interval straddles the threshold), red dropped."
              + (unscored > 0 ? " " + unscored + " unscored annotators (too few shared units) are not shown." : ""));
    }
    List<Judged> flagged = scored.stream().filter(j -> !j.scope().group().equals("kept")).toList();
    if (!flagged.isEmpty()) {
      page.raw("<h3>Dropped and borderline annotators</h3><table class=\"list\"><tr><th>annotator</th>"
          + "<th>decision here</th><th>measure</th><th>figure</th><th>interval</th><th>threshold</th><th>units</th>"
          + "<th>overall</th></tr>");
      for (Judged j : flagged) {
        Version.Scope s = j.scope();
        page.raw("<tr class=\"" + s.group() + "\"><td>" + escapeHtml4(j.annotator().id()) + "</td><td>"
            + escapeHtml4(s.decision()) + "</td><td>" + escapeHtml4(String.valueOf(s.measure())) + "</td><td>"
            + format(s.value()) + "</td><td>" + format(s.ciLow()) + " to " + format(s.ciHigh()) + "</td><td>"
            + format(s.threshold()) + "</td><td>" + (s.peerUnits() + s.goldUnits()) + "</td><td>"
            + escapeHtml4(j.annotator().decision()) + "</td></tr>");
      }
      page.raw("</table>");
      confusions(page, key, flagged);
    }
    timeOnTask(page, v, key, judged);
    page.raw("</section>");
  }

  /** An annotator with their figures in one scope. */
  record Judged(Version.Annotator annotator, Version.Scope scope) {}

  static List<Judged> judged(Version v, Version.Key key) {
    List<Judged> out = new ArrayList<>();
    for (Version.Annotator a : v.annotators()) {
      for (Version.Scope s : a.scopes()) {
        if (s.project().equals(key.project()) && s.taskType().equals(key.taskType())) {
          out.add(new Judged(a, s));
        }
      }
    }
    return out;
  }

  private static void confusions(Page page, Version.Key key, List<Judged> flagged) {
    StringBuilder s = new StringBuilder();
    boolean estimated = false;
    for (Judged j : flagged) {
      List<Version.Cell> cells = j.annotator().confusion().stream().filter(c -> c.project().equals(key.project())
          && c.taskType().equals(key.taskType())).toList();
      if (!cells.isEmpty()) {
        s.append(matrix(j.annotator().id(), cells));
      }
      List<Version.Estimated> model = j.annotator().dawidSkene().stream().filter(c -> c.project()
          .equals(key.project()) && c.taskType().equals(key.taskType())).toList();
      if (!model.isEmpty()) {
        s.append(estimatedMatrix(j.annotator().id(), model));
        estimated = true;
      }
    }
    if (s.length() > 0) {
      page.raw("<h3>Their answers against the resolved answers</h3><p class=\"note\">Rows are the annotator's answer,"
          + " columns the resolved answer of the same unit (gold where set, else the estimated model's most probable"
          + " class where one ran, else the kept annotators' weighted vote); the diagonal is agreement."
          + (key.taskType().equals("pairwise") ? " Pairwise answers name the preferred response by its place among"
          + " the item's sorted response ids (1, 2) or tie." : "")
          + (key.taskType().equals("ranking") ? " A ranking's unit is a pair of responses: above means the first"
          + " of the pair (in sorted id order) was ranked higher." : "")
          + (estimated ? " Where an estimated model (Dawid-Skene, one coin, MACE or minimax entropy) resolved this project, the"
          + " annotators' matrices as it estimated them follow their counts: the probability of each answer (row)"
          + " given each true class (column). A dropped annotator's answers inform the estimate, so they have one"
          + " too, but never enter an item's resolution." : "")
          + "</p><div class=\"matrices\">" + s + "</div>");
    }
  }

  /** One annotator's confusion cells as a table, shaded by each row's share. */
  static String matrix(String annotator, List<Version.Cell> cells) {
    TreeSet<String> classes = new TreeSet<>();
    cells.forEach(c -> {
      classes.add(c.answer());
      classes.add(c.resolved());
    });
    Map<String, Map<String, Long>> n = new TreeMap<>();
    cells.forEach(c -> n.computeIfAbsent(c.answer(), x -> new TreeMap<>()).merge(c.resolved(), c.count(), Long::sum));
    long total = cells.stream().mapToLong(Version.Cell::count).sum();
    long agreed = cells.stream().filter(c -> c.answer().equals(c.resolved())).mapToLong(Version.Cell::count).sum();
    StringBuilder s = new StringBuilder("<table class=\"matrix\"><caption>" + escapeHtml4(annotator) + ": "
        + agreed + " of " + total + " agree</caption><tr><th></th>");
    classes.forEach(c -> s.append("<th>").append(escapeHtml4(c)).append("</th>"));
    s.append("</tr>");
    for (String answer : classes) {
      Map<String, Long> row = n.getOrDefault(answer, Map.of());
      long rowTotal = row.values().stream().mapToLong(Long::longValue).sum();
      s.append("<tr><th>").append(escapeHtml4(answer)).append("</th>");
      for (String resolved : classes) {
        long count = row.getOrDefault(resolved, 0L);
        double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
        s.append("<td style=\"background:rgba(").append(answer.equals(resolved) ? "46,125,50" : "198,40,40")
            .append(',').append(String.format(Locale.ROOT, "%.2f", 0.08 + 0.6 * share)).append(")\">")
            .append(count).append("</td>");
      }
      s.append("</tr>");
    }
    return s.append("</table>").toString();
  }

  /** One annotator's estimated matrix, P(answer | truth), shaded by probability. */
  static String estimatedMatrix(String annotator, List<Version.Estimated> cells) {
    TreeSet<String> classes = new TreeSet<>();
    Map<String, Double> p = new TreeMap<>();
    cells.forEach(c -> {
      classes.add(c.answer());
      classes.add(c.truth());
      p.put(c.answer() + "\u001f" + c.truth(), c.probability());
    });
    StringBuilder s = new StringBuilder("<table class=\"matrix\"><caption>" + escapeHtml4(annotator)
        + ", as the model estimated</caption><tr><th></th>");
    classes.forEach(c -> s.append("<th>").append(escapeHtml4(c)).append("</th>"));
    s.append("</tr>");
    for (String answer : classes) {
      s.append("<tr><th>").append(escapeHtml4(answer)).append("</th>");
      for (String truth : classes) {
        double v = p.getOrDefault(answer + "\u001f" + truth, 0.0);
        s.append("<td style=\"background:rgba(").append(answer.equals(truth) ? "46,125,50" : "198,40,40")
            .append(',').append(String.format(Locale.ROOT, "%.2f", 0.08 + 0.6 * v)).append(")\">")
            .append(String.format(Locale.ROOT, "%.2f", v)).append("</td>");
      }
      s.append("</tr>");
    }
    return s.append("</table>").toString();
  }

  private static void timeOnTask(Page page, Version v, Version.Key key, List<Judged> judged) {
    Map<String, Version.Scope> scopeOf = judged.stream().collect(Collectors.toMap(j -> j.annotator().id(),
        Judged::scope));
    List<Map.Entry<String, Version.TimeOnTask>> times = new ArrayList<>();
    for (Version.Annotator a : v.annotators()) {
      a.timeOnTask().stream().filter(t -> t.project().equals(key.project()) && t.taskType().equals(key.taskType())
          && t.medianS() != null).forEach(t -> times.add(Map.entry(a.id(), t)));
    }
    page.raw("<h3>Time on task</h3>");
    if (times.isEmpty()) {
      page.raw("<p class=\"note\">No submission here gave <code>time_spent_s</code>.</p>");
      return;
    }
    double floor = times.get(0).getValue().fastFloorS();
    List<Charts.Point> points = new ArrayList<>();
    for (Map.Entry<String, Version.TimeOnTask> e : times) {
      Version.Scope s = scopeOf.get(e.getKey());
      if (s != null && s.value() != null) {
        points.add(new Charts.Point(s.group(), e.getValue().medianS(), s.value(), s.value(), s.value()));
      }
    }
    if (!points.isEmpty()) {
      page.chart("time-" + anchor(key), Charts.scatter("Median time on task against the deciding figure",
          "median seconds per submission", "deciding figure", points, floor, "fast floor " + seconds(floor) + " s"),
          "Annotators both fast and low in agreement (left, low) are the likeliest careless ones.");
    }
    times.sort(Comparator.comparing((Map.Entry<String, Version.TimeOnTask> e) -> -or(e.getValue().fastShare(), 0.0))
        .thenComparing(e -> e.getValue().medianS()).thenComparing(Map.Entry::getKey));
    page.raw("<table class=\"list\"><caption>The " + Math.min(FASTEST, times.size()) + " annotators with the largest"
        + " share of submissions under " + seconds(floor) + " s</caption><tr><th>annotator</th><th>timed"
        + " submissions</th><th>median s</th><th>share under the floor</th><th>decision</th></tr>");
    for (Map.Entry<String, Version.TimeOnTask> e : times.subList(0, Math.min(FASTEST, times.size()))) {
      Version.TimeOnTask t = e.getValue();
      Version.Scope s = scopeOf.get(e.getKey());
      page.raw("<tr><td>" + escapeHtml4(e.getKey()) + "</td><td>" + t.timedSubmissions() + " of " + t.submissions()
          + "</td><td>" + seconds(t.medianS()) + "</td><td>" + percent(t.fastShare()) + "</td><td>"
          + (s == null ? "" : escapeHtml4(s.decision())) + "</td></tr>");
    }
    page.raw("</table>");
  }

  private static void outcomes(Page page, JsonNode m) {
    JsonNode counts = m.path("counts");
    page.raw("<section id=\"outcomes\"><h2>Review, quarantine and dedup</h2>");
    bars(page, "review", "Why items went to review", "items", counts.path("review_reasons"));
    bars(page, "quarantine", "Why lines were quarantined", "lines", counts.path("quarantine_reasons"));
    bars(page, "removed", "Records removed, by kind", "records", counts.path("removed_records_by_kind"));
    JsonNode d = counts.path("distributions");
    histogram(page, "margin", "Preference margins", "margin (bin from)", "preference pairs",
        d.path("preference_margin"), 0.5);
    histogram(page, "preference-agreement", "Agreement behind each preference pair", "agreement (bin from)",
        "preference pairs", d.path("preference_agreement"), 0.1);
    histogram(page, "label-agreement", "Agreement behind each label", "agreement (bin from)", "labels",
        d.path("label_agreement"), 0.1);
    page.raw("</section>");
  }

  private static void bars(Page page, String id, String title, String unit, JsonNode counts) {
    Map<String, Long> values = longs(counts);
    if (values.isEmpty()) {
      page.raw("<h3>" + escapeHtml4(title) + "</h3><p class=\"note\">None.</p>");
      return;
    }
    Map<String, Long> ordered = new LinkedHashMap<>();
    values.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
        .thenComparing(Map.Entry.comparingByKey())).forEach(e -> ordered.put(e.getKey(), e.getValue()));
    page.chart(id, Charts.bars(title, unit, ordered), null, 640, Math.max(160, 60 + 28 * ordered.size()));
  }

  private static void histogram(Page page, String id, String title, String bin, String unit, JsonNode counts,
      double width) {
    Map<String, Long> values = bins(longs(counts), width);
    if (values.isEmpty()) {
      page.raw("<h3>" + escapeHtml4(title) + "</h3><p class=\"note\">None.</p>");
      return;
    }
    page.chart(id, Charts.histogram(title, bin, unit, values), null, 520, 280);
  }

  /**
   * The manifest's bins (named by their lower edge, empty ones absent) from the lowest to the highest, the empty ones
   * between them as zeros, so the histogram's axis is even.
   */
  static Map<String, Long> bins(Map<String, Long> counts, double width) {
    Map<String, Long> out = new LinkedHashMap<>();
    if (counts.isEmpty()) {
      return out;
    }
    List<Double> edges = counts.keySet().stream().map(Double::valueOf).sorted().toList();
    long first = Math.round(edges.get(0) / width);
    long last = Math.round(edges.get(edges.size() - 1) / width);
    for (long i = first; i <= last; i++) {
      String name = String.format(Locale.ROOT, "%.1f", i * width);
      out.put(name, counts.getOrDefault(name, 0L));
    }
    return out;
  }

  private static void trends(Page page, Version current, List<Version> earlier) {
    page.raw("<section id=\"trends\"><h2>Trends</h2>");
    List<Version> all = new ArrayList<>(earlier);
    all.add(current);
    if (all.size() < 2) {
      page.raw("<p class=\"note\">This is the first version under its root: trends begin with the next.</p>"
          + "</section>");
      return;
    }
    List<String> runs = all.stream().map(Version::runId).toList();
    Map<String, List<Double>> projects = new TreeMap<>();
    for (Version.Key key : keys(current)) {
      projects.put(key.toString(), all.stream().map(v -> agreementOf(v, key)).toList());
    }
    page.chart("trend-projects", Charts.lines("Mean deciding figure per project and task type", "mean deciding figure",
        runs, projects, null), "The units-weighted mean of the annotators' deciding figures in each version.");

    Version previous = earlier.get(earlier.size() - 1);
    record Drop(String annotator, Version.Key key, double before, double now) {}
    List<Drop> drops = new ArrayList<>();
    Map<String, Map<Version.Key, Double>> before = figures(previous);
    List<Charts.Point> pairs = new ArrayList<>();
    for (Version.Annotator a : current.annotators()) {
      for (Version.Scope s : a.scopes()) {
        Double then = before.getOrDefault(a.id(), Map.of()).get(new Version.Key(s.project(), s.taskType()));
        if (s.value() != null && then != null) {
          pairs.add(new Charts.Point(s.group(), then, s.value(), s.value(), s.value()));
        }
      }
    }
    if (!pairs.isEmpty()) {
      page.chart("trend-every-annotator", Charts.againstDiagonal("Every annotator's deciding figure: "
              + previous.runId() + " against " + current.runId(), previous.runId(), current.runId(), pairs),
          "One point per annotator and project and task type judged in both versions, coloured by this version's"
              + " decision; below the diagonal the figure fell.", 520, 460);
    }
    figures(current).forEach((annotator, byKey) -> byKey.forEach((key, now) -> {
      Double then = before.getOrDefault(annotator, Map.of()).get(key);
      if (then != null && now < then) {
        drops.add(new Drop(annotator, key, then, now));
      }
    }));
    drops.sort(Comparator.comparingDouble((Drop d) -> d.now() - d.before()).thenComparing(Drop::annotator));
    List<Drop> largest = drops.subList(0, Math.min(TREND_ANNOTATORS, drops.size()));
    if (largest.isEmpty()) {
      page.raw("<p class=\"note\">No annotator's deciding figure fell since " + escapeHtml4(previous.runId())
          + ".</p></section>");
      return;
    }
    List<Map<String, Map<Version.Key, Double>>> history = all.stream().map(Report::figures).toList();
    Map<String, List<Double>> lines = new LinkedHashMap<>();
    for (Drop d : largest) {
      lines.put(d.annotator() + " (" + d.key() + ")", history.stream()
          .map(f -> f.getOrDefault(d.annotator(), Map.of()).get(d.key())).toList());
    }
    page.chart("trend-annotators", Charts.lines("The " + largest.size() + " largest falls since "
            + previous.runId(), "deciding figure", runs, lines, null),
        "Each annotator's deciding figure in the project and task type where it fell most since the version before.");
    page.raw("<table class=\"list\"><tr><th>annotator</th><th>project / task type</th><th>"
        + escapeHtml4(previous.runId()) + "</th><th>" + escapeHtml4(current.runId()) + "</th><th>change</th></tr>");
    for (Drop d : largest) {
      page.raw("<tr><td>" + escapeHtml4(d.annotator()) + "</td><td>" + escapeHtml4(d.key().toString()) + "</td><td>"
          + format(d.before()) + "</td><td>" + format(d.now()) + "</td><td class=\"bad\">"
          + format(d.now() - d.before()) + "</td></tr>");
    }
    page.raw("</table></section>");
  }

  /** A version's mean deciding figure in a scope, or null where it has none. */
  static Double agreementOf(Version v, Version.Key key) {
    for (JsonNode a : v.manifest().path("agreement")) {
      if (a.path("project").asText().equals(key.project()) && a.path("task_type").asText().equals(key.taskType())
          && a.path("mean_deciding_kappa").isNumber()) {
        return a.path("mean_deciding_kappa").asDouble();
      }
    }
    return null;
  }

  /** Every annotator's deciding figure per scope in a version. */
  static Map<String, Map<Version.Key, Double>> figures(Version v) {
    Map<String, Map<Version.Key, Double>> out = new TreeMap<>();
    for (Version.Annotator a : v.annotators()) {
      for (Version.Scope s : a.scopes()) {
        if (s.value() != null) {
          out.computeIfAbsent(a.id(), x -> new TreeMap<>()).put(new Version.Key(s.project(), s.taskType()),
              s.value());
        }
      }
    }
    return out;
  }

  private static Map<String, Long> longs(JsonNode counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  private static String entries(JsonNode counts) {
    if (!counts.isObject() || counts.isEmpty()) {
      return "none";
    }
    return counts.properties().stream().map(e -> e.getKey() + " " + e.getValue().asText())
        .collect(Collectors.joining(", "));
  }

  private static String number(JsonNode n) {
    return n.isNumber() ? String.format(Locale.ROOT, "%,d", n.asLong()) : "n/a";
  }

  private static String interval(JsonNode figures, String name) {
    String s = format(figures.path(name).asDouble());
    if (figures.path(name + "_low").isNumber() && figures.path(name + "_high").isNumber()) {
      s += " (95% interval " + format(figures.path(name + "_low").asDouble()) + " to "
          + format(figures.path(name + "_high").asDouble()) + ")";
    }
    return s;
  }

  /**
   * The key as an HTML id: itself where it is letters, digits, '-' and '_' only; else those with a hash of the whole
   * key, so that "a.b" and "a_b" stay apart.
   */
  static String anchor(Version.Key key) {
    String raw = key.project() + "-" + key.taskType();
    String safe = raw.replaceAll("[^A-Za-z0-9_-]", "_");
    return safe.equals(raw) ? safe : safe + "-" + org.apache.commons.codec.digest.DigestUtils.sha256Hex(
        key.project() + "\u001f" + key.taskType()).substring(0, 8);
  }

  private static String format(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String seconds(Double v) {
    return v == null ? "n/a" : v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String percent(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
  }

  private static double or(Double v, double otherwise) {
    return v == null ? otherwise : v;
  }

  /** The page as it is built. */
  private static final class Page {
    private final StringBuilder html = new StringBuilder();
    private int charts;

    void raw(String s) {
      html.append(s);
    }

    void row(String name, String value) {
      rawRow(name, escapeHtml4(value));
    }

    void rawRow(String name, String valueHtml) {
      html.append("<tr><th>").append(escapeHtml4(name)).append("</th><td>").append(valueHtml).append("</td></tr>");
    }

    void chart(String id, org.jfree.chart.JFreeChart chart, String caption) {
      chart(id, chart, caption, 760, 360);
    }

    void chart(String id, org.jfree.chart.JFreeChart chart, String caption, int width, int height) {
      charts++;
      html.append("<figure class=\"chart\" id=\"fig-").append(escapeHtml4(id)).append("\">")
          .append(Charts.svg(chart, "chart" + charts, width, height));
      if (caption != null) {
        html.append("<figcaption>").append(escapeHtml4(caption)).append("</figcaption>");
      }
      html.append("</figure>");
    }

    @Override
    public String toString() {
      return html.toString();
    }
  }

  private static final String CSS = """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0;background:#fafafa}
      header{background:#fff;border-bottom:1px solid #ddd;padding:16px 32px}
      main{padding:0 32px 48px}
      h1{font-size:22px;margin:0 0 4px}h1 .run{color:#3f6fb5}
      h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
      h3{font-size:15px;margin:20px 0 6px}
      nav a{color:#3f6fb5;text-decoration:none}
      table{border-collapse:collapse;margin:8px 0;background:#fff}
      th,td{border:1px solid #e2e2e2;padding:3px 8px;text-align:left;vertical-align:top}
      table.figures th{width:220px;background:#f4f4f4;font-weight:600}
      table.list th{background:#f4f4f4}
      table.list tr.dropped td:first-child{border-left:4px solid #c62828}
      table.list tr.uncertain td:first-child{border-left:4px solid #ef8f00}
      caption{text-align:left;font-weight:600;padding:2px 0}
      .matrices{display:flex;flex-wrap:wrap;gap:16px}
      table.matrix td{text-align:right;min-width:36px}
      figure.chart{background:#fff;border:1px solid #e2e2e2;display:inline-block;margin:8px 12px 8px 0;padding:4px}
      figure.chart svg{display:block;max-width:100%;height:auto}
      figcaption{font-size:12px;color:#555;max-width:740px;padding:4px}
      .note{color:#555}.bad{color:#c62828;font-weight:600}
      code{background:#f0f0f0;padding:0 3px}
      """;
}
