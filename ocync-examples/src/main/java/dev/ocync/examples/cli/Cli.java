package dev.ocync.examples.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line's model and parser: each command's options and parameters as plain static data
 * (no annotations, no reflection), parsed by one loop. It replaces picocli, whose Java 5 class files
 * cannot be archived by class-data sharing and whose model building cost a short run about 75 ms.
 * The accepted forms and the error messages are picocli's (GNU and POSIX style): {@code --opt value},
 * {@code --opt=value}, {@code -c FILE}, {@code -cFILE}, {@code -c=FILE}, clustered flags such as
 * {@code -vq}, {@code --} ending the options.
 */
final class Cli {
  private Cli() {}

  /** What an option takes. */
  enum Type {
    /** A switch: no value, {@code --opt=true|false} also accepted. */
    FLAG,
    /** A boolean with an optional value: {@code --opt}, {@code --opt=false}, {@code --opt false}. */
    BOOLEAN,
    /** Any text. */
    STRING,
    /** A decimal {@code int}. */
    INT,
    /** A file system path. */
    PATH
  }

  /**
   * One option. {@code names} as typed, a one-letter name first when there is one; the longest name
   * is its key and what error messages call it. {@code label} is the value's placeholder in help.
   */
  record Option(String[] names, Type type, String label, String defaultValue, boolean required,
      boolean repeatable, boolean hidden, String description) {

    /** A switch without a value. */
    static Option flag(String description, String... names) {
      return new Option(names, Type.FLAG, "", null, false, false, false, description);
    }

    /** An option taking a value of {@code type}, shown as {@code label}. */
    static Option value(Type type, String label, String description, String... names) {
      return new Option(names, type, label, null, false, false, false, description);
    }

    Option asRequired() {
      return new Option(names, type, label, defaultValue, true, repeatable, hidden, description);
    }

    Option asRepeatable() {
      return new Option(names, type, label, defaultValue, required, true, hidden, description);
    }

    Option asHidden() {
      return new Option(names, type, label, defaultValue, required, repeatable, true, description);
    }

    /** The value when the option is not given; also what {@code ${DEFAULT-VALUE}} shows. */
    Option withDefault(String value) {
      return new Option(names, type, label, value, required, repeatable, hidden, description);
    }

    /** The longest name: how messages name the option. */
    String name() {
      String longest = names[0];
      for (String n : names) {
        if (n.length() > longest.length()) {
          longest = n;
        }
      }
      return longest;
    }

    boolean takesValue() {
      return type != Type.FLAG && type != Type.BOOLEAN;
    }

    boolean named(String name) {
      for (String n : names) {
        if (n.equals(name)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A positional parameter, required, in declaration order. */
  record Positional(String label, Type type, String description) {}

  /** {@code -h, --help} of every command. */
  static final Option HELP = Option.flag("Show this help message and exit.", "-h", "--help");
  /** {@code -V, --version} of every command. */
  static final Option VERSION = Option.flag("Print version information and exit.", "-V", "--version");

  /**
   * A command: its name ("" for {@code ocync} itself), description and footer lines, the help width,
   * whether help sorts the options by name (else they are listed as declared), its options (the
   * help and version options are added last) and positional parameters.
   */
  record Command(String name, String[] description, String[] footer, int width, boolean sortOptions,
      Option[] options, Positional[] positionals) {
    Command {
      Option[] all = new Option[options.length + 2];
      System.arraycopy(options, 0, all, 0, options.length);
      all[options.length] = HELP;
      all[options.length + 1] = VERSION;
      options = all;
    }

    /** {@code ocync} or {@code ocync NAME}. */
    String qualifiedName() {
      return name.isEmpty() ? "ocync" : "ocync " + name;
    }

    /** The option with this name (any of its names), or null. */
    Option option(String optionName) {
      for (Option o : options) {
        if (o.named(optionName)) {
          return o;
        }
      }
      return null;
    }

    int index(Option option) {
      for (int i = 0; i < options.length; i++) {
        if (options[i] == option) {
          return i;
        }
      }
      throw new IllegalArgumentException("not an option of " + qualifiedName() + ": " + option.name());
    }
  }

  /** The values of one command line, by option name; defaults for what was not given. */
  static final class Parsed {
    private final Command command;
    private final String[] values;
    private final List<List<String>> lists = new ArrayList<>();
    private final String[] positionals;

    private Parsed(Command command) {
      this.command = command;
      this.values = new String[command.options().length];
      this.positionals = new String[command.positionals().length];
      for (int i = 0; i < values.length; i++) {
        lists.add(new ArrayList<>());
      }
    }

    /** Whether help was asked for: it wins over every other option and over missing ones. */
    boolean help() {
      return flag("--help");
    }

    /** Whether the version was asked for. */
    boolean version() {
      return flag("--version");
    }

    private int at(String name) {
      Option o = command.option(name);
      if (o == null) {
        throw new IllegalArgumentException("not an option of " + command.qualifiedName() + ": " + name);
      }
      return command.index(o);
    }

    /** The value given, else the default, else null. */
    String string(String name) {
      int i = at(name);
      return values[i] != null ? values[i] : command.options()[i].defaultValue();
    }

    /** A flag's or boolean's value; false when neither given nor defaulted. */
    boolean flag(String name) {
      return Boolean.parseBoolean(string(name));
    }

    /** A boolean's value, or null when neither given nor defaulted. */
    Boolean bool(String name) {
      String v = string(name);
      return v == null ? null : Boolean.valueOf(v);
    }

    /** An int's value, or null (checked when parsed). */
    Integer integer(String name) {
      String v = string(name);
      return v == null ? null : Integer.valueOf(v);
    }

    /** A path's value, or null (checked when parsed). */
    Path path(String name) {
      String v = string(name);
      return v == null ? null : Path.of(v);
    }

    /** Every value of a repeatable option, in order. */
    List<String> list(String name) {
      return new ArrayList<>(lists.get(at(name)));
    }

    /** The positional parameter at {@code index}. */
    String positional(int index) {
      return positionals[index];
    }
  }

  /**
   * Parses {@code args} from {@code from} on for {@code command}. A bad value, a value missing or an
   * option given twice fails at once; unknown options, surplus parameters and missing required ones
   * fail after the whole line is read, unless help or the version was asked for.
   *
   * @throws UsageException for a command line {@code command} does not accept
   */
  static Parsed parse(Command command, String[] args, int from) {
    Parsed p = new Parsed(command);
    List<String> unmatched = new ArrayList<>();
    int unmatchedAt = -1;
    int positional = 0;
    boolean optionsEnded = false;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!optionsEnded && a.equals("--")) {
        optionsEnded = true;
        continue;
      }
      String unknown = null;
      if (!optionsEnded && a.length() > 1 && a.charAt(0) == '-') {
        if (a.startsWith("--")) {
          int eq = a.indexOf('=');
          Option o = command.option(eq < 0 ? a : a.substring(0, eq));
          if (o == null) {
            unknown = "'" + a + "'";
          } else {
            i = take(p, o, eq < 0 ? null : a.substring(eq + 1), args, i);
          }
        } else {
          // -c, -cFILE, -c=FILE, -vq: one-letter options, the last of them may take the rest as its value
          for (int j = 1; j < a.length() && unknown == null; j++) {
            Option o = command.option("-" + a.charAt(j));
            if (o == null) {
              unknown = j == 1 ? "'" + a + "'" : "'-" + a.charAt(j) + "' (while processing option: '" + a + "')";
              break;
            }
            String rest = a.substring(j + 1);
            String attached = rest.startsWith("=") ? rest.substring(1)
                : rest.isEmpty() || !o.takesValue() ? null : rest;
            if (attached != null || rest.isEmpty() || o.takesValue()) {
              i = take(p, o, attached, args, i);
              break;
            }
            set(p, o, "true");
          }
        }
      } else if (positional < command.positionals().length) {
        Positional param = command.positionals()[positional];
        check(param.type(), a, "positional parameter at index " + positional + " (" + param.label() + ")");
        p.positionals[positional++] = a;
      } else {
        unknown = "'" + a + "'";
      }
      if (unknown != null) {
        if (unmatched.isEmpty()) {
          unmatchedAt = i;
        }
        unmatched.add(unknown);
      }
    }
    if (p.help() || p.version()) {
      return p;
    }
    List<String> missing = new ArrayList<>();
    for (Option o : command.options()) {
      if (o.required() && p.values[command.index(o)] == null) {
        missing.add("'" + o.name() + "=" + o.label() + "'");
      }
    }
    if (!missing.isEmpty()) {
      throw new UsageException("Missing required option" + (missing.size() == 1 ? "" : "s") + ": "
          + String.join(", ", missing));
    }
    for (int i = positional; i < command.positionals().length; i++) {
      missing.add("'" + command.positionals()[i].label() + "'");
    }
    if (!missing.isEmpty()) {
      throw new UsageException("Missing required parameter" + (missing.size() == 1 ? "" : "s") + ": "
          + String.join(", ", missing));
    }
    if (!unmatched.isEmpty()) {
      throw unmatched(unmatched, unmatchedAt);
    }
    return p;
  }

  /** The error for arguments no option or parameter took, as picocli words it. */
  static UsageException unmatched(List<String> unmatched, int index) {
    boolean one = unmatched.size() == 1;
    String first = unmatched.get(0);
    // quoted: '-x' and longer is an option; a lone '-' is a parameter (stdin, by convention)
    String what = first.length() > 3 && first.charAt(1) == '-'
        ? "Unknown option" + (one ? "" : "s")
        : "Unmatched argument" + (one ? " at index " : "s from index ") + index;
    return new UsageException(what + ": " + String.join(", ", unmatched));
  }

  /**
   * Takes option {@code o}'s value: {@code attached} (after {@code =} or the letter), else the next
   * argument when the option needs one or it is a boolean word. Returns the index of the last
   * argument used.
   */
  private static int take(Parsed p, Option o, String attached, String[] args, int i) {
    String value = attached;
    if (value == null) {
      String next = i + 1 < args.length ? args[i + 1] : null;
      if (o.takesValue()) {
        if (next == null) {
          throw new UsageException("Missing required parameter for option '" + o.name() + "' (" + o.label() + ")");
        }
        if (isOption(p.command, next)) {
          throw new UsageException("Expected parameter for option '" + o.name() + "' but found '" + next + "'");
        }
        value = next;
        i++;
      } else if (o.type() == Type.BOOLEAN && next != null
          && (next.equalsIgnoreCase("true") || next.equalsIgnoreCase("false"))) {
        value = next;
        i++;
      } else {
        value = "true";
      }
    }
    check(o.type(), value, "option '" + o.name() + "'");
    set(p, o, o.type() == Type.FLAG || o.type() == Type.BOOLEAN ? value.toLowerCase(Locale.ROOT) : value);
    return i;
  }

  private static void set(Parsed p, Option o, String value) {
    int at = p.command.index(o);
    if (o.repeatable()) {
      p.lists.get(at).add(value);
    } else if (p.values[at] != null) {
      throw new UsageException("option '" + o.name() + "'" + (o.label().isEmpty() ? "" : " (" + o.label() + ")")
          + " should be specified only once");
    }
    p.values[at] = value;
  }

  /** Whether {@code arg} is an option of {@code command}, so not an option's value. */
  private static boolean isOption(Command command, String arg) {
    if (arg.equals("--")) {
      return true;
    }
    if (arg.length() < 2 || arg.charAt(0) != '-') {
      return false;
    }
    int eq = arg.indexOf('=');
    return command.option(eq < 0 ? arg : arg.substring(0, eq)) != null
        || arg.charAt(1) != '-' && command.option(arg.substring(0, 2)) != null;
  }

  private static void check(Type type, String value, String what) {
    switch (type) {
      case FLAG, BOOLEAN -> {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new UsageException("Invalid value for " + what + ": '" + value + "' is not a boolean");
        }
      }
      case INT -> {
        try {
          Integer.parseInt(value);
        } catch (NumberFormatException e) {
          throw new UsageException("Invalid value for " + what + ": '" + value + "' is not an int");
        }
      }
      case PATH -> {
        try {
          Path.of(value);
        } catch (InvalidPathException e) {
          throw new UsageException("Invalid value for " + what + ": '" + value + "' is not a path: " + e.getReason());
        }
      }
      case STRING -> {
        // any text
      }
    }
  }
}
