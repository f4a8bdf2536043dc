package dev.ocync.examples.cli;

import dev.ocync.ImageResult;
import dev.ocync.SyncReport;
import dev.ocync.SyncStats;
import java.util.Optional;
import java.util.List;

/**
 * The exit codes of {@code sync}, as the Rust ocync's where they overlap: 0 all ok, 1 some images
 * failed, 2 all failed or fatal, 3 config error, 4 authentication error. Code 4 comes from the
 * report's typed data ({@link SyncReport.Problem#authentication()},
 * {@link ImageResult.Failure#authentication()}), never from message text.
 */
final class Exit {
  static final int OK = 0;
  static final int SOME_FAILED = 1;
  static final int ALL_FAILED = 2;
  static final int CONFIG = 3;
  static final int AUTH = 4;

  private Exit() {}

  /** Whether a mapping problem is a refused login: the engine's typed flag, never the message text. */
  static boolean isAuthentication(SyncReport.Problem p) {
    return p.kind() == SyncReport.ProblemKind.TAG_LISTING_FAILED && p.authentication();
  }

  /** The first mapping whose tags could not be listed for want of credentials. */
  static Optional<SyncReport.Problem> authProblem(SyncReport report) {
    return report.mappings().stream().flatMap(m -> m.problems().stream()).filter(Exit::isAuthentication).findFirst();
  }

  /**
   * The registry that refused: a mapping's tag listing (as the Rust ocync), or, when nothing
   * succeeded and every failed image failed on authentication (literal tags, so no listing), the
   * first of those images' registries.
   */
  static Optional<String> authRegistry(SyncReport report) {
    Optional<SyncReport.Problem> p = authProblem(report);
    if (p.isPresent()) {
      return Optional.of(p.get().registry().orElse(""));
    }
    List<ImageResult> failed = report.images().stream().filter(r -> r.status() == ImageResult.Status.FAILED).toList();
    boolean nothingElse = report.images().stream().allMatch(r -> r.status() == ImageResult.Status.FAILED);
    if (!failed.isEmpty() && nothingElse && failed.stream().allMatch(r -> r.failure().get().authentication())) {
      return Optional.of(failed.get(0).failure().get().registry());
    }
    return Optional.empty();
  }

  /**
   * The code of a finished (or cancelled) run. A mapping whose tags could not be listed (or kept
   * fewer than {@code min_tags}) counts as a failure; a cancelled image as not done.
   */
  static int of(SyncReport report) {
    if (authRegistry(report).isPresent()) {
      return AUTH;
    }
    boolean tooFew = report.mappings().stream().flatMap(m -> m.problems().stream())
        .anyMatch(p -> p.kind() == SyncReport.ProblemKind.TOO_FEW_TAGS);
    if (tooFew) {
      return CONFIG; // ocync's BelowMinTags: the rules need fixing, not the registry
    }
    SyncStats s = report.stats();
    long mappingFailures = report.mappings().stream().filter(m -> !m.problems().isEmpty()).count();
    // a chart whose images could not be followed or relocated counts as a failed mapping part
    long chartFailures = report.charts().stream().filter(c -> !c.problems().isEmpty()).count();
    long failed = s.failed() + s.cancelled() + mappingFailures + chartFailures;
    long done = report.images().stream().filter(r -> r.status() == ImageResult.Status.SYNCED
        || r.status() == ImageResult.Status.SKIPPED).count();
    if (failed == 0) {
      return OK;
    }
    return done > 0 ? SOME_FAILED : ALL_FAILED;
  }
}
