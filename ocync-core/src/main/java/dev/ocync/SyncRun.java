package dev.ocync;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A run started with {@link Syncer#start}: wait for its report, or stop it from any thread.
 * {@link #cancel()} stops it promptly: blob transfers in flight are abandoned before their manifest
 * is pushed, nothing is tagged that is not complete. {@link #drain(Duration)} stops it gently: no
 * new image starts, those in flight may finish until a deadline, then the rest is cancelled.
 *
 * <p>Either way the report lists every image: those that finished ({@code SYNCED}, {@code SKIPPED},
 * {@code FAILED}), those stopped in flight ({@code CANCELLED} with {@link ImageResult#started()}
 * true: at most blobs of theirs reached the target, never their manifest or tag) and those that
 * never started ({@code CANCELLED} with {@code started} false: no request was made for them); a
 * mapping whose tags had not been chosen yet has a {@link SyncReport.ProblemKind#CANCELLED}
 * problem. {@link SyncReport#cancelled()} is true when anything was stopped. Thread-safe.
 */
public final class SyncRun {
  private final CompletableFuture<SyncReport> report;
  private final Runnable cancel;
  private final Consumer<Duration> drain;

  SyncRun(CompletableFuture<SyncReport> report, Runnable cancel, Consumer<Duration> drain) {
    this.report = Objects.requireNonNull(report, "report");
    this.cancel = Objects.requireNonNull(cancel, "cancel");
    this.drain = Objects.requireNonNull(drain, "drain");
  }

  /** Asks the run to stop; returns at once. {@link #await()} then returns the report. Idempotent. */
  public void cancel() {
    cancel.run();
  }

  /**
   * Asks the run to stop after the images in flight; returns at once. No image, and no mapping's
   * tag listing, starts from now on (those not started are {@code CANCELLED} and not started in
   * the report); images in flight go on, referrers included, until {@code deadline} has passed,
   * then whatever is left is cancelled as by {@link #cancel()}. A zero deadline is {@code cancel()}.
   * Calling it again, or after a cancel, never extends an earlier deadline.
   *
   * <pre>{@code
   * SyncRun run = syncer.start(mappings);
   * // on SIGTERM, within Kubernetes' 30 s grace period:
   * run.drain(Duration.ofSeconds(25));
   * SyncReport report = run.await();
   * }</pre>
   *
   * @throws IllegalArgumentException for a negative deadline
   */
  public void drain(Duration deadline) {
    drain.accept(Objects.requireNonNull(deadline, "deadline"));
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
