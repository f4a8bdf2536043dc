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
import dev.ocync.spi.Repository;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  private static Image layoutWithTags(Path dir, String... tags) throws IOException {
    Image index = TestImages.multiArch(8, 700);
    try (Repository layout = OciLayout.directory(dir)) {
      for (String t : tags) {
        index.pushTo(layout, Optional.of(t));
      }
    }
    return index;
  }

  @Test
  void copiesBetweenLocationsTakingTheSourceTagWhenTheTargetHasNone(@TempDir Path tmp) throws IOException {
    Image index = layoutWithTags(tmp.resolve("src"), "1.0");
    Path archive = tmp.resolve("out.tar");
    try (Syncer syncer = Syncer.builder().build()) {
      CopyResult r = syncer.copy("oci:" + tmp.resolve("src"), "oci-archive:" + archive);
      assertThat(r.source()).isEqualTo("oci:" + tmp.resolve("src") + ":1.0");
      assertThat(r.target()).isEqualTo("oci-archive:" + archive + ":1.0");
      assertThat(r.digest()).isEqualTo(index.manifest().digest());
      assertThat(r.manifestsCopied()).isEqualTo(3);

      CopyResult again = syncer.copy("oci:" + tmp.resolve("src") + ":1.0", "oci-archive:" + archive + ":1.0");
      assertThat(again.unchanged()).isTrue();
    }
    try (Repository out = OciLayout.archive(archive)) {
      assertThat(out.resolve("1.0").orElseThrow().digest()).isEqualTo(index.manifest().digest());
      for (var m : index.allManifests()) {
        assertThat(out.fetchManifest(m.digest().toString()).bytes()).isEqualTo(m.bytes());
      }
    }
  }

  @Test
  void sourceGivenByDigestIsStoredByDigestOnly(@TempDir Path tmp) throws IOException {
    Image index = layoutWithTags(tmp.resolve("src"), "1.0");
    String digest = index.manifest().digest().toString();
    try (Syncer syncer = Syncer.builder().build()) {
      CopyResult r = syncer.copy("oci:" + tmp.resolve("src") + "@" + digest, "oci:" + tmp.resolve("dst"));
      assertThat(r.target()).isEqualTo("oci:" + tmp.resolve("dst") + "@" + digest);
    }
    try (Repository out = OciLayout.directory(tmp.resolve("dst"))) {
      assertThat(out.listTags()).isEmpty();
      assertThat(out.resolve(digest)).isPresent();
    }
  }

  @Test
  void referrerFallbackTagsDoNotCountAsTheLayoutsTag(@TempDir Path tmp) throws IOException {
    Image index = layoutWithTags(tmp.resolve("src"), "1.0");
    String fallback = "sha256-" + index.manifest().digest().encoded();
    try (Repository layout = OciLayout.directory(tmp.resolve("src"))) {
      // stands in for a signature's fallback index and cosign's legacy tag: any manifest does
      index.pushTo(layout, Optional.of(fallback));
      index.pushTo(layout, Optional.of(fallback + ".sig"));
    }
    try (Syncer syncer = Syncer.builder().build()) {
      CopyResult r = syncer.copy("oci:" + tmp.resolve("src"), "oci:" + tmp.resolve("dst"));
      assertThat(r.source()).isEqualTo("oci:" + tmp.resolve("src") + ":1.0");
    }
  }

  @Test
  void sourceLayoutWithSeveralTagsNeedsOne(@TempDir Path tmp) throws IOException {
    layoutWithTags(tmp.resolve("src"), "1.0", "latest");
    try (Syncer syncer = Syncer.builder().build()) {
      assertThatThrownBy(() -> syncer.copy("oci:" + tmp.resolve("src"), "oci:" + tmp.resolve("dst")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("names no tag and the layout holds 2 tags")
          .hasMessageContaining("1.0").hasMessageContaining("latest").hasMessageContaining("add :TAG");
    }
    assertThat(tmp.resolve("dst")).doesNotExist();
  }

  @Test
  void failedCopyToAnArchiveLeavesNoManifestThere(@TempDir Path tmp) throws IOException {
    MemoryRepository src = new MemoryRepository("mem://src");
    Image image = TestImages.ociImage(9, Platform.parse("linux/amd64"), 2, 500);
    image.pushTo(src, Optional.of("1.0"));
    TestImages.Blob layer = image.blobs().get(1);
    src.corruptBlob(layer.descriptor().digest(), new byte[500]);
    Path archive = tmp.resolve("x.tar");
    try (Syncer syncer = Syncer.builder().build(); Repository out = OciLayout.archive(archive)) {
      assertThatThrownBy(() -> syncer.copy(src, "1.0", out, Optional.of("1.0")))
          .isInstanceOf(dev.ocync.spi.DigestMismatchException.class)
          .hasMessageContaining(layer.descriptor().digest().toString());
    }
    if (java.nio.file.Files.exists(archive)) {
      try (Repository out = OciLayout.archive(archive)) {
        assertThat(out.listTags()).isEmpty();
        assertThat(out.resolve(image.manifest().digest().toString())).isEmpty();
        assertThat(out.hasBlob(layer.descriptor())).isFalse();
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"oci:, dir", "oci-archive:, x.tar"})
  void targetThatCannotBeWrittenFailsNamingTheTargetAndWhy(String transport, String name, @TempDir Path tmp)
      throws IOException {
    Image index = layoutWithTags(tmp.resolve("src"), "1.0");
    Path file = tmp.resolve("file");
    java.nio.file.Files.writeString(file, "not a directory");
    Path target = file.resolve(name);
    try (Syncer syncer = Syncer.builder().build()) {
      dev.ocync.spi.RegistryException e = org.assertj.core.api.Assertions.catchThrowableOfType(
          dev.ocync.spi.RegistryException.class, () -> syncer.copy("oci:" + tmp.resolve("src"), transport + target));
      // the endpoint that failed is the target, and the message says what is wrong with which path
      assertThat(e.registry()).isEqualTo(transport + target);
      assertThat(e.getMessage()).contains(file.toString()).containsPattern("(?i)not a directory|already exists");
      assertThat(index.manifest().digest()).isNotNull();
    }
    assertThat(java.nio.file.Files.readString(file)).isEqualTo("not a directory");
  }

  @Test
  void parallelFirstWritesIntoNewLayoutsSucceed(@TempDir Path tmp) throws IOException {
    MemoryRepository src = new MemoryRepository("mem://src");
    Image index = TestImages.index(java.util.List.of(
        TestImages.ociImage(10, Platform.parse("linux/amd64"), 8, 300),
        TestImages.ociImage(11, Platform.parse("linux/arm64"), 8, 300)));
    index.pushTo(src, Optional.of("1.0"));
    try (Syncer syncer = Syncer.builder().concurrency(8).build()) {
      for (int i = 0; i < 60; i++) {
        try (Repository dir = OciLayout.directory(tmp.resolve("d" + i))) {
          CopyResult r = syncer.copy(src, "1.0", dir, Optional.of("1.0"));
          assertThat(r.blobsCopied()).isEqualTo(18);
        }
      }
    }
  }

  @Test
  void aLayoutTagMovedToAnotherImageIsSaid(@TempDir Path dir) throws IOException {
    MemoryRepository src = new MemoryRepository("mem://src");
    Image scheduler = TestImages.ociImage(81, Platform.parse("linux/amd64"), 1, 100);
    Image ledger = TestImages.ociImage(82, Platform.parse("linux/amd64"), 1, 100);
    scheduler.pushTo(src, Optional.of("v1.1"));
    ledger.pushTo(src, Optional.of("v1.1-ledger"));
    try (Syncer syncer = Syncer.builder().build(); Repository layout = OciLayout.directory(dir.resolve("oci"))) {
      CopyResult first = syncer.copy(src, "v1.1", layout, Optional.of("v1.1"));
      CopyResult moved = syncer.copy(src, "v1.1-ledger", layout, Optional.of("v1.1"));

      assertThat(first.replaced()).isEmpty();
      assertThat(first.toString()).doesNotContain("moved");
      assertThat(moved.replaced()).contains(scheduler.manifest().digest());
      assertThat(moved.toString()).endsWith("; tag moved from " + scheduler.manifest().digest());
    }
  }
}
