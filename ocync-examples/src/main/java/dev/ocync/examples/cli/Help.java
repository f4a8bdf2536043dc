package dev.ocync.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A command's {@code --help}, laid out as picocli did: the synopsis (one-letter flags clustered,
 * then the other flags, then options with values, each group by name), the description, the
 * parameters and options in aligned columns, the commands (for {@code ocync} itself), the footer.
 * Paragraphs and the synopsis wrap at the command's width, the columns of the lists one short of it.
 */
final class Help {
  /** Long option texts up to this length set the description column; longer ones sit on a line of their own. */
  private static final int LONG_OPTIONS_MAX = 20;

  private Help() {}

  /** The help of a command without subcommands. */
  static String usage(Cli.Command c) {
    return usage(c, new String[0], new String[0]);
  }

  /** The help of a command, listing {@code commands} with their {@code summaries} when there are any. */
  static String usage(Cli.Command c, String[] commands, String[] summaries) {
    StringBuilder sb = new StringBuilder(4096);
    String prefix = "Usage: " + c.qualifiedName() + " ";
    sb.append(prefix);
    List<String> synopsis = synopsis(c);
    if (commands.length > 0) {
      synopsis.add("[COMMAND]");
    }
    wrap(sb, String.join(" ", synopsis), prefix.length(), c.width(), 0);
    sb.append('\n');
    paragraphs(sb, c.description(), c.width());
    rows(sb, c);
    if (commands.length > 0) {
      sb.append("Commands:\n");
      int longest = 0;
      for (String name : commands) {
        longest = Math.max(longest, name.length());
      }
      for (int i = 0; i < commands.length; i++) {
        sb.append("  ").append(commands[i]);
        pad(sb, longest + 2 - commands[i].length());
        wrap(sb, summaries[i], 2 + longest + 2, c.width() - 1, 2);
        sb.append('\n');
      }
    }
    paragraphs(sb, c.footer(), c.width());
    return sb.toString();
  }

  private static void paragraphs(StringBuilder sb, String[] lines, int width) {
    for (String line : lines) {
      wrap(sb, line, 0, width, 0);
      sb.append('\n');
    }
  }

  /** The synopsis items: {@code [-hqvV]}, {@code [--debug]}, {@code -c=CONFIG}, {@code [--glob=PATTERN]...}, then parameters. */
  static List<String> synopsis(Cli.Command c) {
    List<Cli.Option> letters = new ArrayList<>();
    List<Cli.Option> flags = new ArrayList<>();
    List<Cli.Option> values = new ArrayList<>();
    for (Cli.Option o : c.options()) {
      if (o.hidden()) {
        continue;
      }
      if (o.type() != Cli.Type.FLAG) {
        values.add(o);
      } else if (shortest(o).length() == 2) {
        letters.add(o);
      } else {
        flags.add(o);
      }
    }
    sort(letters, false);
    sort(flags, false);
    sort(values, true);
    List<String> items = new ArrayList<>();
    if (!letters.isEmpty()) {
      StringBuilder cluster = new StringBuilder("[-");
      for (Cli.Option o : letters) {
        cluster.append(shortest(o).charAt(1));
      }
      items.add(cluster.append(']').toString());
    }
    for (Cli.Option o : flags) {
      items.add("[" + shortest(o) + "]");
    }
    for (Cli.Option o : values) {
      String item = shortest(o) + label(o);
      items.add(o.required() ? item : "[" + item + "]" + (o.repeatable() ? "..." : ""));
    }
    for (Cli.Positional p : c.positionals()) {
      items.add(p.label());
    }
    return items;
  }

