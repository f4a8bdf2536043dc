package dev.ocync.internal.config;

import dev.ocync.internal.text.EditDistance;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for ocync's duration and size strings, and the "did you mean" suggestion. */
public final class Values {
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})([smhd]?)");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})(B|KB|MB|GB|TB)", Pattern.CASE_INSENSITIVE);

  private Values() {}

  /**
   * ocync's durations: {@code 0}, bare seconds, or a number with {@code s}, {@code m}, {@code h}
   * or {@code d}.
   */
  public static Optional<Duration> duration(String s) {
    Matcher m = DURATION.matcher(s.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    return Optional.of(switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofSeconds(n);
    });
  }

  /** ocync's sizes: {@code 0}, or a number with B, KB, MB, GB or TB (SI: 1 GB = 10^9 bytes). */
  public static OptionalLong size(String s) {
    String t = s.trim();
    if (t.equals("0")) {
      return OptionalLong.of(0);
    }
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      return OptionalLong.empty();
    }
    long n = Long.parseLong(m.group(1));
    long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "KB" -> 1_000L;
      case "MB" -> 1_000_000L;
      case "GB" -> 1_000_000_000L;
      case "TB" -> 1_000_000_000_000L;
      default -> 1L;
    };
    try {
      return OptionalLong.of(Math.multiplyExact(n, unit));
    } catch (ArithmeticException e) {
      return OptionalLong.empty();
    }
  }

  /** The closest candidate to a misspelt {@code word}, when one is close enough to be meant. */
  public static Optional<String> suggest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = Math.min(3, Math.max(1, word.length() / 3));
    return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Edit distance with adjacent transpositions (so {@code platfrom} is one edit from {@code platform}). */
  static int distance(String a, String b) {
    if (a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE; // keys are short; a long one is nothing we would suggest for
    }
    return EditDistance.of(a, b);
  }
}
