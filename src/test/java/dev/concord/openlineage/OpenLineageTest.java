package dev.concord.openlineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.concord.config.ConcordConfig.OpenLineageSettings;
import dev.concord.schema.Table;
import io.openlineage.client.OpenLineageClientUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenLineageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ZonedDateTime AT = ZonedDateTime.of(2026, 11, 22, 3, 0, 0, 0, ZoneOffset.UTC);

  @TempDir
  Path dir;

  private RunEvents.Description run(String runId) {
    return new RunEvents.Description("nightly", runId, dir.resolve("out"), List.of(dir.resolve("in")),
        List.of(dir.resolve("gold")), List.of(dir.resolve("eval.jsonl")));
  }

  private static JsonNode json(io.openlineage.client.OpenLineage.RunEvent event) throws IOException {
    return JSON.readTree(OpenLineageClientUtils.toJson(event));
  }

  private static List<String> names(JsonNode array, String field) {
    return StreamSupport.stream(array.spliterator(), false).map(n -> n.path(field).asText()).toList();
  }

  @Test
  void startNamesTheInputsAndEveryPublishedTableWithItsSchema() throws IOException {
    JsonNode e = json(new RunEvents(run("r1")).start(AT));
    assertEquals("START", e.path("eventType").asText());
    assertEquals(AT.toInstant(), ZonedDateTime.parse(e.path("eventTime").asText()).toInstant());
    assertEquals("nightly", e.path("job").path("namespace").asText());
    assertEquals("concord", e.path("job").path("name").asText());
    assertEquals("BATCH", e.path("job").path("facets").path("jobType").path("processingType").asText());
    assertEquals("r1", e.path("run").path("facets").path("concord_run").path("runId").asText());
    assertEquals("spark", e.path("run").path("facets").path("processing_engine").path("name").asText());

    JsonNode inputs = e.path("inputs");
    assertEquals(List.of(dir.resolve("in").toString(), dir.resolve("gold").toString(),
        dir.resolve("eval.jsonl").toString()), names(inputs, "name"));
    assertEquals(List.of("file", "file", "file"), names(inputs, "namespace"));
    List<String> submissionFields = Table.SUBMISSION.avroSchema().getFields().stream()
        .map(org.apache.avro.Schema.Field::name).toList();
    assertEquals(submissionFields, names(inputs.get(0).path("facets").path("schema").path("fields"), "name"));
    assertTrue(inputs.get(2).path("facets").path("schema").isMissingNode(), "evaluation prompts have no fixed schema");

    List<String> tables = Arrays.stream(Table.values()).filter(Table::published).map(Table::folder).toList();
    assertEquals(tables.stream().map(t -> dir.resolve("out").resolve("r1").resolve(t).toString()).toList(),
        names(e.path("outputs"), "name"));
    for (JsonNode out : e.path("outputs")) {
      assertEquals("r1", out.path("facets").path("version").path("datasetVersion").asText());
      assertTrue(out.path("outputFacets").path("outputStatistics").isMissingNode(), "no counts before the run ends");
    }
  }

  @Test
  void schemaFieldsFollowTheAvroSchemaIncludingNestedAndNullable() throws IOException {
    JsonNode e = json(new RunEvents(run("r1")).start(AT));
    JsonNode preferences = StreamSupport.stream(e.path("outputs").spliterator(), false)
        .filter(o -> o.path("name").asText().endsWith("/preferences")).findFirst().orElseThrow();
    JsonNode fields = preferences.path("facets").path("schema").path("fields");
    JsonNode prompt = fields.get(names(fields, "name").indexOf("prompt"));
    assertEquals("array<struct>", prompt.path("type").asText());
    assertEquals(List.of("role", "content"), names(prompt.path("fields"), "name"));
    JsonNode annotators = fields.get(names(fields, "name").indexOf("annotators"));
    assertEquals("array<string>", annotators.path("type").asText());
    assertEquals("pseudonyms of the kept annotators behind the pair", annotators.path("description").asText());

    JsonNode lineage = StreamSupport.stream(e.path("outputs").spliterator(), false)
        .filter(o -> o.path("name").asText().endsWith("/lineage")).findFirst().orElseThrow();
    JsonNode lf = lineage.path("facets").path("schema").path("fields");
    JsonNode metadata = lf.get(names(lf, "name").indexOf("metadata"));
    assertEquals("array<struct>", metadata.path("type").asText(), "a nullable union is described by its other branch");
    assertEquals(List.of("key", "value"), names(metadata.path("fields"), "name"));
  }

  @Test
  void completeCarriesRowCountsAndFailTheError() throws IOException {
    RunEvents events = new RunEvents(run("r1"));
    JsonNode done = json(events.complete(AT, Map.of("preferences", 151L, "sft", 32L)));
    assertEquals("COMPLETE", done.path("eventType").asText());
    for (JsonNode out : done.path("outputs")) {
      String table = Path.of(out.path("name").asText()).getFileName().toString();
      long expected = Map.of("preferences", 151L, "sft", 32L).getOrDefault(table, -1L);
      assertEquals(expected, out.path("outputFacets").path("outputStatistics").path("rowCount").asLong(-1), table);
    }
    JsonNode failed = json(events.fail(AT, new IllegalArgumentException("--eval-prompts: 1 record has no prompt")));
    assertEquals("FAIL", failed.path("eventType").asText());
    JsonNode error = failed.path("run").path("facets").path("errorMessage");
    assertEquals("--eval-prompts: 1 record has no prompt", error.path("message").asText());
    assertEquals("Java", error.path("programmingLanguage").asText());
    assertTrue(error.path("stackTrace").asText().contains("IllegalArgumentException"));
  }

  @Test
  void theRunIdIsStableForOneRunAndDiffersBetweenRuns() throws IOException {
    String a = json(new RunEvents(run("r1")).start(AT)).path("run").path("runId").asText();
    String again = json(new RunEvents(run("r1")).fail(AT, new RuntimeException("x"))).path("run").path("runId")
        .asText();
    String b = json(new RunEvents(run("r2")).start(AT)).path("run").path("runId").asText();
    assertEquals(a, again, "a resumed run continues the same OpenLineage run");
    assertNotEquals(a, b);
  }

  @Test
  void eventsGoToAJsonLinesFileByDefault() throws IOException {
    RunEvents events = new RunEvents(run("r1"));
    try (Emitter emitter = new Emitter(new OpenLineageSettings("nightly", null, "/api/v1/lineage", 5000), dir)) {
      assertTrue(emitter.emit(events.start(AT)));
      assertTrue(emitter.emit(events.complete(AT, Map.of())));
    }
    List<String> lines = Files.readAllLines(dir.resolve(Emitter.FILE));
    assertEquals(2, lines.size(), "one event a line");
    assertEquals(List.of("START", "COMPLETE"), lines.stream().map(l -> {
      try {
        return JSON.readTree(l).path("eventType").asText();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList());
  }

  @Test
  void eventsGoToTheConfiguredHttpEndpointAndAnUnreachableOneIsOnlyAWarning() throws Exception {
    List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    List<String> paths = Collections.synchronizedList(new ArrayList<>());
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    server.start();
    RunEvents events = new RunEvents(run("r1"));
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      try (Emitter emitter = new Emitter(new OpenLineageSettings("nightly", url, "/api/v1/lineage", 5000), dir)) {
        assertTrue(emitter.emit(events.start(AT)));
        assertTrue(emitter.emit(events.fail(AT, new RuntimeException("boom"))));
      }
    } finally {
      server.stop(0);
    }
    assertEquals(List.of("POST /api/v1/lineage", "POST /api/v1/lineage"), paths);
    assertEquals("START", JSON.readTree(bodies.get(0)).path("eventType").asText());
    assertEquals("boom", JSON.readTree(bodies.get(1)).path("run").path("facets").path("errorMessage")
        .path("message").asText());
    assertFalse(Files.exists(dir.resolve(Emitter.FILE)), "nothing goes to the file when an endpoint is set");

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (Emitter emitter = new Emitter(
        new OpenLineageSettings("nightly", "http://127.0.0.1:" + closedPort, "/api/v1/lineage", 2000), dir)) {
      assertFalse(emitter.emit(events.start(AT)), "an endpoint that is down is reported, not thrown");
    }
  }
}