  /** The parameters and options, one row each: {@code "  -c, --config=CONFIG   The config file."}. */
  private static void rows(StringBuilder sb, Cli.Command c) {
    List<Cli.Option> options = new ArrayList<>();
    for (Cli.Option o : c.options()) {
      if (!o.hidden()) {
        options.add(o);
      }
    }
    if (c.sortOptions()) {
      sort(options, false);
    }
    int n = c.positionals().length + options.size();
    String[] shorts = new String[n];
    String[] longs = new String[n];
    String[] descriptions = new String[n];
    for (int i = 0; i < c.positionals().length; i++) {
      Cli.Positional p = c.positionals()[i];
      shorts[i] = "";
      longs[i] = p.label();
      descriptions[i] = p.description();
    }
    for (int i = 0; i < options.size(); i++) {
      Cli.Option o = options.get(i);
      int row = c.positionals().length + i;
      String[] names = byLength(o.names());
      boolean letter = names[0].length() == 2 && names.length > 1;
      shorts[row] = letter ? names[0] : "";
      StringBuilder text = new StringBuilder();
      for (int k = letter ? 1 : 0; k < names.length; k++) {
        text.append(k > (letter ? 1 : 0) ? ", " : "").append(names[k]);
      }
      longs[row] = text.append(label(o)).toString();
      String d = o.description();
      descriptions[row] = o.defaultValue() == null ? d : d.replace("${DEFAULT-VALUE}", o.defaultValue());
    }
    int longest = 0;
    for (String l : longs) {
      if (l.length() <= LONG_OPTIONS_MAX) {
        longest = Math.max(longest, l.length());
      }
    }
    // columns: 2 indent, the letter, a comma, the long names (one space in, at least one after), one
    // space, the description
    int column = 2 + 2 + 1 + 1 + longest + 3;
    for (int i = 0; i < n; i++) {
      sb.append("  ").append(shorts[i]);
      pad(sb, 2 - shorts[i].length());
      sb.append(shorts[i].isEmpty() || longs[i].isEmpty() ? "  " : ", ").append(longs[i]);
      if (longs[i].length() > longest + 2) {
        sb.append('\n');
        pad(sb, column);
      } else {
        pad(sb, longest + 3 - longs[i].length());
      }
      wrap(sb, descriptions[i], column, c.width() - 1, 2);
      sb.append('\n');
    }
  }

  /** {@code =LABEL}, {@code [=LABEL]} for an optional value, nothing for a flag. */
  private static String label(Cli.Option o) {
    return o.type() == Cli.Type.FLAG ? "" : o.type() == Cli.Type.BOOLEAN ? "[=" + o.label() + "]" : "=" + o.label();
  }

  private static String shortest(Cli.Option o) {
    return byLength(o.names())[0];
  }

  /** The names, shortest first (stable). */
  private static String[] byLength(String[] names) {
    String[] out = names.clone();
    for (int i = 1; i < out.length; i++) {
      for (int j = i; j > 0 && out[j].length() < out[j - 1].length(); j--) {
        String t = out[j];
        out[j] = out[j - 1];
        out[j - 1] = t;
      }
    }
    return out;
  }

  /**
   * Sorts by shortest name without its dashes, ignoring case (lower case first); {@code byArity}
   * puts optional values before required ones and repeatable options last, as picocli's synopsis.
   */
  private static void sort(List<Cli.Option> options, boolean byArity) {
    for (int i = 1; i < options.size(); i++) {
      for (int j = i; j > 0 && compare(options.get(j), options.get(j - 1), byArity) < 0; j--) {
        options.set(j, options.set(j - 1, options.get(j)));
      }
    }
  }

  private static int compare(Cli.Option a, Cli.Option b, boolean byArity) {
    if (byArity) {
      int optional = Boolean.compare(b.type() == Cli.Type.BOOLEAN, a.type() == Cli.Type.BOOLEAN);
      if (optional != 0) {
        return optional;
      }
      int repeatable = Boolean.compare(a.repeatable(), b.repeatable());
      if (repeatable != 0) {
        return repeatable;
      }
    }
    String x = strip(shortest(a));
    String y = strip(shortest(b));
    int c = x.toUpperCase(Locale.ROOT).compareTo(y.toUpperCase(Locale.ROOT));
    return c != 0 ? c : -x.compareTo(y);
  }

  private static String strip(String name) {
    int i = 0;
    while (i < name.length() && name.charAt(i) == '-') {
      i++;
    }
    return name.substring(i);
  }

  /**
   * Appends {@code text} to a line already {@code column} wide, breaking at spaces so no line is
   * wider than {@code width}; further lines start {@code hang} columns right of {@code column}.
   */
  static void wrap(StringBuilder sb, String text, int column, int width, int hang) {
    if (column + text.length() <= width) {
      sb.append(text);
      return;
    }
    int used = column;
    boolean lineStart = true;
    int i = 0;
    while (i <= text.length()) {
      int space = text.indexOf(' ', i);
      int end = space < 0 ? text.length() : space;
      String word = text.substring(i, end);
      i = end + 1;
      if (word.isEmpty() && lineStart) {
        continue;
      }
      if (!lineStart && used + 1 + word.length() > width) {
        sb.append('\n');
        pad(sb, column + hang);
        used = column + hang;
        lineStart = true;
        if (word.isEmpty()) {
          continue;
        }
      }
      if (!lineStart) {
        sb.append(' ');
        used++;
      }
      sb.append(word);
      used += word.length();
      lineStart = false;
    }
  }

  private static void pad(StringBuilder sb, int spaces) {
    for (int i = 0; i < spaces; i++) {
      sb.append(' ');
    }
  }
}
