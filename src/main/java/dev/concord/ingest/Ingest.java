package dev.concord.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_except;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.map_values;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.concord.config.ConcordConfig;
import dev.concord.config.PerProject;
import dev.concord.config.ProjectSettings;
import dev.concord.config.TaskType;
import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Ingest: every input line parsed once and validated against the contract. The result keeps every line, good or
 * bad, so nothing can be lost between here and the quarantine; a bad line carries a {@code reason} and a
 * {@code detail} a person can act on.
 */
public final class Ingest {
  private Ingest() {}

  private static final String CORRUPT = "_corrupt_record";
  private static final String J = "j";
  /** Whether the line's prompt is a JSON list: one regular-expression scan of the line, read by two rules. */
  private static final String PROMPT_IS_LIST = "prompt_is_list";

  public static final StructType MESSAGE = new StructType()
      .add(Col.ROLE, DataTypes.StringType).add(Col.CONTENT, DataTypes.StringType);
  public static final ArrayType MESSAGES = DataTypes.createArrayType(MESSAGE);
  static final StructType RESPONSE = new StructType()
      .add(Col.RESPONSE_ID, DataTypes.StringType).add(Col.TEXT, DataTypes.StringType)
      .add(Col.MODEL, DataTypes.StringType);
  public static final StructType ANSWER = new StructType()
      .add(Col.PREFERRED, DataTypes.StringType)
      .add(Col.STRENGTH, DataTypes.IntegerType)
      .add(Col.RANKING, DataTypes.createArrayType(DataTypes.StringType))
      .add(Col.RATINGS, DataTypes.createMapType(DataTypes.StringType,
          DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType)))
      .add(Col.LABEL, DataTypes.StringType)
      .add(Col.COMPLETION, DataTypes.StringType);

  /**
   * The shape Spark parses a line into. {@code prompt} is read as a string: a JSON string arrives as its text, a
   * list of messages as its JSON text, which {@link #promptMessages} parses again.
   */
  static final StructType WIRE = new StructType()
      .add(Col.SUBMISSION_ID, DataTypes.StringType)
      .add(Col.ITEM_ID, DataTypes.StringType)
      .add(Col.PROJECT, DataTypes.StringType)
      .add(Col.TASK_TYPE, DataTypes.StringType)
      .add(Col.ANNOTATOR_ID, DataTypes.StringType)
      .add(Col.SUBMITTED_AT, DataTypes.StringType)
      .add(Col.PROMPT, DataTypes.StringType)
      .add(Col.RESPONSES, DataTypes.createArrayType(RESPONSE))
      .add(Col.ANSWER, ANSWER)
      .add(Col.JUSTIFICATION, DataTypes.StringType)
      .add(Col.GUIDELINE_VERSION, DataTypes.StringType)
      .add(Col.TIME_SPENT_S, DataTypes.DoubleType)
      .add(Col.METADATA, DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
      .add(CORRUPT, DataTypes.StringType);

  /** The schema lines are parsed with (for the benchmark's floor, which must read exactly what ingest reads). */
  public static StructType wireSchema() {
    return WIRE;
  }

  private static final List<String> REQUIRED = List.of(Col.SUBMISSION_ID, Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE,
      Col.ANNOTATOR_ID, Col.SUBMITTED_AT, Col.PROMPT, Col.ANSWER);

  /** RFC 3339: a date, a time, optional fractions and a mandatory offset. */
  private static final String RFC3339 =
      "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$";

  private static final UserDefinedFunction EXPLAIN_MALFORMED = udf(
      (UDF1<String, Row>) MalformedLine::explain,
      new StructType().add(Col.REASON, DataTypes.StringType).add(Col.DETAIL, DataTypes.StringType));

  /**
   * Parses and validates lines ({@code source_file, block_start, row_id, raw}). Returns one row per line with the
   * parsed submission (annotator as pseudonym, never the raw id) and {@code reason}/{@code detail}, null for a good
   * line.
   */
  public static Dataset<Row> parse(Dataset<Row> lines, ConcordConfig config, byte[] pseudonymKey) {
    Dataset<Row> parsed = lines.withColumn(J,
            from_json(col(Col.RAW), WIRE, Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT)))
        .withColumn(PROMPT_IS_LIST, col(Col.RAW).rlike("\"prompt\"\\s*:\\s*\\["));
    Column prompt = promptMessages(f(Col.PROMPT), col(PROMPT_IS_LIST));
    Dataset<Row> p = parsed
        .withColumn(Col.PROMPT, prompt)
        .withColumn(Col.RESPONSE_IDS, transform(f(Col.RESPONSES), r -> r.getField(Col.RESPONSE_ID)))
        .withColumn(Col.SUBMITTED_AT, try_to_timestamp(f(Col.SUBMITTED_AT)));

    Column blank = trim(col(Col.RAW)).equalTo("");
    Column malformed = col(J).isNull().or(f(CORRUPT).isNotNull());
    Column problem = when(blank, struct(lit("blank_line").as(Col.REASON),
            lit("the line is empty; a line must hold one submission as a JSON object").as(Col.DETAIL)))
        .when(malformed, EXPLAIN_MALFORMED.apply(col(Col.RAW)))
        .otherwise(firstFailing(rules(config)));

    return p.select(
        col(Col.SOURCE_FILE), col(Col.BLOCK_START), col(Col.ROW_ID), col(Col.RAW),
        problem.getField(Col.REASON).as(Col.REASON), problem.getField(Col.DETAIL).as(Col.DETAIL),
        f(Col.SUBMISSION_ID).as(Col.SUBMISSION_ID), f(Col.ITEM_ID).as(Col.ITEM_ID),
        f(Col.PROJECT).as(Col.PROJECT), f(Col.TASK_TYPE).as(Col.TASK_TYPE),
        Pseudonyms.of(f(Col.ANNOTATOR_ID), pseudonymKey).as(Col.ANNOTATOR),
        col(Col.SUBMITTED_AT), col(Col.PROMPT), f(Col.RESPONSES).as(Col.RESPONSES), col(Col.RESPONSE_IDS),
        f(Col.ANSWER).as(Col.ANSWER), f(Col.GUIDELINE_VERSION).as(Col.GUIDELINE_VERSION),
        Pseudonyms.scrub(f(Col.METADATA), f(Col.ANNOTATOR_ID), pseudonymKey).as(Col.METADATA),
        contentHash().as(Col.CONTENT_HASH), itemHash().as(Col.ITEM_HASH));
  }

  /**
   * The prompt as a list of messages: a string prompt becomes one user turn. Whether the JSON value was a list
   * ({@code isList}) is read from the raw line, since Spark hands a list to a string field as its JSON text.
   */
  static Column promptMessages(Column promptText, Column isList) {
    return when(promptText.isNull(), lit(null).cast(MESSAGES))
        .when(isList, from_json(promptText, MESSAGES))
        .otherwise(array(struct(lit("user").as(Col.ROLE), promptText.as(Col.CONTENT))));
  }

  private static Column f(String field) {
    return col(J + "." + field);
  }

  private static Column firstFailing(List<Rule> rules) {
    Column[] problems = rules.stream()
        .map(r -> when(r.fails(), struct(lit(r.reason()).as(Col.REASON), r.detail().as(Col.DETAIL))))
        .toArray(Column[]::new);
    return coalesce(problems);
  }

  /** The contract's rules, in the order a person would want to hear about them. */
  static List<Rule> rules(ConcordConfig config) {
    Column type = f(Col.TASK_TYPE);
    Column responses = f(Col.RESPONSES);
    Column ids = col(Col.RESPONSE_IDS);
    Column nResponses = coalesce(size(responses), lit(0));
    Column answer = f(Col.ANSWER);
    Column prompt = col(Col.PROMPT);
    Column isList = col(PROMPT_IS_LIST);
    int maxField = config.limits().maxFieldChars();

    List<Rule> rules = new ArrayList<>();

    List<Column> missing = new ArrayList<>();
    Column anyMissing = lit(false);
    for (String field : REQUIRED) {
      Column absent = field.equals(Col.ANSWER) ? f(field).isNull()
          : f(field).isNull().or(trim(f(field)).equalTo(""));
      missing.add(when(absent, lit(field)));
      anyMissing = anyMissing.or(absent);
    }
    rules.add(new Rule("missing_field", anyMissing,
        concat(lit("required field(s) missing or empty: "), concat_ws(", ", missing.toArray(Column[]::new)))));

    rules.add(new Rule("unknown_task_type", type.isin(TaskType.ids().toArray()).unary_$bang(),
        concat(lit("task_type '"), type, lit("' is not one of " + String.join(", ", TaskType.ids())))));

    Column promptChars = totalContentLength(prompt);
    Column longestResponse = coalesce(expr("array_max(transform(" + J + ".responses, r -> length(r.text)))"), lit(0));
    Column completionChars = coalesce(length(answer.getField(Col.COMPLETION)), lit(0));
    Column justificationChars = coalesce(length(f(Col.JUSTIFICATION)), lit(0));
    Column longest = greatest(promptChars, longestResponse, completionChars, justificationChars);
    Column whichLong = when(promptChars.gt(maxField), lit("prompt"))
        .when(longestResponse.gt(maxField), lit("responses[].text"))
        .when(completionChars.gt(maxField), lit("answer.completion"))
        .otherwise(lit("justification"));
    rules.add(new Rule("field_too_large", longest.gt(maxField),
        concat(lit("field '"), whichLong, lit("' has "), longest.cast("string"),
            lit(" characters, above limits.max_field_chars = " + maxField))));

    rules.add(new Rule("bad_timestamp", f(Col.SUBMITTED_AT).rlike(RFC3339).unary_$bang()
            .or(col(Col.SUBMITTED_AT).isNull()),
        concat(lit("submitted_at '"), f(Col.SUBMITTED_AT), lit("' is not an RFC 3339 timestamp with a time zone"))));

    Column badMessage = exists(prompt, m -> m.getField(Col.ROLE).isNull().or(m.getField(Col.CONTENT).isNull())
        .or(m.getField(Col.ROLE).isin("system", "user", "assistant").unary_$bang()));
    rules.add(new Rule("bad_prompt", isList.and(prompt.isNull().or(size(prompt).equalTo(0)).or(badMessage)
            .or(coalesce(element_at(prompt, -1).getField(Col.ROLE), lit("")).notEqual("user"))),
        lit("prompt must be a non-empty string, or a list of {role, content} messages (roles system, user, "
            + "assistant) ending in a user turn")));

    Column countWrong = when(type.equalTo("pairwise"), nResponses.notEqual(2))
        .when(type.equalTo("ranking"), nResponses.lt(2))
        .when(type.equalTo("rating"), nResponses.lt(1))
        .otherwise(nResponses.gt(1));
    Column expected = when(type.equalTo("pairwise"), lit("exactly 2"))
        .when(type.equalTo("ranking"), lit("2 or more"))
        .when(type.equalTo("rating"), lit("1 or more"))
        .otherwise(lit("0 or 1"));
    rules.add(new Rule("bad_responses", countWrong,
        concat(lit("a "), type, lit(" item needs "), expected, lit(" responses, got "), nResponses.cast("string"))));
    rules.add(new Rule("bad_responses", exists(responses, r -> r.getField(Col.RESPONSE_ID).isNull()
            .or(trim(r.getField(Col.RESPONSE_ID)).equalTo("")).or(r.getField(Col.TEXT).isNull())),
        lit("every response needs a non-empty response_id and a text")));
    rules.add(new Rule("bad_responses", size(array_distinct(ids)).notEqual(size(ids)),
        concat(lit("response ids repeat: ["), array_join(ids, ", "), lit("]"))));

    rules.addAll(answerRules(config, type, answer, ids));
    return rules;
  }

  private static List<Rule> answerRules(ConcordConfig config, Column type, Column answer, Column ids) {
    Column pairwise = type.equalTo("pairwise");
    Column ranking = type.equalTo("ranking");
    Column rating = type.equalTo("rating");
    Column label = type.equalTo("label");
    Column sft = type.equalTo("sft");
    Column idList = concat(lit("["), array_join(ids, ", "), lit("]"));
    List<Rule> rules = new ArrayList<>();

    Column preferred = answer.getField(Col.PREFERRED);
    Column strength = answer.getField(Col.STRENGTH);
    rules.add(new Rule("bad_answer", pairwise.and(preferred.isNull()),
        lit("a pairwise answer needs 'preferred' (a response id or \"tie\")")));
    rules.add(new Rule("bad_answer", pairwise.and(preferred.notEqual("tie")).and(array_contains(ids, preferred).unary_$bang()),
        concat(lit("preferred '"), preferred, lit("' is not one of the responses "), idList, lit(" nor \"tie\""))));
    rules.add(new Rule("bad_answer", pairwise.and(strength.isNotNull()).and(strength.between(1, 3).unary_$bang()),
        concat(lit("strength must be 1, 2 or 3, got "), strength.cast("string"))));

    Column order = answer.getField(Col.RANKING);
    rules.add(new Rule("bad_answer", ranking.and(order.isNull()),
        lit("a ranking answer needs 'ranking', the response ids best first")));
    rules.add(new Rule("bad_answer", ranking.and(size(array_distinct(order)).notEqual(size(order))),
        concat(lit("ranking repeats a response: ["), array_join(order, ", "), lit("]"))));
    rules.add(new Rule("bad_answer", ranking.and(size(array_except(order, ids)).gt(0)),
        concat(lit("ranking names responses that were not shown: ["), array_join(array_except(order, ids), ", "),
            lit("]; shown: "), idList)));
    rules.add(new Rule("bad_answer", ranking.and(size(array_except(ids, order)).gt(0)),
        concat(lit("ranking omits responses ["), array_join(array_except(ids, order), ", "), lit("]"))));

    Column ratings = answer.getField(Col.RATINGS);
    Column cells = expr("flatten(transform(map_entries(" + J + ".answer.ratings), e -> transform(map_entries(e.value),"
        + " d -> named_struct('response_id', e.key, 'dimension', d.key, 'score', d.value))))");
    rules.add(new Rule("bad_answer", rating.and(ratings.isNull().or(size(ratings).equalTo(0))),
        lit("a rating answer needs 'ratings': {response_id: {dimension: integer}}")));
    rules.add(new Rule("bad_answer", rating.and(size(array_except(map_keys(ratings), ids)).gt(0)),
        concat(lit("ratings name responses that were not shown: ["),
            array_join(array_except(map_keys(ratings), ids), ", "), lit("]; shown: "), idList)));
    rules.add(new Rule("bad_answer", rating.and(size(array_except(ids, map_keys(ratings))).gt(0)),
        concat(lit("ratings omit responses ["), array_join(array_except(ids, map_keys(ratings)), ", "), lit("]"))));
    rules.add(new Rule("bad_answer", rating.and(exists(map_values(ratings), m -> size(m).equalTo(0))),
        lit("every rated response needs at least one dimension")));
    Column min = PerProject.value(config, f(Col.PROJECT), p -> p.ratingScale() == null ? null : p.ratingScale().min());
    Column max = PerProject.value(config, f(Col.PROJECT), p -> p.ratingScale() == null ? null : p.ratingScale().max());
    Column outside = element_at(filter(cells, c -> c.getField("score").lt(min).or(c.getField("score").gt(max))), 1);
    rules.add(new Rule("bad_answer", rating.and(min.isNotNull()).and(outside.isNotNull()),
        concat(lit("rating "), outside.getField("score").cast("string"), lit(" of "),
            outside.getField("response_id"), lit("."), outside.getField("dimension"),
            lit(" is outside the project's scale "), min.cast("string"), lit(".."), max.cast("string"))));
    Column dims = PerProject.list(config, f(Col.PROJECT), p -> p.ratingDimensions() == null ? null
        : List.copyOf(new java.util.TreeSet<>(p.ratingDimensions().keySet())));
    Column unknownDim = element_at(filter(cells, c -> array_contains(dims, c.getField("dimension")).unary_$bang()), 1);
    rules.add(new Rule("bad_answer", rating.and(dims.isNotNull()).and(unknownDim.isNotNull()),
        concat(lit("dimension '"), unknownDim.getField("dimension"), lit("' is not one of the project's ["),
            array_join(dims, ", "), lit("]"))));

    Column lab = answer.getField(Col.LABEL);
    Column labels = PerProject.list(config, f(Col.PROJECT), ProjectSettings::labels);
    rules.add(new Rule("bad_answer", label.and(lab.isNull().or(trim(lab).equalTo(""))),
        lit("a label answer needs a non-empty 'label'")));
    rules.add(new Rule("bad_answer", label.and(labels.isNotNull()).and(array_contains(labels, lab).unary_$bang()),
        concat(lit("label '"), lab, lit("' is not one of the project's labels ["), array_join(labels, ", "), lit("]"))));

    Column completion = answer.getField(Col.COMPLETION);
    rules.add(new Rule("bad_answer", sft.and(completion.isNull().or(trim(completion).equalTo(""))),
        lit("an sft answer needs a non-empty 'completion'")));
    return rules;
  }

  /** Same content, same hash: the parsed submission without where it was read. Maps are hashed as sorted entries. */
  private static Column contentHash() {
    return xxhash64(f(Col.SUBMISSION_ID), f(Col.ITEM_ID), f(Col.PROJECT), f(Col.TASK_TYPE), f(Col.ANNOTATOR_ID),
        f(Col.SUBMITTED_AT), col(Col.PROMPT), f(Col.RESPONSES),
        f("answer.preferred"), f("answer.strength"), f("answer.ranking"),
        expr("array_sort(transform(map_entries(" + J + ".answer.ratings), e -> struct(e.key, array_sort(map_entries(e.value)))))"),
        f("answer.label"), f("answer.completion"), f(Col.JUSTIFICATION), f(Col.GUIDELINE_VERSION),
        f(Col.TIME_SPENT_S), expr("array_sort(map_entries(" + J + ".metadata))"));
  }

  /** What every submission on one item must share: its project, task type, prompt and responses. */
  private static Column itemHash() {
    return xxhash64(f(Col.PROJECT), f(Col.TASK_TYPE), col(Col.PROMPT), array_sort(f(Col.RESPONSES)));
  }

  private static Column totalContentLength(Column messages) {
    return coalesce(org.apache.spark.sql.functions.aggregate(messages, lit(0),
        (acc, m) -> acc.plus(coalesce(length(m.getField(Col.CONTENT)), lit(0)))),
        lit(0));
  }
}
