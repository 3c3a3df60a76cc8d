package dev.concord.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a quality lead opens it: two nights published under one root (the samples without one export, then
 * all of them), the second night's {@code report.html} opened from disk in a real headless Chromium. Every chart must
 * render (its area in a screenshot of the whole page is not blank), the console must stay free of errors and the
 * page must make no request but for itself. {@code concord report} rewrites the first night's report, now with the
 * second as a later version it ignores.
 */
class ReportBrowserIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path root;

  @Test
  void everyChartRendersWithoutErrorsOrRequests() throws Exception {
    Path samples = Path.of("data-samples/submissions");
    List<Path> firstNight;
    try (Stream<Path> files = Files.list(samples)) {
      firstNight = files.filter(f -> !f.getFileName().toString().startsWith("generated-b")).sorted().toList();
    }
    run(firstNight, "night-1");
    run(List.of(samples), "night-2");
    Path report = root.resolve("night-2/report.html");
    String html = Files.readString(report);
    int charts = count(html, "<figure class=\"chart\"");
    assertTrue(charts >= 12, "a chart per project and task type, the outcomes and the trends; got " + charts);
    assertTrue(html.contains("id=\"fig-trend-annotators\""), "the second night shows whose figure fell");

    String chromium = shell(".ci/chromium").trim();
    try (Browser browser = Browser.start(chromium, root.resolve("chromium-profile"))) {
      for (String domain : List.of("Page", "Runtime", "Log", "Network")) {
        browser.call(domain + ".enable", Map.of());
      }
      browser.call("Page.navigate", Map.of("url", report.toUri().toString()));
      browser.await("Page.loadEventFired", Duration.ofSeconds(60));

      JsonNode page = browser.call("Runtime.evaluate", Map.of("returnByValue", true, "expression",
          "JSON.stringify({width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,"
              + " charts: [...document.querySelectorAll('figure.chart svg')].map(e => { const r ="
              + " e.getBoundingClientRect(); return {id: e.closest('figure').id, x: r.left + scrollX,"
              + " y: r.top + scrollY, w: r.width, h: r.height}; })})")).path("result");
      JsonNode layout = JSON.readTree(page.path("value").asText());
      assertEquals(charts, layout.path("charts").size(), "every chart in the page is an SVG the browser laid out");

      int width = layout.path("width").asInt();
      int height = layout.path("height").asInt();
      browser.call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
          "deviceScaleFactor", 1, "mobile", false));
      JsonNode shot = browser.call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
          "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
      byte[] png = java.util.Base64.getDecoder().decode(shot.path("data").asText());
      Files.write(Path.of("target", "report-screenshot.png"), png);
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));

      List<String> blank = new ArrayList<>();
      for (JsonNode c : layout.path("charts")) {
        if (!drawn(image, c.path("x").asInt(), c.path("y").asInt(), c.path("w").asInt(), c.path("h").asInt())) {
          blank.add(c.path("id").asText());
        }
        assertTrue(c.path("w").asInt() > 200 && c.path("h").asInt() > 100, "laid out at size: " + c);
      }
      assertEquals(List.of(), blank, "charts whose area in the screenshot is blank");

      List<String> errors = new ArrayList<>();
      browser.events("Runtime.exceptionThrown").forEach(e -> errors.add(e.path("params").toString()));
      browser.events("Runtime.consoleAPICalled").stream()
          .filter(e -> Set.of("error", "assert").contains(e.path("params").path("type").asText()))
          .forEach(e -> errors.add(e.path("params").toString()));
      browser.events("Log.entryAdded").stream()
          .filter(e -> "error".equals(e.path("params").path("entry").path("level").asText()))
          .forEach(e -> errors.add(e.path("params").toString()));
      assertEquals(List.of(), errors, "console errors");

      Set<String> requested = new HashSet<>();
      browser.events("Network.requestWillBeSent").forEach(e -> requested.add(e.path("params").path("request")
          .path("url").asText()));
      assertEquals(Set.of(report.toUri().toString()), requested, "the page requests nothing but itself");
    }

    // concord report rewrites an existing version's report; the later night is not part of night-1's trends.
    Path first = root.resolve("night-1/report.html");
    Files.delete(first);
    assertEquals(0, dev.concord.cli.MainAccess.execute("report", "--out", root.toString(), "--run-id", "night-1"));
    String rewritten = Files.readString(first);
    assertTrue(rewritten.contains("first version under its root"), "night-1 has no version before it");
    assertTrue(!rewritten.contains("night-2"), "a later version is not in an earlier one's trends");
  }

  private void run(List<Path> inputs, String runId) {
    assertEquals(0, Runner.run(new RunRequest(inputs, List.of(Path.of("data-samples/gold")), root, null, runId, null,
        List.of(Path.of("data-samples/eval")))), runId);
  }

  /** Whether a chart's area holds a drawing: enough pixels off the background, in enough colours. */
  static boolean drawn(BufferedImage image, int x, int y, int w, int h) {
    Set<Integer> colours = new HashSet<>();
    long ink = 0;
    for (int i = Math.max(0, x); i < Math.min(image.getWidth(), x + w); i++) {
      for (int j = Math.max(0, y); j < Math.min(image.getHeight(), y + h); j++) {
        int rgb = image.getRGB(i, j) & 0xffffff;
        colours.add(rgb);
        int r = rgb >> 16;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (r + g + b < 3 * 235) {
          ink++;
        }
      }
    }
    return colours.size() >= 8 && ink >= 0.01 * w * h;
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static String shell(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(900, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command));
    return out;
  }
}
