package dev.concord.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The submission store under {@code ROOT/.concord/store/}: every night's validated, pseudonymised lines (good and
 * quarantined) and gold lines, kept across runs, so that each version is built over everything gathered so far.
 *
 * <pre>
 * store/ledger.json                 the committed batches, in order: run id, files (path, bytes, sha256), exclusions
 * store/batches/RUN_ID/lines/       the run's parsed input lines, as its ingest staged them
 * store/batches/RUN_ID/gold_lines/  its parsed gold lines (absent when it read no new gold)
 * store/batches/RUN_ID/item_texts/  the texts of the items (by content) it brought first, normalised and keyed
 * store/batches/RUN_ID/candidate_keys/ the keys of the candidate records it made first
 * store/batches/RUN_ID/pins/        every prompt published so far with its split and band keys (newest batch only)
 * store/batches/RUN_ID/pinned_pairs/ the verified near-duplicate pairs between those prompts (newest batch only)
 * store/batches/RUN_ID/record_pairs/ per block of compared records, its ids' hash and verified pairs (newest only)
 * </pre>
 *
 * A run's batch is moved here just before its version is renamed into place and becomes part of the history when
 * the ledger names it, right after that rename: the ledger, replaced in one rename, is the commit. A batch folder the
 * ledger does not name is a run's that stopped in between: rolled forward if its version was published, handed back
 * to the run's staging if the run can resume, else discarded ({@link #recover}).
 */
public final class History {
  private static final Logger LOG = LogManager.getLogger(History.class);
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final String LEDGER = "ledger.json";
  static final String BATCH_FILE = "batch.json";
  /** The staged tables a batch keeps: what was read, the record of the night's input (forget rewrites them). */
  static final List<Staged> KEPT = List.of(Staged.LINES, Staged.GOLD_LINES);
  /**
   * The staged tables a batch keeps besides: what was worked out from its texts once, so that no later run does it
   * again (each item's texts normalised and keyed the night they first arrived, each candidate record's key).
   */
  static final List<Staged> DERIVED = List.of(Staged.ITEM_TEXTS, Staged.CANDIDATE_KEYS);
  /** Every staged table moved into a batch. */
  static final List<Staged> MOVED = java.util.stream.Stream.concat(KEPT.stream(), DERIVED.stream()).toList();
  static final String PINS = "pins";
  static final String PINNED_PAIRS = "pinned_pairs";
  static final String RECORD_PAIRS = "record_pairs";
  /** The whole-history tables each batch rewrites: the newest batch's alone are kept. */
  private static final List<String> NEWEST_ONLY = List.of(PINS, PINNED_PAIRS, RECORD_PAIRS);

  /**
   * One committed batch.
   *
   * @param runId the run that published it
   * @param committedAt when
   * @param files its input and gold files: {@code kind} (inputs, gold), {@code path}, {@code bytes}, {@code sha256}
   * @param excluded the annotators (pseudonyms) excluded on request as of this batch, whole-store
   */
  public record Batch(String runId, String committedAt, List<Map<String, Object>> files, List<String> excluded) {
    public Batch {
      files = List.copyOf(files);
      excluded = List.copyOf(excluded);
    }
  }

  private final Path dir;
  private final List<Batch> batches;

  private History(Path dir, List<Batch> batches) {
    this.dir = dir;
    this.batches = List.copyOf(batches);
  }

