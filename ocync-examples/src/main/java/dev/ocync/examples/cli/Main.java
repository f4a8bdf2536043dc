package dev.ocync.examples.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code ocync} command line, a thin front end over the library: {@code java -jar ocync.jar
 * copy SRC DST}, {@code sync -c CONFIG}, {@code validate CONFIG}, {@code tags REPOSITORY}, {@code serve -c CONFIG}. Exit
 * codes of {@code copy}: 0 done, 1 the copy failed, 2 bad usage (unknown option, bad location);
 * of the config commands: see {@link Exit}.
 */
public final class Main {
  /** The commands, in the order the usage lists them (then {@code help}). */
  static final String[] COMMANDS = {"copy", "sync", "watch", "validate", "tags", "serve"};

  /** {@code ocync} itself: only {@code -h} and {@code -V} before the command. */
  static final Cli.Command SPEC = new Cli.Command("", new String[] {
      "Mirrors OCI images and indexes between registries, OCI layout directories and "
          + "OCI layout archives, byte for byte, verifying every digest."},
      new String[] {"", "Run 'ocync COMMAND --help' for a command's options and exit codes."},
      80, true, new Cli.Option[0], new Cli.Positional[0]);

  private static final String HELP_SUMMARY = "Display help information about the specified command.";

  private static final String HELP_USAGE = HELP_SUMMARY + "\n"
      + "\n"
      + "Usage: ocync help [-h] [COMMAND]\n"
      + "\n"
      + "When no COMMAND is given, the usage help for the main command is displayed.\n"
      + "If a COMMAND is specified, the help for that command is shown.\n"
      + "\n"
      + "      [COMMAND]   The COMMAND to display the usage help message for.\n"
      + "  -h, --help      Show usage help for the help command and exit.\n";

  final Map<String, String> env;
  /** Whether this is the process's own command line (signals are ours to handle), not a caller's. */
  final boolean signals;
  final PrintWriter out;
  final PrintWriter err;

