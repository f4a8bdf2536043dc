package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.Syncer;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Registry to registry copies against real distribution registries, with content that skopeo put
 * there: within one registry (blobs must be mounted, not uploaded) and to a second registry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class RegistryCopyIT {
  private RegistryServer a;
  private RegistryServer b;
  private Syncer syncer;

  @BeforeAll
  void start() throws IOException {
    a = RegistryServer.plain();
    b = RegistryServer.plain();
    syncer = Syncer.builder().build();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(syncer, a, b);
  }

  static Stream<Arguments> images() {
    return Stream.of(
        Arguments.of("oci-index", TestImages.multiArch(101, 4096)),
        Arguments.of("docker-list", TestImages.index(List.of(
            TestImages.dockerImage(111, Platform.parse("linux/amd64"), 2, 4096),
            TestImages.dockerImage(112, Platform.parse("linux/arm64/v8"), 2, 4096),
            TestImages.dockerImage(113, Platform.parse("linux/s390x"), 1, 1024)))),
        Arguments.of("oci-image", TestImages.ociImage(121, Platform.parse("linux/amd64"), 3, 8192)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void copiesWithinARegistryByMountingBlobs(String kind, TestImages.Image image, TestInfo info) throws IOException {
    String src = Checks.repository(info, kind + "-src");
    String dst = Checks.repository(info, kind + "-dst");
    Seed.registry(image, a, src, "v1");
    int before = a.requestsSoFar().size();

    CopyResult result = syncer.copy("docker://" + a.host() + "/" + src + ":v1", a.host() + "/" + dst + ":v1");

    assertThat(result.digest()).isEqualTo(image.manifest().digest());
    assertThat(result.blobsMounted()).as("blobs mounted").isGreaterThan(0);
    Checks.assertImageAt(a, dst, "v1", image);
    List<RegistryServer.Request> requests = a.requestsSoFar();
    List<RegistryServer.Request> copy = requests.subList(before, requests.size());
    assertThat(copy).as("cross-repository mounts answered 201")
        .anyMatch(r -> r.method().equals("POST") && r.path().startsWith("/v2/" + dst + "/blobs/uploads/")
            && r.path().contains("mount=") && r.path().contains("from=") && r.status() == 201);
    assertThat(copy).as("no blob was uploaded: every blob was mounted from %s", src)
        .noneMatch(r -> r.method().equals("PUT") && r.path().startsWith("/v2/" + dst + "/blobs/uploads/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void copiesToAnotherRegistry(String kind, TestImages.Image image, TestInfo info) throws IOException {
    String src = Checks.repository(info, kind);
    Seed.registry(image, a, src, "v1");

    CopyResult result = syncer.copy(a.host() + "/" + src + ":v1", "docker://" + b.host() + "/" + src + ":v1");

    assertThat(result.digest()).isEqualTo(image.manifest().digest());
    assertThat(result.blobsCopied()).isEqualTo(image.allBlobs().size());
    Checks.assertImageAt(b, src, "v1", image);
    if (image.manifest().mediaType().equals(MediaType.DOCKER_MANIFEST_LIST)) {
      assertThat(b.get("/v2/" + src + "/manifests/v1", "Accept", MediaType.DOCKER_MANIFEST_LIST)
          .header("Content-Type")).hasValue(MediaType.DOCKER_MANIFEST_LIST);
    }
  }

  @Test
  void copyingAgainUploadsNothing(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.multiArch(131, 2048);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    syncer.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1");
    int before = b.requestsSoFar().size();

    CopyResult again = syncer.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1");

    assertThat(again.digest()).isEqualTo(image.manifest().digest());
    assertThat(again.blobsCopied()).isZero();
    List<RegistryServer.Request> requests = b.requestsSoFar();
    assertThat(requests.subList(before, requests.size())).as("requests to the target on the second copy")
        .noneMatch(r -> r.method().equals("POST") || r.method().equals("PATCH")
            || (r.method().equals("PUT") && r.path().contains("/blobs/")));
    Checks.assertImageAt(b, repo, "v1", image);
  }

  @Test
  void copiesByDigestAndTagsTheTarget(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.multiArch(141, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");

    CopyResult result = syncer.copy(a.host() + "/" + repo + "@" + image.manifest().digest(),
        b.host() + "/" + repo + ":pinned");

    assertThat(result.digest()).isEqualTo(image.manifest().digest());
    Checks.assertImageAt(b, repo, "pinned", image);
    assertThat(b.tags(repo)).containsExactly("pinned");
  }

  @Test
  void copiesALargeLayerIntact(TestInfo info) throws IOException {
    // large enough that an endpoint which streams or chunks uploads has to do so for real
    TestImages.Image image = TestImages.ociImage(151, Platform.parse("linux/amd64"), 1, 24 * 1024 * 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "big");

    CopyResult result = syncer.copy(a.host() + "/" + repo + ":big", b.host() + "/" + repo + ":big");

    assertThat(result.digest()).isEqualTo(image.manifest().digest());
    assertThat(result.bytesCopied()).isGreaterThanOrEqualTo(24L * 1024 * 1024);
    Checks.assertImageAt(b, repo, "big", image);
  }

  @Test
  void twoSyncersCopyingTheSameImageAtOnceBothSucceed(TestInfo info) throws Exception {
    TestImages.Image image = TestImages.multiArch(161, 64 * 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try (Syncer one = Syncer.builder().build(); Syncer two = Syncer.builder().build()) {
      java.util.concurrent.Future<CopyResult> first =
          pool.submit(() -> one.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1"));
      java.util.concurrent.Future<CopyResult> second =
          pool.submit(() -> two.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1"));
      assertThat(first.get(60, java.util.concurrent.TimeUnit.SECONDS).digest()).isEqualTo(image.manifest().digest());
      assertThat(second.get(60, java.util.concurrent.TimeUnit.SECONDS).digest()).isEqualTo(image.manifest().digest());
    } finally {
      pool.shutdownNow();
    }
    Checks.assertImageAt(b, repo, "v1", image);
  }
}
