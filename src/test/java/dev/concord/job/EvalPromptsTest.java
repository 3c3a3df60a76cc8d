package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.concord.SparkTest;
import dev.concord.dataset.Records;
import dev.concord.schema.Col;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalPromptsTest {
  @TempDir
  Path dir;

  private List<String> texts(List<Path> paths) {
    Store store = new Store(SparkTest.spark(), dir.resolve("out"), "r");
    return store.readEvalPrompts(paths)
        .select(Records.promptText(col(Col.PROMPT), false).as("t"))
        .orderBy("t").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  @Test
  void jsonLinesTakeAStringOrMessagesAndFlagARecordWithoutAPrompt() throws IOException {
    Path f = dir.resolve("eval.jsonl");
    Files.writeString(f, String.join("\n",
        "{\"prompt\": \"  What is 2 + 2?\"}",
        "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Name a prime.\"}]}",
        "{\"question\": \"no prompt field\"}",
        "",
        "not json") + "\n");
    List<String> t = texts(List.of(f));
    assertEquals(4, t.size(), "the blank line is skipped, the other four are read");
    assertEquals(null, t.get(0));
    assertEquals(null, t.get(1));
    assertEquals("system: Be brief.\u001euser: Name a prime.", t.get(2));
    assertEquals("user: What is 2 + 2?", t.get(3));
  }

  @Test
  void parquetTakesAStringColumn() {
    Path p = dir.resolve("eval.parquet");
    SparkTest.spark().createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("Hello\u00a0there")),
            new org.apache.spark.sql.types.StructType().add(Col.PROMPT, "string"))
        .write().parquet(p.toString());
    assertEquals(List.of("user: Hello there"), texts(List.of(p)));
  }

  @Test
  void aParquetFileWithoutAPromptColumnIsAConfigurationError() {
    Path p = dir.resolve("other.parquet");
    SparkTest.spark().range(2).write().parquet(p.toString());
    Store store = new Store(SparkTest.spark(), dir.resolve("out"), "r");
    RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(dev.concord.config.ConfigException.class,
        () -> store.readEvalPrompts(List.of(p)));
    assertTrue(e.getMessage().contains("no 'prompt' column (columns: id)"), e.getMessage());
  }

  @Test
  void anEvaluationRecordWithoutAPromptFailsTheRunWithExitOneAndAnOpenLineageFailEvent() throws IOException {
    SparkTest.spark();
    Path eval = dir.resolve("eval.jsonl");
    Files.writeString(eval, "{\"prompt\": \"What is 2 + 2?\"}\n{\"question\": \"no prompt field\"}\n");
    Path root = dir.resolve("failing");
    int code = Runner.run(new RunRequest(List.of(Path.of("data-samples/submissions/showcase.jsonl")), List.of(),
        root, null, "bad-eval", null, List.of(eval)));
    assertEquals(1, code);
    assertNull(SparkTest.spark().sparkContext().getLocalProperty("spark.jobGroup.id"),
        "the failed step's name does not stay on the thread for the next run in this JVM");
    assertFalse(Files.exists(root.resolve("bad-eval")), "nothing is published");
    List<com.fasterxml.jackson.databind.JsonNode> events = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(root.resolve(".concord").resolve("openlineage.jsonl"))) {
      events.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
    }
    assertEquals(List.of("START", "FAIL"), events.stream().map(e -> e.path("eventType").asText()).toList());
    String message = events.get(1).path("run").path("facets").path("errorMessage").path("message").asText();
    assertTrue(message.contains("--eval-prompts: 1 records have no readable 'prompt'"), message);
  }
}
