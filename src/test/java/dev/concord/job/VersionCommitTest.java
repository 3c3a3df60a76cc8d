package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two renames that publish a version, on folders of one file each. */
class VersionCommitTest {
  @TempDir
  Path root;

  private Path written(String runId) throws IOException {
    Path publishing = root.resolve(".concord/staging").resolve(runId).resolve("publish");
    Files.createDirectories(publishing);
    Files.writeString(publishing.resolve("manifest.json"), "{\"run_id\": \"" + runId + "\"}");
    return publishing;
  }

  private void commit(String runId) throws IOException {
    VersionCommit.rename(written(runId), root.resolve(runId));
    VersionCommit.pointLatest(root, root.resolve(".concord"), runId);
  }

  @Test
  void eachCommitMakesOneVersionAndLatestNamesTheNewest() throws IOException {
    commit("n1");
    assertEquals("n1\n", Files.readString(root.resolve("LATEST")));
    commit("n2");
    assertEquals("n2\n", Files.readString(root.resolve("LATEST")));
    assertEquals("{\"run_id\": \"n1\"}", Files.readString(root.resolve("n1/manifest.json")), "the older one stays");
    assertEquals("{\"run_id\": \"n2\"}", Files.readString(root.resolve("n2/manifest.json")));
    try (var left = Files.list(root)) {
      assertEquals(List.of(".concord", "LATEST", "n1", "n2"), left.map(p -> p.getFileName().toString()).sorted()
          .toList());
    }
    assertFalse(Files.exists(root.resolve(".concord/staging/n2/publish")), "the written version moved, whole");
    assertFalse(Files.exists(root.resolve(".concord/LATEST.tmp")), "LATEST.tmp was renamed away");
  }

  @Test
  void aRunStoppedBetweenTheRenamesIsSeenAsRenamed() throws IOException {
    Path publishing = written("n1");
    assertFalse(VersionCommit.renamed(publishing, root.resolve("n1")), "written, not yet renamed");
    VersionCommit.rename(publishing, root.resolve("n1"));
    assertTrue(VersionCommit.renamed(publishing, root.resolve("n1")));
    assertFalse(Files.exists(root.resolve("LATEST")), "a reader still sees no new version");
    VersionCommit.pointLatest(root, root.resolve(".concord"), "n1");
    assertEquals("n1\n", Files.readString(root.resolve("LATEST")));
  }

  @Test
  void aVersionIsNeverReplaced() throws IOException {
    commit("n1");
    Path again = written("n1");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> VersionCommit.rename(again, root.resolve("n1")));
    assertTrue(e.getMessage().contains("exists already"), e.getMessage());
    assertEquals("{\"run_id\": \"n1\"}", Files.readString(root.resolve("n1/manifest.json")));
    assertTrue(Files.exists(again), "the written version is left for a person to look at");
  }
}
