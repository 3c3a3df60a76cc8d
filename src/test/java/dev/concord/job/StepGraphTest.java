package dev.concord.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StepGraphTest {

  @Test
  void everyTableIsStagedByOneStepAndReadOnlyAfterIt() {
    Set<Staged> written = EnumSet.noneOf(Staged.class);
    for (StepGraph.Step step : StepGraph.STEPS) {
      for (Staged read : step.reads()) {
        assertTrue(written.contains(read), step.name() + " reads " + read + " before any step stages it");
      }
      for (Staged w : step.writes()) {
        assertTrue(written.add(w), w + " is staged by two steps");
      }
    }
    assertEquals(EnumSet.allOf(Staged.class), written, "every staged table has its step");
    assertEquals(StepGraph.STEPS.size(), new HashSet<>(StepGraph.NAMES).size());
  }

  @Test
  void aStepIsHeldToItsDeclaration() {
    StepGraph.checkRead("dedup", Staged.RESOLUTION);
    StepGraph.checkRead("dedup", Staged.RECORDS);
    StepGraph.checkWrite("dedup", Staged.RECORDS);
    IllegalStateException read = assertThrows(IllegalStateException.class,
        () -> StepGraph.checkRead("reconcile", Staged.UNITS));
    assertEquals("step reconcile reads the staged table units, which its entry in StepGraph.STEPS does not declare"
        + " (it reads [lines, gold_lines])", read.getMessage());
    IllegalStateException write = assertThrows(IllegalStateException.class,
        () -> StepGraph.checkWrite("publish", Staged.LINES));
    assertEquals("step publish stages lines, which its entry in StepGraph.STEPS does not declare (it writes"
        + " nothing)", write.getMessage());
    // Outside the job's steps (a report over a finished run's staging) nothing is checked; an unknown step fails.
    StepGraph.checkRead(null, Staged.UNITS);
    assertEquals("step audit runs but is not in StepGraph.STEPS [ingest, reconcile, agreement, resolve, dedup,"
        + " publish]", assertThrows(IllegalStateException.class, () -> StepGraph.checkRead("audit", Staged.UNITS))
        .getMessage());
  }
}
