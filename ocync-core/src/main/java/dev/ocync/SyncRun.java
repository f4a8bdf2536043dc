package dev.ocync;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A run started with {@link Syncer#start}: wait for its report, or cancel it from any thread.
 * Cancelling stops it promptly: blob transfers in flight are abandoned before their manifest is
 * pushed, nothing is tagged that is not complete, and the report lists what was done, what was
 * cancelled and what never started. Thread-safe.
 */
public final class SyncRun {
  private final CompletableFuture<SyncReport> report;
  private final Runnable cancel;

  SyncRun(CompletableFuture<SyncReport> report, Runnable cancel) {
    this.report = Objects.requireNonNull(report, "report");
    this.cancel = Objects.requireNonNull(cancel, "cancel");
  }

  /** Asks the run to stop; returns at once. {@link #await()} then returns the report. Idempotent. */
  public void cancel() {
    cancel.run();
  }

  /**
   * Waits for the report. Interrupted, it cancels the run, waits for it to stop, returns its report
   * and leaves the thread's interrupt flag set.
   */
  public SyncReport await() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return report.get();
        } catch (InterruptedException e) {
          interrupted = true;
          cancel();
        } catch (ExecutionException e) {
          throw new IllegalStateException("the engine failed a run's report", e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The report, once the run is over. */
  public Optional<SyncReport> report() {
    return report.isDone() ? Optional.of(report.join()) : Optional.empty();
  }

  /** Completes with the report; for hosts that compose futures. It never completes exceptionally. */
  public CompletionStage<SyncReport> completion() {
    return report.minimalCompletionStage();
  }

  /** Whether the run is over. */
  public boolean isDone() {
    return report.isDone();
  }
}
