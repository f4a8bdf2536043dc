package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Image;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyncerCopyTest {

  @Test
  void copyReturnsAResultWithCountsAndAOneLineSummary() throws IOException {
    MemoryRepository src = new MemoryRepository("mem://src");
    MemoryRepository dst = new MemoryRepository("mem://dst");
    Image index = TestImages.multiArch(3, 6 * 1024);
    index.pushTo(src, Optional.of("1.0"));

    try (Syncer syncer = Syncer.builder().concurrency(2).build()) {
      CopyResult r = syncer.copy(src, "1.0", dst, Optional.of("1.0"));

      assertThat(r.digest()).isEqualTo(index.manifest().digest());
      assertThat(r.mediaType()).isEqualTo(MediaType.OCI_INDEX);
      assertThat(r.unchanged()).isFalse();
      assertThat(r.manifestsCopied()).isEqualTo(3);
      assertThat(r.manifestsSkipped()).isZero();
      assertThat(r.blobsCopied()).isEqualTo(6);
      assertThat(r.blobsSkipped()).isZero();
      assertThat(r.blobsMounted()).isZero();
      assertThat(r.foreignBlobsSkipped()).isEmpty();
      long bytes = index.allBlobs().stream().mapToLong(b -> b.descriptor().size()).sum();
      assertThat(r.bytesCopied()).isEqualTo(bytes);
      assertThat(r.duration()).isPositive();
      assertThat(r.toString()).matches("Copied mem://src:1\\.0 -> mem://dst:1\\.0  " + index.manifest().digest()
          + " \\(OCI index, 3 manifests, 6 blobs, " + CopyResult.humanBytes(bytes).replace(".", "\\.")
          + "\\) in \\d+\\.\\d s");

      CopyResult again = syncer.copy(src, "1.0", dst, Optional.of("1.0"));
      assertThat(again.unchanged()).isTrue();
      assertThat(again.toString()).startsWith("Unchanged mem://src:1.0 -> mem://dst:1.0  " + index.manifest().digest()
          + " (OCI index, already present) in ");
    }
  }

  @Test
  void summaryMentionsWhatWasAlreadyThere() throws IOException {
    MemoryRepository src = new MemoryRepository("mem://src");
    MemoryRepository dst = new MemoryRepository("mem://dst");
    Image amd = TestImages.ociImage(4, Platform.parse("linux/amd64"), 1, 100);
    Image index = TestImages.index(java.util.List.of(amd, TestImages.ociImage(5, Platform.parse("linux/arm64"), 1, 100)));
    index.pushTo(src, Optional.of("1.0"));
    amd.pushTo(dst, Optional.empty());
    try (Syncer syncer = Syncer.builder().build()) {
      CopyResult r = syncer.copy(src, "1.0", dst, Optional.of("1.0"));
      assertThat(r.toString()).contains("(OCI index, 2 manifests, 2 blobs, " + r.bytesCopied() + " B; already present: 1 manifest)");
    }
  }

  @ParameterizedTest
  @CsvSource({"0, 0 B", "1023, 1023 B", "1024, 1.0 KiB", "12595, 12.3 KiB", "5242880, 5.0 MiB",
      "3221225472, 3.0 GiB"})
  void humanBytes(long bytes, String shown) {
    assertThat(CopyResult.humanBytes(bytes)).isEqualTo(shown);
  }

  @Test
  void badLocationsAreRejectedBeforeAnythingIsOpened() throws IOException {
    try (Syncer syncer = Syncer.builder().build()) {
      assertThatThrownBy(() -> syncer.copy("dir:/tmp/x", "oci:/tmp/y"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid location \"dir:/tmp/x\"")
          .hasMessageContaining("oci-archive:FILE[:TAG]");
      assertThatThrownBy(() -> syncer.copy("oci:/tmp/x:1.0", "oci:/tmp/y@sha256:" + "0".repeat(64)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a target cannot name a digest");
    }
  }

  @Test
  void closedSyncerRefusesToCopy() throws IOException {
    Syncer syncer = Syncer.builder().build();
    syncer.close();
    assertThatThrownBy(() -> syncer.copy(new MemoryRepository("a"), "1.0", new MemoryRepository("b"), Optional.empty()))
        .isInstanceOf(IllegalStateException.class);
  }
}
