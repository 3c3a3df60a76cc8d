package dev.concord.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.core.JsonFactory;
import dev.concord.schema.Col;
import dev.concord.schema.Table;
import java.sql.Timestamp;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Ingest: every input line parsed once, strictly, and validated against the contract. The result keeps every line,
 * good or bad, so nothing can be lost between here and the quarantine; a bad line carries a {@code reason} and a
 * {@code detail} a person can act on, and never a raw annotator id outside its raw text.
 */
public final class Ingest {
  private Ingest() {}

  // The shapes of what a submission holds, from schemas/submission.avsc like every table's.
  public static final ArrayType MESSAGES = (ArrayType) Table.SUBMISSION.fieldType(Col.PROMPT);
  public static final StructType MESSAGE = (StructType) MESSAGES.elementType();
  static final StructType RESPONSE = (StructType) ((ArrayType) Table.SUBMISSION.fieldType(Col.RESPONSES))
      .elementType();
  public static final StructType ANSWER = (StructType) Table.SUBMISSION.fieldType(Col.ANSWER);

  /** The input contract as Spark's JSON reader would take it, for the benchmark's floor (which must read as much). */
  public static StructType wireSchema() {
    // A line names its annotator by the platform's id and its time as text; its prompt may be text or messages.
    java.util.Map<String, String> onTheWire = java.util.Map.of(Col.ANNOTATOR, Col.ANNOTATOR_ID);
    java.util.Set<String> asText = java.util.Set.of(Col.ANNOTATOR, Col.SUBMITTED_AT, Col.PROMPT);
    StructType wire = new StructType();
    for (org.apache.spark.sql.types.StructField f : Table.SUBMISSION.structType().fields()) {
      if (!f.name().equals(Col.SOURCE_FILE) && !f.name().equals(Col.LINE_NUMBER)) {
        wire = wire.add(onTheWire.getOrDefault(f.name(), f.name()),
            asText.contains(f.name()) ? DataTypes.StringType : Table.SUBMISSION.fieldType(f.name()));
      }
    }
    return wire;
  }

  /** Where a line came from, and its raw text as received (bytes only when they are not valid UTF-8). */
  static StructType origin() {
    return new StructType()
        .add(Col.SOURCE_FILE, DataTypes.StringType).add(Col.BLOCK_START, DataTypes.LongType)
        .add(Col.ROW_ID, DataTypes.LongType).add(Col.RAW, DataTypes.StringType)
        .add(Col.RAW_BYTES, DataTypes.BinaryType)
        .add(Col.REASON, DataTypes.StringType).add(Col.DETAIL, DataTypes.StringType);
  }

