package dev.concord.cli;

/** Test access to the command line as {@code bin/concord} runs it, without the exit. */
public final class MainAccess {
  private MainAccess() {}

  public static int execute(String... argv) {
    return Main.execute(argv);
  }
}
