package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.SyncReport;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.RegistryException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Exit codes come from the report's typed data, not from its messages. */
class ExitTest {
  private static SyncReport report(List<SyncReport.Problem> problems, List<ImageResult> images) {
    SyncReport.MappingReport m = new SyncReport.MappingReport("r.example/app", List.of("m.example/app"),
        Optional.empty(), List.of(), List.of(), problems);
    return new SyncReport(Instant.EPOCH, Duration.ZERO, false, false, List.of(m), images);
  }

  private static ImageResult failed(String tag, RegistryException e) {
    return new ImageResult("r.example/app:" + tag, "m.example/app:" + tag, Optional.of(tag),
        ImageResult.Status.FAILED, Optional.empty(), Optional.of(new ImageResult.Failure(ImageResult.Stage.MANIFEST_PULL,
            e)), Optional.empty(), Optional.empty(), Optional.empty(), true, 0, 0, 0, 0, 0, 0, Duration.ZERO);
  }

  private static ImageResult synced(String tag) {
    return new ImageResult("r.example/app:" + tag, "m.example/app:" + tag, Optional.of(tag),
        ImageResult.Status.SYNCED, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), true, 0, 0, 0, 0, 0, 0, Duration.ZERO);
  }

  @Test
  void aListingProblemFlaggedAsAuthenticationIsFourWhateverItsMessageSays() {
    SyncReport.Problem typed = new SyncReport.Problem(SyncReport.ProblemKind.TAG_LISTING_FAILED,
        "r.example/app: no luck", Optional.of("r.example"), OptionalInt.of(403), true);
    assertThat(Exit.of(report(List.of(typed), List.of()))).isEqualTo(Exit.AUTH);
    assertThat(Exit.authRegistry(report(List.of(typed), List.of()))).contains("r.example");

    // a message that merely looks like a refused login is a plain failure
    SyncReport.Problem lookalike = new SyncReport.Problem(SyncReport.ProblemKind.TAG_LISTING_FAILED,
        "r.example/app: tag 'HTTP 401 DENIED' (r.example, HTTP 500)", Optional.of("r.example"), OptionalInt.of(500),
        false);
    assertThat(Exit.of(report(List.of(lookalike), List.of()))).isEqualTo(Exit.ALL_FAILED);
  }

  @Test
  void imagesThatAllFailedOnCredentialsAreFourAndAMixIsOne() {
    RegistryException refused = new AuthenticationException("refused", RegistryException.Context.of("m.example")
        .status(401));
    RegistryException missing = new RegistryException("missing", RegistryException.Context.of("r.example")
        .status(404));
    assertThat(Exit.of(report(List.of(), List.of(failed("1", refused), failed("2", refused))))).isEqualTo(Exit.AUTH);
    assertThat(Exit.authRegistry(report(List.of(), List.of(failed("1", refused))))).contains("m.example");
    assertThat(Exit.of(report(List.of(), List.of(failed("1", refused), failed("2", missing)))))
        .isEqualTo(Exit.ALL_FAILED);
    assertThat(Exit.of(report(List.of(), List.of(failed("1", refused), synced("2"))))).isEqualTo(Exit.SOME_FAILED);
  }
}