  /** The rows {@link #parse} returns. */
  public static final StructType PARSED = origin()
      .add(Col.SUBMISSION_ID, DataTypes.StringType).add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.PROJECT, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ANNOTATOR, DataTypes.StringType).add(Col.SUBMITTED_AT, DataTypes.TimestampType)
      .add(Col.PROMPT, MESSAGES).add(Col.RESPONSES, DataTypes.createArrayType(RESPONSE))
      .add(Col.RESPONSE_IDS, DataTypes.createArrayType(DataTypes.StringType)).add(Col.ANSWER, ANSWER)
      .add(Col.GUIDELINE_VERSION, DataTypes.StringType).add(Col.TIME_SPENT_S, DataTypes.DoubleType)
      .add(Col.METADATA, DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
      .add(Col.CONTENT_HASH, DataTypes.LongType).add(Col.ITEM_HASH, DataTypes.LongType)
      .add(Col.LINE_HASH, DataTypes.LongType).add(Col.JUSTIFICATION, DataTypes.StringType);

  /**
   * Parses and validates lines ({@code source_file, block_start, row_id, raw} as bytes, and {@code reason, detail}
   * where the reader already found the line bad, a truncated file say; {@code keep_raw}). Returns one row per line:
   * the parsed submission (annotator as pseudonym, never the raw id) and {@code reason}/{@code detail}, null for a
   * good line. The raw text is kept only for a bad line or where {@code keep_raw} says so: a good line's text is
   * read again, by {@code line_hash}, in the rare case that a cross-line check rejects it.
   */
  public static Dataset<Row> parse(Dataset<Row> lines, IngestSettings settings, byte[] pseudonymKey) {
    byte[] key = pseudonymKey.clone();
    JavaRDD<Row> parsed = lines.select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW),
            col(Col.REASON), col(Col.DETAIL), col(Col.KEEP_RAW), xxhash64(col(Col.RAW)).as(Col.LINE_HASH))
        .javaRDD().mapPartitions(rows -> new LineParser(settings, key).parseAll(rows));
    return lines.sparkSession().createDataFrame(parsed, PARSED);
  }

  /** The per-task state of parsing: the JSON factory, the rules and the pseudonym MAC, made once per partition. */
  private static final class LineParser {
    private final SubmissionParser parser;
    private final List<Rules.Rule> rules;
    private final Pseudonyms.Hasher hasher;

    LineParser(IngestSettings settings, byte[] key) {
      JsonFactory json = JsonReading.factory(Integer.MAX_VALUE - 16);
      this.parser = new SubmissionParser(json);
      this.rules = Rules.of(settings);
      this.hasher = new Pseudonyms.Hasher(key);
    }

    Iterator<Row> parseAll(Iterator<Row> rows) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          return parse(rows.next());
        }
      };
    }

    Row parse(Row line) {
      Object[] out = new Object[PARSED.size()];
      put(out, Col.SOURCE_FILE, line.getAs(Col.SOURCE_FILE));
      put(out, Col.BLOCK_START, line.getAs(Col.BLOCK_START));
      put(out, Col.ROW_ID, line.getAs(Col.ROW_ID));
      Submission s = new Submission();
      JsonReading.Outcome read = JsonReading.read(line, "one submission as a JSON object", json -> {
        parser.parse(json, s);
        return Rules.firstFailing(rules, s);
      });
      put(out, Col.LINE_HASH, line.getAs(Col.LINE_HASH));
      if (!read.good() || line.<Boolean>getAs(Col.KEEP_RAW)) {
        put(out, Col.RAW, read.rawText());
        put(out, Col.RAW_BYTES, read.rawBytes());
      }
      put(out, Col.SUBMISSION_ID, s.submissionId);
      put(out, Col.ITEM_ID, s.itemId);
      put(out, Col.PROJECT, s.project);
      put(out, Col.TASK_TYPE, s.taskType);
      put(out, Col.ANNOTATOR, s.annotatorId == null || JsonReading.unpairedSurrogate(s.annotatorId) >= 0 ? null
          : hasher.of(s.annotatorId));
      if (!read.good()) {
        put(out, Col.REASON, read.reason());
        put(out, Col.DETAIL, scrub(read.detail(), s.annotatorId));
        return RowFactory.create(out);
      }
      put(out, Col.SUBMITTED_AT, Timestamp.from(s.submittedAt));
      put(out, Col.PROMPT, ScalaValues.seq(s.prompt.stream().map(m -> RowFactory.create(m.role(), m.content()))
          .toList()));
      put(out, Col.RESPONSES, ScalaValues.seq(s.responses == null ? List.of() : s.responses.stream()
          .map(r -> RowFactory.create(r.responseId(), r.text(), r.model())).toList()));
      put(out, Col.RESPONSE_IDS, ScalaValues.seq(s.responseIds()));
      put(out, Col.ANSWER, answerRow(s.answer));
      put(out, Col.GUIDELINE_VERSION, s.guidelineVersion);
      put(out, Col.TIME_SPENT_S, s.timeSpentS);
      put(out, Col.METADATA, ScalaValues.map(Pseudonyms.scrubMap(s.metadata, hasher,
          word -> ownId(word, s.annotatorId))));
      // Free text like a detail: the line's own raw id and e-mail addresses become pseudonyms here, other
      // annotators' raw ids where it is published (scrubText).
      put(out, Col.JUSTIFICATION, scrub(s.justification, s.annotatorId));
      put(out, Col.CONTENT_HASH, Hashes.content(s));
      put(out, Col.ITEM_HASH, Hashes.item(s));
      return RowFactory.create(out);
    }

    private String ownId(String word, String rawId) {
      return word.equals(rawId) ? hasher.of(word) : null;
    }

    /** A detail with the line's own raw annotator id and every e-mail address turned into pseudonyms. */
    private String scrub(String detail, String rawId) {
      return Pseudonyms.scrubText(detail, hasher, word -> rawId != null && word.equals(rawId) ? hasher.of(word)
          : null);
    }
  }

  /**
   * Submission metadata with the raw ids of every annotator of the batch replaced by their pseudonyms, wherever
   * they stand in a key or value ({@code "double-checked by worker-7731"}): a word is an annotator's raw id when its
   * pseudonym is one of {@code pseudonyms}, so no raw id needs to be known. Runs on the good lines only, whose
   * metadata reaches {@code lineage/}.
   */
  public static Dataset<Row> scrubMetadata(Dataset<Row> goodLines, java.util.Set<String> pseudonyms, byte[] key) {
    KnownAnnotators known = new KnownAnnotators(key, goodLines, pseudonyms);
    UDF1<scala.collection.Map<String, String>, Map<String, String>> scrub = m -> m == null ? null
        : Pseudonyms.scrubMap(scala.jdk.javaapi.CollectionConverters.asJava(m), known.hasher(), known::asPseudonym);
    return goodLines.withColumn(Col.METADATA, org.apache.spark.sql.functions.udf(scrub,
        DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType)).apply(col(Col.METADATA)));
  }

  /**
   * {@code column}, a free text of the good lines (a justification), with the raw ids of every annotator of
   * {@code pseudonyms} replaced by their pseudonyms, as {@link #scrubMetadata} does for metadata.
   */
  public static Dataset<Row> scrubText(Dataset<Row> lines, String column, java.util.Set<String> pseudonyms,
      byte[] key) {
    KnownAnnotators known = new KnownAnnotators(key, lines, pseudonyms);
    UDF1<String, String> scrub = t -> Pseudonyms.scrubText(t, known.hasher(), known::asPseudonym);
    return lines.withColumn(column, org.apache.spark.sql.functions.udf(scrub, DataTypes.StringType)
        .apply(col(column)));
  }

  /**
   * What the scrubs share: the batch's annotators' pseudonyms, broadcast, and the MAC that recognises their raw ids,
   * made once per task on first use.
   */
  private static final class KnownAnnotators implements java.io.Serializable {
    private final byte[] key;
    private final org.apache.spark.broadcast.Broadcast<java.util.Set<String>> pseudonyms;
    private transient Pseudonyms.Hasher hasher;

    KnownAnnotators(byte[] key, Dataset<Row> lines, java.util.Set<String> pseudonyms) {
      this.key = key.clone();
      this.pseudonyms = JavaSparkContext.fromSparkContext(lines.sparkSession().sparkContext())
          .broadcast(new java.util.HashSet<>(pseudonyms));
    }

    Pseudonyms.Hasher hasher() {
      if (hasher == null) {
        hasher = new Pseudonyms.Hasher(key);
      }
      return hasher;
    }

    /** The pseudonym of {@code word} if it is the raw id of one of the annotators, else null. */
    String asPseudonym(String word) {
      String p = hasher().of(word);
      return pseudonyms.value().contains(p) ? p : null;
    }
  }

  /** An answer in the shape of {@link #ANSWER}. */
  static Row answerRow(Submission.Answer a) {
    return RowFactory.create(a.preferred, a.strength, ScalaValues.seq(a.ranking), ScalaValues.map(a.ratings),
        a.label, a.completion);
  }

  private static void put(Object[] row, String column, Object value) {
    row[PARSED.fieldIndex(column)] = value;
  }
}
