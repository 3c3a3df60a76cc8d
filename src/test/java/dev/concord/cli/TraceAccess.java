package dev.concord.cli;

import dev.concord.trace.Trace;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** Test access to the trace command's wiring. */
public final class TraceAccess {
  private TraceAccess() {}

  public static Trace.Version open(SparkSession spark, Path version) {
    return TraceCommand.open(spark, version);
  }

  public static int run(String[] argv, PrintStream out) {
    return TraceCommand.run(new Main.Args(argv, 1), out);
  }
}
