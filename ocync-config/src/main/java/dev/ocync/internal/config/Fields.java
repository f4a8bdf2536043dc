package dev.ocync.internal.config;

import dev.ocync.internal.config.Node.Entry;
import dev.ocync.internal.config.Node.ListNode;
import dev.ocync.internal.config.Node.MapNode;
import dev.ocync.internal.config.Node.ScalarNode;
import dev.ocync.internal.config.Node.ScalarType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Typed reads of one mapping's keys; every mismatch becomes a problem at the value's position. */
final class Fields {
  private final MapNode map;
  private final String path;
  private final Problems problems;

  private Fields(MapNode map, String path, Problems problems) {
    this.map = map;
    this.path = path;
    this.problems = problems;
  }

  /**
   * The section at {@code node}, with its keys checked against {@code allowed}; empty (and a
   * problem) when it is not a mapping, empty without a problem when it is null.
   */
  static Optional<Fields> section(Node node, String path, List<String> allowed, Problems problems) {
    if (node instanceof ScalarNode s && s.type() == ScalarType.NULL) {
      return Optional.empty();
    }
    if (!(node instanceof MapNode m)) {
      problems.add(node.location(), path, "expected a mapping, got " + node.describe());
      return Optional.empty();
    }
    for (Entry e : m.entries().values()) {
      if (!allowed.contains(e.key())) {
        String hint = Values.suggest(e.key(), allowed).map(s -> "; did you mean `" + s + "`?")
            .orElse(" (expected one of " + String.join(", ", allowed) + ")");
        problems.add(e.keyLocation(), Paths.key(path, e.key()), "unknown key `" + e.key() + "`" + hint);
      }
    }
    return Optional.of(new Fields(m, path, problems));
  }

  MapNode node() {
    return map;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return Paths.key(path, key);
  }

  boolean has(String key) {
    return entry(key).isPresent();
  }

  Optional<Entry> entry(String key) {
    Entry e = map.entries().get(key);
    if (e == null || (e.value() instanceof ScalarNode s && s.type() == ScalarType.NULL)) {
      return Optional.empty();
    }
    return Optional.of(e);
  }

  Optional<Node> value(String key) {
    return entry(key).map(Entry::value);
  }

  /** A string value. Numbers and booleans are refused (the JSON Schema says string): quote them. */
  Optional<ScalarNode> string(String key) {
    return value(key).flatMap(v -> asString(v, path(key)));
  }

  Optional<ScalarNode> asString(Node v, String at) {
    if (v instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      return Optional.of(s);
    }
    String hint = v instanceof ScalarNode s && s.type() != ScalarType.NULL
        ? " (quote it: \"" + s.shown() + "\")" : "";
    problems.add(v.location(), at, "expected a string, got " + v.describe() + hint);
    return Optional.empty();
  }

  /** A whole number {@code >= min}; a string from the environment counts when it holds digits. */
  OptionalInt integer(String key, int min) {
    Optional<Node> v = value(key);
    if (v.isEmpty()) {
      return OptionalInt.empty();
    }
    Node n = v.get();
    String text = null;
    if (n instanceof ScalarNode s && (s.type() == ScalarType.INTEGER
        || (s.type() == ScalarType.STRING && s.secret()))) {
      text = s.text().trim();
    }
    if (text == null || !text.matches("-?[0-9]{1,9}")) {
      problems.add(n.location(), path(key), "expected a whole number, got " + n.describe());
      return OptionalInt.empty();
    }
    int i = Integer.parseInt(text);
    if (i < min) {
      problems.add(n.location(), path(key), path(key) + " must be >= " + min);
      return OptionalInt.empty();
    }
    return OptionalInt.of(i);
  }

  /** {@code true} or {@code false}; a string from the environment counts when it says so. */
  Optional<Boolean> bool(String key) {
    Optional<Node> v = value(key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.get() instanceof ScalarNode s && (s.type() == ScalarType.BOOLEAN
        || (s.type() == ScalarType.STRING && s.secret()))) {
      String t = s.text().trim().toLowerCase(java.util.Locale.ROOT);
      if (t.equals("true") || t.equals("false")) {
        return Optional.of(t.equals("true"));
      }
    }
    problems.add(v.get().location(), path(key), "expected true or false, got " + v.get().describe());
    return Optional.empty();
  }

  /** A list of strings, or (when {@code single}) one string meaning a list of one. */
  Optional<List<ScalarNode>> strings(String key, boolean single) {
    Optional<Node> v = value(key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.get() instanceof ListNode l) {
      List<ScalarNode> out = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < l.items().size(); i++) {
        Optional<ScalarNode> s = asString(l.items().get(i), Paths.index(path(key), i));
        if (s.isPresent()) {
          out.add(s.get());
        } else {
          ok = false;
        }
      }
      return ok ? Optional.of(out) : Optional.empty();
    }
    if (single && v.get() instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      return Optional.of(List.of(s));
    }
    problems.add(v.get().location(), path(key),
        "expected " + (single ? "a string or a list of strings" : "a list of strings") + ", got " + v.get().describe());
    return Optional.empty();
  }
}
