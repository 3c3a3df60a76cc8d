package dev.concord.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What {@code bench/run} traces in a published version: a record with the most lineage edges (the widest trace),
 * and one submission and one annotator behind it, printed as {@code --record ID}, {@code --submission ID} and
 * {@code --annotator ID} lines. Usage: {@code TraceSubjects VERSION_DIR}.
 */
public final class TraceSubjects {
  private TraceSubjects() {}

  public static void main(String[] args) throws SQLException {
    String lineage = Path.of(args[0], "lineage", "*.parquet").toString().replace("'", "''");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT record_id, min(submission_id), min(annotator) FROM read_parquet('"
            + lineage + "') GROUP BY record_id ORDER BY count(*) DESC, record_id LIMIT 1")) {
      if (!r.next()) {
        throw new IllegalArgumentException(args[0] + " has no lineage: nothing to trace");
      }
      System.out.println("--record " + r.getString(1));
      System.out.println("--submission " + r.getString(2));
      System.out.println("--annotator " + r.getString(3));
    }
  }
}
