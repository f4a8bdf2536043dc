package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.RetryPolicy;
import dev.ocync.SyncReport;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Image;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine's own behaviour: cancellation, depth limits, host executors, adaptive limits. */
class EngineTest {
  private static final RetryPolicy FAST =
      RetryPolicy.builder().initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).jitter(0).build();

  private final MemoryRepository src = new MemoryRepository("mem://src");
  private final MemoryRepository dst = new MemoryRepository("mem://dst");

  /** A source whose blob streams give a few bytes, then hang until closed (a stalled download). */
  private static final class StallingSource extends ForwardingRepository {
    final CountDownLatch reading = new CountDownLatch(1);

    StallingSource(Repository delegate) {
      super(delegate);
    }

    @Override
    public InputStream openBlob(Descriptor blob) throws IOException {
      InputStream in = super.openBlob(blob);
      if (blob.size() < 10_000) {
        return in;
      }
      CountDownLatch closed = new CountDownLatch(1);
      return new InputStream() {
        private int given;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (given < 1000) {
            int n = in.read(b, off, Math.min(len, 1000 - given));
            given += n;
            return n;
          }
          reading.countDown();
          try {
            // bounded: the test fails rather than hangs if the engine never abandons the stream
            if (!closed.await(30, TimeUnit.SECONDS)) {
              throw new IOException("never abandoned");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
          }
          throw new IOException("stream closed");
        }

        @Override
        public void close() {
          closed.countDown();
        }
      };
    }
  }

  /** The source holding one big image tagged 1.0, whose layer stalls when read. */
  private StallingSource stallingImage(long seed) throws IOException {
    TestImages.ociImage(seed, Platform.parse("linux/amd64"), 1, 50_000).pushTo(src, Optional.of("1.0"));
    return new StallingSource(src);
  }

  /** Runs {@code work} on a thread, interrupts it once the stalled blob is being read, and waits for it. */
  private static void interruptWhileReading(StallingSource stalling, Runnable work) throws InterruptedException {
    Thread t = new Thread(work);
    t.start();
    assertThat(stalling.reading.await(10, TimeUnit.SECONDS)).isTrue();
    t.interrupt();
    t.join(15_000);
    assertThat(t.isAlive()).isFalse();
  }

  private static EngineSettings settings() {
    return EngineSettings.defaults().withRetry(FAST);
  }

  @Test
  @Timeout(20)
  void cancelAbandonsInFlightUploadsPushesNoManifestAndReportsWhatNeverStarted() throws Exception {
    Image big = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 50_000);
    Image other = TestImages.ociImage(2, Platform.parse("linux/amd64"), 1, 100);
    big.pushTo(src, Optional.of("big"));
    other.pushTo(src, Optional.of("small"));
    StallingSource stalling = new StallingSource(src);
    EngineSettings one = settings().withImagesInFlight(1);
    try (Engine engine = new Engine(one)) {
      Engine.Running running = engine.start(List.of(Mapping.builder().source(stalling).target(dst)
          .tags("big", "small").build()));
      assertThat(stalling.reading.await(10, TimeUnit.SECONDS)).isTrue();

      running.cancel().run();
      SyncReport report = running.report().get(15, TimeUnit.SECONDS);

      assertThat(report.cancelled()).isTrue();
      assertThat(report.images()).extracting(ImageResult::status)
          .containsExactly(ImageResult.Status.CANCELLED, ImageResult.Status.CANCELLED);
      assertThat(report.images().get(0).started()).isTrue();
      assertThat(report.images().get(1).started()).isFalse();
      assertThat(report.images().get(1).toString()).endsWith("(not started)");
      assertThat(report.succeeded()).isFalse();
    }
    assertThat(dst.manifests()).isEmpty();
    assertThat(dst.tags()).isEmpty();
    assertThat(dst.blobs()).doesNotContainKey(big.blobs().get(1).descriptor().digest());
  }

  @Test
  @Timeout(20)
  void interruptingACopyAbandonsItsTransferPromptlyAndLeavesNothingTagged() throws Exception {
    StallingSource stalling = stallingImage(3);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    try (Copier copier = new Copier(settings())) {
      interruptWhileReading(stalling, () -> thrown.set(catchThrowable(() -> copier.copy(stalling, "1.0", dst,
          Optional.of("1.0")))));
    }
    assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class).hasMessageContaining("1.0");
    assertThat(dst.manifests()).isEmpty();
    assertThat(dst.tags()).isEmpty();
  }

  @Test
  void indexesNestedThousandsDeepFailWithTheChainInsteadOfAStackOverflow() throws IOException {
    Image leaf = TestImages.ociImage(4, Platform.parse("linux/amd64"), 1, 10);
    leaf.pushTo(src, Optional.empty());
    Manifest inner = leaf.manifest();
    for (int i = 0; i < 5000; i++) {
      String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
          + TestImages.descriptorJson(inner.descriptor(), Optional.empty()) + "]}";
      inner = Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);
      src.pushManifest(inner, i == 4999 ? Optional.of("deep") : Optional.empty());
    }
    try (Copier copier = new Copier(settings())) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
          () -> copier.copy(src, "deep", dst, Optional.of("deep")));
      assertThat(e.getMessage()).contains("indexes nested deeper than 16 levels: " + inner.digest() + " -> ");
      assertThat(e.getMessage().split(" -> ")).hasSizeGreaterThan(16);
    }
    assertThat(dst.manifests()).isEmpty();
  }

  @Test
  void aHostExecutorIsUsedAndNeverShutDown() throws IOException {
    Image image = TestImages.multiArch(5, 500);
    image.pushTo(src, Optional.of("1.0"));
    ExecutorService host = Executors.newFixedThreadPool(2);
    try {
      EngineSettings s = settings().withExecutor(host);
      try (Copier copier = new Copier(s)) {
        CopyOutcome o = copier.copy(src, "1.0", dst, Optional.of("1.0"));
        assertThat(o.manifestsCopied()).isEqualTo(3);
      }
      assertThat(host.isShutdown()).isFalse();
    } finally {
      host.shutdownNow();
    }
  }

  @Test
  void aTagMovedToAnotherManifestIsSaid() throws IOException {
    Image first = TestImages.ociImage(6, Platform.parse("linux/amd64"), 1, 10);
    Image second = TestImages.ociImage(7, Platform.parse("linux/amd64"), 1, 10);
    first.pushTo(src, Optional.of("a"));
    second.pushTo(src, Optional.of("b"));
    try (Copier copier = new Copier(settings())) {
      assertThat(copier.copy(src, "a", dst, Optional.of("v1")).replaced()).isEmpty();
      assertThat(copier.copy(src, "b", dst, Optional.of("v1")).replaced()).contains(first.manifest().digest());
      assertThat(copier.copy(src, "b", dst, Optional.of("v1")).replaced()).isEmpty();
    }
  }

  @Test
  void limiterHalvesOnThrottlingOncePerEpochAndGrowsBackNeverAboveTheCap() {
    Limiter l = new Limiter("registry", 8, true);
    for (int i = 0; i < 8; i++) {
      assertThat(l.acquire()).isCompleted();
    }
    var ninth = l.acquire();
    assertThat(ninth).isNotDone();
    l.congested();
    l.congested(); // the same burst: no second cut
    assertThat(l.limit()).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      l.release();
    }
    // 4 held, limit 4: the waiter still waits
    assertThat(ninth).isNotDone();
    for (int i = 0; i < 100; i++) {
      l.succeeded();
    }
    assertThat(l.limit()).isEqualTo(8);
    assertThat(ninth).isCompleted();
    assertThat(l.peak()).isEqualTo(8);
    Limiter fixed = new Limiter("images", 2, false);
    fixed.congested();
    assertThat(fixed.limit()).isEqualTo(2);
  }

  @Test
  void a429HalvesTheLimitOfTheRegistryThatSentItOnlyAndTheImageStillSyncs() throws Exception {
    try (dev.ocync.testing.FakeRegistry upstream = dev.ocync.testing.FakeRegistry.start();
        dev.ocync.testing.FakeRegistry mirror = dev.ocync.testing.FakeRegistry.start()) {
      Image image = TestImages.ociImage(8, Platform.parse("linux/amd64"), 1, 100);
      upstream.putImage("app", image, Optional.of("1.0"));
      mirror.inject(r -> r.getMethod().equals("POST") && r.getUrl().encodedPath().contains("/blobs/uploads/"),
          dev.ocync.testing.FakeRegistry.error(429, "TOOMANYREQUESTS", "slow down"), true);
      try (dev.ocync.Registry up = upstream.registry().build(); dev.ocync.Registry down = mirror.registry().build();
          Engine engine = new Engine(settings().withRegistry(up).withRegistry(down))) {
        SyncReport report = engine.start(List.of(Mapping.builder().source(upstream.host(), "app")
            .target(mirror.host(), "app").tags("1.0").build())).report().get(15, TimeUnit.SECONDS);

        assertThat(report.images().get(0).status()).isEqualTo(ImageResult.Status.SYNCED);
        // 6 halved to 3, then grown by 1/w on each of the two successful transfers: 3.6, rounded up
        assertThat(engine.limiter(mirror.host()).limit()).isEqualTo(4);
        assertThat(engine.limiter(upstream.host()).limit()).isEqualTo(6);
      }
    }
  }

  @Test
  @Timeout(20)
  void cancellingDuringAnUploadToARegistryDeletesItsUploadSession() throws Exception {
    Image big = TestImages.ociImage(9, Platform.parse("linux/amd64"), 1, 50_000);
    big.pushTo(src, Optional.of("1.0"));
    StallingSource stalling = new StallingSource(src);
    try (dev.ocync.testing.FakeRegistry mirror = dev.ocync.testing.FakeRegistry.start();
        dev.ocync.Registry down = mirror.registry().build();
        Engine engine = new Engine(settings().withRegistry(down))) {
      Engine.Running running = engine.start(List.of(Mapping.builder().source(stalling)
          .target(mirror.host(), "app").tags("1.0").build()));
      assertThat(stalling.reading.await(10, TimeUnit.SECONDS)).isTrue();
      // the small config goes up beside the layer: cancel once it is there, so the one upload the
      // cancel meets is the layer's (a cancel that aborts a POST in flight cannot know its session)
      for (int i = 0; i < 500 && mirror.blob("app", big.blobs().get(0).descriptor().digest()).isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertThat(mirror.blob("app", big.blobs().get(0).descriptor().digest())).isPresent();

      running.cancel().run();
      SyncReport report = running.report().get(15, TimeUnit.SECONDS);

      assertThat(report.images().get(0).status()).isEqualTo(ImageResult.Status.CANCELLED);
      assertThat(mirror.openUploads()).isZero();
      assertThat(mirror.deletedUploads()).isNotEmpty();
      assertThat(mirror.manifestCount("app")).isZero();
      assertThat(mirror.blob("app", big.blobs().get(1).descriptor().digest())).isEmpty();
    }
  }

  @Test
  void theReferrerStageRunsAfterTheSubjectAlsoForUnchangedImagesAndMovesContentThroughTheRun() throws Exception {
    Image image = TestImages.ociImage(10, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    Image signature = TestImages.referrer(11, image.manifest().descriptor(), "application/vnd.example.sig");
    signature.pushTo(src, Optional.empty());
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    ReferrerStage stage = s -> {
      calls.incrementAndGet();
      // the subject is at the target before the stage is called
      assertThat(dst.manifests()).containsKey(s.targetDigest());
      return s.transfers().call("listing referrers", () -> s.source().listReferrers(s.sourceDigest(), Optional.empty()))
          .thenCompose(found -> {
            List<CompletableFuture<Void>> pushes = new java.util.ArrayList<>();
            for (Descriptor d : found) {
              pushes.add(s.transfers().call("fetching " + d.digest(), () -> s.source().fetchManifest(
                  d.digest().toString())).thenCompose(m -> s.transfers().push(m, Optional.empty())));
            }
            return CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new)).thenApply(v -> found.size());
          });
    };
    try (Engine engine = new Engine(settings())) {
      engine.referrers(stage);
      Mapping m = Mapping.builder().source(src).target(dst).tags("1.0").build();
      SyncReport first = engine.start(List.of(m)).report().get(15, TimeUnit.SECONDS);
      SyncReport second = engine.start(List.of(m)).report().get(15, TimeUnit.SECONDS);

      assertThat(first.images().get(0).status()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(first.images().get(0).referrersCopied()).isEqualTo(1);
      assertThat(dst.manifests()).containsKey(signature.manifest().digest());
      for (TestImages.Blob b : signature.blobs()) {
        assertThat(dst.blobs()).containsKey(b.descriptor().digest());
      }
      assertThat(second.images().get(0).status()).isEqualTo(ImageResult.Status.SKIPPED);
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void aFailingReferrerStageFailsTheImageAtArtifactSyncButLeavesItPushed() throws Exception {
    Image image = TestImages.ociImage(12, Platform.parse("linux/amd64"), 1, 100);
    image.pushTo(src, Optional.of("1.0"));
    try (Engine engine = new Engine(settings())) {
      engine.referrers(s -> CompletableFuture.failedFuture(new RegistryException("referrers exploded",
          RegistryException.Context.of("mem://src").status(500))));
      SyncReport r = engine.start(List.of(Mapping.builder().source(src).target(dst).tags("1.0").build()))
          .report().get(15, TimeUnit.SECONDS);
      ImageResult result = r.images().get(0);
      assertThat(result.status()).isEqualTo(ImageResult.Status.FAILED);
      assertThat(result.failure().orElseThrow().stage()).isEqualTo(ImageResult.Stage.ARTIFACT_SYNC);
      assertThat(result.failure().orElseThrow().message()).contains("referrers exploded");
      assertThat(dst.tags()).containsEntry("1.0", image.manifest().digest());
    }
  }

  @Test
  @Timeout(20)
  void interruptingTheThreadInSyncerRunCancelsAndStillReturnsTheReport() throws Exception {
    StallingSource stalling = stallingImage(13);
    AtomicReference<SyncReport> report = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    try (dev.ocync.Syncer syncer = dev.ocync.Syncer.builder().retryPolicy(FAST).build()) {
      interruptWhileReading(stalling, () -> {
        report.set(syncer.run(List.of(Mapping.builder().source(stalling).target(dst).tags("1.0").build())));
        flag.set(Thread.currentThread().isInterrupted());
      });
    }
    assertThat(report.get().cancelled()).isTrue();
    assertThat(report.get().images()).extracting(ImageResult::status).containsExactly(ImageResult.Status.CANCELLED);
    assertThat(flag.get()).as("interrupt flag kept").isTrue();
    assertThat(dst.tags()).isEmpty();
  }

  @Test
  void aBlobThatFailsVerificationOnceIsFetchedAgainAndOnlyTheGoodBytesAreCommitted() throws IOException {
    Image image = TestImages.ociImage(14, Platform.parse("linux/amd64"), 1, 5000);
    image.pushTo(src, Optional.of("1.0"));
    TestImages.Blob layer = image.blobs().get(1);
    java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
    Repository flipping = new ForwardingRepository(src) {
      @Override
      public InputStream openBlob(Descriptor blob) throws IOException {
        if (!blob.digest().equals(layer.descriptor().digest()) || opens.incrementAndGet() > 1) {
          return super.openBlob(blob);
        }
        byte[] bad = layer.bytes().clone();
        bad[4000] ^= 0x01;
        return new java.io.ByteArrayInputStream(bad);
      }
    };
    try (Copier copier = new Copier(settings())) {
      CopyOutcome o = copier.copy(flipping, "1.0", dst, Optional.of("1.0"));
      assertThat(o.blobsCopied()).isEqualTo(2);
    }
    assertThat(opens).hasValue(2);
    assertThat(dst.blobs().get(layer.descriptor().digest())).isEqualTo(layer.bytes());
    assertThat(dst.tags()).containsEntry("1.0", image.manifest().digest());
  }

  @Test
  void aRegistrysMaxConcurrentCapsItsLimiterAndOthersKeepTheSyncersDefault() throws IOException {
    try (dev.ocync.Registry two = dev.ocync.Registry.builder("http://127.0.0.1:9").maxConcurrent(2).build()) {
      EngineSettings d = EngineSettings.defaults();
      EngineSettings settings = new EngineSettings(d.credentials(), java.util.Map.of(two.host(), two), d.threads(),
          d.imagesInFlight(), 3, d.retry(), d.listener(), d.dryRun(), d.executor(), d.cacheDirectory(), d.cacheTtl(),
          d.stagingLimit(), d.verifyTargets());
      try (Engine engine = new Engine(settings)) {
        Limiter capped = engine.limiter(two.host());
        List<CompletableFuture<Void>> permits = List.of(capped.acquire(), capped.acquire(), capped.acquire());
        assertThat(permits).extracting(CompletableFuture::isDone).containsExactly(true, true, false);
        capped.release();
        assertThat(permits.get(2)).isDone();
        Limiter other = engine.limiter("other.example");
        List<CompletableFuture<Void>> more = List.of(other.acquire(), other.acquire(), other.acquire(),
            other.acquire());
        assertThat(more).extracting(CompletableFuture::isDone).containsExactly(true, true, true, false);
      }
    }
  }
}
