package dev.ocync.internal.select;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ocync's lenient reading of a tag as a version: an optional leading {@code v}; the numeric prefix
 * before the first {@code -}, components split on {@code .} or {@code _} (each an unsigned 64-bit
 * number, so {@code 20240101} and {@code 21.0.5_11} parse, {@code latest}, {@code 17rc1} and
 * {@code lts-iron} do not); the rest a suffix tokenized on {@code . - _} and on letter/digit
 * boundaries. Ordering: prefixes compared component by component, zero-padded; then no suffix
 * above any suffix; then suffix tokens (a number below a word, numbers numerically, words by
 * character); then the shorter token list first.
 */
public final class TagVersion implements Comparable<TagVersion> {
  private final long[] prefix;
  private final List<Object> suffix; // Long (unsigned) or String

  private TagVersion(long[] prefix, List<Object> suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /**
   * The version a tag denotes, or empty when it is not one. Beyond ocync's rules, a tag they
   * refuse that reads {@code <version>_<build>} is {@code <version>}: Helm writes a chart version's
   * {@code +} build metadata as {@code _} in OCI tags ({@code 1.2.0+build.7} → {@code 1.2.0_build.7}),
   * and build metadata has no say in ordering or ranges.
   */
  public static Optional<TagVersion> parse(String tag) {
    Optional<TagVersion> v = parseLenient(tag);
    int underscore = tag.indexOf('_');
    if (v.isPresent() || underscore < 0 || !HELM_BUILD.matcher(tag.substring(underscore + 1)).matches()) {
      return v;
    }
    return parseLenient(tag.substring(0, underscore));
  }

  private static final java.util.regex.Pattern HELM_BUILD = java.util.regex.Pattern.compile("[0-9A-Za-z.-]+");

  private static Optional<TagVersion> parseLenient(String tag) {
    String s = tag.startsWith("v") ? tag.substring(1) : tag;
    int dash = s.indexOf('-');
    String head = dash < 0 ? s : s.substring(0, dash);
    if (head.isEmpty()) {
      return Optional.empty();
    }
    String[] parts = head.split("[._]", -1);
    long[] prefix = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Optional<Long> n = unsigned(parts[i]);
      if (n.isEmpty()) {
        return Optional.empty();
      }
      prefix[i] = n.get();
    }
    List<Object> suffix = new ArrayList<>();
    if (dash >= 0) {
      for (String part : s.substring(dash + 1).split("[.\\-_]")) {
        tokenize(part, suffix);
      }
    }
    return Optional.of(new TagVersion(prefix, List.copyOf(suffix)));
  }

  private static void tokenize(String part, List<Object> out) {
    int start = 0;
    for (int i = 1; i <= part.length(); i++) {
      if (i == part.length() || isDigit(part.charAt(i)) != isDigit(part.charAt(i - 1))) {
        String token = part.substring(start, i);
        // a run of digits too long for 64 bits is compared as a word, as ocync does
        out.add(isDigit(token.charAt(0)) ? unsigned(token).<Object>map(n -> n).orElse(token) : token);
        start = i;
      }
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static Optional<Long> unsigned(String digits) {
    if (digits.isEmpty()) {
      return Optional.empty();
    }
    for (int i = 0; i < digits.length(); i++) {
      if (!isDigit(digits.charAt(i))) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(Long.parseUnsignedLong(digits));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Number of numeric prefix components. */
  public int components() {
    return prefix.length;
  }

  /** Prefix component {@code i} (unsigned), zero beyond the end. */
  public long component(int i) {
    return i < prefix.length ? prefix[i] : 0;
  }

  /** Compares the numeric prefixes only, zero-padded: {@code 15.0} equals {@code 15}. */
  public int comparePrefix(long[] bound) {
    for (int i = 0; i < Math.max(prefix.length, bound.length); i++) {
      int c = Long.compareUnsigned(component(i), i < bound.length ? bound[i] : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  @Override
  public int compareTo(TagVersion o) {
    int c = comparePrefix(o.prefix);
    if (c != 0) {
      return c;
    }
    if (suffix.isEmpty() || o.suffix.isEmpty()) {
      return Boolean.compare(suffix.isEmpty(), o.suffix.isEmpty());
    }
    for (int i = 0; i < Math.min(suffix.size(), o.suffix.size()); i++) {
      c = compareTokens(suffix.get(i), o.suffix.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(suffix.size(), o.suffix.size());
  }

  private static int compareTokens(Object a, Object b) {
    if (a instanceof Long x && b instanceof Long y) {
      return Long.compareUnsigned(x, y);
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    return a instanceof Long ? -1 : 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TagVersion v && compareTo(v) == 0;
  }

  @Override
  public int hashCode() {
    int last = prefix.length;
    while (last > 0 && prefix[last - 1] == 0) {
      last--;
    }
    int h = suffix.hashCode();
    for (int i = 0; i < last; i++) {
      h = 31 * h + Long.hashCode(prefix[i]);
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < prefix.length; i++) {
      s.append(i == 0 ? "" : ".").append(Long.toUnsignedString(prefix[i]));
    }
    return suffix.isEmpty() ? s.toString() : s.append(" ").append(suffix).toString();
  }
}
