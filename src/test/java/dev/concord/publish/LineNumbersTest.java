package dev.concord.publish;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.job.Store;
import dev.concord.schema.Col;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineNumbersTest {
  @Test
  void numbersLinesAcrossFileBlocks(@TempDir Path dir) throws Exception {
    StringBuilder a = new StringBuilder();
    for (int i = 1; i <= 3000; i++) {
      a.append("line ").append(i).append(" of a\n");
    }
    Files.writeString(dir.resolve("a.jsonl"), a);
    Files.writeString(dir.resolve("b.jsonl"), "line 1 of b\nline 2 of b\n");
    var spark = SparkTest.spark();
    String before = spark.conf().get("spark.sql.files.maxPartitionBytes");
    spark.conf().set("spark.sql.files.maxPartitionBytes", "4096");
    try {
      Dataset<Row> lines = new Store(spark, dir.resolve("out"), "r").readLines(List.of(dir), "--input", 1 << 20);
      assertEquals(true, lines.select(Col.SOURCE_FILE, Col.BLOCK_START).distinct().count() > 5, "several blocks");
      Dataset<Row> numbered = LineNumbers.attach(lines, LineNumbers.blocks(lines));
      for (Row r : numbered.collectAsList()) {
        String text = new String(r.<byte[]>getAs(Col.RAW), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Long.parseLong(text.split(" ")[1]), (long) r.getAs(Col.LINE_NUMBER), text);
        assertEquals(text.endsWith("a"), r.<String>getAs(Col.SOURCE_FILE).endsWith("a.jsonl"));
      }
      assertEquals(3002, numbered.filter(col(Col.LINE_NUMBER).isNotNull()).count());
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", before);
    }
  }
}
