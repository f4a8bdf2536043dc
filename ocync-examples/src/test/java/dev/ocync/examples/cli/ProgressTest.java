package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.TagSelector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress renderer, replaying a recorded sequence of SyncListener events on a fake clock. */
class ProgressTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(100 * SECOND);
  private final StringWriter text = new StringWriter();

  private Progress progress(Progress.Level level, boolean live) {
    return new Progress(new PrintWriter(text), level, live, clock::get);
  }

  private static ImageResult result(String source, String target, ImageResult.Status status, long bytes) {
    return new ImageResult(source, target, Optional.of("1.0"), status,
        status == ImageResult.Status.SKIPPED ? Optional.of(ImageResult.SkipReason.DIGEST_MATCH) : Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), status != ImageResult.Status.CANCELLED,
        bytes, 1, 0, 0, 1, 0, Duration.ofMillis(1500));
  }

  /** Two mappings, three images: one synced with bytes in two steps, one skipped, one still moving. */
  private void replay(Progress p) {
    Mapping m = Mapping.builder().source("src.example", "app").target("dst.example", "app")
        .target("dst2.example", "app").tags(TagSelector.all()).build();
    p.tagsSelected(m, List.of("1.0", "2.0"), List.of("1.0"), List.of());
    p.tagsSelected(m, List.of("1.0"), List.of("1.0"), List.of());
    p.imageStarted("src.example/app:1.0", "dst.example/app:1.0");
    p.imageStarted("src.example/app:1.0", "dst2.example/app:1.0");
    clock.addAndGet(SECOND);
    p.bytesMoved("src.example/app:1.0", "dst.example/app:1.0", 1_500_000);
    p.bytesMoved("src.example/app:1.0", "dst2.example/app:1.0", 500_000);
    clock.addAndGet(SECOND);
    p.bytesMoved("src.example/app:1.0", "dst.example/app:1.0", 500_000);
    p.imageFinished(result("src.example/app:1.0", "dst.example/app:1.0", ImageResult.Status.SYNCED, 2_000_000));
    p.imageStarted("src.example/app:1.0", "dst.example/other:1.0");
    p.imageFinished(result("src.example/app:1.0", "dst.example/other:1.0", ImageResult.Status.SKIPPED, 0));
  }

  @Test
  void rendersOneLinePerActiveImageAndAnOverallLine() {
    Progress p = progress(Progress.Level.NORMAL, false);
    replay(p);
    clock.addAndGet(SECOND);
    assertThat(p.render(clock.get())).containsExactly(
        "  > src.example/app:1.0 -> dst2.example/app:1.0  488.3 KiB  3.0s",
        "[2/4 images] 2.4 MiB  813.8 KiB/s  3.0s");
  }

  @Test
  void plainModePrintsOnlyFinishedLinesWithoutEscapes() {
    Progress p = progress(Progress.Level.NORMAL, false);
    replay(p);
    p.close();
    assertThat(text.toString()).isEqualTo(
        "synced  src.example/app:1.0 -> dst.example/app:1.0  (1.9 MiB, 1.5s)\n");
    StringWriter verboseText = new StringWriter();
    Progress v = new Progress(new PrintWriter(verboseText), Progress.Level.VERBOSE, false, clock::get);
    replay(v);
    assertThat(verboseText.toString()).endsWith(
        "skipped src.example/app:1.0 -> dst.example/other:1.0  (digest match)\n");
  }

  @Test
  void liveModeRedrawsTheAreaAroundEachFinishedLineAndErasesItAtTheEnd() {
    Progress p = progress(Progress.Level.NORMAL, true);
    replay(p);
    p.close();
    String out = text.toString();
    // the synced line is printed where the area was (nothing drawn yet), then the area below it
    assertThat(out).startsWith("synced  src.example/app:1.0 -> dst.example/app:1.0  (1.9 MiB, 1.5s)\n"
        + "  > src.example/app:1.0 -> dst2.example/app:1.0  488.3 KiB  2.0s\n"
        + "[1/4 images] 2.4 MiB  1.2 MiB/s  2.0s\n");
    // the skip is not shown at this level, and close erases the two lines of the area
    assertThat(out).endsWith("\u001b[2F\u001b[J");
  }

  @Test
  void quietIsNeverLiveAndShowsOnlyFailures() {
    Progress p = progress(Progress.Level.QUIET, true);
    replay(p);
    p.close();
    assertThat(text.toString()).isEmpty();
  }
}
