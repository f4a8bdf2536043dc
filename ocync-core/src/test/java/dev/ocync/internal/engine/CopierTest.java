package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.RetryPolicy;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CopierTest {
  /** Attempts of the retry policy these tests use. */
  private static final int ATTEMPTS = 3;
  private Copier copier;
  private final MemoryRepository src = new MemoryRepository("mem://src");
  private final MemoryRepository dst = new MemoryRepository("mem://dst");

  @BeforeEach
  void setUp() {
    copier = new Copier(EngineSettings.defaults().withThreads(4).withRetry(RetryPolicy.builder().attempts(ATTEMPTS)
        .initialBackoff(Duration.ofMillis(1)).jitter(0).build()));
  }

  @AfterEach
  void tearDown() throws IOException {
    copier.close();
  }

  private static Set<Digest> digests(List<Blob> blobs) {
    return blobs.stream().map(b -> b.descriptor().digest()).collect(Collectors.toSet());
  }

  private static Set<Digest> manifestDigests(Image image) {
    return image.allManifests().stream().map(Manifest::digest).collect(Collectors.toSet());
  }

  private void assertSameContent(Image image) {
    for (Manifest m : image.allManifests()) {
      assertThat(dst.manifests().get(m.digest()).bytes()).isEqualTo(m.bytes());
    }
    for (Blob b : image.allBlobs()) {
      assertThat(dst.blobs().get(b.descriptor().digest())).isEqualTo(b.bytes());
    }
  }

  @Test
  void copiesMultiArchIndexWithEveryChildAndTheSameDigests() throws IOException {
    Image index = TestImages.multiArch(1, 3000);
    index.pushTo(src, Optional.of("1.0"));

    CopyOutcome r = copier.copy(src, "1.0", dst, Optional.of("1.0"));

    assertThat(dst.tags()).containsExactly(Map.entry("1.0", index.manifest().digest()));
    assertThat(dst.manifests().keySet()).isEqualTo(manifestDigests(index));
    assertThat(dst.blobs().keySet()).isEqualTo(digests(index.allBlobs()));
    assertSameContent(index);
    assertThat(r.digest()).isEqualTo(index.manifest().digest());
    assertThat(r.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    assertThat(r.unchanged()).isFalse();
    assertThat(r.manifestsCopied()).isEqualTo(3);
    assertThat(r.blobsCopied()).isEqualTo(6);
    assertThat(r.bytesCopied()).isEqualTo(index.allBlobs().stream().mapToLong(b -> b.descriptor().size()).sum());
    assertThat(r.source()).isEqualTo("mem://src:1.0");
    assertThat(r.target()).isEqualTo("mem://dst:1.0");
  }

  @Test
  void copiesDockerManifestListByteForByte() throws IOException {
    Image list = TestImages.index(List.of(
        TestImages.dockerImage(5, Platform.parse("linux/amd64"), 2, 500),
        TestImages.dockerImage(6, Platform.parse("linux/arm/v7"), 1, 500)));
    list.pushTo(src, Optional.of("stable"));

    CopyOutcome r = copier.copy(src, "stable", dst, Optional.of("v1"));

    assertThat(r.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST_LIST);
    assertThat(dst.tags()).containsExactly(Map.entry("v1", list.manifest().digest()));
    assertThat(dst.manifests().keySet()).isEqualTo(manifestDigests(list));
    assertSameContent(list);
  }

  @Test
  void copiesByDigestWithoutTag() throws IOException {
    Image image = TestImages.ociImage(3, Platform.parse("linux/amd64"), 2, 100);
    image.pushTo(src, Optional.of("x"));
    String digest = image.manifest().digest().toString();

    CopyOutcome r = copier.copy(src, digest, dst, Optional.empty());

    assertThat(dst.tags()).isEmpty();
    assertThat(dst.manifests()).containsKey(image.manifest().digest());
    assertThat(r.source()).isEqualTo("mem://src@" + digest);
    assertThat(r.target()).isEqualTo("mem://dst@" + digest);
  }

  @Test
  void blobSharedByChildrenMovesOnce() throws IOException {
    // same seed: the two children share both layers, only their configs differ
    Image index = TestImages.index(List.of(
        TestImages.ociImage(7, Platform.parse("linux/amd64"), 2, 4000),
        TestImages.ociImage(7, Platform.parse("linux/arm64"), 2, 4000)));
    assertThat(index.allBlobs()).hasSize(4);
    index.pushTo(src, Optional.of("1.0"));
    int readsBefore = src.blobReads.get();

    CopyOutcome r = copier.copy(src, "1.0", dst, Optional.of("1.0"));

    assertThat(src.blobReads.get() - readsBefore).isEqualTo(4);
    assertThat(dst.blobPushes).hasValue(4);
    assertThat(r.blobsCopied()).isEqualTo(4);
    assertThat(r.bytesCopied()).isEqualTo(index.allBlobs().stream().mapToLong(b -> b.descriptor().size()).sum());
    assertSameContent(index);
  }

  @Test
  void secondCopyIsANoOp() throws IOException {
    Image index = TestImages.multiArch(11, 1000);
    index.pushTo(src, Optional.of("1.0"));
    copier.copy(src, "1.0", dst, Optional.of("1.0"));
    int reads = src.blobReads.get();
    int pushes = dst.blobPushes.get();
    int manifests = dst.manifestPushes.get();

    CopyOutcome again = copier.copy(src, "1.0", dst, Optional.of("1.0"));

    assertThat(again.unchanged()).isTrue();
    assertThat(again.digest()).isEqualTo(index.manifest().digest());
    assertThat(again.manifestsCopied()).isZero();
    assertThat(again.blobsCopied()).isZero();
    assertThat(src.blobReads).hasValue(reads);
    assertThat(dst.blobPushes).hasValue(pushes);
    assertThat(dst.manifestPushes).hasValue(manifests);
  }

  @Test
  void newTagForPresentManifestPushesOnlyThatManifest() throws IOException {
    Image index = TestImages.multiArch(12, 1000);
    index.pushTo(src, Optional.of("1.0"));
    copier.copy(src, "1.0", dst, Optional.of("1.0"));
    int pushes = dst.blobPushes.get();
    int manifests = dst.manifestPushes.get();

    CopyOutcome r = copier.copy(src, "1.0", dst, Optional.of("latest"));

    assertThat(r.unchanged()).isFalse();
    assertThat(r.manifestsCopied()).isEqualTo(1);
    assertThat(dst.tags()).containsEntry("latest", index.manifest().digest());
    assertThat(dst.blobPushes).hasValue(pushes);
    assertThat(dst.manifestPushes).hasValue(manifests + 1);
  }

  @Test
  void childAlreadyAtTargetSkipsItsSubtreeAndPresentBlobsAreNotUploaded() throws IOException {
    Image amd = TestImages.ociImage(20, Platform.parse("linux/amd64"), 2, 1000);
    Image arm = TestImages.ociImage(21, Platform.parse("linux/arm64"), 2, 1000);
    Image index = TestImages.index(List.of(amd, arm));
    index.pushTo(src, Optional.of("1.0"));
    amd.pushTo(dst, Optional.empty());
    Blob armLayer = arm.blobs().get(1);
    dst.pushBlob(armLayer.descriptor(), new ByteArrayInputStream(armLayer.bytes()));
    int pushes = dst.blobPushes.get();

    CopyOutcome r = copier.copy(src, "1.0", dst, Optional.of("1.0"));

    assertThat(r.manifestsSkipped()).isEqualTo(1);
    assertThat(r.manifestsCopied()).isEqualTo(2);
    assertThat(r.blobsSkipped()).isEqualTo(1);
    assertThat(r.blobsCopied()).isEqualTo(2);
    assertThat(dst.blobPushes.get() - pushes).isEqualTo(2);
    assertSameContent(index);
  }

  @Test
  void pushesBlobsBeforeManifestsChildrenBeforeIndexAndChildrenByDigestOnly() throws IOException {
    Image index = TestImages.multiArch(30, 2000);
    index.pushTo(src, Optional.of("1.0"));
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    Repository recording = new ForwardingRepository(dst) {
      @Override
      public void pushBlob(Descriptor blob, InputStream content) throws IOException {
        super.pushBlob(blob, content);
        events.add("blob " + blob.digest());
      }

      @Override
      public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
        super.pushManifest(manifest, tag);
        events.add("manifest " + manifest.digest() + " " + tag.orElse("-"));
      }
    };

    copier.copy(src, "1.0", recording, Optional.of("1.0"));

    assertThat(events).hasSize(6 + 3);
    assertThat(events.subList(0, 6)).allMatch(e -> e.startsWith("blob "));
    Set<String> children = index.children().stream().map(c -> "manifest " + c.manifest().digest() + " -")
        .collect(Collectors.toSet());
    assertThat(Set.copyOf(events.subList(6, 8))).isEqualTo(children);
    assertThat(events.get(8)).isEqualTo("manifest " + index.manifest().digest() + " 1.0");
  }

  @Test
  void corruptSourceBlobFailsWithBothDigestsAndLeavesNoManifestNorBadBlob() throws IOException {
    Image index = TestImages.multiArch(40, 5000);
    index.pushTo(src, Optional.of("1.0"));
    Blob layer = index.children().get(1).blobs().get(2);
    byte[] corrupt = layer.bytes().clone();
    corrupt[100] ^= 0x55;
    src.corruptBlob(layer.descriptor().digest(), corrupt);

    DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class,
        () -> copier.copy(src, "1.0", dst, Optional.of("1.0")));

    assertThat(e.expected()).isEqualTo(layer.descriptor().digest());
    assertThat(e.actual()).isEqualTo(Digest.sha256(corrupt));
    assertThat(e.getMessage()).contains(layer.descriptor().digest().toString(), Digest.sha256(corrupt).toString(),
        "mem://src", "mem://dst", "1.0");
    assertThat(e.reference()).contains("1.0");
    assertThat(dst.manifests()).isEmpty();
    assertThat(dst.tags()).isEmpty();
    assertThat(dst.blobs()).doesNotContainKey(layer.descriptor().digest());
  }

  @Test
  void failureAtTheTargetNamesTheTargetKeepsItsTypeAndTheImageReference() throws IOException {
    Image image = TestImages.ociImage(41, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    Repository denying = new MemoryRepository("mem://dst") {
      @Override
      public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
        throw new dev.ocync.spi.AuthenticationException("push denied",
            RegistryException.Context.of("registry.example:5000").repository("team/app").status(403)
                .errorCode("DENIED").reference(manifest.digest().toString()));
      }
    };
    dev.ocync.spi.AuthenticationException e = catchThrowableOfType(dev.ocync.spi.AuthenticationException.class,
        () -> copier.copy(src, "1.0", denying, Optional.of("2.0")));
    assertThat(e.registry()).isEqualTo("registry.example:5000");
    assertThat(e.repository()).contains("team/app");
    assertThat(e.reference()).contains("1.0");
    assertThat(e.status()).hasValue(403);
    assertThat(e.errorCode()).contains("DENIED");
    assertThat(e.getMessage()).contains("push denied", image.manifest().digest().toString(), "mem://src:1.0")
        .containsOnlyOnce("registry.example:5000");
  }

  /** A target whose every manifest lookup fails with {@code failure}, counting the lookups. */
  private static MemoryRepository lookupsFailWith(RegistryException failure,
      java.util.concurrent.atomic.AtomicInteger lookups) {
    return new MemoryRepository("mem://dst") {
      @Override
      public Optional<Descriptor> resolve(String reference) {
        lookups.incrementAndGet();
        throw new java.io.UncheckedIOException(failure);
      }
    };
  }

  @Test
  void failingTargetLookupCountsAsNotThereAndTheImageIsCopied() throws IOException {
    Image image = TestImages.ociImage(42, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
    MemoryRepository flaky = lookupsFailWith(new RegistryException("HEAD refused",
        RegistryException.Context.of("registry.example:5000").status(400)), lookups);
    CopyOutcome done = copier.copy(src, "1.0", flaky, Optional.of("1.0"));
    assertThat(done.digest()).isEqualTo(image.manifest().digest());
    assertThat(flaky.tags()).containsKey("1.0");
    assertThat(lookups.get()).isPositive();
  }

  @Test
  void refusedCredentialsAtTheTargetLookupFailTheImageNamingTheRegistry() throws IOException {
    Image image = TestImages.ociImage(43, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    MemoryRepository denying = lookupsFailWith(new dev.ocync.spi.AuthenticationException("HEAD denied",
        RegistryException.Context.of("registry.example:5000").status(401)),
        new java.util.concurrent.atomic.AtomicInteger());
    dev.ocync.spi.AuthenticationException e = catchThrowableOfType(dev.ocync.spi.AuthenticationException.class,
        () -> copier.copy(src, "1.0", denying, Optional.of("1.0")));
    assertThat(e.getMessage()).contains("registry.example:5000", "HEAD denied");
    assertThat(denying.tags()).isEmpty();
  }

  private static RegistryException blobUnknown(Manifest m) {
    return new RegistryException("blob unknown to registry", RegistryException.Context.of("mem://dst")
        .reference(m.digest().toString()).status(400).errorCode("MANIFEST_BLOB_UNKNOWN"));
  }

  @Test
  void manifestRefusedForABlobTheTargetHasIsPushedAgain() throws IOException {
    // distribution rewrites a blob's link file in place, so a concurrent upload of the same blob by
    // another writer can make a manifest PUT see it missing for a moment
    Image image = TestImages.ociImage(42, Platform.parse("linux/amd64"), 2, 100);
    image.pushTo(src, Optional.of("1.0"));
    AtomicInteger attempts = new AtomicInteger();
    MemoryRepository racing = new MemoryRepository("mem://dst") {
      @Override
      public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
        if (attempts.incrementAndGet() == 1) {
          throw blobUnknown(manifest);
        }
        super.pushManifest(manifest, tag);
      }
    };
    CopyOutcome r = copier.copy(src, "1.0", racing, Optional.of("1.0"));
    assertThat(r.digest()).isEqualTo(image.manifest().digest());
    assertThat(attempts).hasValue(2);
    assertThat(racing.tags()).containsEntry("1.0", image.manifest().digest());
  }

  @Test
  void manifestRefusedForABlobTheTargetReallyLacksIsNotRetried() throws IOException {
    Image image = TestImages.ociImage(43, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    AtomicInteger attempts = new AtomicInteger();
    MemoryRepository losing = new MemoryRepository("mem://dst") {
      @Override
      public boolean hasBlob(Descriptor blob) {
        return false; // the blob vanished: someone deleted it
      }

      @Override
      public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
        attempts.incrementAndGet();
        throw blobUnknown(manifest);
      }
    };
    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> copier.copy(src, "1.0", losing, Optional.of("1.0")));
    assertThat(e.errorCode()).contains("MANIFEST_BLOB_UNKNOWN");
    assertThat(attempts).hasValue(1);
  }

  @Test
  void truncatedSourceBlobIsRefusedBeforeTheTargetCommits() throws IOException {
    Image image = TestImages.ociImage(41, Platform.parse("linux/amd64"), 1, 5000);
    image.pushTo(src, Optional.of("1.0"));
    Blob layer = image.blobs().get(1);
    byte[] shorter = java.util.Arrays.copyOf(layer.bytes(), 4000);
    src.corruptBlob(layer.descriptor().digest(), shorter);
    // a target that would happily commit whatever it reads to the end
    Repository lenient = new ForwardingRepository(dst) {
      @Override
      public void pushBlob(Descriptor blob, InputStream content) throws IOException {
        byte[] all = content.readAllBytes();
        dst.corruptBlob(blob.digest(), all);
      }
    };

    DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class,
        () -> copier.copy(src, "1.0", lenient, Optional.of("1.0")));

    assertThat(e.actual()).isEqualTo(Digest.sha256(shorter));
    assertThat(dst.blobs()).doesNotContainKey(layer.descriptor().digest());
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void sameSizeCorruptBlobIsRefusedBeforeATargetThatReadsExactlySizeBytesCommits() throws IOException {
    Image image = TestImages.ociImage(42, Platform.parse("linux/amd64"), 1, 5000);
    image.pushTo(src, Optional.of("1.0"));
    Blob layer = image.blobs().get(1);
    byte[] corrupt = layer.bytes().clone();
    corrupt[corrupt.length - 1] ^= 1;
    src.corruptBlob(layer.descriptor().digest(), corrupt);
    // a target that reads the declared size and commits, never asking for the end of the stream
    Repository exact = new ForwardingRepository(dst) {
      @Override
      public void pushBlob(Descriptor blob, InputStream content) throws IOException {
        byte[] bytes = content.readNBytes((int) blob.size());
        dst.corruptBlob(blob.digest(), bytes);
      }
    };

    DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class,
        () -> copier.copy(src, "1.0", exact, Optional.of("1.0")));

    assertThat(e.actual()).isEqualTo(Digest.sha256(corrupt));
    assertThat(dst.blobs()).doesNotContainKey(layer.descriptor().digest());
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void childManifestThatDoesNotMatchItsIndexEntryFails() throws IOException {
    Image index = TestImages.multiArch(50, 500);
    index.pushTo(src, Optional.of("1.0"));
    Manifest first = index.children().get(0).manifest();
    Manifest second = index.children().get(1).manifest();
    Repository lying = new ForwardingRepository(src) {
      @Override
      public Manifest fetchManifest(String reference) throws IOException {
        return reference.equals(second.digest().toString()) ? first : super.fetchManifest(reference);
      }
    };

    DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class,
        () -> copier.copy(lying, "1.0", dst, Optional.of("1.0")));

    assertThat(e.expected()).isEqualTo(second.digest());
    assertThat(e.actual()).isEqualTo(first.digest());
    assertThat(e.getMessage()).contains("child manifest of index " + index.manifest().digest());
    assertThat(dst.manifests()).isEmpty();
  }

  /** A source whose openBlob fails for one blob, {@code failures} times, with {@code error}. */
  private static final class FlakySource extends ForwardingRepository {
    final Map<Digest, AtomicInteger> opens = new ConcurrentHashMap<>();
    final Digest flaky;
    final int failures;
    final IOException error;

    FlakySource(Repository delegate, Digest flaky, int failures, IOException error) {
      super(delegate);
      this.flaky = flaky;
      this.failures = failures;
      this.error = error;
    }

    @Override
    public InputStream openBlob(Descriptor blob) throws IOException {
      int n = opens.computeIfAbsent(blob.digest(), d -> new AtomicInteger()).incrementAndGet();
      if (blob.digest().equals(flaky) && n <= failures) {
        throw error;
      }
      return super.openBlob(blob);
    }

    int opens(Digest d) {
      return opens.getOrDefault(d, new AtomicInteger()).get();
    }
  }

  @Test
  void transientFailureIsRetriedAndTheCopySucceeds() throws IOException {
    Image index = TestImages.multiArch(60, 800);
    index.pushTo(src, Optional.of("1.0"));
    Digest layer = index.children().get(0).blobs().get(1).descriptor().digest();
    FlakySource flaky = new FlakySource(src, layer, 1,
        new RegistryException("unavailable", RegistryException.Context.of("mem://src").status(503)));

    CopyOutcome r = copier.copy(flaky, "1.0", dst, Optional.of("1.0"));

    assertThat(flaky.opens(layer)).isEqualTo(2);
    assertThat(r.blobsCopied()).isEqualTo(6);
    assertSameContent(index);
  }

  @Test
  void connectionResetMidStreamIsRetriedFromTheStart() throws IOException {
    Image image = TestImages.ociImage(61, Platform.parse("linux/amd64"), 1, 50_000);
    image.pushTo(src, Optional.of("1.0"));
    Digest layer = image.blobs().get(1).descriptor().digest();
    AtomicInteger opens = new AtomicInteger();
    Repository resetting = new ForwardingRepository(src) {
      @Override
      public InputStream openBlob(Descriptor blob) throws IOException {
        InputStream in = super.openBlob(blob);
        if (!blob.digest().equals(layer) || opens.incrementAndGet() > 1) {
          return in;
        }
        return new FilterInputStream(in) {
          private int read;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (read > 10_000) {
              throw new SocketException("Connection reset");
            }
            int n = super.read(b, off, Math.min(len, 4096));
            read += Math.max(n, 0);
            return n;
          }
        };
      }
    };

    copier.copy(resetting, "1.0", dst, Optional.of("1.0"));

    assertThat(opens).hasValue(2);
    assertSameContent(image);
  }

  @Test
  void permanentFailureIsNotRetried() throws IOException {
    Image image = TestImages.ociImage(62, Platform.parse("linux/amd64"), 2, 800);
    image.pushTo(src, Optional.of("1.0"));
    Digest layer = image.blobs().get(2).descriptor().digest();
    FlakySource gone = new FlakySource(src, layer, Integer.MAX_VALUE,
        new RegistryException("blob unknown", RegistryException.Context.of("mem://src").status(404)));

    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> copier.copy(gone, "1.0", dst, Optional.of("1.0")));

    assertThat(gone.opens(layer)).isEqualTo(1);
    assertThat(e.status()).hasValue(404);
    assertThat(e.getMessage()).contains("blob unknown", "mem://src:1.0 -> mem://dst:1.0");
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void transientFailureThatPersistsFailsAfterThreeAttempts() throws IOException {
    Image image = TestImages.ociImage(63, Platform.parse("linux/amd64"), 1, 800);
    image.pushTo(src, Optional.of("1.0"));
    Digest layer = image.blobs().get(1).descriptor().digest();
    FlakySource down = new FlakySource(src, layer, Integer.MAX_VALUE,
        new RegistryException("unavailable", RegistryException.Context.of("mem://src").status(503)));

    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> copier.copy(down, "1.0", dst, Optional.of("1.0")));

    assertThat(down.opens(layer)).isEqualTo(ATTEMPTS);
    assertThat(e.isTransient()).isTrue();
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void manyBlobsMoveInParallelWithinTheConcurrencyLimit() throws IOException {
    Image image = TestImages.ociImage(70, Platform.parse("linux/amd64"), 40, 2000);
    image.pushTo(src, Optional.of("1.0"));
    AtomicInteger active = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    Repository slow = new ForwardingRepository(src) {
      @Override
      public InputStream openBlob(Descriptor blob) throws IOException {
        int now = active.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        try {
          Thread.sleep(15);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return new FilterInputStream(super.openBlob(blob)) {
          private boolean closed;

          @Override
          public void close() throws IOException {
            if (!closed) {
              closed = true;
              active.decrementAndGet();
            }
            super.close();
          }
        };
      }
    };

    CopyOutcome r = copier.copy(slow, "1.0", dst, Optional.of("1.0"));

    assertThat(r.blobsCopied()).isEqualTo(41);
    assertThat(dst.blobs().keySet()).isEqualTo(digests(image.allBlobs()));
    assertThat(peak.get()).isBetween(2, 4);
    assertThat(active).hasValue(0);
  }

  private static final String FOREIGN_URL = "https://example.com/layers/foreign.tar.gz";

  /** An image manifest whose second layer is a Docker foreign layer with a URL. */
  private static Manifest withForeignLayer(Blob config, Blob layer, Descriptor foreign) {
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.DOCKER_MANIFEST + "\",\"config\":"
        + TestImages.descriptorJson(config.descriptor(), Optional.empty()) + ",\"layers\":["
        + TestImages.descriptorJson(layer.descriptor(), Optional.empty()) + ",{\"mediaType\":\""
        + MediaType.DOCKER_FOREIGN_LAYER + "\",\"digest\":\"" + foreign.digest() + "\",\"size\":" + foreign.size()
        + ",\"urls\":[\"" + FOREIGN_URL + "\"]}]}";
    return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.DOCKER_MANIFEST);
  }

  @Test
  void foreignLayerMissingAtSourceIsSkippedAndReported() throws IOException {
    Blob config = TestImages.blob(MediaType.DOCKER_CONFIG, "{\"os\":\"windows\"}".getBytes(StandardCharsets.UTF_8));
    Blob layer = TestImages.blob(MediaType.DOCKER_LAYER, TestImages.randomBytes(80, 300));
    Blob foreignBlob = TestImages.blob(MediaType.DOCKER_FOREIGN_LAYER, TestImages.randomBytes(81, 300));
    Manifest manifest = withForeignLayer(config, layer, foreignBlob.descriptor());
    assertThat(manifest.layers().get(1).urls()).containsExactly(FOREIGN_URL);
    for (Blob b : List.of(config, layer)) {
      src.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
    }
    // neither memory repository accepts a manifest with a missing blob: serve and store it directly
    Repository source = new ForwardingRepository(src) {
      @Override
      public Optional<Descriptor> resolve(String reference) {
        return Optional.of(manifest.descriptor());
      }

      @Override
      public Manifest fetchManifest(String reference) {
        return manifest;
      }
    };
    List<Manifest> pushed = new ArrayList<>();
    Repository target = new ForwardingRepository(dst) {
      @Override
      public void pushManifest(Manifest m, Optional<String> tag) {
        pushed.add(m);
      }
    };

    CopyOutcome r = copier.copy(source, "win", target, Optional.of("win"));

    assertThat(r.foreignBlobsSkipped()).containsExactly(foreignBlob.descriptor().digest());
    assertThat(r.blobsCopied()).isEqualTo(2);
    assertThat(dst.blobs()).doesNotContainKey(foreignBlob.descriptor().digest());
    assertThat(pushed).containsExactly(manifest);
    assertThat(pushed.get(0).bytes()).isEqualTo(manifest.bytes());
  }

  @Test
  void foreignLayerPresentAtSourceIsCopied() throws IOException {
    Blob config = TestImages.blob(MediaType.DOCKER_CONFIG, "{\"os\":\"windows\"}".getBytes(StandardCharsets.UTF_8));
    Blob layer = TestImages.blob(MediaType.DOCKER_LAYER, TestImages.randomBytes(82, 300));
    Blob foreignBlob = TestImages.blob(MediaType.DOCKER_FOREIGN_LAYER, TestImages.randomBytes(83, 300));
    Manifest manifest = withForeignLayer(config, layer, foreignBlob.descriptor());
    for (Blob b : List.of(config, layer, foreignBlob)) {
      src.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
    }
    src.pushManifest(manifest, Optional.of("win"));

    CopyOutcome r = copier.copy(src, "win", dst, Optional.of("win"));

    assertThat(r.foreignBlobsSkipped()).isEmpty();
    assertThat(r.blobsCopied()).isEqualTo(3);
    assertThat(dst.blobs().get(foreignBlob.descriptor().digest())).isEqualTo(foreignBlob.bytes());
  }

  @Test
  void mountsWhenTheTargetCan() throws IOException {
    Image image = TestImages.ociImage(90, Platform.parse("linux/amd64"), 2, 700);
    image.pushTo(src, Optional.of("1.0"));
    Repository mounting = new ForwardingRepository(dst) {
      @Override
      public boolean mountBlob(Descriptor blob, Repository from) throws IOException {
        // a registry mount: the blob appears without its bytes passing through the engine
        try (InputStream in = from.openBlob(blob)) {
          dst.pushBlob(blob, in);
        }
        return true;
      }
    };
    int reads = src.blobReads.get();

    CopyOutcome r = copier.copy(src, "1.0", mounting, Optional.of("1.0"));

    assertThat(r.blobsMounted()).isEqualTo(3);
    assertThat(r.blobsCopied()).isZero();
    assertThat(r.bytesCopied()).isZero();
    assertThat(src.blobReads.get() - reads).isEqualTo(3);
    assertSameContent(image);
  }

  @Test
  void schema1SourceFailsAsRegistryExceptionWithContext() throws IOException {
    byte[] schema1 = ("{\"schemaVersion\":1,\"name\":\"old/app\",\"tag\":\"1.0\",\"architecture\":\"amd64\","
        + "\"fsLayers\":[],\"history\":[]}").getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(schema1);
    Repository old = new ForwardingRepository(src) {
      @Override
      public Optional<Descriptor> resolve(String reference) {
        return Optional.of(Descriptor.of(MediaType.DOCKER_SCHEMA1_SIGNED, d, schema1.length));
      }

      @Override
      public Manifest fetchManifest(String reference) {
        return Manifest.parse(schema1, MediaType.DOCKER_SCHEMA1_SIGNED);
      }
    };

    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> copier.copy(old, "1.0", dst, Optional.of("1.0")));

    assertThat(e).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(e.getMessage()).contains("schema 1", "mem://src:1.0 -> mem://dst:1.0");
    assertThat(e.reference()).contains("1.0");
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void missingSourceManifestIsNotFound() {
    NotFoundException e = catchThrowableOfType(NotFoundException.class,
        () -> copier.copy(src, "nope", dst, Optional.of("nope")));
    assertThat(e.getMessage()).contains("manifest unknown (mem://src, reference nope)");
    assertThat(e.registry()).isEqualTo("mem://src");
  }

  @Test
  void rejectsBadReferencesAndTags() {
    assertThatThrownBy(() -> copier.copy(src, "bad tag", dst, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid reference \"bad tag\"");
    assertThatThrownBy(() -> copier.copy(src, "1.0", dst, Optional.of("-x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid tag \"-x\"");
  }

  @Test
  void closeWaitsForARunningCopyOfAnIndexInsteadOfFailingIt() throws Exception {
    Image index = TestImages.multiArch(80, 1000);
    index.pushTo(src, Optional.of("1.0"));
    java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Repository slow = new ForwardingRepository(src) {
      @Override
      public Manifest fetchManifest(String reference) throws IOException {
        if (!reference.equals(index.manifest().digest().toString()) && Digest.isDigest(reference)) {
          // a child: hold it until close() has begun
          fetching.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException();
          }
        }
        return super.fetchManifest(reference);
      }
    };
    java.util.concurrent.CompletableFuture<CopyOutcome> copy = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return copier.copy(slow, "1.0", dst, Optional.of("1.0"));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(fetching.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        copier.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(100); // let close() start waiting
    assertThat(closing).isNotDone();
    release.countDown();

    CopyOutcome r = copy.get(10, java.util.concurrent.TimeUnit.SECONDS);
    closing.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(r.digest()).isEqualTo(index.manifest().digest());
    assertThat(dst.tags()).containsExactly(Map.entry("1.0", index.manifest().digest()));
    assertSameContent(index);
    assertThatThrownBy(() -> copier.copy(src, "1.0", dst, Optional.empty()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void closedCopierRefusesWork() throws IOException {
    copier.close();
    assertThatThrownBy(() -> copier.copy(src, "1.0", dst, Optional.empty()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
