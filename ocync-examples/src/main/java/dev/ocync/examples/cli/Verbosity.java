package dev.ocync.examples.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code -v}, {@code -q} and {@code --debug}, shared by the config commands. */
final class Verbosity {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = {"-v", "--verbose"}, description = "Say more: skipped images, every kept tag, debug logs.")
  boolean verbose;

  @Option(names = {"-q", "--quiet"}, description = "Errors only: no progress, no per-image lines, no summary.")
  boolean quiet;

  @Option(names = "--debug", description = "Print stack traces of errors.")
  boolean debug;

  /** The level, after refusing {@code -v} with {@code -q}; raises the library's log level for {@code -v}. */
  Progress.Level level() {
    if (verbose && quiet) {
      throw new ParameterException(spec.commandLine(), "-v and -q contradict each other; give one");
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
