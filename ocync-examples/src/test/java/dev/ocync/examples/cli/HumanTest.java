package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.Syncer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CLI speaks the library's units and defaults. */
class HumanTest {
  @Test
  void bytesAreIecAsTheLibraryPrintsThem() {
    for (long n : new long[] {0, 1023, 1024, 1536, 500_000, 3L << 20, 5L << 30}) {
      ImageResult r = new ImageResult("a/b:1", "c/d:1", Optional.of("1"), ImageResult.Status.SYNCED, Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true, n, 1, 0, 0, 1, 0,
          Duration.ZERO);
      assertThat(r.toString()).as("%d bytes", n).endsWith(", " + Human.bytes(n) + ")");
    }
    assertThat(Human.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(Human.bytes(3L << 20)).isEqualTo("3.0 MiB");
  }

  @Test
  void sizesAndDurationsReadAsFormatPrintedThem() {
    java.util.Random r = new java.util.Random(3);
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    for (int i = 0; i < 5_000; i++) {
      long n = 1024 + (r.nextLong() >>> (2 + r.nextInt(62)));
      double v = n;
      int u = -1;
      while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
      }
      assertThat(Human.bytes(n)).as("%d bytes", n).isEqualTo(String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]));
    }
    for (long ms = 0; ms < 10_000; ms++) {
      assertThat(Human.duration(Duration.ofMillis(ms))).isEqualTo(String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0));
    }
  }

  @Test
  void copyConcurrencyDefaultsToTheLibrarys() throws Exception {
    String shown = CopyCommand.SPEC.option("--concurrency").defaultValue();
    try (Syncer s = Syncer.builder().build()) {
      assertThat(shown).isEqualTo(String.valueOf(s.concurrency()));
    }
  }
}
