package dev.ocync.internal.engine;

import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystemException;
import java.time.Duration;

/** Retries transient failures with exponential backoff. Immutable; one per {@link Copier}. */
final class Retry {
  /** What to retry. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException;
  }

  private final int attempts;
  private final Duration backoff;

  Retry(int attempts, Duration backoff) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
    }
    this.attempts = attempts;
    this.backoff = backoff;
  }

  int attempts() {
    return attempts;
  }

  /** Runs {@code attempt}, again after {@code backoff}, {@code 2 * backoff}, ... while it fails transiently. */
  <T> T run(Attempt<T> attempt) throws IOException {
    long wait = backoff.toMillis();
    for (int i = 1; ; i++) {
      try {
        return attempt.run();
      } catch (IOException e) {
        if (i >= attempts || !isTransient(e)) {
          throw e;
        }
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          InterruptedIOException iio = new InterruptedIOException("interrupted while waiting to retry");
          iio.addSuppressed(e);
          throw iio;
        }
        wait *= 2;
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
