package dev.ocync.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * JSON trees read and written with jackson-core's streaming parser and generator, never through
 * an {@code ObjectMapper}.
 *
 * <p>Why: the first {@code ObjectMapper} of a JVM costs 50-70 ms even with a class-data archive
 * (its static defaults build a {@code SimpleDateFormat}, which loads the CLDR locale data), more
 * than a whole warm {@code sync} of the benchmark corpus spends on its requests. The trees are
 * the same {@link JsonNode} classes, and reading follows {@code ObjectMapper.readTree}'s defaults
 * (the first value of the input; the last of duplicate keys unless the factory refuses
 * duplicates; integers as int, long or big integer nodes, other numbers as doubles unless the
 * parser reports a big decimal), so callers see no difference but the time.
 */
public final class Json {
  /** A plain factory: jackson's default read constraints (nesting depth, number and string lengths). */
  public static final JsonFactory FACTORY = new JsonFactory();
  /** As {@link #FACTORY}, and a key given twice in one object is a parse error. */
  public static final JsonFactory STRICT_KEYS =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** A new empty object node. */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A new empty array node. */
  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /** The first JSON value in {@code bytes} (encoding detected as jackson does), or a missing node when there is none. */
  public static JsonNode read(byte[] bytes) throws IOException {
    return read(FACTORY, bytes);
  }

  /** As {@link #read(byte[])}, parsed by {@code factory} (its constraints and features; JSON or YAML). */
  public static JsonNode read(JsonFactory factory, byte[] bytes) throws IOException {
    try (JsonParser p = factory.createParser(bytes)) {
      return read(p);
    }
  }

  /** As {@link #read(byte[])}, from text. */
  public static JsonNode read(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return read(p);
    }
  }

  /**
   * The next value of {@code p} as a tree, or a missing node at the end of the input. Iterative, so
   * the parser's nesting limit, not the thread's stack, bounds the depth.
   */
  private static JsonNode read(JsonParser p) throws IOException {
    ArrayDeque<JsonNode> open = new ArrayDeque<>();
    String key = null;
    for (JsonToken t = p.nextToken(); ; t = p.nextToken()) {
      if (t == null) {
        if (open.isEmpty()) {
          return MissingNode.getInstance();
        }
        throw new JsonParseException(p, "unexpected end of input inside a JSON value");
      }
      JsonNode node;
      switch (t) {
        case FIELD_NAME -> {
          key = p.currentName();
          continue;
        }
        case END_OBJECT, END_ARRAY -> {
          JsonNode closed = open.pop();
          if (open.isEmpty()) {
            return closed;
          }
          continue;
        }
        case START_OBJECT -> node = NODES.objectNode();
        case START_ARRAY -> node = NODES.arrayNode();
        case VALUE_STRING -> node = NODES.textNode(p.getText());
        case VALUE_NUMBER_INT -> node = switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
        case VALUE_NUMBER_FLOAT -> node = p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
            ? NODES.numberNode(p.getDecimalValue()) : NODES.numberNode(p.getDoubleValue());
        case VALUE_TRUE -> node = NODES.booleanNode(true);
        case VALUE_FALSE -> node = NODES.booleanNode(false);
        case VALUE_NULL -> node = NODES.nullNode();
        case VALUE_EMBEDDED_OBJECT -> {
          // YAML's !!binary; anything else a format parser embeds stays what it is
          Object o = p.getEmbeddedObject();
          node = o instanceof byte[] b ? NODES.binaryNode(b) : NODES.pojoNode(o);
        }
        default -> throw new IOException("unexpected JSON token " + t);
      }
      JsonNode parent = open.peek();
      if (parent instanceof ObjectNode o) {
        o.set(key, node); // a repeated key replaces the earlier value, as readTree does
      } else if (parent instanceof ArrayNode a) {
        a.add(node);
      } else if (!node.isContainerNode()) {
        return node; // a scalar document
      }
      if (node.isContainerNode()) {
        open.push(node);
      }
    }
  }

  /** {@code node} as compact UTF-8 JSON, as {@code ObjectMapper.writeValueAsBytes} writes it. */
  public static byte[] bytes(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to memory", e);
    }
    return out.toByteArray();
  }

  /** {@code node} as indented JSON text (jackson's default pretty printer). */
  public static String pretty(JsonNode node) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g.useDefaultPrettyPrinter(), node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to memory", e);
    }
    return out.toString();
  }

  /** Writes {@code node} and everything under it to {@code g}. */
  private static void write(JsonGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode child : node) {
          write(g, child);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.textValue());
      case NUMBER -> {
        switch (node.numberType()) {
          case INT -> g.writeNumber(node.intValue());
          case LONG -> g.writeNumber(node.longValue());
          case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
          case FLOAT -> g.writeNumber(node.floatValue());
          case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
          default -> g.writeNumber(node.doubleValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NULL -> g.writeNull();
      case BINARY -> g.writeBinary(node.binaryValue());
      default -> throw new IOException("cannot write a " + node.getNodeType() + " node as JSON");
    }
  }
}
