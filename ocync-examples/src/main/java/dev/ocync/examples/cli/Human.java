package dev.ocync.examples.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Sizes and durations for people: IEC binary bytes ({@code 1.2 MiB} = 1.2 &times; 2<sup>20</sup>),
 * the units {@code CopyResult} and {@code SyncReport} print too, so the CLI's progress, summary
 * and the library's own lines agree; {@code 0.3s}, {@code 2m 13s}, {@code 1h 30m}.
 */
final class Human {
  private Human() {}

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return oneDecimal(v) + " " + units[u];
  }

  static String duration(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 10_000) {
      // tenths of a second, rounded half up as %.1f rounds ms / 1000.0
      long tenths = (ms + 50) / 100;
      return tenths / 10 + "." + tenths % 10 + "s";
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m " + (s % 60) + "s";
    }
    return (s / 3600) + "h " + (s % 3600 / 60) + "m";
  }

  /**
   * {@code v} (positive) as {@code String.format(Locale.ROOT, "%.1f", v)} writes it, without the
   * locale data the first {@code %f} of a JVM loads (about 15 ms of a short CLI run).
   */
  static String oneDecimal(double v) {
    return new BigDecimal(Double.toString(v)).setScale(1, RoundingMode.HALF_UP).toPlainString();
  }

  /** Bytes per second over {@code d}, or empty text when too short to say. */
  static String rate(long bytes, Duration d) {
    long ms = d.toMillis();
    return ms < 200 ? "" : bytes(bytes * 1000 / ms) + "/s";
  }
}
