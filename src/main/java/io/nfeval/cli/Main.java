package io.nfeval.cli;

import io.nfeval.InputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * nfeval's command line. Exit codes: 0 success, 1 a check/diff found differences, 2 bad input or usage.
 * Errors are one line on stderr; stack traces only with {@code --debug}.
 */
@Command(
    name = "nfeval",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A digital twin of a Linux host's netfilter/iptables firewall.")
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_DIFFERENCES = 1;
  public static final int EXIT_BAD_INPUT = 2;

  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean debug;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this rather than {@link #main}). */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /**
   * The commands, in the order help lists them. picocli reflects over a command's whole class when it
   * is added (about 10 ms each, 70 ms of a 0.4 s replay for all of them), so a run adds only the one it
   * is asked for (by its {@code @Command} name); help, --version and a mistyped command get them all.
   */
  private static final java.util.List<Class<?>> COMMANDS = java.util.List.of(
      ReplayCommand.class, CheckCommand.class, RulesCommand.class, LiveCommand.class, SnapshotCommand.class,
      AuditCommand.class, DiffCommand.class, CommandLine.HelpCommand.class);

  /** The command line with the command {@code args} name, or with every command. */
  static CommandLine commandLine(String... args) {
    final CommandLine cl = new CommandLine(new Main());
    String first = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        first = a;
        break;
      }
    }
    Class<?> only = null;
    for (Class<?> c : COMMANDS) {
      if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first)) {
        only = c;
      }
    }
    for (Class<?> c : COMMANDS) {
      if (only == null || c == only) {
        cl.addSubcommand(c);
      }
    }
    return cl;
  }

  public static int run(PrintWriter out, PrintWriter err, String... args) {
    final boolean debug = java.util.Arrays.asList(args).contains("--debug");
    CommandLine cl = commandLine(args);
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("nfeval: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (debug) {
        ex.printStackTrace(err);
      }
      if (ex instanceof InputException) {
        err.println("nfeval: " + ex.getMessage());
        return EXIT_BAD_INPUT;
      }
      err.println("nfeval: internal error: " + ex
          + (debug ? "" : " (run with --debug for the stack trace)"));
      return 3;
    });
    int rc = cl.execute(args);
    out.flush();
    err.flush();
    return rc;
  }
}
