package io.vesselseg.cli;

import io.vesselseg.VesselsegException;
import io.vesselseg.Version;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point. Exit codes: 0 ok, 1 failure, 2 bad usage/input, 3 data or I/O, 4 internal error, 130 stopped
 * by a signal (the JVM itself reports 128 + the signal's number). Errors are one line on stderr;
 * {@code --verbose} adds the stack trace.
 */
@Command(name = "vesselseg", mixinStandardHelpOptions = true,
    version = "vesselseg " + Version.VESSELSEG + ", libtorch " + Version.LIBTORCH,
    description = "Train, evaluate and run U-Net segmenters of retinal vessels in fundus photographs.",
    subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, SegmentCommand.class,
        MeasureCommand.class, ExplainCommand.class, BatchCommand.class,
        ServeCommand.class, VisualizeCommand.class, VerifyCommand.class, ExportCommand.class, PruneCommand.class,
        QuantizeCommand.class,
        CrossvalCommand.class,
        EnsembleCommand.class, DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int DATA = 3;
  public static final int INTERNAL = 4;
  /** A signal (Ctrl-C, SIGTERM) stopped the command; 128 + SIGINT, as shells report it. */
  public static final int INTERRUPTED = 130;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(new CommandLine(this), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (used by tests too). */
  public static int run(String... args) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintWriter err = line.getErr();
      if (e instanceof VesselsegException ve) {
        err.println("error: " + ve.getMessage());
        if (verbose) {
          ve.printStackTrace(err);
        }
        err.flush();
        return ve.exitCode();
      }
      err.println("internal error: " + e + (verbose ? "" : " (run with --verbose for the stack trace)"));
      if (verbose) {
        e.printStackTrace(err);
      }
      err.flush();
      return INTERNAL;
    });
    cl.setParameterExceptionHandler((e, a) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + e.getMessage());
      err.println("run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage");
      err.flush();
      return USAGE;
    });
    return cl.execute(args);
  }

  /** True when stdout is an interactive terminal (progress bars) rather than a log or pipe. */
  static boolean tty() {
    return System.console() != null && System.getenv("CI") == null;
  }
}
