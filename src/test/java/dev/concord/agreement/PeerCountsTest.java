package dev.concord.agreement;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** Peer contingency counts against the pairs they stand for, counted one by one. */
class PeerCountsTest {
  static final StructType UNITS = new StructType().add(Col.PROJECT, "string").add(Col.TASK_TYPE, "string")
      .add(Col.UNIT, "string").add(Col.ANNOTATOR, "string").add(Col.CATEGORY, "string").add(Col.ORDINAL, "double");

  /**
   * Random answers (ratings with ordinals, labels without) by six annotators: every count equals the number of
   * (annotator, co-annotator) pairs on shared units with those two answers, co-annotators drawn from all, or from
   * the partners left after two annotators are taken out.
   */
  @Test
  void countsArePairsOfAnnotatorsOnSharedUnits() {
    Random rnd = new Random(3);
    List<Row> rows = new ArrayList<>();
    for (String type : List.of("label", "rating")) {
      for (int u = 0; u < 30; u++) {
        for (int a = 0; a < 6; a++) {
          if (rnd.nextDouble() < 0.4) {
            continue;
          }
          int value = 1 + rnd.nextInt(3);
          rows.add(RowFactory.create("p", type, "u" + u, "a" + a, type.equals("label") ? "c" + value : "" + value,
              type.equals("label") ? null : (double) value));
        }
      }
    }
    Dataset<Row> units = SparkTest.spark().createDataFrame(rows, UNITS);
    Dataset<Row> partners = units.filter(col(Col.ANNOTATOR).isin("a1", "a4").unary_$bang());
    for (Dataset<Row> with : List.of(units, partners)) {
      Map<String, Long> expected = new TreeMap<>();
      List<Row> all = units.collectAsList();
      List<Row> others = with.collectAsList();
      for (Row a : all) {
        for (Row b : others) {
          if (a.getString(1).equals(b.getString(1)) && a.getString(2).equals(b.getString(2))
              && !a.getString(3).equals(b.getString(3))) {
            expected.merge(a.getString(1) + " " + a.getString(3) + " " + a.getString(4) + " " + a.get(5) + " "
                + b.getString(4) + " " + b.get(5), 1L, Long::sum);
          }
        }
      }
      Map<String, Long> actual = new TreeMap<>();
      for (Row r : Agreement.peerCounts(units, with).collectAsList()) {
        actual.put(r.getAs(Col.TASK_TYPE) + " " + r.getAs(Col.ANNOTATOR) + " " + r.getAs(Col.CATEGORY) + " "
            + r.getAs(Col.ORDINAL) + " " + r.getAs(Col.OTHER_CATEGORY) + " " + r.getAs(Col.OTHER_ORDINAL),
            r.getAs(Col.COUNT));
      }
      assertTrue(expected.size() > 50, "cells " + expected.size());
      assertEquals(expected, actual);
    }
  }
}
