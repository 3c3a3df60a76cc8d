package dev.concord.cli;

import java.io.PrintStream;

/** Test access to the trace command's wiring. */
public final class TraceAccess {
  private TraceAccess() {}

  public static int run(String[] argv, PrintStream out) {
    return TraceCommand.run(new Main.Args(argv, 1), out);
  }
}
