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
  void copyConcurrencyDefaultsToTheLibrarys() throws Exception {
    String shown = CopyCommand.SPEC.option("--concurrency").defaultValue();
    try (Syncer s = Syncer.builder().build()) {
      assertThat(shown).isEqualTo(String.valueOf(s.concurrency()));
    }
  }
}
