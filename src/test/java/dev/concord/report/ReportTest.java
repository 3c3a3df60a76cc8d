package dev.concord.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/** The report built from versions made in code: its charts, its tables, its trends, and that it stands alone. */
class ReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROJECT = "help<v3>";

  static JsonNode manifest(String runId, String createdAt, double meanKappa) {
    Map<String, Object> agreement = new LinkedHashMap<>();
    agreement.put("project", PROJECT);
    agreement.put("task_type", "pairwise");
    agreement.put("annotators", 4);
    agreement.put("units", 40);
    agreement.put("peer_units", 120);
    agreement.put("gold_units", 10);
    agreement.put("fleiss_kappa", 0.41);
    agreement.put("fleiss_kappa_low", 0.3);
    agreement.put("fleiss_kappa_high", 0.52);
    agreement.put("mean_deciding_kappa", meanKappa);
    agreement.put("decisions", Map.of("kept", 1, "uncertain_kept", 1, "dropped", 1, "unscored", 1));
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("input_lines", 1234);
    counts.put("fates", Map.of("used", 1000));
    counts.put("review_reasons", Map.of("tie", 4, "no_consensus", 9));
    counts.put("quarantine_reasons", Map.of("invalid_json", 3));
    counts.put("removed_records_by_kind", Map.of());
    counts.put("distributions", Map.of("preference_margin", Map.of("0.5", 3, "2.0", 1),
        "preference_agreement", Map.of("0.6", 2, "0.9", 7), "label_agreement", Map.of()));
    counts.put("records_changed", Map.of("added", 5, "removed", 0, "changed", 1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", runId);
    m.put("created_at", createdAt);
    m.put("counts", counts);
    m.put("agreement", List.of(agreement));
    m.put("quality_gates", List.of(Map.of("gate", "review_share", "level", "warning", "figure", 0.3,
        "threshold", 0.2, "passed", false)));
    return JSON.valueToTree(m);
  }

  static Version.Annotator annotator(String id, String decision, Double value, Double low, Double high,
      List<Version.Cell> cells) {
    return new Version.Annotator(id, decision.startsWith("uncertain") ? "kept" : decision, "", 10,
        List.of(new Version.Scope(PROJECT, "pairwise", "peer:cohen_kappa", value, low, high, 0.2, decision, 30, 0)),
        List.of(new Version.TimeOnTask(PROJECT, "pairwise", 10, 8, value == null ? 5.0 : 40 * (1 + value), 10.0,
            id.equals("ann-fast") ? 0.75 : 0.0)), cells, id.equals("ann-fast") ? List.of(
                new Version.Estimated(PROJECT, "pairwise", "1", "1", 0.7),
                new Version.Estimated(PROJECT, "pairwise", "2", "1", 0.3),
                new Version.Estimated(PROJECT, "pairwise", "1", "2", 0.4),
                new Version.Estimated(PROJECT, "pairwise", "2", "2", 0.6)) : List.of());
  }

  static List<Version.Cell> cells(long... counts) {
    return List.of(new Version.Cell(PROJECT, "pairwise", "1", "1", counts[0]),
        new Version.Cell(PROJECT, "pairwise", "1", "2", counts[1]),
        new Version.Cell(PROJECT, "pairwise", "2", "1", counts[2]));
  }

  static Version version(String runId, String createdAt, double keptFigure) {
    return new Version(runId, manifest(runId, createdAt, keptFigure), List.of(
        annotator("ann-kept", "kept", keptFigure, keptFigure - 0.1, keptFigure + 0.1, List.of()),
        annotator("ann-fast", "uncertain_kept", 0.25, 0.1, 0.4, List.of()),
        annotator("ann-bad", "dropped", -0.1, -0.3, 0.05, cells(2, 5, 3)),
        annotator("ann-few", "unscored", null, null, null, List.of())));
  }

  @Test
  void aFirstVersionHasAChartPerFigureAndStandsAlone() throws Exception {
    String html = Report.html(version("v1", "2026-12-01T00:00:00Z", 0.8), List.of());
    List<String> svgs = svgs(html);
    // deciding figures and time on task for the one scope; review and quarantine reasons; two non-empty histograms
    assertEquals(6, svgs.size(), "charts");
    assertEquals(svgs.size(), count(html, "<figure class=\"chart\""));
    for (String svg : svgs) {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
    assertEquals(svgs.size(), svgs.stream().map(s -> s.substring(0, s.indexOf('>'))).distinct().count(),
        "each chart its own id, so clip paths do not collide");
    for (String external : List.of("<script", "<link", " src=", "@import", "href=\"http", "url(http", "<img")) {
      assertFalse(html.contains(external), "the page must load nothing: found " + external);
    }
    assertTrue(html.contains("help&lt;v3&gt;") && !html.contains("help<v3>"), "names are escaped");
    assertTrue(html.contains("first version under its root"));
    assertTrue(html.contains("review_share: 0.300 against 0.200, <span class=\"bad\">failed</span>"), "gates");
  }

  @Test
  void theDroppedAndBorderlineAreListedWithTheirMatrices() {
    String html = Report.html(version("v1", "2026-12-01T00:00:00Z", 0.8), List.of());
    String table = html.substring(html.indexOf("<h3>Dropped and borderline annotators</h3>"),
        html.indexOf("<h3>Their answers"));
    assertTrue(table.contains("<tr class=\"dropped\"><td>ann-bad</td>"), table);
    assertTrue(table.contains("<tr class=\"uncertain\"><td>ann-fast</td>"), table);
    assertFalse(table.contains("ann-kept"), "a kept annotator is not flagged");
    assertFalse(table.contains("ann-few"), "an unscored one has no figure to flag");
    assertTrue(html.contains("<caption>ann-fast, as the model estimated</caption>"), "the model's matrix too");
    String model = Report.estimatedMatrix("m", List.of(new Version.Estimated(PROJECT, "pairwise", "1", "1", 0.7),
        new Version.Estimated(PROJECT, "pairwise", "2", "1", 0.3), new Version.Estimated(PROJECT, "pairwise", "1",
            "2", 0.4), new Version.Estimated(PROJECT, "pairwise", "2", "2", 0.6)));
    assertEquals(List.of("0.70", "0.40", "0.30", "0.60"), probabilitiesOf(model), "rows answers, columns truths");
    String matrix = Report.matrix("ann-bad", cells(2, 5, 3));
    assertTrue(matrix.contains("ann-bad: 2 of 10 agree"), matrix);
    assertEquals(List.of("2", "5", "3", "0"), cellsOf(matrix), "rows answer 1, 2; columns resolved 1, 2");
    String times = html.substring(html.indexOf("<h3>Time on task</h3>"));
    assertTrue(times.contains("</th></tr><tr><td>ann-fast</td><td>8 of 10</td><td>50</td><td>75%</td>"),
        "the fastest first in the time table");
  }

  @Test
  void trendsShowWhoseFigureFell() {
    Version before = version("v1", "2026-12-01T00:00:00Z", 0.9);
    Version now = version("v2", "2026-12-02T00:00:00Z", 0.6);
    String html = Report.html(now, List.of(before));
    assertTrue(html.contains("id=\"fig-trend-projects\""));
    assertTrue(html.contains("id=\"fig-trend-annotators\""));
    assertTrue(html.contains("<td>ann-kept</td><td>help&lt;v3&gt; / pairwise</td><td>0.900</td><td>0.600</td>"
        + "<td class=\"bad\">-0.300</td>"), html.substring(html.indexOf("id=\"trends\"")));
    assertFalse(html.substring(html.indexOf("id=\"trends\"")).contains("<td>ann-bad</td>"), "unchanged: not a fall");
    assertTrue(html.contains("id=\"fig-trend-every-annotator\""));
    assertEquals(9, svgs(html).size(), "the three trend charts besides the six");
  }

  @Test
  void anchorsStayApartAndSftTimeOnTaskHasItsSection() {
    assertEquals("p-pairwise", Report.anchor(new Version.Key("p", "pairwise")));
    assertFalse(Report.anchor(new Version.Key("a.b", "label")).equals(Report.anchor(new Version.Key("a_b", "label"))));
    Version v = version("v1", "2026-12-01T00:00:00Z", 0.8);
    List<Version.Annotator> annotators = new ArrayList<>(v.annotators());
    annotators.add(new Version.Annotator("ann-writer", "kept", "", 3, List.of(), List.of(new Version.TimeOnTask(
        "code", "sft", 3, 3, 12.0, 30.0, 1.0)), List.of(), List.of()));
    String html = Report.html(new Version("v1", v.manifest(), annotators), List.of());
    String sft = html.substring(html.indexOf("<h2>code / sft</h2>"));
    assertTrue(sft.contains("<td>ann-writer</td><td>3 of 3</td><td>12</td><td>100%</td>"), sft);
    assertTrue(html.contains("<a href=\"#code-sft\">code / sft</a>"), "in the contents");
  }

  @Test
  void aDamagedEarlierVersionIsLeftOutOfTheTrendsNotTheReport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
      throws Exception {
    java.nio.file.Path earlier = java.nio.file.Files.createDirectories(root.resolve("v0"));
    JSON.writeValue(earlier.resolve("manifest.json").toFile(), manifest("v0", "2026-11-30T00:00:01Z", 0.9));
    java.nio.file.Files.createDirectories(root.resolve("broken"));
    java.nio.file.Files.writeString(root.resolve("broken/manifest.json"), "{\"run_id\": ");
    java.nio.file.Path now = java.nio.file.Files.createDirectories(root.resolve("v1"));
    JSON.writeValue(now.resolve("manifest.json").toFile(), manifest("v1", "2026-11-30T00:00:01.500Z", 0.8));
    assertEquals(List.of("v0", "v1"), VersionReader.versions(root).stream()
        .map(v -> v.dir().getFileName().toString()).toList(), "by time, not as text, where 01.500Z sorts first");
    String html = java.nio.file.Files.readString(ReportWriter.write(now, root, 8));
    assertTrue(html.contains("id=\"fig-trend-projects\""), "v0 is in the trends");
    assertFalse(html.contains("first version under its root"));
  }

  @Test
  void histogramBinsRunEvenlyFromTheLowestToTheHighest() {
    assertEquals(List.of("0.5", "0.6", "0.7", "0.8"), new ArrayList<>(Report.bins(Map.of("0.5", 3L, "0.8", 1L), 0.1)
        .keySet()));
    assertEquals(Map.of("0.5", 3L, "1.0", 0L, "1.5", 0L, "2.0", 1L), Report.bins(Map.of("0.5", 3L, "2.0", 1L), 0.5));
    assertEquals(Map.of(), Report.bins(Map.of(), 0.1));
  }

  private static List<String> svgs(String html) {
    return matches(Pattern.compile("(<svg.*?</svg>)", Pattern.DOTALL), html);
  }

  private static List<String> cellsOf(String matrix) {
    return matches(Pattern.compile("<td style=\"[^\"]*\">(\\d+)</td>"), matrix);
  }

  private static List<String> probabilitiesOf(String matrix) {
    return matches(Pattern.compile("<td style=\"[^\"]*\">(\\d\\.\\d\\d)</td>"), matrix);
  }

  /** The first group of every match, in order. */
  private static List<String> matches(Pattern pattern, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