  /** The store under the job state folder {@code stateDir} (empty if there is none yet). */
  public static History open(Path stateDir) {
    Path dir = stateDir.resolve("store");
    Path ledger = dir.resolve(LEDGER);
    if (!Files.exists(ledger)) {
      return new History(dir, List.of());
    }
    try {
      return new History(dir, JSON.readValue(ledger.toFile(), new TypeReference<List<Batch>>() {}));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the store's ledger " + ledger, e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** The committed batches, oldest first. */
  public List<Batch> batches() {
    return batches;
  }

  Path batchDir(String runId) {
    return dir.resolve("batches").resolve(runId);
  }

  /** Where batch {@code runId} keeps {@code table}. */
  public Path table(String runId, Staged table) {
    return batchDir(runId).resolve(table.folder());
  }

  /** The pinned splits of the newest batch, if any batch was committed. */
  public java.util.Optional<Path> pins() {
    return newest(PINS);
  }

  /**
   * A whole-history table of the newest batch ({@link #PINNED_PAIRS}, {@link #RECORD_PAIRS}), if it has it.
   */
  java.util.Optional<Path> newest(String table) {
    return batches.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(batchDir(batches.get(batches.size() - 1).runId()).resolve(table))
            .filter(Files::isDirectory);
  }

  /** The annotators excluded on request so far: an exclusion holds for every later version. */
  public List<String> excluded() {
    return batches.isEmpty() ? List.of() : batches.get(batches.size() - 1).excluded();
  }

  /**
   * Per file path, the batch that holds it now: a path ingested again with other content (a re-export) replaces its
   * earlier content, so the path's lines come from the newest batch holding it.
   */
  Map<String, String> currentFiles() {
    Map<String, String> holder = new LinkedHashMap<>();
    for (Batch b : batches) {
      b.files().forEach(f -> holder.put(String.valueOf(f.get("path")), b.runId()));
    }
    return holder;
  }

  /** The checksums of the files the store holds now ({@link #currentFiles}): a file with one of them is skipped. */
  public Set<String> currentChecksums() {
    Map<String, String> holder = currentFiles();
    Set<String> sums = new TreeSet<>();
    for (Batch b : batches) {
      for (Map<String, Object> f : b.files()) {
        if (b.runId().equals(holder.get(String.valueOf(f.get("path")))) && f.get("sha256") != null) {
          sums.add(String.valueOf(f.get("sha256")));
        }
      }
    }
    return sums;
  }

  /**
   * The paths of batch {@code runId} that a later batch, or {@code tonight} (this run's file paths), replaced: its
   * lines from them are history no longer.
   */
  public Set<String> replacedPaths(String runId, Set<String> tonight) {
    Set<String> replaced = new TreeSet<>();
    boolean later = false;
    Set<String> own = new TreeSet<>();
    for (Batch b : batches) {
      if (later) {
        b.files().forEach(f -> replaced.add(String.valueOf(f.get("path"))));
      }
      if (b.runId().equals(runId)) {
        later = true;
        b.files().forEach(f -> own.add(String.valueOf(f.get("path"))));
      }
    }
    replaced.addAll(tonight);
    replaced.retainAll(own);
    return replaced;
  }

  /**
   * Moves the run's kept tables from its staging area into the store, with {@code pins} already written there by
   * the caller, and describes the batch; it is not history until {@link #commit}.
   */
  public void stageBatch(Store store, List<Map<String, Object>> files, List<String> excluded) {
    Path batch = batchDir(store.runId());
    try {
      Files.createDirectories(batch);
      for (Staged t : MOVED) {
        Path from = store.stagingDir().resolve(t.folder());
        Path to = batch.resolve(t.folder());
        if (Files.exists(from)) {
          deleteTree(to);
          Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      Batch b = new Batch(store.runId(), Instant.now().toString(), files, excluded);
      Path tmp = batch.resolve(BATCH_FILE + ".tmp");
      JSON.writeValue(tmp.toFile(), b);
      Files.move(tmp, batch.resolve(BATCH_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the run's batch into the store " + batch, e);
    }
  }

  /** The folder a staged batch's pins are written to before {@link #stageBatch}. */
  public Path pinsOf(String runId) {
    return batchDir(runId).resolve(PINS);
  }

  /** The folder a staged batch's whole-history {@code table} is written to before {@link #stageBatch}. */
  Path newestOf(String runId, String table) {
    return batchDir(runId).resolve(table);
  }

  /**
   * Makes batch {@code runId} (moved in by {@link #stageBatch}) part of the history: the ledger names it, replaced in
   * one rename. Then the older batches' pins and pinned pairs, which the new one's include, are removed. Nothing if
   * already named.
   */
  public History commit(String runId) {
    // The ledger on disk, not this view of it (which may stop before a resumed run's own batch).
    List<Batch> committed = open(dir.getParent()).batches;
    if (committed.stream().anyMatch(b -> b.runId().equals(runId))) {
      return new History(dir, committed);
    }
    Path file = batchDir(runId).resolve(BATCH_FILE);
    List<Batch> next = new ArrayList<>(committed);
    try {
      next.add(JSON.readValue(file.toFile(), Batch.class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read batch " + runId + "'s description " + file, e);
    }
    writeLedger(next);
    for (Batch b : committed) {
      for (String table : NEWEST_ONLY) {
        deleteTree(batchDir(b.runId()).resolve(table));
      }
    }
    LOG.info("store: batch {} committed ({} batches)", runId, next.size());
    return new History(dir, next);
  }

  /**
   * Adds {@code pseudonyms} to the exclusions of the newest committed batch, so that every later run leaves their
   * submissions out (rewrites the ledger in one rename). Nothing when no batch was committed.
   */
  void exclude(List<String> pseudonyms) {
    if (batches.isEmpty()) {
      return;
    }
    List<Batch> next = new ArrayList<>(batches);
    Batch last = next.remove(next.size() - 1);
    TreeSet<String> all = new TreeSet<>(last.excluded());
    all.addAll(pseudonyms);
    next.add(new Batch(last.runId(), last.committedAt(), last.files(), List.copyOf(all)));
    writeLedger(next);
  }

  /** Replaces the ledger in one rename: the store's one commit point. */
  private void writeLedger(List<Batch> next) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(LEDGER + ".tmp");
      JSON.writeValue(tmp.toFile(), next);
      Files.move(tmp, dir.resolve(LEDGER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace the store's ledger in " + dir, e);
    }
  }

  /**
   * Settles batch folders the ledger does not name, left by a run that stopped between moving its batch in and
   * committing it: its version published means the commit is finished; otherwise the tables go back to the run's
   * staging (where a resumed publish step finds them) or, with no staging left, are discarded.
   */
  public static History recover(Path root) {
    Path state = root.resolve(".concord");
    History h = open(state);
    Path batchesDir = h.dir.resolve("batches");
    if (!Files.isDirectory(batchesDir)) {
      return h;
    }
    Set<String> named = new LinkedHashSet<>();
    h.batches.forEach(b -> named.add(b.runId()));
    List<Path> pending;
    try (Stream<Path> dirs = Files.list(batchesDir)) {
      pending = dirs.filter(d -> !named.contains(d.getFileName().toString())).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + batchesDir, e);
    }
    for (Path d : pending) {
      String runId = d.getFileName().toString();
      if (Files.exists(root.resolve(runId).resolve("manifest.json")) && Files.exists(d.resolve(BATCH_FILE))) {
        LOG.warn("store: run {} was published but its batch not committed; committing it now", runId);
        h = h.commit(runId);
        continue;
      }
      Path staging = state.resolve("staging").resolve(runId);
      if (Files.isDirectory(staging)) {
        LOG.warn("store: run {} stopped while publishing; its batch goes back to its staging to resume", runId);
        try {
          for (Staged t : MOVED) {
            if (Files.exists(d.resolve(t.folder()))) {
              deleteTree(staging.resolve(t.folder()));
              Files.move(d.resolve(t.folder()), staging.resolve(t.folder()), StandardCopyOption.ATOMIC_MOVE);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot return batch " + runId + " to " + staging, e);
        }
      } else {
        LOG.warn("store: discarding batch {}, left by a run that did not publish and cannot resume", runId);
      }
      deleteTree(d);
    }
    return h;
  }

  /**
   * The history as run {@code runId} found it: the batches committed before its own (all of them when it has none),
   * so that a published run started again sees what it was built on.
   */
  public History before(String runId) {
    for (int i = 0; i < batches.size(); i++) {
      if (batches.get(i).runId().equals(runId)) {
        return new History(dir, batches.subList(0, i));
      }
    }
    return this;
  }

  /** Fingerprint of the history a run builds on: the committed batches' ids, in order. */
  public List<String> ids() {
    return batches.stream().map(Batch::runId).toList();
  }

  /** Removes a folder and all it holds; nothing to do when it is absent. */
  public static void deleteTree(Path dir) {
    try {
      org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
