package dev.ocync.examples.cli;

import java.time.Duration;
import java.util.Locale;

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
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String duration(Duration d) {
    long ms = Math.max(0, d.toMillis());
    if (ms < 10_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
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

  /** Bytes per second over {@code d}, or empty text when too short to say. */
  static String rate(long bytes, Duration d) {
    long ms = d.toMillis();
    return ms < 200 ? "" : bytes(bytes * 1000 / ms) + "/s";
  }
}
