package dev.concord.ingest;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Gold labels: parsed and checked like submissions, then matched to the items they settle. */
public final class Gold {
  private Gold() {}

  public static final String MATCHED = "matched";
  /** A gold label for an item not in this batch: kept out of the run, counted in the manifest. */
  public static final String UNMATCHED = "unmatched";

  /** The rows {@link #parse} returns. */
  public static final StructType PARSED = Ingest.origin()
      .add(Col.ITEM_ID, DataTypes.StringType).add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ANSWER, dev.concord.schema.Table.GOLD.fieldType(Col.ANSWER)).add(Col.SOURCE, DataTypes.StringType)
      .add(Col.CREATED_AT, DataTypes.TimestampType);

  /** Gold lines (as {@link Ingest#parse} takes lines) parsed strictly, with {@code reason}/{@code detail} for a bad one. */
  public static Dataset<Row> parse(Dataset<Row> lines, IngestSettings settings) {
    JavaRDD<Row> parsed = lines.select(Col.SOURCE_FILE, Col.BLOCK_START, Col.ROW_ID, Col.RAW, Col.REASON, Col.DETAIL)
        .javaRDD().mapPartitions(rows -> {
          JsonFactory json = JsonReading.factory(Integer.MAX_VALUE - 16);
          return java.util.stream.StreamSupport.stream(java.util.Spliterators.spliteratorUnknownSize(rows, 0), false)
              .map(line -> parseLine(line, json, settings)).iterator();
        });
    return lines.sparkSession().createDataFrame(parsed, PARSED);
  }

  /** One gold label as read. */
  static final class Label {
    String itemId;
    String taskType;
    Submission.Answer answer;
    String source;
    String createdAtText;
  }

  private static Row parseLine(Row line, JsonFactory jsonFactory, IngestSettings settings) {
    Label g = new Label();
    JsonReading.Outcome read = JsonReading.read(line, "one gold label as a JSON object {item_id, task_type, answer,"
        + " source, created_at?}", json -> {
          read(json, g, jsonFactory);
          return check(g, settings);
        });
    boolean good = read.good();
    return RowFactory.create(line.getAs(Col.SOURCE_FILE), line.getAs(Col.BLOCK_START), line.getAs(Col.ROW_ID),
        read.rawText(), read.rawBytes(), read.reason(), read.detail(), g.itemId, g.taskType,
        good ? Ingest.answerRow(g.answer) : null, good ? g.source : null,
        good && g.createdAtText != null ? java.sql.Timestamp.from(Rfc3339.parse(g.createdAtText)) : null);
  }

  private static void read(String text, Label g, JsonFactory json) throws Problem {
    try (JsonParser p = json.createParser(text)) {
      try {
        JsonToken root = p.nextToken();
        if (root != JsonToken.START_OBJECT) {
          throw new Problem("not_an_object", "the gold line is " + JsonReading.kind(root) + ", not a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          p.nextToken();
          switch (field) {
            case Col.ITEM_ID -> g.itemId = JsonReading.string(p, field);
            case Col.TASK_TYPE -> g.taskType = JsonReading.string(p, field);
            case Col.ANSWER -> g.answer = SubmissionParser.answer(p);
            case Col.SOURCE -> g.source = JsonReading.string(p, field);
            case Col.CREATED_AT -> g.createdAtText = JsonReading.string(p, field);
            default -> p.skipChildren();
          }
        }
        JsonReading.requireEnd(p);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw JsonReading.explain(e, p, SubmissionParser.KNOWN);
      }
    } catch (java.io.IOException e) {
      throw new Problem("invalid_json", "the gold line cannot be read as JSON (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The gold rules that need nothing but the line; those that need its item are {@link #match}'s. */
  private static String[] check(Label g, IngestSettings settings) {
    java.util.List<String> missing = new java.util.ArrayList<>();
    if (g.itemId == null || JsonReading.isBlank(g.itemId)) {
      missing.add("item_id");
    }
    if (g.taskType == null || JsonReading.isBlank(g.taskType)) {
      missing.add("task_type");
    }
    if (g.answer == null) {
      missing.add("answer");
    }
    if (g.source == null || JsonReading.isBlank(g.source)) {
      missing.add("source");
    }
    if (!missing.isEmpty()) {
      return new String[] {"missing_field", "a gold label needs item_id, task_type, answer and source; missing, null"
          + " or blank: " + String.join(", ", missing)};
    }
    for (String[] id : new String[][] {{"item_id", g.itemId}, {"task_type", g.taskType}, {"source", g.source}}) {
      if (id[1].length() > settings.maxIdChars()) {
        return new String[] {"field_too_large", "field '" + id[0] + "' has " + id[1].length() + " characters, above"
            + " limits.max_id_chars = " + settings.maxIdChars()};
      }
    }
    if (g.createdAtText != null && Rfc3339.parse(g.createdAtText) == null) {
      return new String[] {"bad_timestamp", "created_at '" + g.createdAtText + "' is not an RFC 3339 timestamp of a"
          + " real date and time with a time zone (e.g. 2026-11-21T03:12:44Z)"};
    }
    if (TaskType.JUDGED.stream().noneMatch(t -> t.id().equals(g.taskType))) {
      return new String[] {"bad_gold", "gold task_type '" + g.taskType + "' is not one Concord resolves (pairwise,"
          + " ranking, rating, label)"};
    }
    String wrong = answerProblem(g.taskType, g.answer);
    return wrong == null ? null : new String[] {"bad_gold", wrong};
  }

  private static String answerProblem(String type, Submission.Answer a) {
    switch (TaskType.parse(type)) {
      case PAIRWISE -> {
        if (a.preferred == null || JsonReading.isBlank(a.preferred)) {
          return "a pairwise gold answer needs 'answer.preferred' (a response id or \"tie\")";
        }
        if (a.strength != null && (a.strength < 1 || a.strength > 3)) {
          return "gold 'answer.strength' must be 1, 2 or 3, got " + a.strength;
        }
      }
      case RANKING -> {
        if (a.ranking == null || a.ranking.size() < 2) {
          return "a ranking gold answer needs 'answer.ranking' with 2 or more response ids, got "
              + (a.ranking == null ? "none" : a.ranking.size());
        }
        if (new java.util.HashSet<>(a.ranking).size() < a.ranking.size()) {
          return "gold 'answer.ranking' repeats a response: " + a.ranking;
        }
      }
      case RATING -> {
        if (a.ratings == null || a.ratings.isEmpty() || a.ratings.values().stream().anyMatch(java.util.Map::isEmpty)) {
          return "a rating gold answer needs 'answer.ratings' with at least one {dimension: integer} per response"
              + " it names";
        }
      }
      case LABEL -> {
        if (a.label == null || JsonReading.isBlank(a.label)) {
          return "a label gold answer needs a non-blank 'answer.label'";
        }
      }
      default -> {
        return null;
      }
    }
    return null;
  }

  /**
   * Each project's answer rules for gold, one row per project of the batch ({@code project, scale_min, scale_max,
   * dimensions, labels}): the configured ones, else what the project's submissions hold (the range of their
   * scores, the dimensions and labels they use), so that a gold label can never be what no annotator could answer.
   */
  public static Dataset<Row> projectRules(Dataset<Row> activeSubmissions, IngestSettings settings) {
    Column ratings = col(Col.ANSWER).getField(Col.RATINGS);
    Column scores = org.apache.spark.sql.functions.flatten(org.apache.spark.sql.functions.transform(
        org.apache.spark.sql.functions.map_values(ratings), m -> org.apache.spark.sql.functions.map_values(m)));
    Column dims = org.apache.spark.sql.functions.flatten(org.apache.spark.sql.functions.transform(
        org.apache.spark.sql.functions.map_values(ratings), m -> map_keys(m)));
    java.util.List<Row> seen = activeSubmissions
        .select(col(Col.PROJECT), org.apache.spark.sql.functions.array_min(scores).as("lo"),
            org.apache.spark.sql.functions.array_max(scores).as("hi"), dims.as("dims"),
            col(Col.ANSWER).getField(Col.LABEL).as(Col.LABEL))
        .groupBy(Col.PROJECT).agg(org.apache.spark.sql.functions.min("lo").as("lo"),
            org.apache.spark.sql.functions.max("hi").as("hi"),
            org.apache.spark.sql.functions.array_distinct(org.apache.spark.sql.functions.flatten(
                org.apache.spark.sql.functions.collect_list("dims"))).as("dims"),
            collect_set(Col.LABEL).as("labels"))
        .collectAsList();
    java.util.List<Row> rules = new java.util.ArrayList<>();
    for (Row r : seen) {
      IngestSettings.ProjectRules own = settings.project(r.getString(0));
      int[] scale = own.scale();
      rules.add(RowFactory.create(r.getString(0), scale != null ? (Integer) scale[0] : (Integer) r.getAs("lo"),
          scale != null ? (Integer) scale[1] : (Integer) r.getAs("hi"),
          own.dimensions() != null ? java.util.List.copyOf(own.dimensions()) : r.getList(r.fieldIndex("dims")),
          own.labels() != null ? own.labels() : r.getList(r.fieldIndex("labels"))));
    }
    return activeSubmissions.sparkSession().createDataFrame(rules, PROJECT_RULES);
  }

  static final StructType PROJECT_RULES = new StructType().add(Col.PROJECT, DataTypes.StringType)
      .add("scale_min", DataTypes.IntegerType).add("scale_max", DataTypes.IntegerType)
      .add("dimensions", DataTypes.createArrayType(DataTypes.StringType))
      .add("labels", DataTypes.createArrayType(DataTypes.StringType));

  /**
   * Good gold lines matched to the batch's items ({@code item_id, project, task_type, response_ids}) and checked
   * against their project's rules ({@link #projectRules}). Returns every good gold line with a {@code status} of
   * matched, unmatched or a rejection reason and its {@code detail}.
   */
  public static Dataset<Row> match(Dataset<Row> goodGold, Dataset<Row> items, Dataset<Row> projectRules) {
    Column answerHash = xxhash64(col("answer.preferred"), col("answer.strength"), col("answer.ranking"),
        expr("array_sort(transform(map_entries(answer.ratings), e -> struct(e.key, array_sort(map_entries(e.value)))))"),
        col("answer.label"));
    Dataset<Row> g = goodGold
        .withColumn("versions", size(collect_set(answerHash).over(Window.partitionBy(Col.ITEM_ID))))
        .withColumn("copy", org.apache.spark.sql.functions.row_number().over(Window.partitionBy(Col.ITEM_ID)
            .orderBy(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID))));
    Dataset<Row> it = items.select(col(Col.ITEM_ID), col(Col.PROJECT),
        col(Col.TASK_TYPE).as("item_task_type"), col(Col.RESPONSE_IDS))
        .join(org.apache.spark.sql.functions.broadcast(projectRules), new String[] {Col.PROJECT}, "left");
    Dataset<Row> joined = g.join(it, g.col(Col.ITEM_ID).equalTo(it.col(Col.ITEM_ID)), "left")
        .drop(it.col(Col.ITEM_ID));

    Column type = col(Col.TASK_TYPE);
    Column ids = col(Col.RESPONSE_IDS);
    Column a = col(Col.ANSWER);
    Column preferred = a.getField(Col.PREFERRED);
    Column ranking = a.getField(Col.RANKING);
    Column badAnswer = when(type.equalTo(TaskType.PAIRWISE.id()),
            preferred.notEqual("tie").and(array_contains(ids, preferred).unary_$bang()))
        .when(type.equalTo(TaskType.RANKING.id()), size(array_distinct(ranking)).notEqual(size(ranking))
            .or(size(array_except(ranking, ids)).gt(0)).or(size(array_except(ids, ranking)).gt(0)))
        .when(type.equalTo(TaskType.RATING.id()), size(array_except(map_keys(a.getField(Col.RATINGS)), ids)).gt(0))
        .otherwise(lit(false));
    Column cells = expr("flatten(transform(map_entries(answer.ratings), e -> transform(map_entries(e.value),"
        + " d -> named_struct('response_id', e.key, 'dimension', d.key, 'score', d.value))))");
    Column outside = org.apache.spark.sql.functions.element_at(org.apache.spark.sql.functions.filter(cells,
        c -> c.getField("score").lt(col("scale_min")).or(c.getField("score").gt(col("scale_max")))), 1);
    Column unknownDim = org.apache.spark.sql.functions.element_at(org.apache.spark.sql.functions.filter(cells,
        c -> array_contains(col("dimensions"), c.getField("dimension")).unary_$bang()), 1);
    Column rating = type.equalTo(TaskType.RATING.id());
    Column label = type.equalTo(TaskType.LABEL.id());
    Column badScore = rating.and(col("scale_min").isNotNull()).and(outside.isNotNull());
    Column badDim = rating.and(col("dimensions").isNotNull()).and(unknownDim.isNotNull());
    Column badLabel = label.and(col("labels").isNotNull())
        .and(array_contains(col("labels"), a.getField(Col.LABEL)).unary_$bang());
    Column status = when(col("versions").gt(1), lit("gold_conflict"))
        .when(col(Col.PROJECT).isNull(), lit(UNMATCHED))
        .when(col("copy").gt(1), lit("repeated_line"))
        .when(type.notEqual(col("item_task_type")), lit("gold_mismatch"))
        .when(badAnswer, lit("gold_mismatch"))
        .when(badScore.or(badDim).or(badLabel), lit("bad_gold"))
        .otherwise(lit(MATCHED));
    Column detail = when(col("versions").gt(1), concat(lit("item '"), col(Col.ITEM_ID), lit("' has "),
            col("versions").cast("string"), lit(" different gold answers; none is used")))
        .when(col(Col.PROJECT).isNull(), lit("no submission in this batch answers the item"))
        .when(col("copy").gt(1), lit("an exact repeat of an earlier gold label"))
        .when(type.notEqual(col("item_task_type")), concat(lit("gold task_type '"), type,
            lit("' differs from the item's '"), col("item_task_type"), lit("'")))
        .when(badAnswer, concat(lit("the gold answer names responses the item does not have (responses: ["),
            org.apache.spark.sql.functions.array_join(ids, ", "), lit("])")))
        .when(badScore, concat(lit("gold rating "), outside.getField("score").cast("string"), lit(" of "),
            outside.getField("response_id"), lit("."), outside.getField("dimension"),
            lit(" is outside the project's scale "), col("scale_min").cast("string"), lit(".."),
            col("scale_max").cast("string"), lit(" (configured, else the range its submissions use)")))
        .when(badDim, concat(lit("gold dimension '"), unknownDim.getField("dimension"),
            lit("' is not one of the project's ["), org.apache.spark.sql.functions.array_join(col("dimensions"), ", "),
            lit("]")))
        .when(badLabel, concat(lit("gold label '"), a.getField(Col.LABEL), lit("' is not one of the project's labels ["),
            org.apache.spark.sql.functions.array_join(col("labels"), ", "),
            lit("] (configured, else those its submissions use)")));
    return joined.select(col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.ITEM_ID),
        col(Col.PROJECT), type, col(Col.RESPONSE_IDS), a, col(Col.SOURCE), status.as(Col.STATUS),
        detail.as(Col.DETAIL));
  }

  /** One row per item of the batch: what gold matching and resolution need to know of it. */
  public static Dataset<Row> items(Dataset<Row> activeSubmissions) {
    return activeSubmissions.groupBy(Col.ITEM_ID).agg(first(Col.PROJECT).as(Col.PROJECT),
        first(Col.TASK_TYPE).as(Col.TASK_TYPE), first(Col.RESPONSE_IDS).as(Col.RESPONSE_IDS));
  }
}