  Main(Map<String, String> env, boolean signals, PrintWriter out, PrintWriter err) {
    this.env = Map.copyOf(env);
    this.signals = signals;
    this.out = out;
    this.err = err;
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
    int code = new Main(env, signals, out, err).execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The command named {@code name}, or null. */
  static Subcommand command(String name) {
    return switch (name) {
      case "copy" -> new CopyCommand();
      case "sync" -> new SyncCommand();
      case "watch" -> new WatchCommand();
      case "validate" -> new ValidateCommand();
      case "tags" -> new TagsCommand();
      case "serve" -> new ServeCommand();
      default -> null;
    };
  }

  /** {@code ocync [-hV] [COMMAND [ARGS...]]}. */
  private int execute(String... args) {
    boolean help = false;
    boolean version = false;
    boolean optionsEnded = false;
    List<String> unmatched = new ArrayList<>();
    int unmatchedAt = -1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!optionsEnded && a.equals("--")) {
        optionsEnded = true;
        continue;
      }
      boolean known = false;
      if (!optionsEnded && a.length() > 1 && a.charAt(0) == '-') {
        if (a.equals("--help") || a.equals("--version")) {
          help |= a.equals("--help");
          version |= a.equals("--version");
          known = true;
        } else if (a.charAt(1) != '-') {
          known = true;
          for (int j = 1; j < a.length(); j++) {
            help |= a.charAt(j) == 'h';
            version |= a.charAt(j) == 'V';
            known &= a.charAt(j) == 'h' || a.charAt(j) == 'V';
          }
        }
      } else if (!optionsEnded && unmatched.isEmpty()) {
        if (help || version) {
          break; // ocync --help copy: the help of ocync
        }
        if (a.equals("help")) {
          return help(args, i + 1);
        }
        Subcommand c = command(a);
        if (c != null) {
          return run(c, args, i + 1);
        }
      }
      if (!known) {
        if (unmatched.isEmpty()) {
          unmatchedAt = i;
        }
        unmatched.add("'" + a + "'");
      }
    }
    if (help) {
      out.print(usage());
      return 0;
    }
    if (version) {
      out.println(version());
      return 0;
    }
    if (unmatched.isEmpty()) {
      // without a command: the usage, and a usage error
      err.print(usage());
      return 2;
    }
    err.println("error: " + Cli.unmatched(unmatched, unmatchedAt).getMessage());
    String first = args[unmatchedAt];
    List<String> close = new ArrayList<>();
    for (String name : COMMANDS) {
      if (isClose(first, name)) {
        close.add("ocync " + name);
      }
    }
    if (isClose(first, "help")) {
      close.add("ocync help");
    }
    if (!close.isEmpty()) {
      err.println("Did you mean: " + String.join(" or ", close) + "?");
    }
    err.println("Try 'ocync --help' for more information.");
    return 2;
  }

  /** Whether a mistyped command is close to {@code name}: a prefix of it, or at most two edits away. */
  static boolean isClose(String typed, String name) {
    if (typed.length() >= 2 && name.startsWith(typed)) {
      return true;
    }
    if (typed.length() < 2 || Math.abs(typed.length() - name.length()) > 2) {
      return false;
    }
    // Levenshtein distance, two rows
    int[] previous = new int[name.length() + 1];
    int[] current = new int[name.length() + 1];
    for (int j = 0; j <= name.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= typed.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= name.length(); j++) {
        int substitute = previous[j - 1] + (typed.charAt(i - 1) == name.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[name.length()] <= 2;
  }

  /** The usage of {@code ocync}: its options and the commands with the first line of their descriptions. */
  static String usage() {
    String[] names = new String[COMMANDS.length + 1];
    String[] summaries = new String[names.length];
    for (int i = 0; i < COMMANDS.length; i++) {
      names[i] = COMMANDS[i];
      summaries[i] = command(COMMANDS[i]).spec.description()[0];
    }
    names[COMMANDS.length] = "help";
    summaries[COMMANDS.length] = HELP_SUMMARY;
    return Help.usage(SPEC, names, summaries);
  }

  /** {@code ocync help [-h] [COMMAND]}. */
  private int help(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      if (args[i].equals("-h") || args[i].equals("--help")) {
        out.print(HELP_USAGE);
        return 0;
      }
    }
    if (from == args.length) {
      out.print(usage());
      return 0;
    }
    String a = args[from];
    if (a.length() > 1 && a.charAt(0) == '-') {
      err.println("error: Unknown option: '" + a + "'");
      err.println("Try 'ocync help --help' for more information.");
      return 2;
    }
    if (a.equals("help")) {
      out.print(HELP_USAGE);
      return 0;
    }
    Subcommand c = command(a);
    if (c == null) {
      err.println("error: Unknown subcommand '" + a + "'.");
      err.println("Try 'ocync --help' for more information.");
      return 2;
    }
    out.print(Help.usage(c.spec));
    return 0;
  }

  /** Parses the command's arguments, then runs it; every failure becomes an exit code. */
  private int run(Subcommand c, String[] args, int from) {
    Cli.Command spec = c.spec;
    c.parent = this;
    try {
      Cli.Parsed parsed = Cli.parse(spec, args, from);
      if (parsed.help()) {
        out.print(Help.usage(spec));
        return 0;
      }
      if (parsed.version()) {
        out.println(version());
        return 0;
      }
      c.accept(parsed);
      return c.call();
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.println("Try '" + spec.qualifiedName() + " --help' for more information.");
      return 2;
    } catch (Exception ex) {
      // A bad location or option value surfaces as IllegalArgumentException: a usage error. For the
      // config commands anything unexpected is fatal (2), as in ocync; 1 means "some images failed".
      int code = ex instanceof IllegalArgumentException ? 2 : c instanceof CopyCommand ? 1 : Exit.ALL_FAILED;
      String message = ex.getMessage() == null ? ex.getClass().getName() : ex.getMessage();
      err.println("error: " + message);
      Optional<String> hint = hint(message);
      if (hint.isPresent()) {
        err.println("hint: " + hint.get());
      }
      if (c.debug()) {
        ex.printStackTrace(err);
      }
      return code;
    }
  }

  /** What to do about a failure, in the command line's own terms (flags, not library methods). */
  static Optional<String> hint(String message) {
    if (message.contains("certificate is not trusted")) {
      return Optional.of("trust the registry's CA with --src-ca-cert FILE or --dest-ca-cert FILE"
          + " (--ca-cert for both), or, for a registry you control, skip verification with"
          + " --src-tls-verify=false or --dest-tls-verify=false");
    }
    if (message.contains("timed out")) {
      return Optional.of("a slow registry may need a longer --timeout (for example --timeout 2m)");
    }
    return Optional.empty();
  }

  static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** The version from the jar manifest, or {@code dev} when run from classes. */
  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return "ocync " + (v == null ? "dev" : v);
  }
}
