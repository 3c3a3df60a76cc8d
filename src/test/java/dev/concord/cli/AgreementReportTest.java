package dev.concord.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.SparkTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dkpro.statistics.agreement.coding.CodingAnnotationStudy;
import org.dkpro.statistics.agreement.coding.FleissKappaAgreement;
import org.dkpro.statistics.agreement.coding.KrippendorffAlphaAgreement;
import org.dkpro.statistics.agreement.distance.NominalDistanceFunction;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code concord agreement} on real crowd data (bluebirds: 39 workers on every task): Fleiss' kappa and nominal alpha
 * as DKPro computes them. PublishedValuesTest holds the other published figures.
 */
class AgreementReportTest {
  @ParameterizedTest
  @ValueSource(strings = {"bluebirds"})
  void crowdDataFiguresMatchDkpro(String name, @TempDir Path dir) throws Exception {
    SparkTest.spark();
    Path crowd = SparkTest.shared("reference/crowd/" + name);
    Path conf = dev.concord.TestConfigs.write(dir, "concord", java.util.Map.of("agreement.bootstrap_replicates", 20));
    Path json = dir.resolve("report.json");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code = AgreementReport.run(new Main.Args(new String[] {"--input", crowd.toString(), "--conf", conf.toString(),
        "--json", json.toString()}, 0), new PrintStream(printed, true, StandardCharsets.UTF_8));
    assertEquals(0, code);
    String table = printed.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("Fleiss' kappa") && table.contains(name), table);

    JsonNode report = new ObjectMapper().readTree(json.toFile());
    JsonNode project = report.get("projects").get(0);
    CodingAnnotationStudy study = study(crowd.resolve("answers.csv"));
    assertEquals(new FleissKappaAgreement(study).calculateAgreement(), project.get("fleiss_kappa").asDouble(), 1e-9);
    assertEquals(new KrippendorffAlphaAgreement(study, new NominalDistanceFunction()).calculateAgreement(),
        project.get("alpha_nominal").asDouble(), 1e-9);
    assertTrue(project.get("fleiss_kappa_low").asDouble() < project.get("fleiss_kappa").asDouble());
    assertTrue(project.get("fleiss_kappa_high").asDouble() > project.get("fleiss_kappa").asDouble());
    assertEquals(Files.readAllLines(crowd.resolve("answers.csv")).size() - 1, report.get("lines").asInt());
  }

  @org.junit.jupiter.api.Test
  void anExportIsReadAsTheRunReadsIt(@TempDir Path dir) throws Exception {
    SparkTest.spark();
    Path conf = dev.concord.TestConfigs.write(dir, "concord", java.util.Map.of("agreement.bootstrap_replicates", 0));
    Path json = dir.resolve("report.json");
    int code = AgreementReport.run(new Main.Args(new String[] {"--input", "data-samples/label-studio",
        "--input-format", "label-studio", "--conf", conf.toString(), "--json", json.toString()}, 0),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, code);
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    List<String> scopes = new ArrayList<>();
    report.get("projects").forEach(p -> scopes.add(p.get("project").asText() + "/" + p.get("task_type").asText()));
    assertEquals(List.of("helpfulness-ls/label", "helpfulness-ls/pairwise", "helpfulness-ls/rating",
        "ranking-ls/ranking"), scopes);
    assertEquals(3, report.get("quarantined").asInt(), "the export's 3 bad pieces, not what is no answer");
  }

  /** Every task's labels as one item of rating slots (raters' identities do not enter Fleiss or alpha). */
  static CodingAnnotationStudy study(Path answers) throws Exception {
    Map<String, List<String>> byTask = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(answers);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      byTask.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[2]);
    }
    int slots = byTask.values().stream().mapToInt(List::size).max().orElseThrow();
    CodingAnnotationStudy study = new CodingAnnotationStudy(slots);
    for (List<String> labels : byTask.values()) {
      Object[] item = new Object[slots];
      for (int i = 0; i < labels.size(); i++) {
        item[i] = labels.get(i);
      }
      study.addItem(item);
    }
    return study;
  }
}
