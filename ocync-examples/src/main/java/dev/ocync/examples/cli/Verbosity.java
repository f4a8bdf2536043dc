package dev.ocync.examples.cli;

/** {@code -v}, {@code -q} and {@code --debug}, shared by the config commands. */
final class Verbosity {
  static final Cli.Option VERBOSE =
      Cli.Option.flag("Say more: skipped images, every kept tag, debug logs.", "-v", "--verbose");
  static final Cli.Option QUIET =
      Cli.Option.flag("Errors only: no progress, no per-image lines, no summary.", "-q", "--quiet");
  static final Cli.Option DEBUG = Cli.Option.flag("Print stack traces of errors.", "--debug");

  boolean verbose;
  boolean quiet;
  boolean debug;

  /** The three flags of a command that has them. */
  static Verbosity of(Cli.Parsed p) {
    Verbosity v = new Verbosity();
    v.verbose = p.flag("--verbose");
    v.quiet = p.flag("--quiet");
    v.debug = p.flag("--debug");
    return v;
  }

  /** The level, after refusing {@code -v} with {@code -q}; raises the library's log level for {@code -v}. */
  Progress.Level level() {
    if (verbose && quiet) {
      throw new UsageException("-v and -q contradict each other; give one");
    }
    // slf4j-simple reads these when its first logger is made, which in a fresh JVM is after this
    if (verbose) {
      Main.setIfAbsent("org.slf4j.simpleLogger.log.dev.ocync", "debug");
    } else if (quiet) {
      Main.setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    return verbose ? Progress.Level.VERBOSE : quiet ? Progress.Level.QUIET : Progress.Level.NORMAL;
  }
}
