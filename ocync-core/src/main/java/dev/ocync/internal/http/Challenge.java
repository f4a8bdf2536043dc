package dev.ocync.internal.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One authentication challenge from a {@code WWW-Authenticate} header: a scheme ({@code basic},
 * {@code bearer}, lowercased) and its parameters (names lowercased, values as sent).
 */
record Challenge(String scheme, Map<String, String> params) {

  Challenge {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  boolean isBearer() {
    return scheme.equals("bearer");
  }

  boolean isBasic() {
    return scheme.equals("basic");
  }

  Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name));
  }

  /** The scopes named by the challenge's {@code scope} parameter (space-separated per RFC 6749). */
  List<String> scopes() {
    List<String> out = new ArrayList<>();
    for (String s : param("scope").orElse("").split(" ")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /** Whether the challenge says the token lacked a scope ({@code error="insufficient_scope"}). */
  boolean insufficientScope() {
    return param("error").filter(e -> e.equals("insufficient_scope")).isPresent();
  }

  /**
   * Parses every challenge in the given header values. Quoted values may contain commas and
   * escaped quotes; several challenges may share one header. Unparseable tails are ignored: a
   * registry's odd header must not hide the challenges we can read.
   */
  static List<Challenge> parse(List<String> headerValues) {
    List<Challenge> out = new ArrayList<>();
    for (String v : headerValues) {
      new Parser(v).parseInto(out);
    }
    return out;
  }

  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    void parseInto(List<Challenge> out) {
      String scheme = null;
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        skip();
        if (i >= s.length()) {
          break;
        }
        String token = token();
        if (token.isEmpty()) {
          i++; // stray character: skip it
          continue;
        }
        skipSpaces();
        if (i < s.length() && s.charAt(i) == '=' && scheme != null) {
          i++;
          skipSpaces();
          String value = i < s.length() && s.charAt(i) == '"' ? quoted() : token();
          params.put(token.toLowerCase(Locale.ROOT), value);
        } else {
          // a token not followed by '=' starts a new challenge
          if (scheme != null) {
            out.add(new Challenge(scheme, params));
            params = new LinkedHashMap<>();
          }
          scheme = token.toLowerCase(Locale.ROOT);
        }
      }
      if (scheme != null) {
        out.add(new Challenge(scheme, params));
      }
    }

    private void skip() {
      while (i < s.length() && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
        i++;
      }
    }

    private void skipSpaces() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private String token() {
      int start = i;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '=' || c == ',' || c == '"' || Character.isWhitespace(c)) {
          break;
        }
        i++;
      }
      // token68 values (base64 with trailing '=') are not used by registries; treat '=' as a separator
      return s.substring(start, i);
    }

    private String quoted() {
      StringBuilder sb = new StringBuilder();
      i++; // opening quote
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '\\' && i < s.length()) {
          sb.append(s.charAt(i++));
        } else if (c == '"') {
          break;
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }
  }
}
