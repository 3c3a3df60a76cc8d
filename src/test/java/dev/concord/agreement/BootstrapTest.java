package dev.concord.agreement;

import static org.apache.spark.sql.functions.array_repeat;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.posexplode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.schema.Col;
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

/** The bootstrap's shortcut of weighted per-unit sums gives the figures of the replicates it stands for. */
class BootstrapTest {
  static final StructType RATINGS = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.UNIT, "string").add(Col.ANNOTATOR, "string").add(Col.CATEGORY, "string").add(Col.ORDINAL, "double");

  /**
   * Random ratings in two scopes (3 and 4 categories, some units with a single rating, one scope where a unit's
   * raters always agree): each replicate's Fleiss' kappa and nominal alpha equal {@link Fleiss} and {@link Alpha}
   * run on the replicate itself, every unit's ratings copied as many times as it was drawn.
   */
  @Test
  void replicatesEqualTheFiguresOfTheResampledRatings() {
    Random rnd = new Random(11);
    List<Row> rows = new ArrayList<>();
    for (String project : List.of("p", "q")) {
      int categories = project.equals("p") ? 3 : 4;
      for (int u = 0; u < 40; u++) {
        int raters = 1 + rnd.nextInt(4);
        int truth = rnd.nextInt(categories);
        for (int r = 0; r < raters; r++) {
          int value = rnd.nextDouble() < 0.6 ? truth : rnd.nextInt(categories);
          rows.add(RowFactory.create(project, "label", "u" + u, "a" + r, "c" + value, null));
        }
      }
    }
    Dataset<Row> ratings = SparkTest.spark().createDataFrame(rows, RATINGS);
    int replicates = 6;
    List<String> byReplicate = List.of(Col.PROJECT, Col.TASK_TYPE, ProjectAgreement.REPLICATE);

    Dataset<Row> copies = ProjectAgreement.resample(ratings, replicates)
        .select(col("*"), posexplode(array_repeat(col(Col.CATEGORY), col(ProjectAgreement.WEIGHT).cast("int")))
            .as(new String[] {"copy", "value"}))
        .withColumn(Col.UNIT, concat_ws("#", col(Col.UNIT), col("copy").cast("string")));
    Map<String, Double> fleiss = byKey(Fleiss.fromRatings(copies, byReplicate), Fleiss.FLEISS_KAPPA);
    Map<String, Double> alpha = byKey(Alpha.of(copies, byReplicate, Alpha.Level.NOMINAL), Alpha.ALPHA);

    Dataset<Row> shortcut = ProjectAgreement.replicates(ProjectAgreement.categoryCounts(ratings), replicates);
    assertEquals(fleiss.keySet(), byKey(shortcut, Fleiss.FLEISS_KAPPA).keySet());
    assertEquals(2 * replicates, fleiss.size());
    byKey(shortcut, Fleiss.FLEISS_KAPPA).forEach((k, v) -> assertEquals(fleiss.get(k), v, 1e-12, "fleiss " + k));
    byKey(shortcut, Alpha.ALPHA).forEach((k, v) -> assertEquals(alpha.get(k), v, 1e-12, "alpha " + k));
  }

  private static Map<String, Double> byKey(Dataset<Row> figures, String column) {
    Map<String, Double> out = new TreeMap<>();
    for (Row r : figures.collectAsList()) {
      out.put(r.getAs(Col.PROJECT) + "/" + r.getAs(ProjectAgreement.REPLICATE), r.getAs(column));
    }
    return out;
  }
}
