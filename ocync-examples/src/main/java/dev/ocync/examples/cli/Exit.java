package dev.ocync.examples.cli;

import dev.ocync.ImageResult;
import dev.ocync.SyncReport;
import dev.ocync.SyncStats;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The exit codes of {@code sync}, as the Rust ocync's where they overlap: 0 all ok, 1 some images
 * failed, 2 all failed or fatal, 3 config error, 4 authentication error.
 */
final class Exit {
  static final int OK = 0;
  static final int SOME_FAILED = 1;
  static final int ALL_FAILED = 2;
  static final int CONFIG = 3;
  static final int AUTH = 4;

  // The engine's mapping problems carry only a message; a RegistryException's message ends with
  // its context "(host, repository r, HTTP 401)", which is what tells an authentication failure.
  private static final Pattern AUTH_STATUS = Pattern.compile("\\bHTTP 40[13]\\b|\\bUNAUTHORIZED\\b|\\bDENIED\\b");

  private Exit() {}

  /** Whether a mapping problem's message is a refused login (HTTP 401 or 403). */
  static boolean isAuthentication(SyncReport.Problem p) {
    return p.kind() == SyncReport.ProblemKind.TAG_LISTING_FAILED && AUTH_STATUS.matcher(p.message()).find();
  }

  /** The first mapping whose tags could not be listed for want of credentials. */
  static Optional<SyncReport.Problem> authProblem(SyncReport report) {
    return report.mappings().stream().flatMap(m -> m.problems().stream()).filter(Exit::isAuthentication).findFirst();
  }

  /**
   * The code of a finished (or cancelled) run. A mapping whose tags could not be listed (or kept
   * fewer than {@code min_tags}) counts as a failure; a cancelled image as not done.
   */
  static int of(SyncReport report) {
    if (authProblem(report).isPresent()) {
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
