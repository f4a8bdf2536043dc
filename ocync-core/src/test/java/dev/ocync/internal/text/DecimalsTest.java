package dev.ocync.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Decimals#oneDecimal} against {@code String.format("%.1f")}, which it replaces. */
class DecimalsTest {
  @Test
  void writesWhatFormatWrites() {
    double[] edges = {0, -0.0, 0.04, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 0.96, 9.95, 99.95, 1023.95, 1.25, 2.5,
        -0.04, -0.05, -0.15, -1.25, 1e-9, 1e7, 1e16, 1.5e300, Double.MIN_VALUE, Double.MAX_VALUE, 1023.9999999,
        4.0, 12.34, 0.049999999999999996, 1.0 / 3, 2.0 / 3};
    for (double v : edges) {
      assertThat(Decimals.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
    }
    Random r = new Random(15);
    for (int i = 0; i < 20_000; i++) {
      double v = switch (i % 4) {
        case 0 -> r.nextInt(100_000) / 1000.0; // seconds from milliseconds
        case 1 -> r.nextLong() / (double) (1L << (r.nextInt(60))); // sizes in units
        case 2 -> r.nextDouble() * 1024;
        default -> (r.nextInt(20_000) - 10_000) / 100.0;
      };
      assertThat(Decimals.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
    }
  }

  @Test
  void notANumberStaysReadable() {
    assertThat(Decimals.oneDecimal(Double.NaN)).isEqualTo(String.format(Locale.ROOT, "%.1f", Double.NaN));
    assertThat(Decimals.oneDecimal(Double.POSITIVE_INFINITY))
        .isEqualTo(String.format(Locale.ROOT, "%.1f", Double.POSITIVE_INFINITY));
  }
}
