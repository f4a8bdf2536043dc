package dev.ocync.internal.config;

import dev.ocync.internal.config.Node.Entry;
import dev.ocync.internal.config.Node.ListNode;
import dev.ocync.internal.config.Node.MapNode;
import dev.ocync.internal.config.Node.ScalarNode;
import dev.ocync.internal.config.Node.ScalarType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:?message}} in string values, as the
 * Rust ocync expands them, but applied to parsed scalars rather than to the raw text: a value
 * holding {@code ": "} or a newline cannot change the document's structure, comments are left
 * alone, and keys are never expanded.
 *
 * <p>Rules kept from ocync: an unset {@code ${VAR}} becomes the empty string; {@code :-} uses
 * the default when the variable is unset or empty; {@code :?} is an error when it is unset or
 * empty, with the message (or the variable's name); a bare {@code $VAR} and an unclosed
 * {@code ${} stay literal text. Every value that took text from the environment is marked
 * secret, so no message ever shows it.
 */
public final class Interpolator {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Map<String, String> env;
  private final Problems problems;

  private Interpolator(Map<String, String> env, Problems problems) {
    this.env = env;
    this.problems = problems;
  }

  /** A copy of {@code root} with every string value expanded. */
  public static Node expand(Node root, Map<String, String> env, Problems problems) {
    return new Interpolator(env, problems).walk(root, "");
  }

  private Node walk(Node node, String path) {
    if (node instanceof MapNode m) {
      Map<String, Entry> out = new LinkedHashMap<>();
      for (Entry e : m.entries().values()) {
        out.put(e.key(), new Entry(e.key(), e.keyLocation(), walk(e.value(), Paths.key(path, e.key()))));
      }
      return new MapNode(m.location(), out);
    }
    if (node instanceof ListNode l) {
      List<Node> out = new ArrayList<>();
      for (int i = 0; i < l.items().size(); i++) {
        out.add(walk(l.items().get(i), Paths.index(path, i)));
      }
      return new ListNode(l.location(), out);
    }
    ScalarNode s = (ScalarNode) node;
    return s.type() == ScalarType.STRING && s.text().contains("${") ? scalar(s, path) : s;
  }

  private ScalarNode scalar(ScalarNode s, String path) {
    String in = s.text();
    StringBuilder out = new StringBuilder(in.length());
    boolean fromEnv = false;
    int i = 0;
    while (i < in.length()) {
      int start = in.indexOf("${", i);
      if (start < 0) {
        out.append(in, i, in.length());
        break;
      }
      int end = in.indexOf('}', start + 2);
      if (end < 0) {
        out.append(in, i, in.length()); // unclosed: literal, as in ocync
        break;
      }
      out.append(in, i, start);
      String expr = in.substring(start + 2, end);
      i = end + 1;
      int dash = expr.indexOf(":-");
      int question = expr.indexOf(":?");
      String name;
      if (dash >= 0 && (question < 0 || dash < question)) {
        name = expr.substring(0, dash);
        if (!checkName(s, path, name)) {
          continue;
        }
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
          out.append(expr.substring(dash + 2));
        } else {
          out.append(value);
          fromEnv = true;
        }
      } else if (question >= 0) {
        name = expr.substring(0, question);
        if (!checkName(s, path, name)) {
          continue;
        }
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
          String message = expr.substring(question + 2);
          problems.add(s.location(), path, "required environment variable not set: "
              + (message.isEmpty() ? name : message));
        } else {
          out.append(value);
          fromEnv = true;
        }
      } else {
        if (!checkName(s, path, expr)) {
          continue;
        }
        String value = env.get(expr);
        if (value != null) {
          out.append(value);
          fromEnv = true;
        } else {
          // ocync substitutes nothing, silently; say so, since it is usually a missing export
          problems.warn(s.location(), path, "environment variable " + expr + " is not set; ${" + expr
              + "} is empty (write ${" + expr + ":?message} to require it)");
        }
      }
    }
    return new ScalarNode(s.location(), ScalarType.STRING, out.toString(), fromEnv || s.secret(), s.raw());
  }

  private boolean checkName(ScalarNode s, String path, String name) {
    if (NAME.matcher(name).matches()) {
      return true;
    }
    problems.add(s.location(), path, "`${" + name + "}`: not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    return false;
  }
}
