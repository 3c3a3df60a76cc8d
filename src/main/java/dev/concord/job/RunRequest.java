package dev.concord.job;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code bin/concord run} was asked to do.
 *
 * @param evalPrompts evaluation prompts (JSON Lines or Parquet with a {@code prompt} field): records whose prompt
 *     matches one, exactly or as a near duplicate, are left out of the dataset
 * @param excludeAnnotators a file of raw annotator ids, one a line, whose submissions are left out (null: none)
 * @param inputFormat the format of every input ({@code --input-format}); null recognises each file by content
 */
public record RunRequest(List<Path> inputs, List<Path> gold, Path out, Path conf, String runId, String master,
    List<Path> evalPrompts, Path excludeAnnotators, dev.concord.ingest.Exports.Format inputFormat) {

  public RunRequest(List<Path> inputs, List<Path> gold, Path out, Path conf, String runId, String master,
      List<Path> evalPrompts, Path excludeAnnotators) {
    this(inputs, gold, out, conf, runId, master, evalPrompts, excludeAnnotators, null);
  }

  public RunRequest(List<Path> inputs, List<Path> gold, Path out, Path conf, String runId, String master) {
    this(inputs, gold, out, conf, runId, master, List.of(), null);
  }

  public RunRequest(List<Path> inputs, List<Path> gold, Path out, Path conf, String runId, String master,
      List<Path> evalPrompts) {
    this(inputs, gold, out, conf, runId, master, evalPrompts, null);
  }
}
