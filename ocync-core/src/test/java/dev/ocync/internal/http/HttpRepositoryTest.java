package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HttpRepositoryTest {
  private FakeRegistry fake;
  private Registry registry;

  @BeforeEach
  void setUp() throws IOException {
    fake = FakeRegistry.start();
    registry = fake.registry().userAgent("ocync-test/1").build();
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
    fake.close();
  }

  private static TestImages.Image image(long seed) {
    return TestImages.ociImage(seed, Platform.parse("linux/amd64"), 2, 3000);
  }

  @Test
  void pushesAndReadsBackAnImageByteForByte() throws IOException {
    Repository repo = registry.repository("team/app");
    TestImages.Image img = TestImages.multiArch(7, 5000);
    img.pushTo(repo, Optional.of("v1"));

    assertThat(repo.location()).isEqualTo(fake.host() + "/team/app");
    Descriptor d = repo.resolve("v1").orElseThrow();
    assertThat(d.digest()).isEqualTo(img.manifest().digest());
    assertThat(d.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    assertThat(d.size()).isEqualTo(img.manifest().size());

    Manifest fetched = repo.fetchManifest(d.digest().toString());
    assertThat(fetched.bytes()).isEqualTo(img.manifest().bytes());
    for (TestImages.Blob b : img.allBlobs()) {
      assertThat(repo.hasBlob(b.descriptor())).isTrue();
      try (InputStream in = repo.openBlob(b.descriptor())) {
        assertThat(in.readAllBytes()).isEqualTo(b.bytes());
      }
    }
    assertThat(repo.resolve("nope")).isEmpty();
    assertThatThrownBy(() -> repo.fetchManifest("nope")).isInstanceOf(NotFoundException.class);
    // manifests were sent with their own media type; every request carried the User-Agent
    RecordedRequest put = fake.requests("PUT", "/manifests/v1").get(0);
    assertThat(put.getHeaders().get("Content-Type")).isEqualTo(MediaType.OCI_INDEX);
    assertThat(fake.requests()).allSatisfy(r -> assertThat(r.getHeaders().get("User-Agent")).isEqualTo("ocync-test/1"));
    // and every manifest GET/HEAD asked for all four types (distribution 2.8 hides OCI manifests otherwise)
    assertThat(fake.requests("GET", "/manifests/")).allSatisfy(r ->
        assertThat(r.getHeaders().get("Accept")).contains(MediaType.OCI_INDEX, MediaType.OCI_MANIFEST,
            MediaType.DOCKER_MANIFEST_LIST, MediaType.DOCKER_MANIFEST, MediaType.DOCKER_SCHEMA1));
  }

  @Test
  void resolveFallsBackToGetWhenHeadHasNoDigest() throws IOException {
    TestImages.Image img = image(1);
    fake.putImage("app", img, Optional.of("v1"));
    fake.inject(r -> r.getMethod().equals("HEAD") && r.getTarget().contains("/manifests/v1"),
        new MockResponse.Builder().code(200).addHeader("Content-Type", MediaType.OCI_MANIFEST).build(), true);
    Descriptor d = registry.repository("app").resolve("v1").orElseThrow();
    assertThat(d.digest()).isEqualTo(img.manifest().digest());
    assertThat(fake.requests("GET", "/manifests/v1")).hasSize(1);
  }

  @Test
  void tooManyRequestsCarriesTheRetryAfterTheRegistryAskedFor() {
    fake.inject(r -> r.getTarget().contains("/manifests/v1"),
        new MockResponse.Builder().code(429).addHeader("Retry-After", "17")
            .addHeader("Content-Type", "application/json")
            .body("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}").build(), false);
    assertThatThrownBy(() -> registry.repository("app").fetchManifest("v1"))
        .isInstanceOfSatisfying(dev.ocync.spi.RegistryException.class, e -> {
          assertThat(e.status()).hasValue(429);
          assertThat(e.errorCode()).contains("TOOMANYREQUESTS");
          assertThat(e.retryAfter()).contains(java.time.Duration.ofSeconds(17));
          assertThat(e.isTransient()).isTrue();
          assertThat(e.getMessage()).contains("slow down", "retry after 17 s");
        });
  }

  @Test
  void retryAfterIsReadAsSecondsOrAnHttpDate() {
    java.time.Instant now = java.time.Instant.parse("2026-11-25T12:00:00Z");
    assertThat(ErrorResponses.retryAfter("120", now)).contains(java.time.Duration.ofMinutes(2));
    assertThat(ErrorResponses.retryAfter("Wed, 25 Nov 2026 12:00:30 GMT", now))
        .contains(java.time.Duration.ofSeconds(30));
    assertThat(ErrorResponses.retryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now)).contains(java.time.Duration.ZERO);
    assertThat(ErrorResponses.retryAfter("soon", now)).isEmpty();
    assertThat(ErrorResponses.retryAfter("-5", now)).isEmpty();
  }

  @Test
  void manifestWhoseBytesDoNotMatchTheRequestedDigestIsRejected() throws IOException {
    TestImages.Image img = image(2);
    TestImages.Image other = image(3);
    fake.putImage("app", img, Optional.empty());
    String digest = img.manifest().digest().toString();
    fake.inject(r -> r.getMethod().equals("GET") && r.getTarget().endsWith(digest),
        new MockResponse.Builder().code(200).addHeader("Content-Type", MediaType.OCI_MANIFEST)
            .body(new String(other.manifest().bytes(), StandardCharsets.UTF_8)).build(), true);
    assertThatThrownBy(() -> registry.repository("app").fetchManifest(digest))
        .isInstanceOf(DigestMismatchException.class)
        .satisfies(e -> {
          DigestMismatchException m = (DigestMismatchException) e;
          assertThat(m.expected()).isEqualTo(img.manifest().digest());
          assertThat(m.actual()).isEqualTo(other.manifest().digest());
        });
  }

  @Test
  void manifestDisagreeingWithDockerContentDigestIsRejected() throws IOException {
    TestImages.Image img = image(4);
    fake.inject(r -> r.getMethod().equals("GET") && r.getTarget().endsWith("/manifests/v1"),
        new MockResponse.Builder().code(200).addHeader("Content-Type", MediaType.OCI_MANIFEST)
            .addHeader("Docker-Content-Digest", Digest.sha256(new byte[] {1}).toString())
            .body(new String(img.manifest().bytes(), StandardCharsets.UTF_8)).build(), true);
    assertThatThrownBy(() -> registry.repository("app").fetchManifest("v1"))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining("Docker-Content-Digest");
  }

  @Test
  void manifestOverTheCapIsRefusedWithoutPushingOrReadingIt() throws IOException {
    TestImages.Image img = image(5);
    try (Registry small = fake.registry().maxManifestBytes(100).build()) {
      Repository repo = small.repository("app");
      assertThatThrownBy(() -> repo.pushManifest(img.manifest(), Optional.of("v1")))
          .isInstanceOf(RegistryException.class).hasMessageContaining("limit of 100 bytes");
      assertThat(fake.requests("PUT", "/manifests/")).isEmpty();
      assertThat(fake.manifestCount("app")).isZero();

      fake.putImage("app", img, Optional.of("v1"));
      assertThatThrownBy(() -> repo.fetchManifest("v1"))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("limit of 100 bytes")
          .hasMessageContaining(fake.host())
          .hasMessageContaining("repository app")
          .hasMessageContaining("reference v1");
    }
  }

  @Test
  void anHtmlPageInsteadOfAManifestIsNamedAsSuch() {
    // HEAD says too little (no digest), so resolve falls back to GET, which gets the page
    fake.inject(r -> r.getMethod().equals("HEAD") && r.getTarget().contains("/manifests/v1"),
        new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html").build(), false);
    fake.inject(r -> r.getMethod().equals("GET") && r.getTarget().contains("/manifests/v1"),
        new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html; charset=utf-8")
            .body("<html><body>Sign in</body></html>").build(), false);
    assertThatThrownBy(() -> registry.repository("app").resolve("v1"))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.getMessage()).contains("HTML page").contains("manifest v1");
          assertThat(e.status()).hasValue(200);
        });
  }

  @Test
  void manifestCapHoldsWithoutContentLengthAndErrorBodiesAreCapped() throws IOException {
    String big = "{\"schemaVersion\":2,\"pad\":\"" + "a".repeat(5000) + "\"}";
    try (Registry small = fake.registry().maxManifestBytes(1000).build()) {
      fake.inject(q -> q.getTarget().contains("/manifests/v1"), new MockResponse.Builder().code(200)
          .addHeader("Content-Type", MediaType.OCI_MANIFEST).chunkedBody(big, 100).build(), true);
      assertThatThrownBy(() -> small.repository("app").fetchManifest("v1"))
          .isInstanceOf(RegistryException.class).hasMessageContaining("limit of 1000 bytes");
    }
    // a 429 with a huge plain-text body: transient, status kept, message short
    fake.inject(q -> q.getTarget().contains("/tags/list"), new MockResponse.Builder().code(429)
        .addHeader("Retry-After", "7").chunkedBody("slow down " + "x".repeat(3_000_000), 65536).build(), true);
    assertThatThrownBy(() -> registry.repository("app").listTags())
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).hasValue(429);
          assertThat(e.isTransient()).isTrue();
          assertThat(e.getMessage()).contains("slow down").hasSizeLessThan(1000);
        });
  }

  @Test
  void schema1ManifestIsRefusedClearly() throws IOException {
    byte[] schema1 = "{\"schemaVersion\":1,\"name\":\"app\",\"tag\":\"old\",\"fsLayers\":[]}"
        .getBytes(StandardCharsets.UTF_8);
    fake.putManifest("app", Optional.of("old"), schema1, MediaType.DOCKER_SCHEMA1_SIGNED);
    Repository repo = registry.repository("app");
    assertThatThrownBy(() -> repo.fetchManifest("old"))
        .isInstanceOf(RegistryException.class).hasMessageContaining("schema 1");
    assertThatThrownBy(() -> repo.resolve("old"))
        .isInstanceOf(RegistryException.class).hasMessageContaining("schema 1");
  }

  @Test
  void errorBodyBecomesExceptionFields() throws IOException {
    fake.inject(r -> r.getTarget().contains("/manifests/v9"),
        FakeRegistry.error(500, "TOO_MANY_THINGS", "the server is sad today"), false);
    assertThatThrownBy(() -> registry.repository("org/app").fetchManifest("v9"))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).hasValue(500);
          assertThat(e.errorCode()).contains("TOO_MANY_THINGS");
          assertThat(e.registry()).isEqualTo(fake.host());
          assertThat(e.repository()).contains("org/app");
          assertThat(e.reference()).contains("v9");
          assertThat(e.getMessage()).contains("the server is sad today");
          assertThat(e.isTransient()).isTrue();
        });
    // a 404 with MANIFEST_UNKNOWN is NotFoundException with the code
    assertThatThrownBy(() -> registry.repository("org/app").fetchManifest("missing"))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.status()).hasValue(404);
          assertThat(e.errorCode()).contains("MANIFEST_UNKNOWN");
        });
  }

  @Test
  void blobGetRedirectedToAnotherPortCarriesNoAuthorization() throws IOException {
    fake.requireBasic("bot", "pa55word-XYZ").redirectBlobs(true);
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(9, 10_000));
    fake.putBlob("app", blob.bytes());
    try (Registry authed = fake.registry()
        .credentials(dev.ocync.auth.CredentialProvider.basic(fake.host(), "bot", "pa55word-XYZ")).build();
        InputStream in = authed.repository("app").openBlob(blob.descriptor())) {
      assertThat(in.readAllBytes()).isEqualTo(blob.bytes());
    }
    assertThat(fake.requests("GET", "/blobs/" + blob.descriptor().digest()).get(0).getHeaders()
        .get("Authorization")).startsWith("Basic ");
    assertThat(fake.cdnRequests()).hasSize(1);
    assertThat(fake.cdnRequests().get(0).getHeaders().get("Authorization")).isNull();
    assertThat(fake.cdnRequests().get(0).getUrl().queryParameter("X-Signature")).isEqualTo("abc");
  }

  @Test
  void openBlobReturnsTheStoredBytesEvenIfCorruptForTheCallerToVerify() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(10, 1000));
    fake.putBlob("app", blob.bytes());
    byte[] evil = TestImages.randomBytes(11, 1000);
    fake.corruptBlob(blob.descriptor().digest(), evil);
    try (InputStream in = registry.repository("app").openBlob(blob.descriptor())) {
      assertThat(in.readAllBytes()).isEqualTo(evil);
    }
    assertThatThrownBy(() -> registry.repository("app").openBlob(image(1).blobs().get(0).descriptor()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void tagsAreFollowedAcrossLinkPages() throws IOException {
    fake.tagPageSize(2);
    TestImages.Image img = image(12);
    List<String> expected = List.of("v1", "v2", "v3", "v4", "latest");
    for (String t : expected) {
      fake.putImage("app", img, Optional.of(t));
    }
    assertThat(registry.repository("app").listTags()).containsExactlyElementsOf(expected);
    List<RecordedRequest> pages = fake.requests("GET", "/tags/list");
    assertThat(pages).hasSize(3);
    assertThat(pages.get(0).getUrl().queryParameter("n")).isEqualTo("1000");
    assertThat(pages.get(1).getUrl().queryParameter("last")).isEqualTo("v2");
    assertThat(pages.get(2).getUrl().queryParameter("last")).isEqualTo("v4");
    assertThatThrownBy(() -> registry.repository("nothing").listTags()).isInstanceOf(NotFoundException.class);
  }

  @Test
  void monolithicUploadIsOnePostAndOnePutAndCommits() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(13, 200_000));
    registry.repository("app").pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
    assertThat(fake.blob("app", blob.descriptor().digest())).hasValue(blob.bytes());
    assertThat(fake.requests("POST", "/blobs/uploads/")).hasSize(1);
    assertThat(fake.requests("PATCH", "/blobs/uploads/")).isEmpty();
    RecordedRequest put = fake.requests("PUT", "/blobs/uploads/").get(0);
    assertThat(put.getUrl().queryParameter("_state")).isNotNull(); // the Location's own query was kept
    assertThat(put.getUrl().queryParameter("digest")).isEqualTo(blob.descriptor().digest().toString());
    assertThat(put.getHeaders().get("Content-Length")).isEqualTo("200000");
  }

  @Test
  void absoluteUploadLocationsWork() throws IOException {
    fake.absoluteLocations(true);
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(14, 5000));
    registry.repository("app").pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
    assertThat(fake.blob("app", blob.descriptor().digest())).hasValue(blob.bytes());
  }

  /**
   * A stream with the right bytes that fails at end of stream, as the engine's verifying stream
   * does. It pauses before failing so that the registry has read everything sent so far: had the
   * client already sent every byte, the registry would commit.
   */
  private static InputStream failingAtEof(byte[] bytes) {
    return new InputStream() {
      private final ByteArrayInputStream in = new ByteArrayInputStream(bytes);

      private IOException fail() {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new IOException("verification failed at EOF");
      }

      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b == -1) {
          throw fail();
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n == -1) {
          throw fail();
        }
        return n;
      }
    };
  }

  @Test
  void streamFailingAtEofCommitsNothingAndCancelsTheSession() throws Exception {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(15, 300_000));
    Repository repo = registry.repository("app");
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), failingAtEof(blob.bytes())))
        .isInstanceOf(IOException.class).hasMessageContaining("verification failed at EOF");
    assertThat(fake.blob("app", blob.descriptor().digest())).isEmpty();
    assertThat(fake.deletedUploads()).hasSize(1);
    assertThat(fake.openUploads()).isZero();
    assertThat(repo.hasBlob(blob.descriptor())).isFalse();
    // the same client still works afterwards
    repo.pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
    assertThat(repo.hasBlob(blob.descriptor())).isTrue();
  }

  @Test
  void streamFailingBeforeTheFirstByteOrOnTheLastByteCommitsNothing() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(16, 200_001));
    Repository repo = registry.repository("app");
    InputStream none = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("source failed at once");
      }
    };
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), none)).hasMessageContaining("source failed at once");
    // every byte but the last arrives; reading the last one fails
    InputStream lastByte = new InputStream() {
      private final ByteArrayInputStream in = new ByteArrayInputStream(blob.bytes(), 0, blob.bytes().length - 1);

      @Override
      public int read() throws IOException {
        return read(new byte[1], 0, 1);
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n == -1) {
          throw new IOException("source failed on the last byte");
        }
        return n;
      }
    };
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), lastByte))
        .hasMessageContaining("source failed on the last byte");
    assertThat(fake.blob("app", blob.descriptor().digest())).isEmpty();
    assertThat(fake.deletedUploads()).hasSize(2);
    assertThat(fake.openUploads()).isZero();
    assertThat(repo.hasBlob(blob.descriptor())).isFalse();
  }

  @Test
  void contentNotMatchingTheDescriptorIsNotCommitted() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(16, 100_000));
    byte[] wrong = TestImages.randomBytes(17, 100_000);
    Repository repo = registry.repository("app");
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), new ByteArrayInputStream(wrong)))
        .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
          assertThat(e.expected()).isEqualTo(blob.descriptor().digest());
          assertThat(e.actual()).isEqualTo(Digest.sha256(wrong));
        });
    byte[] shorter = java.util.Arrays.copyOf(blob.bytes(), 99_000);
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), new ByteArrayInputStream(shorter)))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining("only 99000 bytes");
    assertThat(fake.blobDigests("app")).isEmpty();
    assertThat(fake.deletedUploads()).hasSize(2);
  }

  @Test
  void uploadSessionIsDeletedWhenTheRegistryRefusesTheUpload() throws IOException {
    fake.inject(r -> r.getMethod().equals("PUT") && r.getTarget().contains("/blobs/uploads/"),
        FakeRegistry.error(400, "BLOB_UPLOAD_INVALID", "storage full"), true);
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(18, 2000));
    assertThatThrownBy(() -> registry.repository("app").pushBlob(blob.descriptor(),
        new ByteArrayInputStream(blob.bytes())))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.errorCode()).contains("BLOB_UPLOAD_INVALID");
          assertThat(e.getMessage()).contains("storage full");
        });
    assertThat(fake.deletedUploads()).hasSize(1);
    assertThat(fake.requests("DELETE", "/blobs/uploads/")).hasSize(1);
    assertThat(fake.blobDigests("app")).isEmpty();
  }

  @Test
  void chunkedUploadFollowsTheNewestLocationEveryTime() throws IOException {
    fake.chunkedOnly(1000).absoluteLocations(false);
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(19, 2500));
    try (Registry r = fake.registry().build()) {
      RegistryClient client = TestClients.of(r);
      client.chunkSize(600); // smaller than the announced minimum: the minimum wins
      try (client) {
        client.repository("app").pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
      }
    }
    assertThat(fake.blob("app", blob.descriptor().digest())).hasValue(blob.bytes());
    List<RecordedRequest> patches = fake.requests("PATCH", "/blobs/uploads/");
    assertThat(patches).hasSize(3);
    assertThat(patches).extracting(p -> p.getHeaders().get("Content-Range"))
        .containsExactly("0-999", "1000-1999", "2000-2499");
    Set<String> states = new java.util.HashSet<>();
    patches.forEach(p -> states.add(p.getUrl().queryParameter("_state")));
    assertThat(states).hasSize(3); // a new Location each time (the fake refuses stale ones)
    RecordedRequest put = fake.requests("PUT", "/blobs/uploads/").get(0);
    assertThat(put.getBodySize()).isZero();
    assertThat(fake.deletedUploads()).isEmpty();
  }

  @Test
  void refusedMonolithicUploadSwitchesTheRegistryToChunks() throws IOException {
    fake.refuseMonolithicUploads();
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(20, 3000));
    Repository repo = registry.repository("app");
    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes())))
        .isInstanceOfSatisfying(RegistryException.class, e -> {
          assertThat(e.status()).hasValue(413);
          assertThat(e.getMessage()).contains("chunked");
        });
    assertThat(fake.deletedUploads()).hasSize(1);
    repo.pushBlob(blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
    assertThat(fake.blob("app", blob.descriptor().digest())).hasValue(blob.bytes());
    assertThat(fake.requests("PATCH", "/blobs/uploads/")).hasSize(1);
  }

  @Test
  void chunkedUploadStreamFailingAtEofCommitsNothing() throws IOException {
    fake.chunkedOnly(1000);
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(21, 2500));
    assertThatThrownBy(() -> registry.repository("app").pushBlob(blob.descriptor(), failingAtEof(blob.bytes())))
        .hasMessageContaining("verification failed at EOF");
    assertThat(fake.blobDigests("app")).isEmpty();
    assertThat(fake.requests("PUT", "/blobs/uploads/")).isEmpty();
    assertThat(fake.deletedUploads()).hasSize(1);
  }

  @Test
  void mountAnswered201MeansPresentAnd202MeansUpload() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(22, 4000));
    fake.putBlob("source/app", blob.bytes());
    Repository source = registry.repository("source/app");
    Repository target = registry.repository("target/app");
    assertThat(target.mountBlob(blob.descriptor(), source)).isTrue();
    assertThat(fake.blob("target/app", blob.descriptor().digest())).hasValue(blob.bytes());
    RecordedRequest mount = fake.requests("POST", "/v2/target/app/blobs/uploads/").get(0);
    assertThat(mount.getUrl().queryParameter("mount")).isEqualTo(blob.descriptor().digest().toString());
    assertThat(mount.getUrl().queryParameter("from")).isEqualTo("source/app");

    fake.mountMode(FakeRegistry.MountMode.ALWAYS_202);
    Repository other = registry.repository("other/app");
    assertThat(other.mountBlob(blob.descriptor(), source)).isFalse();
    assertThat(fake.deletedUploads()).hasSize(1);
    assertThat(fake.openUploads()).isZero();
    assertThat(fake.blobDigests("other/app")).isEmpty();

    // a repository of another registry is never mounted from
    try (FakeRegistry elsewhere = FakeRegistry.start(); Registry er = elsewhere.registry().build()) {
      int before = fake.requests().size();
      assertThat(target.mountBlob(blob.descriptor(), er.repository("source/app"))).isFalse();
      assertThat(fake.requests()).hasSize(before);
    }
    // errors are not fatal: the caller uploads
    fake.inject(r -> r.getTarget().contains("mount="), FakeRegistry.error(500, "UNKNOWN", "boom"), true);
    assertThat(registry.repository("third/app").mountBlob(blob.descriptor(), source)).isFalse();
  }

  @Test
  void referrersComeFromTheApiFilteredByArtifactType() throws IOException {
    Repository repo = registry.repository("app");
    TestImages.Image img = image(23);
    img.pushTo(repo, Optional.of("v1"));
    TestImages.Image sig = TestImages.referrer(24, img.manifest().descriptor(), "application/vnd.example.sig");
    TestImages.Image sbom = TestImages.referrer(25, img.manifest().descriptor(), "application/vnd.example.sbom");
    sig.pushTo(repo, Optional.empty());
    sbom.pushTo(repo, Optional.empty());

    List<Descriptor> all = repo.listReferrers(img.manifest().digest(), Optional.empty());
    assertThat(all).extracting(Descriptor::digest)
        .containsExactlyInAnyOrder(sig.manifest().digest(), sbom.manifest().digest());
    List<Descriptor> sigs = repo.listReferrers(img.manifest().digest(), Optional.of("application/vnd.example.sig"));
    assertThat(sigs).extracting(Descriptor::digest).containsExactly(sig.manifest().digest());
    assertThat(fake.requests("GET", "/referrers/").get(1).getUrl().queryParameter("artifactType"))
        .isEqualTo("application/vnd.example.sig");
    assertThat(fake.requests("GET", "/manifests/sha256-")).isEmpty();
  }

  @Test
  void referrersFallBackToTheTagSchemaAndRememberIt() throws IOException {
    fake.referrersApi(false);
    Repository repo = registry.repository("app");
    TestImages.Image img = image(26);
    img.pushTo(repo, Optional.of("v1"));
    Digest subject = img.manifest().digest();
    assertThat(repo.listReferrers(subject, Optional.empty())).isEmpty(); // no fallback tag yet

    TestImages.Image sig = TestImages.referrer(27, img.manifest().descriptor(), "application/vnd.example.sig");
    TestImages.Image sbom = TestImages.referrer(28, img.manifest().descriptor(), "application/vnd.example.sbom");
    sig.pushTo(repo, Optional.empty());
    sbom.pushTo(repo, Optional.empty());
    Descriptor sigD = sig.manifest().descriptor().newBuilder().artifactType("application/vnd.example.sig").build();
    Descriptor sbomD = sbom.manifest().descriptor().newBuilder().artifactType("application/vnd.example.sbom").build();
    TestImages.Image fallback = TestImages.index(List.of());
    String indexJson = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + TestImages.descriptorJson(sigD, Optional.empty()) + ","
        + TestImages.descriptorJson(sbomD, Optional.empty()) + "]}";
    assertThat(fallback).isNotNull();
    repo.pushManifest(Manifest.parse(indexJson.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX),
        Optional.of("sha256-" + subject.encoded()));

    List<Descriptor> sigs = repo.listReferrers(subject, Optional.of("application/vnd.example.sig"));
    assertThat(sigs).extracting(Descriptor::digest).containsExactly(sig.manifest().digest());
    assertThat(repo.listReferrers(subject, Optional.empty())).hasSize(2);
    // the API was asked once; afterwards the registry is known not to have it
    assertThat(fake.requests("GET", "/referrers/")).hasSize(1);
  }

  @Test
  void referrersTagThatIsNotAnIndexIsAnError() throws IOException {
    fake.referrersApi(false);
    Repository repo = registry.repository("app");
    TestImages.Image img = image(29);
    img.pushTo(repo, Optional.of("sha256-" + Digest.sha256(new byte[] {9}).encoded()));
    assertThatThrownBy(() -> repo.listReferrers(Digest.sha256(new byte[] {9}), Optional.empty()))
        .isInstanceOf(RegistryException.class).hasMessageContaining("not an OCI index");
  }

  @Test
  void referrersApiAnsweringWithTheWrongContentTypeMeansUnsupported() throws IOException {
    fake.inject(r -> r.getTarget().contains("/referrers/"),
        new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html").body("<html/>").build(), true);
    Repository repo = registry.repository("app");
    TestImages.Image img = image(30);
    img.pushTo(repo, Optional.of("v1"));
    assertThat(repo.listReferrers(img.manifest().digest(), Optional.empty())).isEmpty();
    assertThat(fake.requests("GET", "/manifests/sha256-")).hasSize(1);
  }

  @Test
  void invalidReferenceIsRejectedBeforeAnyRequest() {
    Repository repo = registry.repository("app");
    assertThatThrownBy(() -> repo.fetchManifest("bad tag!")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad tag!");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void concurrentPushesShareTheClient() throws Exception {
    Repository repo = registry.repository("app");
    List<TestImages.Blob> blobs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      blobs.add(TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(100 + i, 20_000)));
    }
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (TestImages.Blob b : blobs) {
      Thread t = new Thread(() -> {
        try {
          repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(fake.blobDigests("app")).hasSize(16);
  }
}
