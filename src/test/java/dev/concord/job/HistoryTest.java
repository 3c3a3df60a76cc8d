package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's ledger and what {@link History#recover} does with a batch a run left between its two renames. */
class HistoryTest {
  @TempDir
  Path root;

  private Path pending(String runId) throws IOException {
    Path batch = root.resolve(".concord/store/batches").resolve(runId);
    Files.createDirectories(batch.resolve("lines"));
    Files.writeString(batch.resolve("lines/part-0.parquet"), "rows of " + runId);
    History.JSON.writeValue(batch.resolve(History.BATCH_FILE).toFile(), new History.Batch(runId, "2026-12-03T00:00:00Z",
        List.of(Map.of("kind", "inputs", "path", "/exports/" + runId + ".jsonl", "sha256", "sum-" + runId)),
        List.of("ann-x")));
    return batch;
  }

  @Test
  void aPublishedRunsBatchIsCommittedAResumableOneGoesBackAndAnOrphanIsDiscarded() throws IOException {
    pending("published");
    Files.createDirectories(root.resolve("published"));
    Files.writeString(root.resolve("published/manifest.json"), "{}");
    pending("resumable");
    Files.createDirectories(root.resolve(".concord/staging/resumable"));
    Path orphan = pending("orphan");

    History h = History.recover(root);

    assertEquals(List.of("published"), h.ids());
    assertEquals(List.of("ann-x"), h.excluded());
    assertEquals(java.util.Set.of("sum-published"), h.currentChecksums());
    assertEquals("rows of resumable",
        Files.readString(root.resolve(".concord/staging/resumable/lines/part-0.parquet")));
    assertFalse(Files.exists(root.resolve(".concord/store/batches/resumable")));
    assertFalse(Files.exists(orphan));
    assertEquals(List.of("published"), History.open(root.resolve(".concord")).ids(), "the ledger on disk");
  }

  @Test
  void aLaterBatchReplacesAPathItIngestsAgainAndBeforeStopsAtARunsOwnBatch() throws IOException {
    for (String run : List.of("n1", "n2")) {
      pending(run);
      History.open(root.resolve(".concord")).commit(run);
    }
    History h = History.open(root.resolve(".concord"));
    assertEquals(List.of("n1", "n2"), h.ids());
    assertEquals(List.of("n1"), h.before("n2").ids());
    assertEquals(List.of("n1", "n2"), h.before("n3").ids());
    assertEquals(java.util.Set.of("/exports/n1.jsonl"), h.replacedPaths("n1", java.util.Set.of("/exports/n1.jsonl")));
    assertTrue(h.replacedPaths("n1", java.util.Set.of("/exports/other.jsonl")).isEmpty());
    h.exclude(List.of("ann-y"));
    assertEquals(List.of("ann-x", "ann-y"), History.open(root.resolve(".concord")).excluded());
  }
}
