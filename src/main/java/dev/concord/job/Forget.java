package dev.concord.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.concord.config.ConfigException;
import dev.concord.schema.Col;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code concord forget --out ROOT --annotators FILE}: erasure of annotators from the submission store. Every row of
 * theirs (by pseudonym, and every quarantined line whose raw text holds one of their raw ids) is removed from every
 * committed batch, every run's staging area is discarded (it may hold their rows; an unfinished run starts over),
 * and they are excluded from every later version. Published versions are immutable and are not rewritten: the next
 * version holds none of their work, and retention removes the older ones.
 */
public final class Forget {
  private Forget() {}

  public static int run(Path out, Path annotatorsFile, PrintStream report) {
    Path root = out.toAbsolutePath().normalize();
    Path state = root.resolve(".concord");
    if (!Files.isDirectory(state.resolve("store"))) {
      throw new ConfigException("--out " + out + " holds no submission store (" + state.resolve("store") + ")");
    }
    byte[] key = Runner.existingPseudonymKey(state).orElseThrow(() -> new ConfigException("no pseudonym key for "
        + root + " (CONCORD_PSEUDONYM_KEY, or " + state.resolve(Runner.KEY_FILE) + "): raw ids cannot be matched"));
    List<String> pseudonyms = Runner.excludedPseudonyms(annotatorsFile, key);
    List<String> rawIds = rawIds(annotatorsFile);
    Optional<RunLock> lock = RunLock.tryAcquire(state, Runner.STORE_LOCK);
    if (lock.isEmpty()) {
      System.err.println("concord: a run is using the submission store under " + root + "; forget changes nothing,"
          + " start it again when the run has ended");
      return 1;
    }
    try (RunLock held = lock.get(); Sparks.Session session = Sparks.open("concord forget", "local[*]", Map.of())) {
      SparkSession spark = session.spark();
      History history = History.recover(root);
      long total = 0;
      // Their SFT answers' candidate keys go too (a key names its submission), found before their lines go.
      Dataset<Row> theirCandidates = theirSftCandidates(spark, history, pseudonyms);
      for (History.Batch b : history.batches()) {
        Path keys = history.table(b.runId(), Staged.CANDIDATE_KEYS);
        if (theirCandidates != null && Files.isDirectory(keys)) {
          String[] candidate = {dev.concord.resolve.Resolve.CANDIDATE};
          long removed = rewrite(spark, keys, rows -> rows.join(theirCandidates, candidate, "left_semi"),
              rows -> rows.join(theirCandidates, candidate, "left_anti"));
          total += removed;
          report.println("batch " + b.runId() + ", " + Staged.CANDIDATE_KEYS.folder() + ": " + removed
              + " rows removed");
        }
      }
      for (History.Batch b : history.batches()) {
        for (Staged t : History.KEPT) {
          Path dir = history.table(b.runId(), t);
          if (Files.isDirectory(dir)) {
            Column match = theirs(spark, dir, pseudonyms, rawIds);
            long removed = rewrite(spark, dir, rows -> rows.filter(match), rows -> rows.filter(match.unary_$bang()));
            total += removed;
            report.println("batch " + b.runId() + ", " + t.folder() + ": " + removed + " rows removed");
          }
        }
      }
      history.exclude(pseudonyms);
      Path staging = state.resolve("staging");
      if (Files.isDirectory(staging)) {
        try (var runs = Files.list(staging)) {
          for (Path run : runs.sorted().toList()) {
            History.deleteTree(run);
            report.println("staging of run " + run.getFileName() + " discarded (a resumed run starts over)");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + staging, e);
        }
      }
      report.println(pseudonyms.size() + " annotators forgotten: " + total + " rows removed from the store; they are"
          + " excluded from every later version. Published versions are not rewritten: the next one holds none of"
          + " their work.");
      return 0;
    }
  }

  /** Their rows: by pseudonym, or a raw line (quarantined) naming one of their raw ids as a JSON string. */
  private static Column theirs(SparkSession spark, Path dir, List<String> pseudonyms, List<String> rawIds) {
    List<String> names = List.of(spark.read().parquet(dir.toString()).columns());
    Column match = lit(false);
    if (names.contains(Col.ANNOTATOR) && !pseudonyms.isEmpty()) {
      match = match.or(org.apache.spark.sql.functions.coalesce(col(Col.ANNOTATOR).isin(pseudonyms.toArray()),
          lit(false)));
    }
    for (String id : rawIds) {
      String quoted = "\"" + id.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      match = match.or(org.apache.spark.sql.functions.coalesce(col(Col.RAW).contains(quoted), lit(false)));
    }
    return match;
  }

  /** The candidates of their SFT answers in the store's lines ({@code candidate}); null when there are no lines. */
  private static Dataset<Row> theirSftCandidates(SparkSession spark, History history, List<String> pseudonyms) {
    Dataset<Row> out = null;
    for (History.Batch b : history.batches()) {
      Path lines = history.table(b.runId(), Staged.LINES);
      if (Files.isDirectory(lines) && !pseudonyms.isEmpty()) {
        Dataset<Row> theirs = spark.read().parquet(lines.toString())
            .filter(col(Col.ANNOTATOR).isin(pseudonyms.toArray())
                .and(col(Col.TASK_TYPE).equalTo(dev.concord.config.TaskType.SFT.id())))
            .select(dev.concord.dataset.Records.sftCandidate().as(dev.concord.resolve.Resolve.CANDIDATE));
        out = out == null ? theirs : out.union(theirs);
      }
    }
    return out == null ? null : out.distinct().localCheckpoint();
  }

  /**
   * Rewrites a kept table with only {@code others} of its rows (written beside it, then swapped in); returns how many
   * went ({@code theirs}).
   */
  private static long rewrite(SparkSession spark, Path dir, java.util.function.UnaryOperator<Dataset<Row>> theirs,
      java.util.function.UnaryOperator<Dataset<Row>> others) {
    Dataset<Row> rows = spark.read().parquet(dir.toString());
    long removed = theirs.apply(rows).count();
    if (removed == 0) {
      return 0;
    }
    Path fresh = dir.resolveSibling(dir.getFileName() + ".forget");
    Path old = dir.resolveSibling(dir.getFileName() + ".forgotten");
    History.deleteTree(fresh);
    long kept = Store.writeTable(others.apply(rows), fresh);
    try {
      Store.describe(fresh, rows.schema(), kept);
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace " + dir, e);
    }
    History.deleteTree(old);
    return removed;
  }

  private static List<String> rawIds(Path file) {
    try (var lines = Files.lines(file)) {
      return new ArrayList<>(lines.map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --annotators " + file, e);
    }
  }
}
