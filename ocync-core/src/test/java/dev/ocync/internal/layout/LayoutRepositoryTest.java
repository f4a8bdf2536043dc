package dev.ocync.internal.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutRepositoryTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** Everything an image consists of reads back byte for byte. */
  static void assertHolds(Repository repo, Image image, String tag) throws IOException {
    Descriptor resolved = repo.resolve(tag).orElseThrow();
    assertThat(resolved.digest()).isEqualTo(image.manifest().digest());
    assertThat(resolved.mediaType()).isEqualTo(image.manifest().mediaType());
    assertThat(resolved.size()).isEqualTo(image.manifest().size());
    assertThat(repo.fetchManifest(tag).bytes()).isEqualTo(image.manifest().bytes());
    for (Manifest m : image.allManifests()) {
      Manifest fetched = repo.fetchManifest(m.digest().toString());
      assertThat(fetched.bytes()).isEqualTo(m.bytes());
      assertThat(fetched.mediaType()).isEqualTo(m.mediaType());
      assertThat(repo.resolve(m.digest().toString()).orElseThrow().mediaType()).isEqualTo(m.mediaType());
    }
    for (Blob b : image.allBlobs()) {
      assertThat(repo.hasBlob(b.descriptor())).isTrue();
      try (InputStream in = repo.openBlob(b.descriptor())) {
        assertThat(in.readAllBytes()).isEqualTo(b.bytes());
      }
    }
  }

  /**
   * The referrers fallback index of {@code subject} listing {@code referrers}, as the engine writes
   * it at a target without the referrers API, with its tag {@code <alg>-<hex>}.
   */
  static Image fallbackIndex(Descriptor subject, List<Image> referrers) {
    StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX
        + "\",\"manifests\":[");
    for (int i = 0; i < referrers.size(); i++) {
      Manifest m = referrers.get(i).manifest();
      json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(m.mediaType()).append("\",\"digest\":\"")
          .append(m.digest()).append("\",\"size\":").append(m.size()).append(",\"artifactType\":\"")
          .append(m.artifactType().orElseThrow()).append("\"}");
    }
    json.append("]}");
    return new Image(Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX),
        List.of(), List.of());
  }

  /** The fallback tag of {@code subject}. */
  static String fallbackTag(Descriptor subject) {
    return "sha256-" + subject.digest().encoded();
  }

  static JsonNode indexJson(Path dir) throws IOException {
    return JSON.readTree(dir.resolve("index.json").toFile());
  }

  static List<Path> blobFiles(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("blobs"))) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir.resolve("blobs"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void roundTripOfIndexDockerImageAndReferrer() throws IOException {
    Path dir = tmp.resolve("layout");
    Image multi = TestImages.multiArch(1, 300);
    Image docker = TestImages.dockerImage(2, Platform.parse("linux/amd64"), 2, 200);
    Image sbom = TestImages.referrer(3, multi.manifest().descriptor(), "application/spdx+json");
    Image sig = TestImages.referrer(4, multi.manifest().descriptor(), "application/vnd.dev.cosign.signature");
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.location()).isEqualTo("oci:" + dir.toAbsolutePath());
      multi.pushTo(repo, Optional.of("multi"));
      docker.pushTo(repo, Optional.of("docker"));
      sbom.pushTo(repo, Optional.empty());
      sig.pushTo(repo, Optional.empty());
      // untagged referrers are blobs only; the fallback tag lists them, as on distribution 2.8
      assertThat(repo.listReferrers(multi.manifest().digest(), Optional.empty())).isEmpty();
      fallbackIndex(multi.manifest().descriptor(), List.of(sbom, sig))
          .pushTo(repo, Optional.of(fallbackTag(multi.manifest().descriptor())));
      assertHolds(repo, multi, "multi");
      assertHolds(repo, docker, "docker");
      assertThat(repo.listTags()).containsExactly("multi", "docker", fallbackTag(multi.manifest().descriptor()));
      assertThat(repo.listReferrers(multi.manifest().digest(), Optional.empty()))
          .extracting(Descriptor::digest).containsExactly(sbom.manifest().digest(), sig.manifest().digest());
      List<Descriptor> spdx = repo.listReferrers(multi.manifest().digest(), Optional.of("application/spdx+json"));
      assertThat(spdx).extracting(Descriptor::digest).containsExactly(sbom.manifest().digest());
      assertThat(spdx.get(0).artifactType()).contains("application/spdx+json");
      assertThat(repo.listReferrers(docker.manifest().digest(), Optional.empty())).isEmpty();
    }
    // a fresh instance reads what is on disk
    try (Repository again = LayoutRepository.open(dir)) {
      assertHolds(again, multi, "multi");
      assertHolds(again, docker, "docker");
    }
    assertThat(Files.readString(dir.resolve("oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    JsonNode index = indexJson(dir);
    assertThat(index.get("schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.get("mediaType").asText()).isEqualTo(MediaType.OCI_INDEX);
    // children of the index and the referrers are blobs only; the three tags are listed
    assertThat(index.get("manifests")).hasSize(3);
    JsonNode first = index.get("manifests").get(0);
    assertThat(first.get("digest").asText()).isEqualTo(multi.manifest().digest().toString());
    assertThat(first.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("multi");
    assertThat(Files.readAllBytes(dir.resolve(LayoutFormat.blobPath(multi.manifest().digest()))))
        .isEqualTo(multi.manifest().bytes());
  }

  @Test
  void digestOfALayerIsNotAManifest() throws IOException {
    Image image = TestImages.ociImage(5, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(tmp)) {
      image.pushTo(repo, Optional.of("v1"));
      Descriptor layer = image.manifest().layers().get(0);
      assertThat(repo.resolve(layer.digest().toString())).isEmpty();
      assertThat(repo.resolve("nope")).isEmpty();
      assertThatThrownBy(() -> repo.fetchManifest("nope")).isInstanceOf(NotFoundException.class)
          .hasMessageContaining(tmp.toString()).hasMessageContaining("nope");
      Digest absent = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
      assertThat(repo.resolve(absent.toString())).isEmpty();
      assertThatThrownBy(() -> repo.fetchManifest(absent.toString())).isInstanceOf(NotFoundException.class)
          .hasMessageContaining(absent.toString());
      assertThatThrownBy(() -> repo.openBlob(Descriptor.of(MediaType.OCI_LAYER, absent, 6)))
          .isInstanceOf(NotFoundException.class).hasMessageContaining(absent.toString());
    }
  }

  @Test
  void mismatchingBlobCommitsNothing() throws IOException {
    Path dir = tmp.resolve("layout");
    Image image = TestImages.ociImage(6, Platform.parse("linux/amd64"), 1, 100);
    Blob layer = image.blobs().get(1);
    byte[] wrong = layer.bytes().clone();
    wrong[10] ^= 1;
    try (Repository repo = OciLayout.directory(dir)) {
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), new ByteArrayInputStream(wrong)))
          .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
            assertThat(e.expected()).isEqualTo(layer.descriptor().digest());
            assertThat(e.actual()).isEqualTo(Digest.sha256(wrong));
            assertThat(e.getMessage()).contains(e.expected().toString(), e.actual().toString());
          });
      byte[] longer = new byte[layer.bytes().length + 5];
      System.arraycopy(layer.bytes(), 0, longer, 0, layer.bytes().length);
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), new ByteArrayInputStream(longer)))
          .isInstanceOf(DigestMismatchException.class).hasMessageContaining(longer.length + " bytes");
      byte[] shorter = java.util.Arrays.copyOf(layer.bytes(), 50);
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), new ByteArrayInputStream(shorter)))
          .isInstanceOf(DigestMismatchException.class);
      assertThat(repo.hasBlob(layer.descriptor())).isFalse();
    }
    assertThat(blobFiles(dir)).isEmpty();
    assertThat(indexJson(dir).get("manifests")).isEmpty();
  }

  @Test
  void streamThatFailsCommitsNothing() throws IOException {
    Image image = TestImages.ociImage(7, Platform.parse("linux/amd64"), 1, 100);
    Blob layer = image.blobs().get(1);
    InputStream failing = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ > 20) {
          throw new IOException("connection reset");
        }
        return 1;
      }
    };
    try (Repository repo = OciLayout.directory(tmp)) {
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), failing)).hasMessage("connection reset");
    }
    assertThat(blobFiles(tmp)).isEmpty();
  }

  @Test
  void manifestBeforeItsContentIsRefused() throws IOException {
    Image multi = TestImages.multiArch(8, 100);
    Image child = multi.children().get(0);
    try (Repository repo = OciLayout.directory(tmp)) {
      Blob config = child.blobs().get(0);
      repo.pushBlob(config.descriptor(), new ByteArrayInputStream(config.bytes()));
      assertThatThrownBy(() -> repo.pushManifest(child.manifest(), Optional.of("child")))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining(child.blobs().get(1).descriptor().digest().toString())
          .hasMessageContaining(child.blobs().get(2).descriptor().digest().toString())
          .message().doesNotContain(config.descriptor().digest().toString());
      // an index before its children
      for (Blob b : multi.allBlobs()) {
        repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
      }
      assertThatThrownBy(() -> repo.pushManifest(multi.manifest(), Optional.of("multi")))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining(child.manifest().digest().toString());
      assertThat(repo.hasBlob(multi.manifest().descriptor())).isFalse();
      assertThat(repo.listTags()).isEmpty();
    }
  }

  @Test
  void concurrentTagPushesAllLand() throws Exception {
    Image image = TestImages.multiArch(9, 100);
    int threads = 8;
    int perThread = 25;
    try (Repository repo = OciLayout.directory(tmp.resolve("layout"))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < perThread; i++) {
              image.pushTo(repo, Optional.of("t" + thread + "-" + i));
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(repo.listTags()).hasSize(threads * perThread);
    }
    List<String> tags = LayoutRepository.open(tmp.resolve("layout")).listTags();
    assertThat(tags).hasSize(threads * perThread).contains("t0-0", "t7-24");
    assertThat(indexJson(tmp.resolve("layout")).get("manifests")).hasSize(threads * perThread);
  }

  @Test
  void concurrentTagPushesThroughSeparateInstancesOfOneDirectoryAllLand() throws Exception {
    // Syncer.copy opens a new instance per copy: two copies into one directory at once are this.
    Path dir = tmp.resolve("layout");
    Image image = TestImages.multiArch(10, 100);
    int threads = 6;
    int perThread = 20;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          try (Repository repo = OciLayout.directory(dir)) {
            for (int i = 0; i < perThread; i++) {
              image.pushTo(repo, Optional.of("t" + thread + "-" + i));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertThat(LayoutRepository.open(dir).listTags()).hasSize(threads * perThread).contains("t0-0", "t5-19");
    assertThat(indexJson(dir).get("manifests")).hasSize(threads * perThread);
  }

  @Test
  void retaggingReplacesTheEntryAndKeepsEverythingElse() throws IOException {
    Path dir = tmp.resolve("layout");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Digest foreign = Digest.sha256("foreign".getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
        + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + foreign + "\",\"size\":7,\"annotations\":{"
        + "\"org.opencontainers.image.ref.name\":\"other\",\"x\":\"y\"}}],\"annotations\":{\"keep\":\"me\"}}");
    Image a = TestImages.ociImage(10, Platform.parse("linux/amd64"), 1, 100);
    Image b = TestImages.ociImage(11, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.listTags()).containsExactly("other");
      a.pushTo(repo, Optional.of("v1"));
      b.pushTo(repo, Optional.of("v2"));
      b.pushTo(repo, Optional.of("v1"));
      assertThat(repo.resolve("v1").orElseThrow().digest()).isEqualTo(b.manifest().digest());
      assertThat(repo.listTags()).containsExactly("other", "v1", "v2");
      // a and its blobs stay: nothing is deleted
      assertThat(repo.fetchManifest(a.manifest().digest().toString()).bytes()).isEqualTo(a.manifest().bytes());
    }
    JsonNode index = indexJson(dir);
    assertThat(index.get("annotations").get("keep").asText()).isEqualTo("me");
    assertThat(index.get("manifests")).hasSize(3);
    assertThat(index.get("manifests").get(0).get("annotations").get("x").asText()).isEqualTo("y");
    assertThat(index.get("manifests").get(1).get("digest").asText()).isEqualTo(b.manifest().digest().toString());
  }

  @Test
  void samePushTwiceDoesNotRewriteIndex() throws Exception {
    Image image = TestImages.ociImage(12, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(tmp)) {
      image.pushTo(repo, Optional.of("v1"));
      java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(tmp.resolve("index.json"));
      Files.setLastModifiedTime(tmp.resolve("index.json"), java.nio.file.attribute.FileTime.fromMillis(1000));
      image.pushTo(repo, Optional.of("v1"));
      assertThat(Files.getLastModifiedTime(tmp.resolve("index.json")).toMillis()).isEqualTo(1000);
      assertThat(before.toMillis()).isNotEqualTo(1000);
    }
  }

  @Test
  void symlinkedBlobLeadingOutsideIsRefused() throws IOException {
    Path dir = tmp.resolve("layout");
    Image image = TestImages.ociImage(13, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(dir)) {
      image.pushTo(repo, Optional.of("v1"));
    }
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "top secret");
    Descriptor layer = image.manifest().layers().get(0);
    Path blob = dir.resolve(LayoutFormat.blobPath(layer.digest()));
    Files.delete(blob);
    Files.createSymbolicLink(blob, secret);
    Path manifestBlob = dir.resolve(LayoutFormat.blobPath(image.manifest().digest()));
    Files.delete(manifestBlob);
    Files.createSymbolicLink(manifestBlob, Path.of("../../../secret.txt"));
    try (Repository repo = OciLayout.directory(dir)) {
      assertThatThrownBy(() -> repo.openBlob(layer)).isInstanceOf(RegistryException.class)
          .hasMessageContaining("outside").hasMessageContaining(LayoutFormat.blobPath(layer.digest()))
          .hasMessageContaining(dir.toString());
      assertThatThrownBy(() -> repo.hasBlob(layer)).isInstanceOf(RegistryException.class);
      assertThatThrownBy(() -> repo.fetchManifest("v1")).isInstanceOf(RegistryException.class)
          .hasMessageContaining("outside");
    }
  }

  @Test
  void symlinkInsideTheLayoutIsFollowed() throws IOException {
    Image image = TestImages.ociImage(14, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(tmp)) {
      image.pushTo(repo, Optional.of("v1"));
    }
    Descriptor layer = image.manifest().layers().get(0);
    Path blob = tmp.resolve(LayoutFormat.blobPath(layer.digest()));
    Path moved = Files.move(blob, tmp.resolve("elsewhere"));
    Files.createSymbolicLink(blob, Path.of("../../elsewhere"));
    try (Repository repo = OciLayout.directory(tmp); InputStream in = repo.openBlob(layer)) {
      assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(moved));
    }
  }

  @Test
  void directoryThatIsNotALayoutIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    Files.writeString(dir.resolve("holiday.jpg"), "not an image layout");
    Image image = TestImages.ociImage(15, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThatThrownBy(() -> repo.resolve("latest")).isInstanceOf(RegistryException.class)
          .hasMessageContaining(dir.toString()).hasMessageContaining("oci-layout");
      assertThatThrownBy(() -> image.pushTo(repo, Optional.of("v1"))).isInstanceOf(RegistryException.class)
          .hasMessageContaining("not an OCI image layout");
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("holiday.jpg");
    }
  }

  @Test
  void unsupportedLayoutVersionIsRefused() throws IOException {
    Files.writeString(tmp.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
    try (Repository repo = OciLayout.directory(tmp)) {
      assertThatThrownBy(repo::listTags).isInstanceOf(RegistryException.class)
          .hasMessageContaining("2.0.0").hasMessageContaining(tmp.toString());
    }
  }

  @Test
  void missingDirectoryReadsAsAbsentAndIsCreatedOnFirstWrite() throws IOException {
    Path dir = tmp.resolve("a/b/layout");
    Image image = TestImages.ociImage(16, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(dir)) {
      assertThat(repo.resolve("v1")).isEmpty();
      assertThat(repo.hasBlob(image.blobs().get(0).descriptor())).isFalse();
      assertThatThrownBy(() -> repo.fetchManifest("v1")).isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith("no such OCI layout directory: " + dir + " (");
      assertThatThrownBy(repo::listTags).isInstanceOf(NotFoundException.class);
      assertThat(Files.exists(dir)).isFalse();
      image.pushTo(repo, Optional.of("v1"));
      assertHolds(repo, image, "v1");
    }
    assertThat(Files.isRegularFile(dir.resolve("oci-layout"))).isTrue();
  }

  @Test
  void emptyDirectoryIsANewLayout() throws IOException {
    Image image = TestImages.ociImage(17, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(tmp)) {
      assertThat(repo.listTags()).isEmpty();
      image.pushTo(repo, Optional.of("v1"));
      assertThat(repo.listTags()).containsExactly("v1");
    }
  }

  @Test
  void corruptManifestBlobIsReported() throws IOException {
    Image image = TestImages.ociImage(18, Platform.parse("linux/amd64"), 1, 100);
    try (Repository repo = OciLayout.directory(tmp)) {
      image.pushTo(repo, Optional.of("v1"));
      Path blob = tmp.resolve(LayoutFormat.blobPath(image.manifest().digest()));
      byte[] bytes = Files.readAllBytes(blob);
      bytes[bytes.length - 2] = ' ';
      Files.write(blob, bytes);
      assertThatThrownBy(() -> repo.fetchManifest("v1")).isInstanceOfSatisfying(DigestMismatchException.class,
          e -> assertThat(e.expected()).isEqualTo(image.manifest().digest()));
    }
  }
}
