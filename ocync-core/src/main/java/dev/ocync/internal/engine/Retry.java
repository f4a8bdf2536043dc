package dev.ocync.internal.engine;

import dev.ocync.RetryPolicy;
import dev.ocync.SyncListener;
import dev.ocync.internal.text.Decimals;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries transient failures as a {@link RetryPolicy} says, honouring {@code Retry-After} within
 * its cap, and says so: a "retrying ..." line at WARN and a {@link SyncListener#retrying} event.
 * The asynchronous form waits on a timer, never on a pool thread.
 */
final class Retry {
  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

  /** What to retry. */
  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException;
  }

  /** Waits synchronously; tests record the waits instead. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** Waits asynchronously: a future completed after the delay (or failed when the run is cancelled). */
  @FunctionalInterface
  interface Timer {
    CompletableFuture<Void> after(Duration d);
  }

  private final RetryPolicy policy;
  private final Sleeper sleeper;
  private final Timer timer;
  private final SyncListener listener;

  Retry(RetryPolicy policy, Sleeper sleeper) {
    this(policy, sleeper, d -> CompletableFuture.failedFuture(new IllegalStateException("no timer")),
        SyncListener.NONE);
  }

  Retry(RetryPolicy policy, Sleeper sleeper, Timer timer, SyncListener listener) {
    this.policy = policy;
    this.sleeper = sleeper;
    this.timer = timer;
    this.listener = listener;
  }

  RetryPolicy policy() {
    return policy;
  }

  /** Runs {@code attempt} on this thread, sleeping between attempts. */
  <T> T run(String what, Attempt<T> attempt) throws IOException {
    for (int i = 1; ; i++) {
      try {
        return attempt.run();
      } catch (IOException e) {
        Optional<Duration> wait = next(what, i, e, Retry::isTransient);
        if (wait.isEmpty()) {
          throw e;
        }
        try {
          sleeper.sleep(wait.get());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          InterruptedIOException iio = new InterruptedIOException("interrupted while waiting to retry " + what);
          iio.addSuppressed(e);
          throw iio;
        }
      }
    }
  }

  /** Runs {@code attempt} again after a timer while it fails transiently. */
  <T> CompletableFuture<T> async(String what, Supplier<CompletableFuture<T>> attempt) {
    return async(what, attempt, Retry::isTransient, 1);
  }

  /** As {@link #async(String, Supplier)}, with another idea of what is worth retrying. */
  <T> CompletableFuture<T> async(String what, Supplier<CompletableFuture<T>> attempt,
      Predicate<IOException> retryable) {
    return async(what, attempt, retryable, 1);
  }

  private <T> CompletableFuture<T> async(String what, Supplier<CompletableFuture<T>> attempt,
      Predicate<IOException> retryable, int n) {
    CompletableFuture<T> first;
    try {
      first = attempt.get();
    } catch (RuntimeException e) {
      first = CompletableFuture.failedFuture(e);
    }
    return first.handle((v, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(v);
      }
      Throwable cause = unwrap(e);
      if (cause instanceof IOException io) {
        Optional<Duration> wait = next(what, n, io, retryable);
        if (wait.isPresent()) {
          return timer.after(wait.get()).thenCompose(x -> async(what, attempt, retryable, n + 1));
        }
      }
      return CompletableFuture.<T>failedFuture(cause);
    }).thenCompose(f -> f);
  }

  /** The wait before the next attempt, or empty to give up; logs and reports a retry. */
  private Optional<Duration> next(String what, int failed, IOException e, Predicate<IOException> retryable) {
    if (failed >= policy.attempts() || !retryable.test(e)) {
      return Optional.empty();
    }
    Optional<Duration> asked = e instanceof RegistryException r ? r.retryAfter() : Optional.empty();
    if (asked.isPresent() && asked.get().compareTo(policy.maxRetryAfter()) > 0) {
      return Optional.empty();
    }
    Duration backoff = policy.backoff(failed, ThreadLocalRandom.current().nextDouble());
    Duration wait = asked.isPresent() && asked.get().compareTo(backoff) > 0 ? asked.get() : backoff;
    LOG.warn("retrying {} (attempt {} of {}) in {}: {}", what, failed + 1, policy.attempts(), seconds(wait),
        e.getMessage());
    try {
      listener.retrying(what, failed + 1, wait, e);
    } catch (RuntimeException le) {
      LOG.warn("sync listener failed on retrying {}", what, le);
    }
    return Optional.of(wait);
  }

  private static String seconds(Duration d) {
    return Decimals.oneDecimal(d.toMillis() / 1000.0) + " s";
  }

  /**
   * Whether trying again may help: HTTP 408, 429 and 5xx, and plain I/O failures (connection reset,
   * timeouts), also when an endpoint wrapped one without a status. Never a digest mismatch (a blob
   * transfer refetches those itself), a missing manifest or blob, refused credentials or a file
   * system error (permission denied, a file in the way): those fail the same way every time.
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
          && !isInterruption(cause) && !(cause instanceof FileSystemException) && !isPermanent(cause);
    }
    // A file that is in the way, missing or not writable stays so.
    return !(e instanceof FileSystemException) && !isPermanent(e);
  }

  /**
   * Network failures that answer the same way every time: a TLS certificate or host-name failure
   * (the handshake cannot succeed until someone changes the trust setup), a host refused at name
   * resolution by the HTTP layer's guard (a subclass of UnknownHostException; a plain one may be a
   * DNS hiccup) and a proxy asking for credentials (407, also as a refused tunnel).
   */
  static boolean isPermanent(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof javax.net.ssl.SSLPeerUnverifiedException || t instanceof java.security.cert.CertificateException
          // a handshake cut off by the network is worth another try; one that refused the certificate is not
          || (t instanceof javax.net.ssl.SSLHandshakeException && (m.contains("PKIX") || m.contains("certificate")
              || m.contains("subject alternative")))
          || (t instanceof java.net.UnknownHostException && t.getClass() != java.net.UnknownHostException.class)
          || (t instanceof RegistryException r && r.status().orElse(0) == 407)
          || (t instanceof org.apache.hc.client5.http.impl.TunnelRefusedException && m.contains("407"))) {
        return true;
      }
    }
    return false;
  }

  /** A thread interruption or a cancellation, as opposed to a socket timeout (an InterruptedIOException too). */
  static boolean isInterruption(Throwable e) {
    return e.getClass() == InterruptedIOException.class || e instanceof Cancelled;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException
        || t instanceof java.io.UncheckedIOException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The run was cancelled: what was in flight stops. */
  static final class Cancelled extends InterruptedIOException {
    private static final long serialVersionUID = 1L;

    Cancelled(String what) {
      super("cancelled: " + what);
    }
  }
}
