package dev.ocync.internal.layout;

import static dev.ocync.internal.layout.LayoutRepositoryTest.assertHolds;
import static dev.ocync.internal.layout.LayoutRepositoryTest.indexJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.OciLayout;
import dev.ocync.Syncer;
import dev.ocync.internal.engine.ForwardingRepository;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression tests for the layout findings of issue 5 (items 2-5, 9, 13-16, 25). */
class LayoutHardeningTest {
  @TempDir Path tmp;

  private final Image multi = TestImages.multiArch(31, 300);
  private final Image docker = TestImages.dockerImage(32, Platform.parse("linux/amd64"), 2, 200);

  /** A target that refuses to push one manifest, as a target does when a copy fails halfway. */
  private static Repository failingOn(Repository target, Digest refused) {
    return new ForwardingRepository(target) {
      @Override
      public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
        if (manifest.digest().equals(refused)) {
          throw new RegistryException("refused for the test", RegistryException.Context.of(target.location()));
        }
        super.pushManifest(manifest, tag);
      }

      @Override
      public void close() throws IOException {
        target.close();
      }
    };
  }

  /**
   * A target that drops one blob it is given while saying it stored it, so that the target itself
   * then refuses the manifest that needs it: a copy that fails at the target halfway.
   */
  private static Repository droppingBlob(Repository target, Digest dropped) {
    return new ForwardingRepository(target) {
      @Override
      public void pushBlob(Descriptor blob, InputStream content) throws IOException {
        if (blob.digest().equals(dropped)) {
          content.transferTo(OutputStream.nullOutputStream());
          return;
        }
        super.pushBlob(blob, content);
      }

      @Override
      public void close() throws IOException {
        target.close();
      }
    };
  }

  /** An index whose first child has a subject (an attestation-like manifest) and whose second is an image. */
  private Image indexWithReferrerChild() {
    Image a = TestImages.referrer(33, docker.manifest().descriptor(), "application/vnd.example.att");
    Image b = TestImages.ociImage(34, Platform.parse("linux/arm64"), 1, 100);
    return TestImages.index(List.of(a, b));
  }

  /** A layout directory holding the Docker image tagged "d". */
  private Path layoutWithDocker() throws IOException {
    Path dir = tmp.resolve("layout");
    try (Repository repo = OciLayout.directory(dir)) {
      docker.pushTo(repo, Optional.of("d"));
    }
    return dir;
  }

  /** Adds the regular files of {@code dir} that {@code keep} accepts to a tar, in name order. */
  private static void addFiles(TarArchiveOutputStream out, Path dir, java.util.function.Predicate<Path> keep)
      throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).filter(keep).sorted().toList();
    }
    for (Path f : files) {
      TarArchiveEntry e = new TarArchiveEntry(dir.relativize(f).toString());
      e.setSize(Files.size(f));
      out.putArchiveEntry(e);
      Files.copy(f, out);
      out.closeArchiveEntry();
    }
  }

  private Path sourceLayout(Image image, String tag) throws IOException {
    Path src = tmp.resolve("src");
    try (Repository repo = OciLayout.directory(src)) {
      image.pushTo(repo, Optional.of(tag));
    }
    return src;
  }

  // ------------------------------------------------------------------ item 2

  @Test
  void copyByDigestIntoAnArchiveStoresTheManifestByDigest() throws IOException {
    Path src = sourceLayout(multi, "multi");
    Path archive = tmp.resolve("a.tar");
    try (Syncer syncer = Syncer.builder().build()) {
      syncer.copy("oci:" + src + "@" + multi.manifest().digest(), "oci-archive:" + archive);
      // and again into the existing archive, with another image
      Path src2 = tmp.resolve("src2");
      try (Repository repo = OciLayout.directory(src2)) {
        docker.pushTo(repo, Optional.of("d"));
      }
      syncer.copy("oci:" + src2 + "@" + docker.manifest().digest(), "oci-archive:" + archive);
    }
    try (Repository repo = OciLayout.archive(archive)) {
      assertThat(repo.fetchManifest(multi.manifest().digest().toString()).bytes()).isEqualTo(multi.manifest().bytes());
      assertThat(repo.fetchManifest(docker.manifest().digest().toString()).bytes())
          .isEqualTo(docker.manifest().bytes());
      for (Blob b : multi.allBlobs()) {
        assertThat(repo.hasBlob(b.descriptor())).isTrue();
      }
      assertThat(repo.listTags()).isEmpty(); // as a directory layout: by digest, no tag
    }
  }

  // ------------------------------------------------------------------ item 3

  @Test
  void failedIndexCopyLeavesIndexJsonAsItWas() throws IOException {
    Image index = indexWithReferrerChild();
    Path src = sourceLayout(index, "v1");
    Path dst = tmp.resolve("dst");
    try (Repository seed = OciLayout.directory(dst)) {
      docker.pushTo(seed, Optional.of("d"));
    }
    byte[] before = Files.readAllBytes(dst.resolve("index.json"));
    try (Syncer syncer = Syncer.builder().build();
        Repository source = OciLayout.directory(src);
        Repository target = failingOn(OciLayout.directory(dst), index.children().get(1).manifest().digest())) {
      assertThatThrownBy(() -> syncer.copy(source, "v1", target, Optional.of("v1")))
          .isInstanceOf(RegistryException.class).hasMessageContaining("refused for the test");
    }
    assertThat(Files.readAllBytes(dst.resolve("index.json"))).isEqualTo(before);
  }

  @Test
  void failedIndexCopyDoesNotWriteTheArchive() throws IOException {
    Image index = indexWithReferrerChild();
    Path src = sourceLayout(index, "v1");
    Path archive = tmp.resolve("a.tar");
    Digest layerOfB = index.children().get(1).blobs().get(1).descriptor().digest();
    try (Syncer syncer = Syncer.builder().build();
        Repository source = OciLayout.directory(src);
        Repository target = droppingBlob(OciLayout.archive(archive), layerOfB)) {
      assertThatThrownBy(() -> syncer.copy(source, "v1", target, Optional.of("v1")))
          .isInstanceOf(RegistryException.class).hasMessageContaining("references content that is not in the layout");
    }
    assertThat(archive).doesNotExist();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("src");
    }
    // and by digest (no tag at all): still nothing
    try (Syncer syncer = Syncer.builder().build();
        Repository source = OciLayout.directory(src);
        Repository target = droppingBlob(OciLayout.archive(archive), layerOfB)) {
      assertThatThrownBy(() -> syncer.copy(source, index.manifest().digest().toString(), target, Optional.empty()))
          .isInstanceOf(RegistryException.class);
    }
    assertThat(archive).doesNotExist();
  }

  @Test
  void untaggedReferrerIsStoredAsABlobOnly() throws IOException {
    Image sbom = TestImages.referrer(35, docker.manifest().descriptor(), "application/spdx+json");
    Path dir = layoutWithDocker();
    try (Repository repo = OciLayout.directory(dir)) {
      sbom.pushTo(repo, Optional.empty());
      assertThat(repo.resolve(sbom.manifest().digest().toString())).isPresent();
    }
    assertThat(indexJson(dir).get("manifests")).hasSize(1);
  }

  @Test
  void referrersWrittenAsUntaggedEntriesByOlderWritersAreStillListed() throws IOException {
    Image sbom = TestImages.referrer(36, docker.manifest().descriptor(), "application/spdx+json");
    Path dir = layoutWithDocker();
    try (Repository repo = OciLayout.directory(dir)) {
      sbom.pushTo(repo, Optional.empty());
    }
    // as ocync before this change, and ORAS, list a referrer without a tag
    Manifest m = sbom.manifest();
    String entry = ",{\"mediaType\":\"" + m.mediaType() + "\",\"digest\":\"" + m.digest() + "\",\"size\":" + m.size()
        + "}]}";
    String index = Files.readString(dir.resolve("index.json"));
    Files.writeString(dir.resolve("index.json"), index.substring(0, index.lastIndexOf("]}")) + entry);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.listReferrers(docker.manifest().digest(), Optional.empty())).extracting(Descriptor::digest)
          .containsExactly(m.digest());
    }
  }

  @Test
  void foreignLayerMissingEverywhereIsExcusedByMediaType() throws IOException {
    Blob config = TestImages.blob(MediaType.DOCKER_CONFIG,
        "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
    Blob foreign = TestImages.blob(MediaType.DOCKER_FOREIGN_LAYER, TestImages.randomBytes(37, 100));
    Blob nondist = TestImages.blob(MediaType.OCI_LAYER_NONDISTRIBUTABLE_GZIP, TestImages.randomBytes(38, 100));
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.DOCKER_MANIFEST + "\",\"config\":"
        + TestImages.descriptorJson(config.descriptor(), Optional.empty()) + ",\"layers\":["
        + TestImages.descriptorJson(foreign.descriptor(), Optional.empty()) + ","
        + TestImages.descriptorJson(nondist.descriptor(), Optional.empty()) + "]}";
    Manifest manifest = Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.DOCKER_MANIFEST);
    Path src = tmp.resolve("src");
    try (Repository repo = OciLayout.directory(src)) {
      repo.pushBlob(config.descriptor(), new ByteArrayInputStream(config.bytes()));
      repo.pushManifest(manifest, Optional.of("win")); // neither layer is here, nor has urls
    }
    Path dst = tmp.resolve("dst.tar");
    try (Syncer syncer = Syncer.builder().build()) {
      syncer.copy("oci:" + src + ":win", "oci-archive:" + dst);
    }
    try (Repository repo = OciLayout.archive(dst)) {
      assertThat(repo.fetchManifest("win").bytes()).isEqualTo(manifest.bytes());
    }
  }

  // ------------------------------------------------------------------ item 4

  @Test
  void parallelWritersOfOneArchiveLoseNoTag() throws Exception {
    Path archive = tmp.resolve("a.tar");
    int writers = 5;
    CountDownLatch allRead = new CountDownLatch(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        Image image = TestImages.ociImage(40 + i, Platform.parse("linux/amd64"), 1, 100);
        String tag = "t" + i;
        done.add(pool.submit(() -> {
          try (Repository repo = OciLayout.archive(archive)) {
            image.pushTo(repo, Optional.of(tag));
            allRead.countDown();
            // every writer has read the archive as it was before any of them closes
            allRead.await(30, TimeUnit.SECONDS);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Repository repo = OciLayout.archive(archive)) {
      assertThat(repo.listTags()).containsExactlyInAnyOrder("t0", "t1", "t2", "t3", "t4");
      for (int i = 0; i < writers; i++) {
        assertHolds(repo, TestImages.ociImage(40 + i, Platform.parse("linux/amd64"), 1, 100), "t" + i);
      }
    }
  }

  // ------------------------------------------------------------------ item 5

  @Test
  void truncatedBlobInTargetIsWrittenAgain() throws IOException {
    Path dir = layoutWithDocker();
    Blob layer = docker.blobs().get(1);
    Path file = dir.resolve(LayoutFormat.blobPath(layer.descriptor().digest()));
    Files.write(file, new byte[10]);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.hasBlob(layer.descriptor())).isFalse();
      docker.pushTo(repo, Optional.of("d"));
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(layer.bytes());
  }

  @Test
  void sameSizeCorruptionIsFoundOnlyWithVerifyBlobs() throws IOException {
    Path dir = layoutWithDocker();
    Blob layer = docker.blobs().get(1);
    Path file = dir.resolve(LayoutFormat.blobPath(layer.descriptor().digest()));
    byte[] flipped = layer.bytes().clone();
    flipped[7] ^= 1;
    Files.write(file, flipped);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.hasBlob(layer.descriptor())).isTrue(); // the cheap check is the size
    }
    try (Repository repo = OciLayout.directory(dir, OciLayout.Option.VERIFY_BLOBS)) {
      assertThat(repo.hasBlob(layer.descriptor())).isFalse();
      assertThat(repo.hasBlob(docker.blobs().get(0).descriptor())).isTrue();
      docker.pushTo(repo, Optional.of("d"));
      assertThat(repo.hasBlob(layer.descriptor())).isTrue();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(layer.bytes());
  }

  // ------------------------------------------------------------------ item 9

  @Test
  void existingArchiveKeepsItsPermissionsAndANewOneGetsTheUmask() throws IOException {
    Path archive = tmp.resolve("a.tar");
    try (Repository repo = OciLayout.archive(archive)) {
      multi.pushTo(repo, Optional.of("m"));
    }
    Path probe = tmp.resolve("probe");
    try (OutputStream out = Files.newOutputStream(probe)) {
      out.write(1);
    }
    assertThat(Files.getPosixFilePermissions(archive)).isEqualTo(Files.getPosixFilePermissions(probe));
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-------"));
    try (Repository repo = OciLayout.archive(archive)) {
      docker.pushTo(repo, Optional.of("d"));
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("rw-------");
    try (Repository repo = OciLayout.archive(archive)) {
      assertThat(repo.listTags()).containsExactly("m", "d");
    }
  }

  // ------------------------------------------------------------------ item 13

  @Test
  void indexJsonIsReadOncePerOpenAndAgainOnlyUnderTheLockToUpdateIt() throws IOException {
    Path dir = layoutWithDocker();
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.resolve("d")).isPresent();
      Files.writeString(dir.resolve("index.json"), "not json");
      // lookups use the index read at first use
      assertThat(repo.resolve("d").orElseThrow().digest()).isEqualTo(docker.manifest().digest());
      assertThat(repo.listTags()).containsExactly("d");
      assertThat(repo.fetchManifest("d").bytes()).isEqualTo(docker.manifest().bytes());
      // an update starts from the file on disk
      assertThatThrownBy(() -> multi.pushTo(repo, Optional.of("m"))).isInstanceOf(RegistryException.class)
          .hasMessageContaining("index.json is not valid JSON");
    }
  }

  // ------------------------------------------------------------------ item 14

  @Test
  void archiveWithHardLinksIsReadButNotWrittenInto() throws IOException {
    Path dir = layoutWithDocker();
    Path archive = tmp.resolve("links.tar");
    String linked = LayoutFormat.blobPath(docker.blobs().get(1).descriptor().digest());
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      addFiles(out, dir, p -> !p.getFileName().toString().startsWith("."));
      for (int i = 0; i < 100; i++) {
        TarArchiveEntry link = new TarArchiveEntry("extra/copy-" + i, TarConstants.LF_LINK);
        link.setLinkName(linked);
        out.putArchiveEntry(link);
        out.closeArchiveEntry();
      }
    }
    byte[] before = Files.readAllBytes(archive);
    try (Repository repo = OciLayout.archive(archive)) {
      assertHolds(repo, docker, "d");
      assertThatThrownBy(() -> multi.pushTo(repo, Optional.of("m"))).isInstanceOf(RegistryException.class)
          .hasMessageContaining("refusing to write into the archive: it has 100 link entries")
          .hasMessageContaining("an OCI layout never needs links");
    }
    assertThat(Files.readAllBytes(archive)).isEqualTo(before);
  }

  @Test
  void ocyncsOwnLockAndTemporaryFilesInATargetArchiveAreDropped() throws IOException {
    Path dir = layoutWithDocker();
    Files.write(dir.resolve("blobs/sha256/.ocync-5555.tmp"), new byte[50]);
    Path archive = tmp.resolve("with-lock.tar");
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      addFiles(out, dir, p -> true);
    }
    try (Repository repo = OciLayout.archive(archive)) {
      multi.pushTo(repo, Optional.of("m"));
    }
    List<String> names = new ArrayList<>();
    try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
      }
    }
    assertThat(names).contains("index.json").noneMatch(n -> n.contains(".ocync-"));
  }

  // ------------------------------------------------------------------ item 15

  @Test
  void lockFileSymlinkIsNotFollowed() throws IOException {
    Path dir = layoutWithDocker();
    Path outside = tmp.resolve("outside-file");
    Files.delete(dir.resolve(LayoutFormat.LOCK));
    Files.createSymbolicLink(dir.resolve(LayoutFormat.LOCK), outside);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThatThrownBy(() -> multi.pushTo(repo, Optional.of("m"))).isInstanceOf(RegistryException.class)
          .hasMessageContaining("is a symbolic link");
    }
    assertThat(outside).doesNotExist();
  }

  @Test
  void blobsSymlinkLeadingOutsideIsRefusedBeforeAnythingIsCreated() throws IOException {
    Path dir = tmp.resolve("layout");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(dir.resolve("blobs"), outside);
    Blob b = docker.blobs().get(0);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThatThrownBy(() -> repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes())))
          .isInstanceOf(RegistryException.class).hasMessageContaining("leads outside");
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
  }

  // ------------------------------------------------------------------ item 16

  @Test
  void staleTemporaryBlobFilesAreRemovedByTheNextWrite() throws IOException {
    Path dir = layoutWithDocker();
    Path blobs = dir.resolve("blobs/sha256");
    Path stale = Files.write(blobs.resolve(".ocync-1111.tmp"), new byte[100]);
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(3, ChronoUnit.HOURS)));
    Path live = Files.write(blobs.resolve(".ocync-2222.tmp"), new byte[100]);
    try (Repository repo = OciLayout.directory(dir)) {
      multi.pushTo(repo, Optional.of("m"));
    }
    assertThat(stale).doesNotExist();
    assertThat(live).exists(); // may belong to a writer that is still running
  }

  @Test
  void stagingLeftoversOfKilledArchiveWritersAreRemovedByTheNextWrite() throws IOException {
    Path archive = tmp.resolve("a.tar");
    try (Repository repo = OciLayout.archive(archive)) {
      docker.pushTo(repo, Optional.of("d"));
    }
    // a writer killed with its staging directory (lock file unlocked now), one killed before it
    // made its lock file, an interrupted temporary archive, and an unrelated directory
    Path killed = Files.createDirectories(tmp.resolve(".a.tar.ocync-111"));
    Path lock = Files.write(killed.resolve(".ocync-staging.lock"), new byte[0]);
    Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minus(10, ChronoUnit.MINUTES)));
    Files.write(Files.createDirectories(killed.resolve("blobs/sha256")).resolve("x"), new byte[1000]);
    Path early = Files.createDirectories(tmp.resolve(".a.tar.ocync-222"));
    Files.setLastModifiedTime(early, FileTime.from(Instant.now().minus(3, ChronoUnit.HOURS)));
    Path temp = Files.write(tmp.resolve(".a.tar.ocync-333.tmp"), new byte[1000]);
    Path unrelated = Files.createDirectories(tmp.resolve(".b.tar.ocync-444"));
    try (Repository repo = OciLayout.archive(archive)) {
      multi.pushTo(repo, Optional.of("m"));
    }
    assertThat(killed).doesNotExist();
    assertThat(early).doesNotExist();
    assertThat(temp).doesNotExist();
    assertThat(unrelated).exists();
  }

  // ------------------------------------------------------------------ item 25

  @Test
  void missingArchiveSaysSo() throws IOException {
    Path archive = tmp.resolve("missing.tar");
    try (Repository repo = OciLayout.archive(archive)) {
      assertThatThrownBy(() -> repo.fetchManifest("v1")).isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith("no such archive file: " + archive + " (");
    }
  }

  @Test
  void wrongTagListsTheTagsThereAre() throws IOException {
    Path dir = tmp.resolve("layout");
    try (Repository repo = OciLayout.directory(dir)) {
      multi.pushTo(repo, Optional.of("multi"));
      docker.pushTo(repo, Optional.of("docker"));
      assertThatThrownBy(() -> repo.fetchManifest("v9")).isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith("no manifest tagged \"v9\" in the layout; its tags are multi, docker (");
    }
    try (Repository repo = OciLayout.directory(tmp.resolve("empty"))) {
      Files.createDirectories(tmp.resolve("empty"));
      Files.writeString(tmp.resolve("empty/oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      assertThatThrownBy(() -> repo.fetchManifest("v9")).isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith("no manifest tagged \"v9\" in the layout; it has no tagged manifest (");
    }
  }

  @Test
  void gzippedArchiveIsNamedAsSuch() throws IOException {
    Path archive = tmp.resolve("a.tar");
    try (Repository repo = OciLayout.archive(archive)) {
      docker.pushTo(repo, Optional.of("d"));
    }
    Path gz = tmp.resolve("a.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(archive, out);
    }
    try (Repository repo = OciLayout.archive(gz)) {
      assertThatThrownBy(repo::listTags).isInstanceOf(RegistryException.class)
          .hasMessageContaining("this is gzip; ocync reads uncompressed OCI archives");
    }
  }
}
