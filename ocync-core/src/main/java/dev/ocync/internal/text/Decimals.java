package dev.ocync.internal.text;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Numbers with one decimal for people ({@code 1.5 MiB}, {@code 0.3 s}), without
 * {@code String.format}: the first {@code %f} of a JVM loads the locale provider's data, about
 * 15 ms of a CLI run that prints a summary line.
 */
public final class Decimals {
  private Decimals() {}

  /**
   * {@code value} with one decimal, as {@code String.format(Locale.ROOT, "%.1f", value)} writes it:
   * the shortest decimal that is the double, rounded half up.
   */
  public static String oneDecimal(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return Double.toString(value);
    }
    String s = new BigDecimal(Double.toString(value)).setScale(1, RoundingMode.HALF_UP).toPlainString();
    // %f keeps the sign of a negative value that rounds to zero, and of -0.0
    boolean negative = Double.doubleToRawLongBits(value) < 0;
    return negative && !s.startsWith("-") ? "-" + s : s;
  }
}
