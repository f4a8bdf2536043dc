package dev.ocync.internal.select;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tag glob with the syntax of Rust's {@code globset} as ocync uses it: {@code *} (any run of
 * characters), {@code ?} (one character), {@code [abc]}, {@code [a-z]}, {@code [!a-z]} or
 * {@code [^a-z]}, {@code {a,b}} (alternatives, not nested) and {@code \} to escape the next
 * character. Whole-string match, case-sensitive unless asked otherwise.
 */
public final class Glob {
  /** Patterns come from configuration; a tag is at most 128 characters, so this is generous. */
  static final int MAX_LENGTH = 1024;

  private final String pattern;
  private final Pattern regex;

  private Glob(String pattern, Pattern regex) {
    this.pattern = pattern;
    this.regex = regex;
  }

  /** Whether {@code pattern} has no glob syntax at all, so it can only match itself. */
  public static boolean isLiteral(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if ("*?[{\\".indexOf(pattern.charAt(i)) >= 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Compiles a glob.
   *
   * @param what names the rule in error messages, for example {@code exclude}
   * @throws IllegalArgumentException naming the pattern and what is wrong with it
   */
  public static Glob compile(String pattern, boolean caseInsensitive, String what) {
    Objects.requireNonNull(pattern, what);
    if (pattern.isEmpty()) {
      throw new IllegalArgumentException("invalid " + what + " pattern \"\": empty");
    }
    if (pattern.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("invalid " + what + " pattern \"" + pattern.substring(0, 40)
          + "...\": longer than " + MAX_LENGTH + " characters");
    }
    StringBuilder re = new StringBuilder();
    boolean inAlternation = false;
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      switch (c) {
        case '\\' -> {
          if (i + 1 == pattern.length()) {
            throw invalid(what, pattern, "dangling escape '\\' at the end");
          }
          literal(re, pattern.charAt(i + 1));
          i += 2;
          continue;
        }
        case '*' -> {
          re.append(".*");
          while (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
            i++;
          }
        }
        case '?' -> re.append('.');
        case '[' -> {
          i = characterClass(pattern, i, re, what);
          continue;
        }
        case '{' -> {
          if (inAlternation) {
            throw invalid(what, pattern, "nested alternation '{' at position " + i);
          }
          inAlternation = true;
          re.append("(?:");
        }
        case '}' -> {
          if (!inAlternation) {
            throw invalid(what, pattern, "unopened alternation '}' at position " + i);
          }
          inAlternation = false;
          re.append(')');
        }
        case ',' -> {
          if (inAlternation) {
            re.append('|');
          } else {
            literal(re, c);
          }
        }
        default -> literal(re, c);
      }
      i++;
    }
    if (inAlternation) {
      throw invalid(what, pattern, "unclosed alternation '{'");
    }
    int flags = Pattern.DOTALL | (caseInsensitive ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    return new Glob(pattern, Pattern.compile(re.toString(), flags));
  }

  /** Appends the class starting at {@code start} ('['); returns the index after its ']'. */
  private static int characterClass(String pattern, int start, StringBuilder re, String what) {
    int i = start + 1;
    re.append('[');
    if (i < pattern.length() && (pattern.charAt(i) == '!' || pattern.charAt(i) == '^')) {
      re.append('^');
      i++;
    }
    int first = i;
    while (true) {
      if (i >= pattern.length()) {
        throw invalid(what, pattern, "unclosed character class '[' at position " + start);
      }
      char c = pattern.charAt(i);
      if (c == ']' && i > first) {
        re.append(']');
        return i + 1;
      }
      // a range a-z, unless '-' is the last character before ']'
      if (i + 2 < pattern.length() && pattern.charAt(i + 1) == '-' && pattern.charAt(i + 2) != ']') {
        char end = pattern.charAt(i + 2);
        if (end < c) {
          throw invalid(what, pattern, "invalid range " + c + "-" + end);
        }
        literal(re, c);
        re.append('-');
        literal(re, end);
        i += 3;
      } else {
        literal(re, c);
        i++;
      }
    }
  }

  private static void literal(StringBuilder re, char c) {
    if (Character.isLetterOrDigit(c) || c == '_') {
      re.append(c);
    } else {
      re.append("\\x{").append(Integer.toHexString(c)).append('}');
    }
  }

  private static IllegalArgumentException invalid(String what, String pattern, String reason) {
    return new IllegalArgumentException("invalid " + what + " pattern \"" + pattern + "\": " + reason);
  }

  /** Whether the whole of {@code value} matches. */
  public boolean matches(String value) {
    return regex.matcher(value).matches();
  }

  /** The pattern as written. */
  public String pattern() {
    return pattern;
  }

  @Override
  public String toString() {
    return pattern;
  }
}
