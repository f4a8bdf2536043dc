package dev.ocync.internal.engine;

import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Optional;

/** Retries transient failures with exponential backoff. Immutable; one per {@link Copier}. */
final class Retry {
  /** What to retry. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException;
  }

  /** Waits; tests record the waits instead. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /**
   * The longest {@code Retry-After} honoured. A registry asking for more (Docker Hub's pull limit
   * can say hours) fails the copy now with that wait in the message, rather than hanging it.
   */
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(1);

  private final int attempts;
  private final Duration backoff;
  private final Sleeper sleeper;

  Retry(int attempts, Duration backoff) {
    this(attempts, backoff, d -> Thread.sleep(d.toMillis()));
  }

  Retry(int attempts, Duration backoff, Sleeper sleeper) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
    }
    this.attempts = attempts;
    this.backoff = backoff;
    this.sleeper = sleeper;
  }

  int attempts() {
    return attempts;
  }

  /**
   * Runs {@code attempt}, again after {@code backoff}, {@code 2 * backoff}, ... while it fails
   * transiently; a registry's {@code Retry-After} (up to {@link #MAX_RETRY_AFTER}) lengthens a wait.
   */
  <T> T run(Attempt<T> attempt) throws IOException {
    Duration wait = backoff;
    for (int i = 1; ; i++) {
      try {
        return attempt.run();
      } catch (IOException e) {
        if (i >= attempts || !isTransient(e)) {
          throw e;
        }
        Optional<Duration> asked = e instanceof RegistryException r ? r.retryAfter() : Optional.empty();
        if (asked.isPresent() && asked.get().compareTo(MAX_RETRY_AFTER) > 0) {
          throw e;
        }
        Duration now = asked.isPresent() && asked.get().compareTo(wait) > 0 ? asked.get() : wait;
        try {
          sleeper.sleep(now);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          InterruptedIOException iio = new InterruptedIOException("interrupted while waiting to retry");
          iio.addSuppressed(e);
          throw iio;
        }
        wait = wait.multipliedBy(2);
      }
    }
  }

  /**
   * Whether trying again may help: HTTP 408, 429 and 5xx, and plain I/O failures (connection reset,
   * timeouts), also when an endpoint wrapped one without a status. Never a digest mismatch, a missing
   * manifest or blob, refused credentials or a file system error (permission denied, a file in the
   * way): those fail the same way every time.
   */
  static boolean isTransient(IOException e) {
    if (e instanceof DigestMismatchException || e instanceof NotFoundException
        || e instanceof AuthenticationException || isInterruption(e)) {
      return false;
    }
    if (e instanceof RegistryException r) {
      if (r.isTransient()) {
        return true;
      }
      return r.status().isEmpty() && r.getCause() instanceof IOException cause && !(cause instanceof RegistryException)
          && !isInterruption(cause) && !(cause instanceof FileSystemException);
    }
    // A file that is in the way, missing or not writable stays so.
    return !(e instanceof FileSystemException);
  }

  /** A thread interruption, as opposed to a socket timeout (which is an InterruptedIOException too). */
  private static boolean isInterruption(IOException e) {
    return e.getClass() == InterruptedIOException.class;
  }
}
