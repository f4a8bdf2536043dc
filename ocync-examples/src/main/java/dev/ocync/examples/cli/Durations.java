package dev.ocync.examples.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the command line: {@code 30} (seconds), {@code 30s}, {@code 5m}, {@code 1h}, {@code 1h30m}. */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  static final Duration MAX = Duration.ofDays(1);

  private Durations() {}

  static Duration parse(String text, String option) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Duration d = Duration.ZERO;
    if (t.matches("\\d{1,9}")) {
      d = Duration.ofSeconds(Long.parseLong(t));
    } else {
      Matcher m = PART.matcher(t);
      int end = 0;
      while (m.find() && m.start() == end) {
        long n = Long.parseLong(m.group(1));
        d = d.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        });
        end = m.end();
      }
      if (end != t.length() || t.isEmpty()) {
        throw new UsageException(option + ": invalid duration \"" + text
            + "\"; give seconds (30) or a number with ms, s, m or h (25s, 5m, 1h30m)");
      }
    }
    if (d.compareTo(MAX) > 0) {
      throw new UsageException(option + " must be at most 24h, got " + text);
    }
    return d;
  }
}
