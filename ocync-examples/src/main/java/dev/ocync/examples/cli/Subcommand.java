package dev.ocync.examples.cli;

import java.io.PrintWriter;
import java.util.Map;

/**
 * One {@code ocync} command: its option model, the parsed values copied into its fields, and its run.
 * Its {@link UsageException}s are usage errors (exit 2, a pointer to its help).
 */
abstract class Subcommand {
  /** What the command accepts. */
  final Cli.Command spec;
  /** The command line it runs in: environment, streams, whether signals are its own. */
  Main parent;
  /** {@code -v}, {@code -q} and {@code --debug}, for the commands that have them. */
  Verbosity verbosity = new Verbosity();

  Subcommand(Cli.Command spec) {
    this.spec = spec;
  }

  /** Takes the parsed values into the command's fields. */
  abstract void accept(Cli.Parsed parsed);

  /** Runs the command. */
  abstract int call() throws Exception;

  /** Whether {@code --debug} was given: errors then print their stack trace. */
  boolean debug() {
    return verbosity.debug;
  }

  final PrintWriter out() {
    return parent.out;
  }

  final PrintWriter err() {
    return parent.err;
  }

  final Map<String, String> env() {
    return parent.env;
  }
}
