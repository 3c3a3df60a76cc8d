package dev.concord.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Near-duplicate clusters by union-find in one task, against label propagation in Spark, which it replaces. */
class ComponentsTest {
  private static Map<String, String> labels(Dataset<Row> clusters) {
    Map<String, String> out = new TreeMap<>();
    clusters.collectAsList().forEach(r -> out.put(r.getString(0), r.getString(1)));
    return out;
  }

  @Test
  void chainsAndStarsGetTheSmallestNodeOfTheirComponent() {
    List<Row> edges = new ArrayList<>(List.of(RowFactory.create("d", "c"), RowFactory.create("c", "b"),
        RowFactory.create("b", "a"), RowFactory.create("x", "z"), RowFactory.create("y", "z")));
    Random random = new Random(5);
    for (int i = 0; i < 400; i++) {
      edges.add(RowFactory.create("n" + random.nextInt(300), "n" + random.nextInt(300)));
    }
    Dataset<Row> pairs = SparkTest.spark().createDataFrame(edges, new StructType()
        .add(NearDuplicates.A, "string").add(NearDuplicates.B, "string")).repartition(3);
    Map<String, String> found = labels(NearDuplicates.clusters(pairs));
    assertEquals(labels(NearDuplicates.propagated(pairs)), found);
    assertEquals("a", found.get("d"), "a chain of three links");
    assertEquals("x", found.get("y"), "a star");
  }
}
