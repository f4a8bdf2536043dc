package dev.ocync;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How transient failures are retried: connection errors, resets, truncated bodies, a downloaded
 * blob that does not match its digest, HTTP 408, 429 and 5xx. Which failures count as transient is
 * the engine's business; this value only says how often and how long to wait. The wait before
 * attempt {@code n + 1} is {@code initialBackoff * 2^(n-1)}, capped at {@code maxBackoff}, times a
 * random factor in {@code [1 - jitter, 1 + jitter)}; a registry's {@code Retry-After} lengthens it
 * up to {@code maxRetryAfter}, and a registry asking for more fails that request at once (Docker
 * Hub's pull limit can ask for hours). A digest mismatch is never accepted: the blob is fetched
 * again, or the image fails.
 *
 * <pre>{@code
 * RetryPolicy p = RetryPolicy.builder().attempts(5).initialBackoff(Duration.ofSeconds(1)).build();
 * }</pre>
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULTS = builder().build();

  private final int attempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double jitter;
  private final Duration maxRetryAfter;

  private RetryPolicy(Builder b) {
    this.attempts = b.attempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.jitter = b.jitter;
    this.maxRetryAfter = b.maxRetryAfter;
  }

  /** 4 attempts, 500 ms then doubling, at most 30 s between attempts, jitter 0.25, Retry-After up to 1 min. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** One attempt: nothing is retried. */
  public static RetryPolicy none() {
    return builder().attempts(1).build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this policy. */
  public Builder newBuilder() {
    return new Builder().attempts(attempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff).jitter(jitter)
        .maxRetryAfter(maxRetryAfter);
  }

  /** Attempts in all, the first included; at least 1. */
  public int attempts() {
    return attempts;
  }

  /** The wait before the second attempt. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The longest wait the backoff grows to (a {@code Retry-After} may ask for more, up to {@link #maxRetryAfter()}). */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The random spread of each wait, 0 (none) to 1. */
  public double jitter() {
    return jitter;
  }

  /** The longest {@code Retry-After} honoured; a registry asking for more fails the request now. */
  public Duration maxRetryAfter() {
    return maxRetryAfter;
  }

  /**
   * The wait before attempt {@code failed + 1} with the random factor {@code random} in
   * {@code [0, 1)}, before any {@code Retry-After}. Pure, so the schedule can be checked in tests.
   */
  public Duration backoff(int failed, double random) {
    if (failed < 1) {
      throw new IllegalArgumentException("failed attempts must be at least 1, got " + failed);
    }
    double base = initialBackoff.toNanos() * Math.pow(2, Math.min(failed - 1, 40));
    double capped = Math.min(base, maxBackoff.toNanos());
    double factor = 1 - jitter + 2 * jitter * random;
    return Duration.ofNanos((long) (capped * factor));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy p && p.attempts == attempts && p.initialBackoff.equals(initialBackoff)
        && p.maxBackoff.equals(maxBackoff) && p.jitter == jitter && p.maxRetryAfter.equals(maxRetryAfter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(attempts, initialBackoff, maxBackoff, jitter, maxRetryAfter);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "RetryPolicy{attempts=%d, backoff=%s..%s, jitter=%.2f, maxRetryAfter=%s}",
        attempts, initialBackoff, maxBackoff, jitter, maxRetryAfter);
  }

  /** Builds a {@link RetryPolicy}; setters check their argument. */
  public static final class Builder {
    private int attempts = 4;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private double jitter = 0.25;
    private Duration maxRetryAfter = Duration.ofMinutes(1);

    private Builder() {}

    /** Attempts in all, 1 to 100. */
    public Builder attempts(int n) {
      if (n < 1 || n > 100) {
        throw new IllegalArgumentException("attempts must be 1 to 100, got " + n);
      }
      this.attempts = n;
      return this;
    }

    /** The first wait, 0 to 10 minutes. */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = check(d, "initialBackoff");
      return this;
    }

    /** The cap of the growing backoff, 0 to 10 minutes. */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = check(d, "maxBackoff");
      return this;
    }

    /** The random spread, 0 to 1. */
    public Builder jitter(double j) {
      if (!(j >= 0 && j <= 1)) {
        throw new IllegalArgumentException("jitter must be 0 to 1, got " + j);
      }
      this.jitter = j;
      return this;
    }

    /** The longest {@code Retry-After} honoured, 0 to 10 minutes. */
    public Builder maxRetryAfter(Duration d) {
      this.maxRetryAfter = check(d, "maxRetryAfter");
      return this;
    }

    private static Duration check(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(what + " must be 0 to 10 minutes, got " + d);
      }
      return d;
    }

    /** @throws IllegalArgumentException if {@code maxBackoff} is shorter than {@code initialBackoff} */
    public RetryPolicy build() {
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff "
            + initialBackoff);
      }
      return new RetryPolicy(this);
    }
  }
}
