package dev.concord.job;

import static dev.concord.job.Staged.AGREEMENT_ROUND_1;
import static dev.concord.job.Staged.AGREEMENT_ROUND_2;
import static dev.concord.job.Staged.ANNOTATORS;
import static dev.concord.job.Staged.CANDIDATE_KEYS;
import static dev.concord.job.Staged.CONFUSION;
import static dev.concord.job.Staged.EVAL_PROMPTS;
import static dev.concord.job.Staged.EXCLUDED;
import static dev.concord.job.Staged.FINAL_OUTCOMES;
import static dev.concord.job.Staged.GOLD;
import static dev.concord.job.Staged.GOLD_LINES;
import static dev.concord.job.Staged.GOLD_UNITS;
import static dev.concord.job.Staged.ITEMS;
import static dev.concord.job.Staged.ITEM_TEXTS;
import static dev.concord.job.Staged.JUDGED_CANDIDATES;
import static dev.concord.job.Staged.LINES;
import static dev.concord.job.Staged.MATRICES;
import static dev.concord.job.Staged.POSTERIORS;
import static dev.concord.job.Staged.PROJECT_AGREEMENT;
import static dev.concord.job.Staged.PROMPT_CLUSTERS;
import static dev.concord.job.Staged.PROMPT_DOCS;
import static dev.concord.job.Staged.PROMPT_PAIRS;
import static dev.concord.job.Staged.RECORDS;
import static dev.concord.job.Staged.RECORD_PAIRS;
import static dev.concord.job.Staged.RESOLUTION;
import static dev.concord.job.Staged.SCOPES;
import static dev.concord.job.Staged.SETTLED;
import static dev.concord.job.Staged.SFT_CANDIDATES;
import static dev.concord.job.Staged.SFT_EDGES;
import static dev.concord.job.Staged.SUBMISSIONS;
import static dev.concord.job.Staged.UNITS;
import static dev.concord.job.Staged.VOTES;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The job's steps in order, each with the staged tables it reads from earlier steps and the ones it writes (a step
 * may read back what it writes). {@link Store} holds every step to its declaration while the step runs, so this is
 * what the steps do, not a comment about it.
 */
public final class StepGraph {
  private StepGraph() {}

  /** A step: its name (also its Spark job group), what it reads from earlier steps and what it stages. */
  public record Step(String name, Set<Staged> reads, Set<Staged> writes) {
    public Step {
      reads = Set.copyOf(reads);
      writes = Set.copyOf(writes);
    }

    boolean mayRead(Staged table) {
      return reads.contains(table) || writes.contains(table);
    }
  }

  public static final List<Step> STEPS = List.of(
      new Step("ingest", Set.of(), Set.of(LINES, GOLD_LINES, EVAL_PROMPTS, ITEM_TEXTS)),
      new Step("reconcile", Set.of(LINES, GOLD_LINES), Set.of(SUBMISSIONS, EXCLUDED, GOLD)),
      new Step("agreement", Set.of(SUBMISSIONS, GOLD),
          Set.of(UNITS, GOLD_UNITS, AGREEMENT_ROUND_1, PROJECT_AGREEMENT, AGREEMENT_ROUND_2, SCOPES, ANNOTATORS)),
      new Step("resolve", Set.of(SUBMISSIONS, UNITS, GOLD_UNITS, SCOPES, ANNOTATORS),
          Set.of(VOTES, POSTERIORS, MATRICES, RESOLUTION, CONFUSION)),
      new Step("dedup", Set.of(EVAL_PROMPTS, ITEM_TEXTS, SUBMISSIONS, ANNOTATORS, RESOLUTION),
          Set.of(ITEMS, CANDIDATE_KEYS, PROMPT_DOCS, PROMPT_PAIRS, PROMPT_CLUSTERS, JUDGED_CANDIDATES, SFT_CANDIDATES,
              SETTLED, RECORD_PAIRS, RECORDS, SFT_EDGES, FINAL_OUTCOMES)),
      new Step("publish", Set.of(LINES, GOLD_LINES, ITEM_TEXTS, SUBMISSIONS, EXCLUDED, GOLD, PROJECT_AGREEMENT, SCOPES,
          ANNOTATORS, RESOLUTION, CONFUSION, MATRICES, ITEMS, PROMPT_DOCS, PROMPT_PAIRS, RECORD_PAIRS, RECORDS,
          SFT_EDGES, FINAL_OUTCOMES),
          Set.of()));

  /** The steps' names in order. */
  public static final List<String> NAMES = STEPS.stream().map(Step::name).toList();

  /**
   * The step called {@code name}; null for no name (work outside the job's steps, e.g. a report after it). A name
   * that is no step's is a job wired apart from this graph, and fails.
   */
  static Step step(String name) {
    if (name == null) {
      return null;
    }
    return STEPS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
        new IllegalStateException("step " + name + " runs but is not in StepGraph.STEPS " + NAMES));
  }

  /** Fails if the step running as {@code stepName} does not declare that it reads {@code table}. */
  static void checkRead(String stepName, Staged table) {
    Step step = step(stepName);
    if (step != null && !step.mayRead(table)) {
      throw new IllegalStateException("step " + stepName + " reads the staged table " + table.folder()
          + ", which its entry in StepGraph.STEPS does not declare (it reads " + names(step.reads()) + ")");
    }
  }

  /** Fails if the step running as {@code stepName} does not declare that it writes {@code table}. */
  static void checkWrite(String stepName, Staged table) {
    Step step = step(stepName);
    if (step != null && !step.writes().contains(table)) {
      throw new IllegalStateException("step " + stepName + " stages " + table.folder()
          + ", which its entry in StepGraph.STEPS does not declare (it writes " + names(step.writes()) + ")");
    }
  }

  private static String names(Set<Staged> tables) {
    return tables.isEmpty() ? "nothing" : EnumSet.copyOf(tables).stream().map(Staged::folder).toList().toString();
  }
}
