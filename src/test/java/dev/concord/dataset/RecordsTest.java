package dev.concord.dataset;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.concord.SparkTest;
import dev.concord.ingest.Ingest;
import dev.concord.resolve.Resolve;
import dev.concord.schema.Col;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** What the store keeps of texts: each item's texts keyed once, each candidate's key made once. */
class RecordsTest {
  static final StructType RESPONSE = new StructType().add(Col.RESPONSE_ID, DataTypes.StringType)
      .add(Col.TEXT, DataTypes.StringType).add(Col.MODEL, DataTypes.StringType);
  static final StructType LINE = new StructType().add(Col.SOURCE_FILE, DataTypes.StringType)
      .add(Col.BLOCK_START, DataTypes.LongType).add(Col.ROW_ID, DataTypes.LongType)
      .add(Col.ITEM_ID, DataTypes.StringType).add(Col.ITEM_HASH, DataTypes.LongType)
      .add(Col.PROMPT, Ingest.MESSAGES).add(Col.RESPONSES, DataTypes.createArrayType(RESPONSE));

  static Row line(String file, long row, String item, long hash, String prompt, String... responses) {
    List<Row> rs = new java.util.ArrayList<>();
    for (int i = 0; i < responses.length; i++) {
      rs.add(RowFactory.create("r" + (i + 1), responses[i], "m"));
    }
    return RowFactory.create(file, 0L, row, item, hash, List.of(RowFactory.create("user", prompt)), rs);
  }

  static Dataset<Row> lines(Row... rows) {
    return SparkTest.spark().createDataFrame(List.of(rows), LINE);
  }

  @Test
  void anItemsTextsAreKeyedOncePerContentFromItsFirstLineAndNeverAgain() {
    Dataset<Row> night1 = lines(line("b.jsonl", 3, "i1", 11L, "Say  hi", "hi", "hello"),
        line("a.jsonl", 7, "i1", 11L, "Say  hi", "hi", "hello"),
        line("a.jsonl", 9, "i2", 22L, "Count", "1 2", "one two"));
    Dataset<Row> first = Records.itemTexts(night1, null, false).cache();
    Map<String, Row> byItem = new TreeMap<>();
    first.collectAsList().forEach(r -> byItem.put(r.getAs(Col.ITEM_ID), r));
    assertEquals(2, byItem.size(), "one row per item and content");
    assertEquals("a.jsonl", byItem.get("i1").getAs(Col.SOURCE_FILE), "from the item's first line");
    assertEquals("user: Say hi", byItem.get("i1").getAs(Records.PROMPT_TEXT), "normalised");
    assertEquals(first.filter(col(Col.ITEM_ID).equalTo("i1")).select(org.apache.spark.sql.functions.sha2(
        col(Records.PROMPT_TEXT), 256)).first().getString(0), byItem.get("i1").getAs(Col.PROMPT_KEY));

    // The next night: i1 again with the same content is not keyed again; i2 with another content (an item shown
    // with other responses) and a new item are.
    Dataset<Row> night2 = lines(line("c.jsonl", 1, "i1", 11L, "Say  hi", "hi", "hello"),
        line("c.jsonl", 2, "i2", 23L, "Count", "1 2", "uno dos"), line("c.jsonl", 3, "i3", 33L, "New", "x", "y"));
    List<String> keyed = Records.itemTexts(night2, first, false).orderBy(Col.ITEM_ID).collectAsList().stream()
        .map(r -> r.getAs(Col.ITEM_ID) + "/" + r.getAs(Col.ITEM_HASH)).toList();
    assertEquals(List.of("i2/23", "i3/33"), keyed);

    // The narrow items take their prompt keys from the kept texts, and their texts back where they are needed.
    Dataset<Row> representatives = SparkTest.spark().createDataFrame(List.of(RowFactory.create("i1", 11L)),
        new StructType().add(Col.ITEM_ID, "string").add(Col.ITEM_HASH, "long"));
    Dataset<Row> items = Records.items(representatives, first);
    assertEquals(List.of(Col.ITEM_ID, Col.ITEM_HASH, Col.PROMPT_KEY), List.of(items.columns()));
    Row withTexts = Records.withTexts(items, first).first();
    assertEquals("hello", withTexts.<Row>getList(withTexts.fieldIndex(Col.RESPONSES)).get(1).getAs(Col.TEXT));
  }

  static final StructType CANDIDATE = new StructType().add(Resolve.CANDIDATE, DataTypes.StringType)
      .add(Col.RECORD_TABLE, DataTypes.StringType).add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.ITEM_HASH, DataTypes.LongType).add(Col.PROJECT, DataTypes.StringType)
      .add(Col.TASK_TYPE, DataTypes.StringType).add(Col.CHOSEN_RESPONSE_ID, DataTypes.StringType)
      .add(Col.REJECTED_RESPONSE_ID, DataTypes.StringType).add(Col.LABEL, DataTypes.StringType)
      .add(Col.RESPONSE_ID, DataTypes.StringType).add(Col.RESOLUTION, DataTypes.StringType)
      .add(Col.AGREEMENT, DataTypes.DoubleType).add(Col.ANNOTATOR_COUNT, DataTypes.IntegerType)
      .add(Col.AGREED_COUNT, DataTypes.IntegerType)
      .add(Col.ANNOTATORS, DataTypes.createArrayType(DataTypes.StringType)).add(Col.MARGIN, DataTypes.DoubleType);

  static Row pref(String item, long hash, String chosen, String rejected) {
    return RowFactory.create(String.join("\u001f", "preferences", item, chosen, rejected), "preferences", item, hash,
        "p", "pairwise", chosen, rejected, null, null, "unanimous", 1.0, 3, 3, List.of(), 1.0);
  }

  @Test
  void aCandidatesKeyIsMadeOnceAndKeptWhileItsItemsContentStays() {
    Dataset<Row> texts = Records.itemTexts(lines(line("a.jsonl", 1, "i1", 11L, "Say hi", "hi", "hello"),
        line("a.jsonl", 2, "i2", 22L, "Count", "1 2", "one two")), null, false);
    Dataset<Row> items = Records.withTexts(texts.select(Col.ITEM_ID, Col.ITEM_HASH, Col.PROMPT_KEY), texts);
    Dataset<Row> night1 = SparkTest.spark().createDataFrame(List.of(pref("i1", 11L, "r1", "r2")), CANDIDATE);
    Dataset<Row> keys = Records.candidateKeys(night1, items, false).cache();
    Row made = keys.first();
    assertEquals(made.<String>getAs(Col.KEY), Records.judged(night1.drop(Col.ITEM_HASH), items, false).first()
        .getAs(Col.KEY), "the same key as made in one go");

    // Night 2: i1's candidate again (kept), its mirror (new), and i2's under another content of the item (new).
    Dataset<Row> night2 = SparkTest.spark().createDataFrame(List.of(pref("i1", 11L, "r1", "r2"),
        pref("i1", 11L, "r2", "r1"), pref("i2", 23L, "r1", "r2")), CANDIDATE);
    List<String> unkeyed = Records.unkeyed(night2, keys).orderBy(Resolve.CANDIDATE).collectAsList().stream()
        .map(r -> r.<String>getAs(Col.ITEM_ID) + ":" + r.getAs(Col.CHOSEN_RESPONSE_ID)).toList();
    assertEquals(List.of("i1:r2", "i2:r1"), unkeyed);

    // A kept key is taken as the store has it, not made again from the texts.
    Dataset<Row> planted = keys.withColumn(Col.KEY, lit("kept-key"));
    assertEquals("kept-key", Records.judged(night1, planted).first().getAs(Col.KEY));
  }
}
