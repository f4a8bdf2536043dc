package dev.ocync.internal.helm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON the way Go's {@code encoding/json.Marshal} does, because the bytes (and so the
 * digests) of Helm's config and manifest depend on it: compact, keys in the order given (struct
 * order) or, for maps, sorted by their UTF-8 bytes; {@code <}, {@code >}, {@code &}, U+2028 and
 * U+2029 escaped as {@code &#92;u003c}…; control characters as {@code &#92;n &#92;r &#92;t &#92;b &#92;f} or
 * {@code &#92;u00XX}; a lone surrogate (invalid UTF-8 in Go) as {@code &#92;ufffd}.
 */
final class GoJson {
  private final StringBuilder out = new StringBuilder();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  GoJson raw(String s) {
    out.append(s);
    return this;
  }

  GoJson string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> unicode(c);
        default -> {
          if (c < 0x20) {
            unicode(c);
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            out.append("\\ufffd");
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
    return this;
  }

  private void unicode(char c) {
    out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
        .append(HEX[c & 0xf]);
  }

  /** A generic value from YAML: string, Boolean, Number, List or Map (keys sorted as Go sorts them). */
  GoJson value(Object v) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String s) {
      string(s);
    } else if (v instanceof Boolean b) {
      out.append(b);
    } else if (v instanceof Number n) {
      out.append(number(n));
    } else if (v instanceof List<?> l) {
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        value(l.get(i));
      }
      out.append(']');
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, ?> e : sorted(m)) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(e.getKey()).out.append(':');
        value(e.getValue());
      }
      out.append('}');
    } else {
      string(v.toString());
    }
    return this;
  }

  /** Go decodes every JSON number into float64 and prints integral ones without a fraction. */
  private static String number(Number n) {
    double d = n.doubleValue();
    if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      return Long.toString((long) d);
    }
    return Double.toString(d);
  }

  /** Map entries sorted by the UTF-8 bytes of their keys, as Go's encoder sorts map keys. */
  static List<Map.Entry<String, ?>> sorted(Map<?, ?> m) {
    List<Map.Entry<String, ?>> entries = new ArrayList<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      entries.add(new java.util.AbstractMap.SimpleImmutableEntry<>(String.valueOf(e.getKey()), e.getValue()));
    }
    entries.sort(Comparator.comparing(e -> e.getKey().getBytes(StandardCharsets.UTF_8),
        GoJson::compareBytes));
    return entries;
  }

  private static int compareBytes(byte[] a, byte[] b) {
    return java.util.Arrays.compareUnsigned(a, b);
  }

  byte[] bytes() {
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
