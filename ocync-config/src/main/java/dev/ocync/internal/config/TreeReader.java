package dev.ocync.internal.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.ocync.internal.config.Node.Entry;
import dev.ocync.internal.config.Node.ListNode;
import dev.ocync.internal.config.Node.Location;
import dev.ocync.internal.config.Node.MapNode;
import dev.ocync.internal.config.Node.ScalarNode;
import dev.ocync.internal.config.Node.ScalarType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * YAML or JSON text to a {@link Node} tree with a position on every node.
 *
 * <p>Jackson's streaming parsers are used (not its tree model) because they give each token's
 * position and report YAML aliases without expanding them. That lets this reader bound what an
 * input can cost: nesting depth, and the number of nodes counting every alias as a full copy of
 * what it names, so an alias bomb ("billion laughs") fails after a few thousand tokens instead of
 * expanding. Aliased nodes are shared, never copied.
 */
public final class TreeReader {
  /** Characters an input may have; ocync configs are a few kilobytes. */
  public static final int MAX_CHARS = 4 * 1024 * 1024;
  /** Nesting depth of mappings and lists. */
  public static final int MAX_DEPTH = 64;
  /** Nodes, counting each alias as the size of what it refers to. */
  public static final long MAX_NODES = 100_000;

  private static final YAMLFactory YAML = YAMLFactory.builder()
      .loaderOptions(loaderOptions())
      .streamReadConstraints(constraints())
      .build();
  private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(constraints()).build();

  private final String file;
  private final Problems problems;
  private final Map<String, Sized> anchors = new HashMap<>();
  private long nodes;

  private TreeReader(String file, Problems problems) {
    this.file = file;
    this.problems = problems;
  }

  /**
   * Parses {@code text}; syntax errors and duplicate keys go to {@code problems}.
   *
   * @param json parse as JSON (else YAML, of which JSON is nearly a subset)
   * @return the root, or empty when the text could not be parsed (or is empty)
   * @throws LimitExceeded when the input is too large, too deep or expands too far; such an
   *     input is not worth reading further
   */
  public static Optional<Node> read(String file, String text, boolean json, Problems problems) {
    if (text.length() > MAX_CHARS) {
      throw new LimitExceeded(file + ": the input has more than " + MAX_CHARS + " characters");
    }
    TreeReader reader = new TreeReader(file, problems);
    try (JsonParser p = json ? JSON.createParser(text) : YAML.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return Optional.empty();
      }
      Node root = reader.value(p, 0).node;
      if (p.nextToken() != null) {
        problems.add(reader.location(p.currentTokenLocation()), "", "more than one document in the input");
      }
      return Optional.of(root);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      Location where = at == null ? new Location(file, 0, 0) : reader.location(at);
      problems.add(where, "", "not valid " + (json ? "JSON" : "YAML") + ": " + firstLine(e.getOriginalMessage()));
      return Optional.empty();
    } catch (IOException e) {
      problems.add(new Location(file, 0, 0), "", "cannot read: " + e.getMessage());
      return Optional.empty();
    }
  }

  private record Sized(Node node, long size) {}

  private Sized value(JsonParser p, int depth) throws IOException {
    Location at = location(p.currentTokenLocation());
    JsonToken t = p.currentToken();
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      String name = p.getText();
      Sized target = anchors.get(name);
      if (target == null) {
        problems.add(at, "", "unknown YAML alias *" + name);
        return count(new Sized(ScalarNode.plain(at, ScalarType.NULL, ""), 1));
      }
      add(at, target.size);
      return target;
    }
    String anchor = p instanceof YAMLParser y ? y.getObjectId() : null;
    Sized result;
    switch (t) {
      case START_OBJECT -> result = object(p, at, depth + 1);
      case START_ARRAY -> result = array(p, at, depth + 1);
      case VALUE_STRING -> result = scalar(at, ScalarType.STRING, p.getText());
      case VALUE_NUMBER_INT -> result = scalar(at, ScalarType.INTEGER, p.getText());
      case VALUE_NUMBER_FLOAT -> result = scalar(at, ScalarType.FLOAT, p.getText());
      case VALUE_TRUE, VALUE_FALSE -> result = scalar(at, ScalarType.BOOLEAN, p.getText());
      case VALUE_NULL -> result = scalar(at, ScalarType.NULL, "");
      default -> {
        problems.add(at, "", "unexpected " + t);
        result = scalar(at, ScalarType.NULL, "");
      }
    }
    if (anchor != null) {
      anchors.put(anchor, result);
    }
    return result;
  }

  private Sized scalar(Location at, ScalarType type, String text) {
    return count(new Sized(ScalarNode.plain(at, type, text), 1));
  }

  private Sized count(Sized s) {
    add(s.node.location(), s.size);
    return s;
  }

  private void tick(Location at) {
    add(at, 1);
  }

  private void add(Location at, long n) {
    nodes += n;
    if (nodes > MAX_NODES) {
      throw new LimitExceeded(at.file() + ":" + at.line() + ":" + at.column()
          + ": the input expands to more than " + MAX_NODES
          + " values (YAML aliases count as copies); refusing to read further");
    }
  }

  private void checkDepth(Location at, int depth) {
    if (depth > MAX_DEPTH) {
      throw new LimitExceeded(at.file() + ":" + at.line() + ":" + at.column()
          + ": nesting deeper than " + MAX_DEPTH + " levels; refusing to read further");
    }
  }

  private Sized object(JsonParser p, Location at, int depth) throws IOException {
    checkDepth(at, depth);
    Map<String, Entry> entries = new LinkedHashMap<>();
    long size = 1;
    tick(at);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      Location keyAt = location(p.currentTokenLocation());
      p.nextToken();
      Sized v = value(p, depth);
      size += v.size;
      Entry previous = entries.get(key);
      if (previous != null) {
        problems.add(keyAt, "", "duplicate key `" + key + "` (first at line "
            + previous.keyLocation().line() + ")");
      } else {
        entries.put(key, new Entry(key, keyAt, v.node));
      }
    }
    return new Sized(new MapNode(at, entries), size);
  }

  private Sized array(JsonParser p, Location at, int depth) throws IOException {
    checkDepth(at, depth);
    List<Node> items = new ArrayList<>();
    long size = 1;
    tick(at);
    while (p.nextToken() != JsonToken.END_ARRAY) {
      Sized v = value(p, depth);
      size += v.size;
      items.add(v.node);
    }
    return new Sized(new ListNode(at, items), size);
  }

  private Location location(JsonLocation l) {
    return new Location(file, Math.max(l.getLineNr(), 0), Math.max(l.getColumnNr(), 0));
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "syntax error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static LoaderOptions loaderOptions() {
    LoaderOptions o = new LoaderOptions();
    o.setCodePointLimit(MAX_CHARS);
    o.setAllowDuplicateKeys(true); // reported by this reader, with both positions
    o.setNestingDepthLimit(MAX_DEPTH + 1);
    return o;
  }

  private static StreamReadConstraints constraints() {
    return StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH + 1)
        .maxStringLength(MAX_CHARS)
        .maxNameLength(1024)
        .maxNumberLength(100)
        .build();
  }

  /** An input beyond a hard limit: reading stops at once. */
  public static final class LimitExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LimitExceeded(String message) {
      super(message);
    }
  }
}
