package dev.concord.trace;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The auditor's questions, answered from one published version alone: where a record came from, what became of a
 * submission, and what an annotator's work reached. Each answer is plain data (maps and lists, in a stable order)
 * for the terminal tree or JSON; it holds what was asked about, never the whole dataset.
 */
public final class Trace {
  /** The published tables of one version. */
  public record Version(Dataset<Row> preferences, Dataset<Row> sft, Dataset<Row> labels, Dataset<Row> lineage,
      Dataset<Row> decisions, Dataset<Row> duplicates, Dataset<Row> annotators, Dataset<Row> quarantine) {}

  private final Version v;

  public Trace(Version version) {
    this.v = version;
  }

  /** Thrown when the id asked about is in no table of the version. */
  public static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  /**
   * A record: its own fields, the records merged into it, and every submission behind it (through lineage, those of
   * merged records included) with how each was used, and every annotator with the decision about them. An id that
   * was not published (merged away, decontaminated, in review) says what became of it and, where it went into
   * another record, traces that one.
   */
  public Map<String, Object> record(String id) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("record", id);
    Row found = null;
    String table = null;
    for (Map.Entry<String, Dataset<Row>> t : List.of(Map.entry("preferences", v.preferences()),
        Map.entry("sft", v.sft()), Map.entry("labels", v.labels()))) {
      List<Row> rows = t.getValue().filter(col(Col.ID).equalTo(id)).limit(1).collectAsList();
      if (!rows.isEmpty()) {
        found = rows.get(0);
        table = t.getKey();
        break;
      }
    }
    List<Map<String, Object>> removed = rows(v.duplicates().filter(col(Col.REMOVED_ID).equalTo(id))
        .orderBy(Col.REMOVED_ITEM_ID, Col.REMOVED_KEY), Col.RECORD_TABLE, Col.REMOVED_ITEM_ID, Col.KIND,
        Col.SIMILARITY, Col.REASON, Col.KEPT_ID);
    if (found == null) {
      if (removed.isEmpty()) {
        throw new NotFound("record " + id + " is in no table of this version (preferences, sft, labels, duplicates)");
      }
      out.put("published", false);
      out.put("removed", removed);
      Object keptId = removed.get(0).get(Col.KEPT_ID);
      if (keptId != null && !keptId.equals(id)) {
        out.put("went_into", record(keptId.toString()));
      }
      return out;
    }
    out.put("published", true);
    out.put("table", table);
    for (String f : List.of(Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE, Col.SPLIT, Col.RESOLUTION, Col.AGREEMENT,
        Col.ANNOTATOR_COUNT, Col.AGREED_COUNT, Col.MERGED_COUNT, Col.LABEL, Col.SUBMISSION_ID)) {
      if (has(found, f)) {
        out.put(f, found.getAs(f));
      }
    }
    out.put("prompt", org.apache.commons.lang3.StringUtils.abbreviate(messages(found.getAs(Col.PROMPT)), 303));
    out.put("merged_in", rows(v.duplicates().filter(col(Col.KEPT_ID).equalTo(id))
            .orderBy(Col.REMOVED_ITEM_ID, Col.REMOVED_KEY),
        Col.REMOVED_ITEM_ID, Col.REMOVED_ID, Col.KIND, Col.SIMILARITY, Col.REASON));
    Dataset<Row> edges = v.lineage().filter(col(Col.RECORD_ID).equalTo(id))
        .join(v.decisions().select(Col.SUBMISSION_ID, Col.FATE, Col.SOURCE_FILE, Col.LINE_NUMBER), Col.SUBMISSION_ID);
    out.put("submissions", rows(edges.orderBy(Col.ITEM_ID, Col.SUBMISSION_ID), Col.SUBMISSION_ID, Col.ITEM_ID,
        Col.ANNOTATOR, Col.ROLE, Col.MERGE_KIND, Col.FATE, Col.SOURCE_FILE, Col.LINE_NUMBER));
    out.put("annotators", rows(edges.select(Col.ANNOTATOR).distinct()
        .join(v.annotators().select(Col.ANNOTATOR, Col.DECISION, Col.REASON), Col.ANNOTATOR).orderBy(Col.ANNOTATOR),
        Col.ANNOTATOR, Col.DECISION, Col.REASON));
    return out;
  }

  /** A submission: its decision (fate, reason, file and line), the records it reached and how, and why a line failed. */
  public Map<String, Object> submission(String id) {
    List<Map<String, Object>> decision = rows(v.decisions().filter(col(Col.SUBMISSION_ID).equalTo(id))
        .orderBy(Col.SOURCE_FILE, Col.LINE_NUMBER), Col.SUBMISSION_ID, Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE,
        Col.ANNOTATOR, Col.FATE, Col.REASON, Col.RECORD_IDS, Col.SOURCE_FILE, Col.LINE_NUMBER);
    if (decision.isEmpty()) {
      throw new NotFound("submission " + id + " is not in decisions/ of this version");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("submission", id);
    out.put("decisions", decision);
    out.put("records", rows(v.lineage().filter(col(Col.SUBMISSION_ID).equalTo(id)).orderBy(Col.RECORD_ID),
        Col.RECORD_ID, Col.RECORD_TABLE, Col.ROLE, Col.MERGE_KIND));
    List<Map<String, Object>> quarantined = rows(v.quarantine().filter(col(Col.SUBMISSION_ID).equalTo(id))
        .orderBy(Col.SOURCE_FILE, Col.LINE_NUMBER), Col.SOURCE_FILE, Col.LINE_NUMBER, Col.REASON, Col.DETAIL);
    if (!quarantined.isEmpty()) {
      out.put("quarantine", quarantined);
    }
    return out;
  }

  /**
   * An annotator (a pseudonym): the keep/drop decision with its figures, every record their work reached with the
   * roles it played there, and the fate of each of their submissions.
   */
  public Map<String, Object> annotator(String pseudonym) {
    List<Map<String, Object>> decision = rows(v.annotators().filter(col(Col.ANNOTATOR).equalTo(pseudonym)),
        Col.DECISION, Col.REASON, Col.SUBMISSIONS, Col.SCOPES);
    List<Map<String, Object>> submissions = rows(v.decisions().filter(col(Col.ANNOTATOR).equalTo(pseudonym))
        .orderBy(Col.SOURCE_FILE, Col.LINE_NUMBER), Col.SUBMISSION_ID, Col.ITEM_ID, Col.FATE, Col.REASON,
        Col.RECORD_IDS);
    if (decision.isEmpty() && submissions.isEmpty()) {
      throw new NotFound("annotator " + pseudonym + " is in neither annotators/ nor decisions/ of this version");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("annotator", pseudonym);
    if (!decision.isEmpty()) {
      out.putAll(decision.get(0));
    }
    Map<String, Long> fates = new TreeMap<>();
    submissions.forEach(s -> fates.merge(s.get(Col.FATE).toString(), 1L, Long::sum));
    out.put("fates", fates);
    Dataset<Row> reached = v.lineage().filter(col(Col.ANNOTATOR).equalTo(pseudonym))
        .groupBy(Col.RECORD_ID, Col.RECORD_TABLE)
        .agg(org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.collect_set(
            org.apache.spark.sql.functions.concat_ws(" ", col(Col.ROLE),
                org.apache.spark.sql.functions.coalesce(org.apache.spark.sql.functions.concat(lit("via "),
                    col(Col.MERGE_KIND)), lit(""))))).as("roles"),
            org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.collect_set(Col.SUBMISSION_ID))
                .as(Col.SUBMISSION_IDS));
    out.put("records", rows(reached.orderBy(Col.RECORD_TABLE, Col.RECORD_ID), Col.RECORD_ID, Col.RECORD_TABLE,
        "roles", Col.SUBMISSION_IDS));
    out.put("submissions", submissions);
    return out;
  }

  private static boolean has(Row r, String field) {
    return java.util.Arrays.asList(r.schema().fieldNames()).contains(field);
  }

  /** Messages as "role: content" turns, separated by " / ". */
  private static String messages(Object value) {
    StringBuilder sb = new StringBuilder();
    for (Object m : (List<?>) plain(value)) {
      Map<?, ?> message = (Map<?, ?>) m;
      sb.append(sb.length() == 0 ? "" : " / ").append(message.get(Col.ROLE)).append(": ")
          .append(message.get(Col.CONTENT));
    }
    return sb.toString();
  }

  /** The named fields of each row, nested rows and arrays as maps and lists. */
  private static List<Map<String, Object>> rows(Dataset<Row> data, String... fields) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : data.select(java.util.Arrays.stream(fields).map(org.apache.spark.sql.functions::col)
        .toArray(org.apache.spark.sql.Column[]::new)).collectAsList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String f : fields) {
        m.put(f, plain(r.getAs(f)));
      }
      out.add(m);
    }
    return out;
  }

  private static Object plain(Object value) {
    if (value instanceof Row r) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String f : r.schema().fieldNames()) {
        m.put(f, plain(r.getAs(f)));
      }
      return m;
    }
    if (value instanceof scala.collection.Seq<?> seq) {
      List<Object> l = new ArrayList<>();
      scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(x -> l.add(plain(x)));
      return l;
    }
    return value;
  }
}
