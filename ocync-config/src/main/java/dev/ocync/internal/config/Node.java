package dev.ocync.internal.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A parsed YAML or JSON value that remembers where it was written. */
public sealed interface Node permits Node.MapNode, Node.ListNode, Node.ScalarNode {
  /** Where the value starts. */
  Location location();

  /** "a mapping", "a list", "a string", … for type errors. */
  String describe();

  /** A position in an input. */
  record Location(String file, int line, int column) {}

  /** One key of a mapping with the position of the key itself. */
  record Entry(String key, Location keyLocation, Node value) {}

  /** A YAML mapping or JSON object, in file order. */
  record MapNode(Location location, Map<String, Entry> entries) implements Node {
    public MapNode {
      entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** A YAML sequence or JSON array. */
  record ListNode(Location location, List<Node> items) implements Node {
    public ListNode {
      items = List.copyOf(items);
    }

    @Override
    public String describe() {
      return "a list";
    }
  }

  /** The kinds of scalar the parsers report. */
  enum ScalarType {
    STRING("a string"),
    INTEGER("an integer"),
    FLOAT("a number"),
    BOOLEAN("a boolean"),
    NULL("null");

    private final String words;

    ScalarType(String words) {
      this.words = words;
    }
  }

  /**
   * A scalar. {@code secret} marks a value that took text from the environment: it is never shown
   * in a message; {@link #shown()} gives the text as the file wrote it ({@code ${VAR}}) instead.
   */
  record ScalarNode(Location location, ScalarType type, String text, boolean secret, String raw) implements Node {
    public ScalarNode {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(raw, "raw");
    }

    static ScalarNode plain(Location location, ScalarType type, String text) {
      return new ScalarNode(location, type, text, false, text);
    }

    @Override
    public String describe() {
      return type.words;
    }

    /** The value for messages: the file's own text when the value came from the environment. */
    public String shown() {
      return secret ? raw : text;
    }

    /** {@code message} with this value replaced by the file's text where it is secret. */
    public String redact(String message) {
      return secret && !text.isEmpty() ? message.replace(text, raw) : message;
    }

    @Override
    public String toString() {
      return "ScalarNode[" + location + ", " + type + ", " + shown() + "]";
    }
  }
}
