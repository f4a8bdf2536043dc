package dev.ocync.internal.http;

import java.util.function.Function;

/**
 * A way to abort HTTP exchanges from another thread: work run under {@link #watched} hands every
 * exchange without a request body it opens (until its response head has arrived) to a watcher,
 * which may abort it, say when a run is cancelled. The aborted exchange fails with an IOException
 * on its own thread. Uploads are not handed over: they end when their content stream is closed,
 * which lets the endpoint delete the upload session.
 */
public final class Exchanges {
  private static final ThreadLocal<Function<Runnable, Runnable>> WATCHER = new ThreadLocal<>();

  private Exchanges() {}

  /** Work that may fail with an IOException. */
  @FunctionalInterface
  public interface Work<T> {
    T run() throws java.io.IOException;
  }

  /**
   * Runs {@code work} on this thread; each exchange it opens is given to {@code watcher} as the
   * action that aborts it, and the watcher returns what to run once the exchange no longer needs it.
   */
  public static <T> T watched(Function<Runnable, Runnable> watcher, Work<T> work) throws java.io.IOException {
    Function<Runnable, Runnable> outer = WATCHER.get();
    WATCHER.set(watcher);
    try {
      return work.run();
    } finally {
      if (outer == null) {
        WATCHER.remove();
      } else {
        WATCHER.set(outer);
      }
    }
  }

  /** Registers an exchange being opened on this thread; the result unregisters it. */
  static Runnable opened(Runnable abort) {
    Function<Runnable, Runnable> w = WATCHER.get();
    return w == null ? () -> { } : w.apply(abort);
  }
}
