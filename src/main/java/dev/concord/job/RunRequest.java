package dev.concord.job;

import java.nio.file.Path;
import java.util.List;

/** What {@code bin/concord run} was asked to do. */
public record RunRequest(List<Path> inputs, List<Path> gold, Path out, Path conf, String runId, String master) {}
