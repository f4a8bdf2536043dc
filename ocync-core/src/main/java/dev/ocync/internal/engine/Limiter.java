package dev.ocync.internal.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asynchronous permits with an adaptive limit (AIMD), one per registry: a 429 halves the window
 * (at most once per congestion epoch, so one burst of 429s is one cut), each success grows it by
 * {@code 1/window}, and it never exceeds the cap nor drops below 1. Waiting for a permit is a
 * future, never a blocked thread. With {@code adaptive} false it is a plain async semaphore.
 */
final class Limiter {
  private static final long EPOCH_NANOS = 100_000_000L;

  private final String name;
  private final int cap;
  private final boolean adaptive;
  private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
  private double window;
  private int inUse;
  private int peak;
  private long lastCut = Long.MIN_VALUE;

  Limiter(String name, int cap, boolean adaptive) {
    this.name = name;
    this.cap = cap;
    this.adaptive = adaptive;
    this.window = cap;
  }

  /** A future completed when a permit is held; call {@link #release()} once for each. */
  CompletableFuture<Void> acquire() {
    synchronized (this) {
      if (inUse < limit()) {
        inUse++;
        peak = Math.max(peak, inUse);
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      waiting.add(f);
      return f;
    }
  }

  void release() {
    List<CompletableFuture<Void>> granted;
    synchronized (this) {
      inUse--;
      granted = grant();
    }
    granted.forEach(f -> f.complete(null));
  }

  /** The registry said 429: halve the window, once per epoch. */
  void congested() {
    if (!adaptive) {
      return;
    }
    synchronized (this) {
      long now = System.nanoTime();
      if (lastCut == Long.MIN_VALUE || now - lastCut >= EPOCH_NANOS) {
        lastCut = now;
        window = Math.max(1, window / 2);
      }
    }
  }

  /** A request went through: grow the window back towards the cap. */
  void succeeded() {
    if (!adaptive) {
      return;
    }
    List<CompletableFuture<Void>> granted;
    synchronized (this) {
      window = Math.min(cap, window + 1 / window);
      granted = grant();
    }
    granted.forEach(f -> f.complete(null));
  }

  private List<CompletableFuture<Void>> grant() {
    List<CompletableFuture<Void>> granted = new ArrayList<>();
    while (inUse < limit() && !waiting.isEmpty()) {
      inUse++;
      peak = Math.max(peak, inUse);
      granted.add(waiting.poll());
    }
    return granted;
  }

  /** Permits allowed now: the window rounded up, within 1 and the cap. */
  synchronized int limit() {
    return Math.max(1, Math.min(cap, (int) Math.ceil(window)));
  }

  /** The most permits ever held at once; for tests. */
  synchronized int peak() {
    return peak;
  }

  @Override
  public synchronized String toString() {
    return "Limiter{" + name + ", " + inUse + "/" + limit() + " of " + cap + ", " + waiting.size() + " waiting}";
  }
}
