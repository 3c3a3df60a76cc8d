package dev.concord.cli;

import dev.concord.config.ConfigException;
import dev.concord.job.RunRequest;
import dev.concord.job.Runner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code bin/concord}: the one entry point. Exit codes: 0 done, 1 failure, 2 bad usage or configuration. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      usage:
        concord run --input PATH [--input PATH ...] [--gold PATH] --out ROOT [--conf FILE] [--run-id ID] [--master URL]
                    [--eval-prompts PATH ...] [--exclude-annotators FILE] [--input-format concord|label-studio|argilla]
        concord trace --out ROOT [--run-id ID] (--record ID | --submission ID | --annotator ID) [--json]
        concord agreement --input PATH [--input PATH ...] [--input-format FORMAT] [--gold PATH] [--conf FILE] [--json FILE]
        concord forget --out ROOT --annotators FILE
        concord report --out ROOT [--run-id ID]   (writes ROOT/ID/report.html; ID defaults to LATEST's)
        concord generate --out DIR [options]   (a tool apart from the product: concord generate --help)""";

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String[] args) {
    return exitCode(() -> {
      if (args.length == 0) {
        throw new ConfigException("no command given\n" + USAGE);
      }
      return switch (args[0]) {
        case "run" -> Runner.run(parseRun(args));
        case "agreement" -> AgreementReport.run(new Args(args, 1), System.out);
        case "trace" -> TraceCommand.run(new Args(args, 1), System.out);
        case "forget" -> forget(new Args(args, 1));
        case "report" -> report(new Args(args, 1));
        case "generate" -> throw new ConfigException("generate is a tool apart from the product jar: run it as"
            + " bin/concord generate, which puts target/concord-tools.jar on the class path");
        case "-h", "--help", "help" -> {
          System.out.println(USAGE);
          yield 0;
        }
        default -> throw new ConfigException("unknown command '" + args[0] + "'\n" + USAGE);
      };
    });
  }

  /**
   * The exit code of a command, the contract's: its own, 2 for bad usage or configuration (the message names the
   * option or key), 1 for any other failure. The tools' entry points answer the same way.
   */
  public static int exitCode(java.util.function.IntSupplier command) {
    try {
      return command.getAsInt();
    } catch (ConfigException e) {
      System.err.println("concord: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      System.err.println("concord: failed: " + e);
      e.printStackTrace(System.err);
      return 1;
    }
  }

  /** {@code forget --out ROOT --annotators FILE}: erases annotators from the submission store. */
  static int forget(Args a) {
    Path out = null;
    Path annotators = null;
    while (a.hasNext()) {
      String opt = a.next();
      switch (opt) {
        case "--out" -> out = Path.of(a.value(opt));
        case "--annotators" -> annotators = Path.of(a.value(opt));
        default -> throw new ConfigException("unknown option '" + opt + "' for forget\n" + USAGE);
      }
    }
    if (out == null || annotators == null) {
      throw new ConfigException("forget needs --out ROOT and --annotators FILE\n" + USAGE);
    }
    if (!java.nio.file.Files.isRegularFile(annotators)) {
      throw new ConfigException("--annotators " + annotators + " is not a file");
    }
    return dev.concord.job.Forget.run(out, annotators, System.out);
  }

  /** {@code report --out ROOT [--run-id ID]}: (re)writes a published version's report.html. */
  static int report(Args a) {
    Path out = null;
    String runId = null;
    while (a.hasNext()) {
      String opt = a.next();
      switch (opt) {
        case "--out" -> out = Path.of(a.value(opt));
        case "--run-id" -> runId = a.value(opt);
        default -> throw new ConfigException("unknown option '" + opt + "' for report\n" + USAGE);
      }
    }
    if (out == null) {
      throw new ConfigException("report needs --out ROOT\n" + USAGE);
    }
    Path version = TraceCommand.version(out, runId);
    Path file = dev.concord.report.ReportWriter.write(version, out,
        dev.concord.report.ReportWriter.trendVersions(version));
    System.out.println("wrote " + file);
    return 0;
  }

  static RunRequest parseRun(String[] argv) {
    Args a = new Args(argv, 1);
    List<Path> inputs = new ArrayList<>();
    List<Path> gold = new ArrayList<>();
    List<Path> evalPrompts = new ArrayList<>();
    Path exclude = null;
    Path out = null;
    Path conf = null;
    String runId = null;
    String master = null;
    dev.concord.ingest.Exports.Format format = null;
    while (a.hasNext()) {
      String opt = a.next();
      switch (opt) {
        case "--input" -> inputs.add(Path.of(a.value(opt)));
        case "--input-format" -> format = dev.concord.ingest.Exports.Format.parse(a.value(opt));
        case "--gold" -> gold.add(Path.of(a.value(opt)));
        case "--eval-prompts" -> evalPrompts.add(Path.of(a.value(opt)));
        case "--exclude-annotators" -> exclude = Path.of(a.value(opt));
        case "--out" -> out = Path.of(a.value(opt));
        case "--conf" -> conf = Path.of(a.value(opt));
        case "--run-id" -> runId = a.value(opt);
        case "--master" -> master = a.value(opt);
        default -> throw new ConfigException("unknown option '" + opt + "' for run\n" + USAGE);
      }
    }
    if (inputs.isEmpty()) {
      throw new ConfigException("run needs --input PATH\n" + USAGE);
    }
    if (out == null) {
      throw new ConfigException("run needs --out ROOT\n" + USAGE);
    }
    return new RunRequest(inputs, gold, out, conf, runId, master, evalPrompts, exclude, format);
  }

  /** A cursor over the arguments; an option's missing value is a usage error naming the option. */
  public static final class Args {
    private final String[] argv;
    private int i;

    public Args(String[] argv, int start) {
      this.argv = argv;
      this.i = start;
    }

    public boolean hasNext() {
      return i < argv.length;
    }

    public String next() {
      return argv[i++];
    }

    public String value(String option) {
      if (i >= argv.length || argv[i].startsWith("--")) {
        throw new ConfigException("option " + option + " needs a value");
      }
      return argv[i++];
    }
  }
}
