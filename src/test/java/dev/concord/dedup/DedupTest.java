package dev.concord.dedup;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class DedupTest {
  static final StructType CANDIDATE = new StructType().add(Resolve.CANDIDATE, DataTypes.StringType)
      .add(Col.RECORD_TABLE, DataTypes.StringType).add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.KEY, DataTypes.StringType).add(Col.PROMPT_KEY, DataTypes.StringType)
      .add(Col.AGREEMENT, DataTypes.DoubleType).add(Col.ANNOTATOR_COUNT, DataTypes.IntegerType);

  static Row candidate(String item, String key, String prompt, double agreement, int annotators) {
    return RowFactory.create("preferences\u001f" + item, "preferences", item, key, prompt, agreement, annotators);
  }

  @Test
  void normalisationIsNfkcAndWhitespace() {
    assertEquals("fi 2 x", Normalize.text("  \uFB01\u00A02\t\n x "));
  }

  @Test
  void keeperFollowsAgreementThenAnnotatorsThenItemId() {
    List<Row> rows = new ArrayList<>(List.of(
        candidate("i3", "k1", "p1", 0.8, 5), candidate("i1", "k1", "p1", 0.8, 4), candidate("i2", "k1", "p1", 0.9, 3),
        candidate("i4", "k2", "p2", 0.7, 3), candidate("i5", "k2", "p2", 0.7, 3),
        candidate("i6", "k3", "p3", 1.0, 3)));
    for (int shuffle = 0; shuffle < 3; shuffle++) {
      Collections.shuffle(rows, new java.util.Random(shuffle));
      Dataset<Row> out = Dedup.apply(SparkTest.spark().createDataFrame(rows, CANDIDATE).repartition(3), 0.5, "s");
      List<String> keepers = out.filter(col(Dedup.KEEPER)).orderBy(Col.ITEM_ID).select(Col.ITEM_ID)
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      assertEquals(List.of("i2", "i4", "i6"), keepers);
      assertEquals(2, (int) out.filter(col(Col.ITEM_ID).equalTo("i2")).first().getAs(Col.MERGED_COUNT));
      assertEquals(3, Dedup.duplicates(out).count());
    }
  }

  @Test
  void splitDependsOnThePromptAloneAndHonoursTheShare() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      rows.add(candidate("i" + i, "k" + i, "prompt-" + (i % 2000), 1.0, 3));
    }
    Dataset<Row> out = Dedup.apply(SparkTest.spark().createDataFrame(rows, CANDIDATE), 0.2, "salt");
    assertEquals(0, out.groupBy(Col.PROMPT_KEY).agg(org.apache.spark.sql.functions.countDistinct(Col.SPLIT).as("n"))
        .filter(col("n").gt(1)).count());
    double test = out.filter(col(Col.SPLIT).equalTo(Dedup.TEST)).count() / 4000.0;
    assertEquals(0.2, test, 0.03);
  }
}
