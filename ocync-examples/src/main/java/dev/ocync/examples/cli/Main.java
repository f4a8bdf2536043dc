package dev.ocync.examples.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code ocync} command line, a thin front end over the library: {@code java -jar ocync.jar
 * copy SRC DST}, {@code sync -c CONFIG}, {@code validate CONFIG}, {@code tags REPOSITORY}, {@code serve -c CONFIG}. Exit
 * codes of {@code copy}: 0 done, 1 the copy failed, 2 bad usage (unknown option, bad location);
 * of the config commands: see {@link Exit}.
 */
@Command(name = "ocync", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Mirrors OCI images and indexes between registries, OCI layout directories and "
        + "OCI layout archives, byte for byte, verifying every digest.",
    footer = {"", "Run 'ocync COMMAND --help' for a command's options and exit codes."})
public final class Main implements Callable<Integer> {
  /**
   * The subcommands, in the order the usage lists them (then {@code help}). Registered in code, not
   * in {@code @Command}: building a command's model is most of a short run's start-up, so a command
   * line that names one of them builds only that one.
   */
  static final List<Class<?>> COMMANDS = List.of(CopyCommand.class, SyncCommand.class, WatchCommand.class,
      ValidateCommand.class, TagsCommand.class, ServeCommand.class);

  final Map<String, String> env;
  /** Whether this is the process's own command line (signals are ours to handle), not a caller's. */
  final boolean signals;

  @Spec
  CommandSpec spec;

  Main(Map<String, String> env, boolean signals) {
    this.env = Map.copyOf(env);
    this.signals = signals;
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(out, err, System.getenv(), true, args));
  }

  /**
   * Runs the command line with the given streams and environment, without exiting: what tests and
   * embedding callers use.
   *
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
    return run(out, err, env, false, args);
  }

  private static int run(PrintWriter out, PrintWriter err, Map<String, String> env, boolean signals, String... args) {
    Objects.requireNonNull(env, "env");
    // one plain "WARN message" line, not a logger's thread and class name
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
    CommandLine cli = commandLine(new Main(env, signals), args);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((ex, rest) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("error: " + ex.getMessage());
      cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      // A bad location or option value surfaces as IllegalArgumentException: a usage error. For the
      // config commands anything unexpected is fatal (2), as in ocync; 1 means "some images failed".
      Object command = cmd.getCommand();
      int code = ex instanceof IllegalArgumentException ? cmd.getCommandSpec().exitCodeOnInvalidInput()
          : command instanceof CopyCommand ? 1 : Exit.ALL_FAILED;
      String message = ex.getMessage() == null ? ex.getClass().getName() : ex.getMessage();
      cmd.getErr().println("error: " + message);
      hint(message).ifPresent(h -> cmd.getErr().println("hint: " + h));
      boolean debug = command instanceof DebugOption d ? d.debug()
          : cmd.getCommandSpec().mixins().values().stream()
              .anyMatch(m -> m.userObject() instanceof Verbosity v && v.debug);
      if (debug) {
        ex.printStackTrace(cmd.getErr());
      }
      return code;
    });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The command line for {@code args}: with only the command they name, else with every command. */
  static CommandLine commandLine(Main main, String... args) {
    CommandLine cli = new CommandLine(main);
    Optional<Class<?>> named = args.length == 0 ? Optional.empty()
        : COMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(args[0])).findFirst();
    if (named.isPresent()) {
      cli.addSubcommand(named.get());
    } else {
      // usage, help, a typo: every command, so picocli can list them and suggest one
      COMMANDS.forEach(cli::addSubcommand);
      cli.addSubcommand("help", new CommandLine.HelpCommand());
    }
    return cli;
  }

  /** What to do about a failure, in the command line's own terms (flags, not library methods). */
  static java.util.Optional<String> hint(String message) {
    if (message.contains("certificate is not trusted")) {
      return java.util.Optional.of("trust the registry's CA with --src-ca-cert FILE or --dest-ca-cert FILE"
          + " (--ca-cert for both), or, for a registry you control, skip verification with"
          + " --src-tls-verify=false or --dest-tls-verify=false");
    }
    if (message.contains("timed out")) {
      return java.util.Optional.of("a slow registry may need a longer --timeout (for example --timeout 2m)");
    }
    return java.util.Optional.empty();
  }

  /** Without a command: show the usage and fail as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return spec.exitCodeOnInvalidInput();
  }

  static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** The version from the jar manifest, or {@code dev} when run from classes. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"ocync " + (v == null ? "dev" : v)};
    }
  }
}
