package dev.ocync.internal.layout;

import static dev.ocync.internal.layout.LayoutRepositoryTest.assertHolds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ocync.OciLayout;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import dev.ocync.oci.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interop with skopeo: what ocync writes, skopeo reads and copies; what skopeo writes, ocync reads. */
class LayoutSkopeoIT {
  private static final Path SKOPEO = Path.of("/usr/bin/skopeo");

  @TempDir Path tmp;

  // skopeo sniffs layer content: a "+gzip" layer of random bytes gets compressed on copy, which
  // changes digests. These layers really are gzip, so a faithful copy keeps every digest.
  private final Image multi = TestImages.index(List.of(gzipImage(31, Platform.parse("linux/amd64")),
      gzipImage(32, Platform.parse("linux/arm64/v8"))));
  private final Image single = gzipImage(33, Platform.parse("linux/amd64"));
  private final Image docker = TestImages.dockerImage(34, Platform.parse("linux/amd64"), 2, 1000);

  /** An OCI image whose two layers are real gzip streams. */
  private static Image gzipImage(long seed, Platform platform) {
    try {
      List<Blob> blobs = new ArrayList<>();
      String config = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
          + platform.variant().map(v -> ",\"variant\":\"" + v + "\"").orElse("")
          + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"seed\":" + seed + "}";
      blobs.add(TestImages.blob(MediaType.OCI_CONFIG, config.getBytes(StandardCharsets.UTF_8)));
      for (int i = 0; i < 2; i++) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
          out.write(TestImages.randomBytes(seed * 100 + i, 3000));
        }
        blobs.add(TestImages.blob(MediaType.OCI_LAYER_GZIP, gz.toByteArray()));
      }
      StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST
          + "\",\"config\":" + TestImages.descriptorJson(blobs.get(0).descriptor(), Optional.empty()) + ",\"layers\":[");
      for (int i = 1; i < blobs.size(); i++) {
        json.append(i == 1 ? "" : ",").append(TestImages.descriptorJson(blobs.get(i).descriptor(), Optional.empty()));
      }
      json.append("]}");
      return new Image(Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST),
          blobs, List.of());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @BeforeAll
  static void needsSkopeo() {
    assumeTrue(Files.isExecutable(SKOPEO), "skopeo is not installed at " + SKOPEO);
  }

  /** Runs skopeo and returns its standard output; fails with its standard error. */
  private static byte[] skopeo(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SKOPEO.toString(), "--insecure-policy"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readQuietly(p.getErrorStream()));
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("skopeo finished in time").isTrue();
    assertThat(p.exitValue()).as("skopeo %s failed: %s", command, new String(err.get())).isZero();
    return out;
  }

  private static byte[] readQuietly(InputStream in) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      return e.toString().getBytes();
    }
  }

  private void writeOurs(Repository repo) throws IOException {
    multi.pushTo(repo, Optional.of("multi"));
    single.pushTo(repo, Optional.of("single"));
    docker.pushTo(repo, Optional.of("docker"));
  }

  @Test
  void skopeoReadsOurDirectory() throws Exception {
    Path dir = tmp.resolve("ours");
    try (Repository repo = OciLayout.directory(dir)) {
      writeOurs(repo);
    }
    assertThat(skopeo("inspect", "--raw", "oci:" + dir + ":multi")).isEqualTo(multi.manifest().bytes());
    assertThat(skopeo("inspect", "--raw", "oci:" + dir + ":single")).isEqualTo(single.manifest().bytes());
    // skopeo 1.9 skips index.json entries of Docker media types (and has no oci:DIR@digest), so the
    // Docker image tagged "docker" is invisible to it; its entry must not disturb the others.
    // skopeo verifies every blob it copies
    Path other = tmp.resolve("copy");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + dir + ":multi", "oci:" + other + ":multi");
    try (Repository copy = OciLayout.directory(other)) {
      assertHolds(copy, multi, "multi");
    }
  }

  @Test
  void skopeoReadsOurArchive() throws Exception {
    Path file = tmp.resolve("ours.tar");
    try (Repository repo = OciLayout.archive(file)) {
      writeOurs(repo);
    }
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + file + ":multi")).isEqualTo(multi.manifest().bytes());
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + file + ":single")).isEqualTo(single.manifest().bytes());
    Path other = tmp.resolve("copy");
    skopeo("copy", "--all", "--preserve-digests", "oci-archive:" + file + ":multi", "oci:" + other + ":multi");
    skopeo("copy", "--all", "--preserve-digests", "oci-archive:" + file + ":single", "oci:" + other + ":single");
    try (Repository copy = OciLayout.directory(other)) {
      assertHolds(copy, multi, "multi");
      assertHolds(copy, single, "single");
      assertThat(copy.listTags()).containsExactly("multi", "single");
    }
  }

  @Test
  void weReadWhatSkopeoWrites() throws Exception {
    Path ours = tmp.resolve("ours");
    try (Repository repo = OciLayout.directory(ours)) {
      writeOurs(repo);
    }
    Path theirs = tmp.resolve("theirs");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":multi", "oci:" + theirs + ":multi2");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":single", "oci:" + theirs + ":single2");
    try (Repository repo = OciLayout.directory(theirs)) {
      assertThat(repo.listTags()).containsExactly("multi2", "single2");
      assertHolds(repo, multi, "multi2");
      assertHolds(repo, single, "single2");
    }
    Path archive = tmp.resolve("theirs.tar");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":multi", "oci-archive:" + archive + ":multi3");
    try (Repository repo = OciLayout.archive(archive)) {
      assertHolds(repo, multi, "multi3");
      Manifest m = repo.fetchManifest("multi3");
      assertThat(m.digest()).isEqualTo(multi.manifest().digest());
      // appending to skopeo's archive keeps its content, and skopeo still reads it
      single.pushTo(repo, Optional.of("single"));
    }
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + archive + ":multi3")).isEqualTo(multi.manifest().bytes());
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + archive + ":single")).isEqualTo(single.manifest().bytes());
  }

  @Test
  void skopeoReadsOurBundleByRepositoryAndTag() throws Exception {
    Path file = tmp.resolve("bundle.tar");
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(file)) {
      multi.pushTo(bundle.repository("mirror/app"), Optional.of("1.4"));
      single.pushTo(bundle.repository("mirror/app"), Optional.of("1.5"));
      single.pushTo(bundle.repository("other/db"), Optional.of("1.4"));
    }
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + file + ":mirror/app:1.4"))
        .isEqualTo(multi.manifest().bytes());
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + file + ":other/db:1.4"))
        .isEqualTo(single.manifest().bytes());
    Path dir = tmp.resolve("bundle");
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir)) {
      multi.pushTo(bundle.repository("mirror/app"), Optional.of("1.4"));
    }
    assertThat(skopeo("inspect", "--raw", "oci:" + dir + ":mirror/app:1.4")).isEqualTo(multi.manifest().bytes());
    Path other = tmp.resolve("copy");
    skopeo("copy", "--all", "--preserve-digests", "oci-archive:" + file + ":mirror/app:1.4",
        "oci:" + other + ":multi");
    try (Repository copy = OciLayout.directory(other)) {
      assertHolds(copy, multi, "multi");
    }
  }

  @Test
  void weReadABundleSkopeoWrites() throws Exception {
    Path ours = tmp.resolve("ours");
    try (Repository repo = OciLayout.directory(ours)) {
      writeOurs(repo);
    }
    Path theirs = tmp.resolve("theirs.tar");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":multi", "oci-archive:" + theirs + ":mirror/app:1.4");
    // skopeo rewrites an oci-archive whole, so a second image goes into a directory bundle
    Path dir = tmp.resolve("theirs");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":multi", "oci:" + dir + ":mirror/app:1.4");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":single", "oci:" + dir + ":mirror/app:2.0");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":single", "oci:" + dir + ":tools/x:1");
    skopeo("copy", "--all", "--preserve-digests", "oci:" + ours + ":single", "oci:" + dir + ":plain");
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(theirs)) {
      assertThat(bundle.repositories()).containsExactly("mirror/app");
      assertThat(bundle.repository("mirror/app").listTags()).containsExactly("1.4");
      assertHolds(bundle.repository("mirror/app"), multi, "1.4");
    }
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir)) {
      assertThat(bundle.repositories()).containsExactly("mirror/app", "tools/x");
      assertThat(bundle.repository("mirror/app").listTags()).containsExactly("1.4", "2.0");
      assertHolds(bundle.repository("mirror/app"), multi, "1.4");
      assertHolds(bundle.repository("tools/x"), single, "1");
    }
    // the same directory as a single-repository layout: ref names as they are
    try (Repository plain = OciLayout.directory(dir)) {
      assertThat(plain.listTags()).containsExactly("mirror/app:1.4", "mirror/app:2.0", "tools/x:1", "plain");
      assertHolds(plain, single, "plain");
    }
  }
}
