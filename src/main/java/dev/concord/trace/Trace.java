package dev.concord.trace;

import dev.concord.schema.Col;
import dev.concord.schema.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Struct;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.lang3.StringUtils;
import org.duckdb.DuckDBStruct;

/**
 * The auditor's questions, answered from one published version alone: where a record came from, what became of a
 * submission, and what an annotator's work reached. Each answer is plain data (maps and lists, in a stable order)
 * for the terminal tree or JSON; it holds what was asked about, never the whole dataset.
 *
 * <p>The answers are point look-ups in Parquet, which an embedded engine (DuckDB, in this JVM) serves in well under a
 * second; starting Spark for them would cost more than all the look-ups together.
 */
public final class Trace implements AutoCloseable {
  private static final List<Table> RECORD_TABLES = List.of(Table.PREFERENCES, Table.SFT, Table.LABELS);
  private static final List<String> RECORD_FIELDS = List.of(Col.ITEM_ID, Col.PROJECT, Col.TASK_TYPE, Col.SPLIT,
      Col.RESOLUTION, Col.AGREEMENT, Col.ANNOTATOR_COUNT, Col.AGREED_COUNT, Col.MERGED_COUNT, Col.LABEL,
      Col.SUBMISSION_ID);

  private final Connection db;

  private Trace(Connection db) {
    this.db = db;
  }

  /** Thrown when the id asked about is in no table of the version. */
  public static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message);
    }
  }

  /** Thrown when a version's tables cannot be read. */
  public static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The published tables of the version at {@code version}, each as a view named after its folder. */
  public static Trace open(Path version) {
    try {
      Connection db = DriverManager.getConnection("jdbc:duckdb:");
      try (Statement s = db.createStatement()) {
        for (Table t : Table.values()) {
          if (t.published() && Files.isDirectory(version.resolve(t.folder()))) {
            s.execute("CREATE VIEW " + t.folder() + " AS SELECT * FROM read_parquet('"
                + version.resolve(t.folder()).resolve("*.parquet").toString().replace("'", "''") + "')");
          }
        }
      }
      return new Trace(db);
    } catch (SQLException e) {
      throw new Unreadable("cannot open the published tables of " + version + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new Unreadable("closing the trace's database: " + e.getMessage(), e);
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
    Map<String, Object> found = null;
    String table = null;
    for (Table t : RECORD_TABLES) {
      List<Map<String, Object>> rows = rows("SELECT * FROM " + t.folder() + " WHERE id = ? LIMIT 1", id);
      if (!rows.isEmpty()) {
        found = rows.get(0);
        table = t.folder();
        break;
      }
    }
    List<Map<String, Object>> removed = rows("SELECT record_table, removed_item_id, kind, similarity, reason, kept_id"
        + " FROM duplicates WHERE removed_id = ? ORDER BY removed_item_id, removed_key", id);
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
    for (String f : RECORD_FIELDS) {
      if (found.containsKey(f)) {
        out.put(f, found.get(f));
      }
    }
    out.put("prompt", StringUtils.abbreviate(messages(found.get(Col.PROMPT)), 303));
    out.put("merged_in", rows("SELECT removed_item_id, removed_id, kind, similarity, reason FROM duplicates"
        + " WHERE kept_id = ? ORDER BY removed_item_id, removed_key", id));
    String edges = "SELECT l.submission_id, l.item_id, l.annotator, l.role, l.merge_kind, d.fate, d.source_file,"
        + " d.line_number FROM lineage l JOIN decisions d USING (submission_id) WHERE l.record_id = ?";
    out.put("submissions", rows(edges + " ORDER BY l.item_id, l.submission_id", id));
    out.put("annotators", rows("SELECT a.annotator, a.decision, a.reason FROM annotators a"
        + " WHERE a.annotator IN (SELECT annotator FROM lineage WHERE record_id = ?) ORDER BY a.annotator", id));
    return out;
  }

  /** A submission: its decision (fate, reason, file and line), the records it reached and how, and why a line failed. */
  public Map<String, Object> submission(String id) {
    List<Map<String, Object>> decision = rows("SELECT submission_id, item_id, project, task_type, annotator, fate,"
        + " reason, record_ids, source_file, line_number FROM decisions WHERE submission_id = ?"
        + " ORDER BY source_file, line_number", id);
    if (decision.isEmpty()) {
      throw new NotFound("submission " + id + " is not in decisions/ of this version");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("submission", id);
    out.put("decisions", decision);
    out.put("records", rows("SELECT record_id, record_table, role, merge_kind FROM lineage WHERE submission_id = ?"
        + " ORDER BY record_id", id));
    List<Map<String, Object>> quarantined = rows("SELECT source_file, line_number, reason, detail FROM quarantine"
        + " WHERE submission_id = ? ORDER BY source_file, line_number", id);
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
    List<Map<String, Object>> decision = rows("SELECT decision, reason, submissions, scopes FROM annotators"
        + " WHERE annotator = ?", pseudonym);
    List<Map<String, Object>> submissions = rows("SELECT submission_id, item_id, fate, reason, record_ids"
        + " FROM decisions WHERE annotator = ? ORDER BY source_file, line_number", pseudonym);
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
    out.put("records", rows("SELECT record_id, record_table,"
        + " list_sort(list_distinct(list(role || ' ' || coalesce('via ' || merge_kind, '')))) AS roles,"
        + " list_sort(list_distinct(list(submission_id))) AS submission_ids"
        + " FROM lineage WHERE annotator = ? GROUP BY record_id, record_table ORDER BY record_table, record_id",
        pseudonym));
    out.put("submissions", submissions);
    return out;
  }

  /** Messages as "role: content" turns, separated by " / ". */
  private static String messages(Object value) {
    StringBuilder sb = new StringBuilder();
    for (Object m : (List<?>) value) {
      Map<?, ?> message = (Map<?, ?>) m;
      sb.append(sb.length() == 0 ? "" : " / ").append(message.get(Col.ROLE)).append(": ")
          .append(message.get(Col.CONTENT));
    }
    return sb.toString();
  }

  /** The rows of a query with one string parameter, each as its columns in order, nested values as maps and lists. */
  private List<Map<String, Object>> rows(String sql, String parameter) {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      q.setString(1, parameter);
      try (ResultSet rs = q.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> out = new ArrayList<>();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.put(meta.getColumnLabel(i), plain(rs.getObject(i)));
          }
          out.add(row);
        }
        return out;
      }
    } catch (SQLException e) {
      throw new Unreadable("trace query failed (" + e.getMessage() + "): " + sql, e);
    }
  }

  private static Object plain(Object value) throws SQLException {
    if (value instanceof DuckDBStruct s) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : s.getMap().entrySet()) {
        m.put(e.getKey(), plain(e.getValue()));
      }
      return m;
    }
    if (value instanceof Struct) {
      throw new SQLException("a struct value of an unexpected class: " + value.getClass().getName());
    }
    if (value instanceof Array a) {
      List<Object> l = new ArrayList<>();
      for (Object x : (Object[]) a.getArray()) {
        l.add(plain(x));
      }
      return l;
    }
    return value;
  }
}
