package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/** Syncer.run against fake registries, asserting the requests that were and were not made. */
class SyncerRunTest extends UpstreamAndMirror {
  /** A syncer that speaks plain HTTP to the fakes, as configured registries. */
  private Syncer.Builder syncer(FakeRegistry... more) {
    Syncer.Builder b = Syncer.builder().retryPolicy(FAST);
    List<FakeRegistry> fakes = new ArrayList<>(List.of(upstream, mirror));
    fakes.addAll(List.of(more));
    for (FakeRegistry f : fakes) {
      Registry r = f.registry().build();
      registries.add(r);
      b.registry(r);
    }
    return b;
  }

  private Mapping mapping(String from, String to, String... tags) {
    return Mapping.builder().source(upstream.host(), from).target(mirror.host(), to).tags(tags).build();
  }

  /** Two images sharing a base layer (and the config of neither). */
  private static List<Image> imagesSharingABaseLayer() {
    Image a = TestImages.ociImage(1, Platform.parse("linux/amd64"), 2, 3000);
    Image b = TestImages.ociImage(2, Platform.parse("linux/amd64"), 2, 3000);
    Blob base = a.blobs().get(1);
    // b's first layer becomes a's: rebuild b's manifest over [b.config, base, b.layer2]
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":"
        + TestImages.descriptorJson(b.blobs().get(0).descriptor(), Optional.empty()) + ",\"layers\":["
        + TestImages.descriptorJson(base.descriptor(), Optional.empty()) + ","
        + TestImages.descriptorJson(b.blobs().get(2).descriptor(), Optional.empty()) + "]}";
    Image shared = new Image(dev.ocync.oci.Manifest.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        MediaType.OCI_MANIFEST), List.of(b.blobs().get(0), base, b.blobs().get(2)), List.of());
    return List.of(a, shared);
  }

  private static long count(List<RecordedRequest> requests, String method, String pathPart) {
    return requests.stream().filter(r -> r.getMethod().equals(method)
        && r.getUrl().encodedPath().contains(pathPart)).count();
  }

  private static List<RecordedRequest> writes(FakeRegistry fake) {
    return fake.requests().stream().filter(r -> !r.getMethod().equals("GET") && !r.getMethod().equals("HEAD"))
        .toList();
  }

  @Test
  void eachBlobIsReadOnceAndUploadedOncePerTargetRegistryAcrossImagesTagsAndMappings() throws IOException {
    List<Image> images = imagesSharingABaseLayer();
    upstream.putImage("team/app", images.get(0), Optional.of("1.0"));
    upstream.putImage("team/app", images.get(0), Optional.of("1.0-copy"));
    upstream.putImage("team/tool", images.get(1), Optional.of("2.0"));
    Set<Digest> unique = new java.util.HashSet<>();
    images.forEach(i -> i.blobs().forEach(b -> unique.add(b.descriptor().digest())));

    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(mapping("team/app", "mirror/app", "1.0", "1.0-copy"),
          mapping("team/tool", "mirror/tool", "2.0")));
    }

    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(report.images()).extracting(ImageResult::status).containsOnly(ImageResult.Status.SYNCED);
    // one GET per unique blob, though the base layer is in two repositories, three tags, two mappings
    for (Digest d : unique) {
      assertThat(count(upstream.requests(), "GET", "/blobs/" + d)).as("GETs of %s", d).isEqualTo(1);
    }
    // one upload per unique blob at the target registry; the shared layer reached the other
    // repository by a mount from the sibling that had it
    List<RecordedRequest> uploads = mirror.requests("POST", "/blobs/uploads/").stream()
        .filter(r -> r.getUrl().queryParameter("mount") == null).toList();
    List<RecordedRequest> mounts = mirror.requests("POST", "/blobs/uploads/").stream()
        .filter(r -> r.getUrl().queryParameter("mount") != null).toList();
    assertThat(uploads).hasSize(unique.size());
    assertThat(mounts).hasSize(1);
    assertThat(mounts.get(0).getUrl().queryParameter("mount"))
        .isEqualTo(images.get(0).blobs().get(1).descriptor().digest().toString());
    assertThat(mounts.get(0).getUrl().queryParameter("from")).isIn("mirror/app", "mirror/tool");
    assertThat(report.stats().blobsMounted()).isEqualTo(1);
    assertThat(report.stats().blobsCopied()).isEqualTo(unique.size());
    // the target lacks both tags: each is one GET by tag, with no source HEAD and no GET by digest
    assertThat(count(upstream.requests(), "GET", "/manifests/" + images.get(0).manifest().digest())).isZero();
    assertThat(count(upstream.requests(), "GET", "/manifests/1.0")).isEqualTo(2);
    assertThat(count(upstream.requests(), "HEAD", "/manifests/")).isZero();
    for (Image i : images) {
      for (Blob b : i.blobs()) {
        String repo = i == images.get(0) ? "mirror/app" : "mirror/tool";
        assertThat(mirror.blob(repo, b.descriptor().digest())).contains(b.bytes());
      }
    }
    assertThat(mirror.manifest("mirror/app", "1.0-copy")).contains(images.get(0).manifest().bytes());
    assertThat(mirror.manifest("mirror/tool", "2.0")).contains(images.get(1).manifest().bytes());
  }

  @Test
  void unchangedTagsAreSkippedByHeadWithoutAManifestGetOrAnyWrite() throws IOException {
    Image index = TestImages.multiArch(5, 1000);
    upstream.putImage("app", index, Optional.of("1.0"));
    // asking the target every run: the HEAD comparison itself (else the cache answers, see below)
    try (Syncer s = syncer().verifyTargets(true).build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0"))).succeeded()).isTrue();
      int before = upstream.requests().size();
      int writesBefore = writes(mirror).size();

      SyncReport again = s.run(List.of(mapping("app", "app", "1.0")));

      ImageResult r = again.images().get(0);
      assertThat(r.status()).isEqualTo(ImageResult.Status.SKIPPED);
      assertThat(r.skipReason()).contains(ImageResult.SkipReason.DIGEST_MATCH);
      assertThat(r.sourceDigest()).contains(index.manifest().digest());
      List<RecordedRequest> second = upstream.requests().subList(before, upstream.requests().size());
      // HEADs, and the cheap referrer check (the referrers API, and one tag listing that shows
      // there are no cosign tags)
      assertThat(second).allMatch(q -> q.getMethod().equals("HEAD")
          || q.getMethod().equals("GET") && (q.getUrl().encodedPath().contains("/referrers/")
              || q.getUrl().encodedPath().endsWith("/tags/list")));
      assertThat(count(second, "GET", "/manifests/")).isZero();
      assertThat(writes(mirror)).hasSize(writesBefore);
    }
  }

  private static List<RecordedRequest> since(FakeRegistry fake, int from) {
    List<RecordedRequest> all = fake.requests();
    return List.copyOf(all.subList(from, all.size()));
  }

  @Test
  void aWarmRunTakesUnchangedTagsFromTheCacheAsksTheTargetNothingAndStillSeesAMovedTag() throws IOException {
    upstream.referrersApi(false); // distribution 2.8: referrers by tag schema only
    Image one = TestImages.ociImage(61, Platform.parse("linux/amd64"), 1, 100);
    Image two = TestImages.ociImage(62, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", one, Optional.of("1.0"));
    upstream.putImage("app", two, Optional.of("2.0"));
    Mapping listed = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
        .tags(TagSelector.builder().glob("*").build()).build();
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(listed)).succeeded()).isTrue();
      int src = upstream.requests().size();
      int dst = mirror.requests().size();

      SyncReport warm = s.run(List.of(listed));

      assertThat(warm.images()).as(warm.toString()).extracting(ImageResult::skipReason)
          .containsOnly(Optional.of(ImageResult.SkipReason.CACHED));
      // the target is not asked; the source: the tag listing, one HEAD per tag, and no referrer
      // request (no tag-schema index and no cosign tag is in the listing)
      assertThat(since(mirror, dst)).isEmpty();
      List<RecordedRequest> asked = since(upstream, src);
      assertThat(asked).extracting(r -> r.getMethod() + " " + r.getUrl().encodedPath())
          .containsExactlyInAnyOrder("GET /v2/app/tags/list", "HEAD /v2/app/manifests/1.0",
              "HEAD /v2/app/manifests/2.0");

      // a tag moved upstream is seen by its HEAD and copied
      Image moved = TestImages.ociImage(63, Platform.parse("linux/amd64"), 1, 100);
      upstream.putImage("app", moved, Optional.of("2.0"));
      SyncReport after = s.run(List.of(listed));
      assertThat(after.images()).filteredOn(r -> r.tag().equals(Optional.of("2.0"))).singleElement()
          .satisfies(r -> assertThat(r.status()).isEqualTo(ImageResult.Status.SYNCED));
      assertThat(mirror.manifest("app", "2.0")).contains(moved.manifest().bytes());
    }
  }

  @Test
  void verifyTargetsHeadsEveryCachedTagAtTheTargetAndPutsBackOneMovedThere() throws IOException {
    Image one = TestImages.ociImage(64, Platform.parse("linux/amd64"), 1, 100);
    Image other = TestImages.ociImage(65, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", one, Optional.of("1.0"));
    try (Syncer s = syncer().verifyTargets(true).build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0"))).succeeded()).isTrue();
      int dst = mirror.requests().size();
      SyncReport warm = s.run(List.of(mapping("app", "app", "1.0")));
      assertThat(warm.images().get(0).status()).isEqualTo(ImageResult.Status.SKIPPED);
      assertThat(since(mirror, dst)).extracting(r -> r.getMethod() + " " + r.getUrl().encodedPath())
          .containsExactly("HEAD /v2/app/manifests/1.0");

      // someone else moved the target tag: the next run puts it back
      mirror.putImage("app", other, Optional.of("1.0"));
      SyncReport back = s.run(List.of(mapping("app", "app", "1.0")));
      assertThat(back.images().get(0).status()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(mirror.manifest("app", "1.0")).contains(one.manifest().bytes());
    }
  }

  @Test
  void aCacheWhoseEntriesNeverExpireNeverTrustsATargetTag() throws IOException {
    Image one = TestImages.ociImage(73, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", one, Optional.of("1.0"));
    try (Syncer s = syncer().cacheTtl(Duration.ZERO).build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0"))).succeeded()).isTrue();
      mirror.putImage("app", TestImages.ociImage(74, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
      SyncReport back = s.run(List.of(mapping("app", "app", "1.0")));
      assertThat(back.images().get(0).status()).as(back.toString()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(mirror.manifest("app", "1.0")).contains(one.manifest().bytes());
    }
  }

  @Test
  void withoutVerifyTargetsATagMovedAtTheTargetIsTrustedToTheCache() throws IOException {
    // the documented trade: within the cache TTL a warm run does not ask the target
    Image one = TestImages.ociImage(66, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", one, Optional.of("1.0"));
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0"))).succeeded()).isTrue();
      mirror.putImage("app", TestImages.ociImage(67, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
      SyncReport warm = s.run(List.of(mapping("app", "app", "1.0")));
      assertThat(warm.images().get(0).skipReason()).contains(ImageResult.SkipReason.CACHED);
      // the cold run learnt the tag was missing from the one listing; the warm run asks nothing
      assertThat(mirror.requests("HEAD", "/manifests/1.0")).isEmpty();
      assertThat(mirror.requests("GET", "/tags/list")).hasSize(1);
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void cancelAbortsAHeadWaitingForItsAnswer() throws Exception {
    upstream.putImage("app", TestImages.ociImage(69, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    // the target lists the tag (another image), so it is HEADed
    mirror.putImage("app", TestImages.ociImage(75, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    // the target answers the tag HEAD only after two minutes: only an aborted exchange ends sooner
    mirror.inject(r -> r.getMethod().equals("HEAD") && r.getUrl().encodedPath().endsWith("/manifests/1.0"),
        new mockwebserver3.MockResponse.Builder().code(404).headersDelay(120, java.util.concurrent.TimeUnit.SECONDS)
            .build(), false);
    // a read timeout far beyond the test's, so only the abort can end the exchange in time
    Registry patientMirror = mirror.registry().readTimeout(Duration.ofMinutes(5)).build();
    registries.add(patientMirror);
    try (Syncer s = syncer().registry(patientMirror).build()) {
      SyncRun run = s.start(List.of(mapping("app", "app", "1.0")));
      for (int i = 0; i < 1000 && mirror.requests("HEAD", "/manifests/1.0").isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertThat(mirror.requests("HEAD", "/manifests/1.0")).isNotEmpty();

      run.cancel();
      SyncReport report = run.await();

      assertThat(report.cancelled()).isTrue();
      assertThat(report.images()).extracting(ImageResult::status).containsExactly(ImageResult.Status.CANCELLED);
    }
    assertThat(writes(mirror)).isEmpty();
  }

  private Mapping threeTagsOneAtATime() {
    for (int i = 1; i <= 3; i++) {
      upstream.putImage("app", TestImages.ociImage(80 + i, Platform.parse("linux/amd64"), 1, 100),
          Optional.of(i + ".0"));
    }
    return Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").tags("1.0", "2.0", "3.0")
        .artifacts(ArtifactPolicy.disabled()).build();
  }

  private static boolean isBlobGet(RecordedRequest r) {
    return r.getMethod().equals("GET") && r.getUrl().encodedPath().contains("/blobs/sha256:");
  }

  private static void awaitRequest(FakeRegistry fake, java.util.function.Predicate<RecordedRequest> which)
      throws InterruptedException {
    for (int i = 0; i < 2000 && fake.requests().stream().noneMatch(which); i++) {
      Thread.sleep(10);
    }
    assertThat(fake.requests()).anyMatch(which);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void drainLetsTheImageInFlightFinishAndStartsNoOther() throws Exception {
    Mapping m = threeTagsOneAtATime();
    java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);
    // the first blob GET waits (on the fake's side) until the run is draining, then is answered
    upstream.inject(r -> {
      if (isBlobGet(r)) {
        try {
          drained.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return false;
    }, new mockwebserver3.MockResponse.Builder().code(500).build(), false);
    SyncReport report;
    try (Syncer s = syncer().imagesInFlight(1).build()) {
      SyncRun run = s.start(List.of(m));
      awaitRequest(upstream, SyncerRunTest::isBlobGet);
      run.drain(Duration.ofMinutes(1));
      drained.countDown();
      report = run.await();
    }

    assertThat(report.images()).extracting(ImageResult::tag, ImageResult::status, ImageResult::started)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Optional.of("1.0"), ImageResult.Status.SYNCED, true),
            org.assertj.core.groups.Tuple.tuple(Optional.of("2.0"), ImageResult.Status.CANCELLED, false),
            org.assertj.core.groups.Tuple.tuple(Optional.of("3.0"), ImageResult.Status.CANCELLED, false));
    assertThat(report.cancelled()).isTrue();
    assertThat(report.succeeded()).isFalse();
    assertThat(mirror.manifest("app", "1.0")).isPresent();
    // the images that never started made no request on either side
    for (String tag : List.of("2.0", "3.0")) {
      assertThat(upstream.requests()).noneMatch(r -> r.getUrl().encodedPath().endsWith("/manifests/" + tag));
      assertThat(mirror.requests()).noneMatch(r -> r.getUrl().encodedPath().endsWith("/manifests/" + tag));
    }
    assertThat(mirror.manifestCount("app")).isEqualTo(1);
    String json = report.toJson();
    assertThat(json).contains("\"cancelled\" : true").contains("\"started\" : false");
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void drainCancelsWhatIsStillInFlightAtTheDeadlineAndPushesNoManifest() throws Exception {
    Mapping m = threeTagsOneAtATime();
    // the source's blobs answer after two minutes: only the deadline's cancel ends the first image
    upstream.inject(SyncerRunTest::isBlobGet, new mockwebserver3.MockResponse.Builder().code(404)
        .headersDelay(120, java.util.concurrent.TimeUnit.SECONDS).build(), false);
    Registry patient = upstream.registry().readTimeout(Duration.ofMinutes(5)).build();
    registries.add(patient);
    SyncReport report;
    try (Syncer s = syncer().registry(patient).imagesInFlight(1).build()) {
      SyncRun run = s.start(List.of(m));
      awaitRequest(upstream, SyncerRunTest::isBlobGet);
      run.drain(Duration.ofMillis(200));
      report = run.await();
    }

    assertThat(report.images()).extracting(ImageResult::status, ImageResult::started)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ImageResult.Status.CANCELLED, true),
            org.assertj.core.groups.Tuple.tuple(ImageResult.Status.CANCELLED, false),
            org.assertj.core.groups.Tuple.tuple(ImageResult.Status.CANCELLED, false));
    assertThat(report.cancelled()).isTrue();
    // nothing half-written: no manifest reached the target, and no later image asked the source
    assertThat(mirror.requests("PUT", "/manifests/")).isEmpty();
    assertThat(upstream.requests()).noneMatch(r -> r.getUrl().encodedPath().endsWith("/manifests/2.0")
        || r.getUrl().encodedPath().endsWith("/manifests/3.0"));
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void tagsChosenAfterADrainStartNothingNotEvenTheImmutableTagListing() throws Exception {
    upstream.putImage("app", TestImages.ociImage(99, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);
    // the source's tag listing is answered only once the run is draining
    upstream.inject(r -> {
      if (r.getUrl().encodedPath().endsWith("/tags/list")) {
        try {
          drained.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return false;
    }, FakeRegistry.error(500, "UNKNOWN", "never sent"), false);
    SyncReport report;
    try (Syncer s = syncer().build()) {
      SyncRun run = s.start(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags(TagSelector.builder().glob("*").immutableTags("1.*").build()).build()));
      awaitRequest(upstream, r -> r.getUrl().encodedPath().endsWith("/tags/list"));
      run.drain(Duration.ofMinutes(1));
      drained.countDown();
      report = run.await();
    }
    assertThat(report.mappings().get(0).kept()).containsExactly("1.0");
    assertThat(report.images()).extracting(ImageResult::status, ImageResult::started)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(ImageResult.Status.CANCELLED, false));
    assertThat(report.cancelled()).isTrue();
    assertThat(mirror.requests()).isEmpty();
    assertThat(upstream.requests()).noneMatch(r -> r.getUrl().encodedPath().contains("/manifests/"));
  }

  @Test
  void drainOfAFinishedRunChangesNothing() throws IOException {
    Mapping m = threeTagsOneAtATime();
    try (Syncer s = syncer().build()) {
      SyncRun run = s.start(List.of(m));
      SyncReport report = run.await();
      run.drain(Duration.ofSeconds(1));
      assertThat(report.cancelled()).isFalse();
      assertThat(run.report()).contains(report);
      assertThatThrownBy(() -> run.drain(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** The fake as a registry that sends {@code user} with a wrong password. */
  private Registry wrongPassword(FakeRegistry fake, String user) {
    Registry wrong = fake.registry()
        .credentials(dev.ocync.auth.CredentialProvider.basic(fake.host(), user, "wrong")).build();
    registries.add(wrong);
    return wrong;
  }

  @Test
  void aRefusedTagListingIsATypedAuthenticationProblemNamingTheRegistry() throws IOException {
    upstream.putImage("app", TestImages.ociImage(90, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    upstream.requireBearer("alice", "right");
    Registry wrong = wrongPassword(upstream, "alice");
    SyncReport report;
    try (Syncer s = syncer().registry(wrong).build()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags(TagSelector.builder().glob("*").build()).build()));
    }
    SyncReport.Problem p = report.mappings().get(0).problems().get(0);
    assertThat(p.kind()).isEqualTo(SyncReport.ProblemKind.TAG_LISTING_FAILED);
    assertThat(p.authentication()).as(p.message()).isTrue();
    assertThat(p.registry()).contains(upstream.host());
    assertThat(p.httpStatus()).hasValue(401);
    assertThat(report.toJson()).contains("\"authentication\" : true").contains("\"httpStatus\" : 401")
        .doesNotContain("wrong");
  }

  @Test
  void aTargetRefusingThePushIsATypedAuthenticationFailureAndA404IsNot() throws IOException {
    upstream.putImage("app", TestImages.ociImage(91, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    mirror.requireBasic("bob", "right");
    Registry wrong = wrongPassword(mirror, "bob");
    SyncReport report;
    try (Syncer s = syncer().registry(wrong).build()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags("1.0", "9.9").artifacts(ArtifactPolicy.disabled()).build()));
    }
    ImageResult.Failure refused = report.images().get(0).failure().orElseThrow();
    assertThat(refused.authentication()).as(refused.message()).isTrue();
    assertThat(refused.registry()).isEqualTo(mirror.host());
    assertThat(refused.httpStatus()).hasValue(401);
    // the missing tag fails at the source, not for want of credentials
    ImageResult.Failure missing = report.images().get(1).failure().orElseThrow();
    assertThat(missing.authentication()).as(missing.message()).isFalse();
    assertThat(missing.registry()).isEqualTo(upstream.host());
    assertThat(missing.httpStatus()).hasValue(404);
  }

  @Test
  void bytesMovedNamesTheImageAsImageStartedDidAndAddsUpToItsBytes() throws IOException {
    List<Image> images = imagesSharingABaseLayer();
    upstream.putImage("app", images.get(0), Optional.of("a"));
    upstream.putImage("app", images.get(1), Optional.of("b"));
    // a layer of 3 MiB: progress comes in MiB steps, not per read
    upstream.putImage("app", TestImages.ociImage(92, Platform.parse("linux/amd64"), 1, 3 << 20), Optional.of("big"));
    Set<String> started = ConcurrentHashMap.newKeySet();
    Map<String, Long> moved = new ConcurrentHashMap<>();
    Map<String, Integer> events = new ConcurrentHashMap<>();
    SyncListener recorder = new SyncListener() {
      @Override
      public void imageStarted(String source, String target) {
        started.add(source + " -> " + target);
      }

      @Override
      public void bytesMoved(String source, String target, long bytes) {
        moved.merge(source + " -> " + target, bytes, Long::sum);
        events.merge(source + " -> " + target, 1, Integer::sum);
      }
    };
    SyncReport report;
    try (Syncer s = syncer().imagesInFlight(1).listener(recorder).build()) {
      report = s.run(List.of(mapping("app", "app", "a", "b", "big")));
    }

    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(started).containsAll(moved.keySet());
    for (ImageResult r : report.images()) {
      String key = r.source() + " -> " + r.target();
      assertThat(moved.getOrDefault(key, 0L)).as(key).isEqualTo(r.bytes());
    }
    // the shared base layer moved once, for the image that asked first
    assertThat(report.images().get(1).bytes()).isLessThan(images.get(1).blobs().stream()
        .mapToLong(b -> b.descriptor().size()).sum());
    String big = report.images().get(2).source() + " -> " + report.images().get(2).target();
    // two blobs (config and layer): at most one event per MiB of each, plus one at each end
    assertThat(events.get(big)).isBetween(2, 3 + 2);
  }

  @Test
  void maxConcurrentOfATargetRegistryCapsItsBlobTransfers() throws IOException {
    upstream.putImage("app", TestImages.ociImage(93, Platform.parse("linux/amd64"), 4, 2000), Optional.of("1.0"));
    upstream.putImage("app", TestImages.ociImage(94, Platform.parse("linux/amd64"), 4, 2000), Optional.of("2.0"));
    java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger peak = new java.util.concurrent.atomic.AtomicInteger();
    // each upload's PUT is held a moment at the fake, so uploads allowed together overlap there
    mirror.inject(r -> {
      if (r.getMethod().equals("PUT") && r.getUrl().encodedPath().contains("/blobs/uploads/")) {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          now.decrementAndGet();
        }
      }
      return false;
    }, FakeRegistry.error(500, "UNKNOWN", "never sent"), false);
    Registry one = mirror.registry().maxConcurrent(1).build();
    registries.add(one);
    SyncReport report;
    try (Syncer s = syncer().registry(one).blobsInFlightPerRegistry(6).build()) {
      report = s.run(List.of(mapping("app", "app", "1.0", "2.0")));
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(mirror.requests("PUT", "/blobs/uploads/")).hasSizeGreaterThan(4);
    assertThat(peak.get()).isEqualTo(1);
  }

  @Test
  void headFirstOffFetchesTheSourceManifestAtOnceAndNeverHeadsIt() throws IOException {
    upstream.putImage("app", TestImages.ociImage(95, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    Registry getFirst = upstream.registry().headFirst(false).build();
    registries.add(getFirst);
    assertThat(getFirst.headFirst()).isFalse();
    assertThat(getFirst.newBuilder().build().headFirst()).isFalse();
    List<SyncReport> reports = new ArrayList<>();
    try (Syncer s = syncer().registry(getFirst).build()) {
      Mapping m = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").tags("1.0")
          .artifacts(ArtifactPolicy.disabled()).build();
      reports.add(s.run(List.of(m)));
      reports.add(s.run(List.of(m)));
    }
    assertThat(reports).extracting(r -> r.images().get(0).status())
        .containsExactly(ImageResult.Status.SYNCED, ImageResult.Status.SKIPPED);
    // one GET per run, which the transfer reused: no HEAD, no second GET
    assertThat(upstream.requests("HEAD", "/manifests/1.0")).isEmpty();
    assertThat(upstream.requests("GET", "/manifests/")).hasSize(2);
  }

  @Test
  void headFirstByDefaultSkipsAnUnchangedImageWithoutAManifestGet() throws IOException {
    upstream.putImage("app", TestImages.ociImage(96, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    try (Syncer s = syncer().verifyTargets(true).build()) {
      Mapping m = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").tags("1.0")
          .artifacts(ArtifactPolicy.disabled()).build();
      s.run(List.of(m));
      assertThat(s.run(List.of(m)).images().get(0).status()).isEqualTo(ImageResult.Status.SKIPPED);
    }
    // the first run: the target lacked the tag, so one GET and no HEAD; the second: one HEAD, no GET
    assertThat(upstream.requests("HEAD", "/manifests/1.0")).hasSize(1);
    assertThat(upstream.requests("GET", "/manifests/")).hasSize(1);
  }

  @Test
  void literalTagsListTheSourceOncePerRepositoryAndRunForArtifactsAndNeverWithout() throws IOException {
    upstream.referrersApi(false);
    upstream.putImage("app", TestImages.ociImage(97, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    upstream.putImage("app", TestImages.ociImage(98, Platform.parse("linux/amd64"), 1, 100), Optional.of("2.0"));
    FakeRegistry other = FakeRegistry.start();
    try (other; Syncer s = syncer(other).build()) {
      // two mappings and three images of one source repository, artifacts on (the default)
      List<Mapping> withArtifacts = List.of(mapping("app", "app", "1.0", "2.0"),
          Mapping.builder().source(upstream.host(), "app").target(other.host(), "app").tags("1.0").build());
      assertThat(s.run(withArtifacts).succeeded()).isTrue();
      assertThat(upstream.requests("GET", "/tags/list")).hasSize(1);
      // per run: the next run reads it again, since a signature may have been added upstream
      assertThat(s.run(withArtifacts).succeeded()).isTrue();
      assertThat(upstream.requests("GET", "/tags/list")).hasSize(2);

      List<Mapping> without = List.of(Mapping.builder().source(upstream.host(), "app").target(other.host(), "bare")
          .tags("1.0", "2.0").artifacts(ArtifactPolicy.disabled()).build());
      assertThat(s.run(without).succeeded()).isTrue();
      assertThat(upstream.requests("GET", "/tags/list")).hasSize(2);
      // and without artifacts no cosign or fallback tag is looked up one by one either
      assertThat(upstream.requests().stream().map(r -> r.getUrl().encodedPath())
          .filter(p -> p.contains("/manifests/sha256-"))).isEmpty();
    }
  }

  @Test
  void literalTagsAreNotListed() throws IOException {
    upstream.putImage("app", TestImages.ociImage(6, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    try (Syncer s = syncer().build()) {
      s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").tags("1.0")
          .artifacts(ArtifactPolicy.disabled()).build()));
    }
    assertThat(upstream.requests("GET", "/tags/list")).isEmpty();
    // the target's listing is not selection: asked once, after the tag was missing, to learn the
    // repository is new (so the blob and manifest HEADs there can go)
    assertThat(mirror.requests("GET", "/tags/list")).hasSize(1);
  }

  @Test
  void withArtifactsOneSourceListingReplacesTheReferrerLookupsOfEveryImage() throws IOException {
    upstream.referrersApi(false);
    Image index = TestImages.multiArch(70, 100);
    upstream.putImage("app", index, Optional.of("1.0"));
    upstream.putImage("app", TestImages.ociImage(71, Platform.parse("linux/amd64"), 1, 100), Optional.of("2.0"));
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0", "2.0"))).succeeded()).isTrue();
    }
    // literal tags: the listing is for the referrer stage, once for the repository
    assertThat(upstream.requests("GET", "/tags/list")).hasSize(1);
    // no tag-schema GET and no cosign-tag HEAD for the images or the index's children
    assertThat(upstream.requests().stream().map(r -> r.getUrl().encodedPath())
        .filter(p -> p.contains("/manifests/sha256-"))).isEmpty();
  }

  @Test
  void inANewTargetRepositoryNothingIsLookedUpOneByOne() throws IOException {
    Image index = TestImages.multiArch(68, 500);
    upstream.putImage("app", index, Optional.of("1.0"));
    upstream.putImage("app", index, Optional.of("1.0-alias"));
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(mapping("app", "fresh", "1.0", "1.0-alias")));
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    // one tag HEAD per tag (both may miss before the listing answers), one listing, no blob HEAD,
    // no HEAD of a child or of a manifest by digest
    assertThat(mirror.requests("HEAD", "/blobs/")).isEmpty();
    assertThat(mirror.requests("HEAD", "/manifests/sha256:")).isEmpty();
    assertThat(mirror.requests("HEAD", "/manifests/")).hasSizeLessThanOrEqualTo(2);
    assertThat(mirror.requests("GET", "/tags/list")).hasSize(1);
    for (Blob b : index.blobs()) {
      assertThat(mirror.blob("fresh", b.descriptor().digest())).contains(b.bytes());
    }
    assertThat(mirror.manifest("fresh", "1.0-alias")).contains(index.manifest().bytes());
  }

  @Test
  void inARepositoryThatHasContentAMissingTagStillHeadsItsBlobs() throws IOException {
    List<Image> images = imagesSharingABaseLayer();
    upstream.putImage("app", images.get(1), Optional.of("2.0"));
    mirror.putImage("app", images.get(0), Optional.of("1.0"));
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(mapping("app", "app", "2.0"))).succeeded()).isTrue();
    }
    Digest base = images.get(0).blobs().get(1).descriptor().digest();
    // the shared layer is found by its HEAD, not uploaded again
    assertThat(mirror.requests("HEAD", "/blobs/" + base)).hasSize(1);
    assertThat(mirror.requests("PUT", "/blobs/uploads/").stream()
        .filter(r -> String.valueOf(r.getUrl().queryParameter("digest")).equals(base.toString()))).isEmpty();
  }

  @Test
  void retryHonoursRetryAfterAndSaysSo() throws IOException {
    Image image = TestImages.ociImage(7, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", image, Optional.of("1.0"));
    Digest layer = image.blobs().get(1).descriptor().digest();
    upstream.inject(r -> r.getMethod().equals("GET") && r.getUrl().encodedPath().endsWith("/blobs/" + layer),
        FakeRegistry.error(429, "TOOMANYREQUESTS", "slow down").newBuilder().addHeader("Retry-After", "1").build(),
        true);
    List<Duration> waits = new CopyOnWriteArrayList<>();
    List<String> what = new CopyOnWriteArrayList<>();
    SyncListener recorder = new SyncListener() {
      @Override
      public void retrying(String w, int attempt, Duration wait, IOException cause) {
        waits.add(wait);
        what.add(w + " #" + attempt);
      }
    };

    SyncReport report;
    try (Syncer s = syncer().listener(recorder).build()) {
      report = s.run(List.of(mapping("app", "app", "1.0")));
    }

    assertThat(report.images().get(0).status()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(waits).containsExactly(Duration.ofSeconds(1));
    assertThat(what).containsExactly("blob " + layer + " from " + upstream.host() + "/app to " + mirror.host()
        + "/app #2");
    assertThat(count(upstream.requests(), "GET", "/blobs/" + layer)).isEqualTo(2);
  }

  @Test
  void oneBrokenImageFailsAloneWithItsStageAndStatus() throws IOException {
    Image good = TestImages.ociImage(8, Platform.parse("linux/amd64"), 1, 100);
    Image broken = TestImages.ociImage(9, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", good, Optional.of("good"));
    // the manifest is there, one of its layers is not
    upstream.putBlob("app", broken.blobs().get(0).bytes());
    upstream.putManifest("app", Optional.of("broken"), broken.manifest().bytes(), broken.manifest().mediaType());

    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(mapping("app", "app", "broken", "good")));
    }

    assertThat(report.succeeded()).isFalse();
    ImageResult b = report.images().get(0);
    assertThat(b.source()).isEqualTo(upstream.host() + "/app:broken");
    assertThat(b.target()).isEqualTo(mirror.host() + "/app:broken");
    assertThat(b.status()).isEqualTo(ImageResult.Status.FAILED);
    assertThat(b.failure().orElseThrow().stage()).isEqualTo(ImageResult.Stage.BLOB_TRANSFER);
    assertThat(b.failure().orElseThrow().error().status()).hasValue(404);
    assertThat(b.failure().orElseThrow().message()).contains(broken.blobs().get(1).descriptor().digest().toString());
    assertThat(report.images().get(1).status()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(mirror.manifest("app", "broken")).isEmpty();
    assertThat(mirror.manifest("app", "good")).contains(good.manifest().bytes());
    assertThat(report.stats().failed()).isEqualTo(1);
    assertThat(report.stats().synced()).isEqualTo(1);
  }

  @Test
  void aTagListingThatFailsIsAMappingProblemNotAnException() throws IOException {
    upstream.inject(r -> r.getUrl().encodedPath().endsWith("/tags/list"),
        FakeRegistry.error(403, "DENIED", "no listing for you"), false);
    Mapping listing = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").build();
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(listing));
    }
    assertThat(report.images()).isEmpty();
    assertThat(report.mappings().get(0).problems()).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo(SyncReport.ProblemKind.TAG_LISTING_FAILED);
      assertThat(p.message()).contains(upstream.host() + "/app", "no listing for you");
    });
    assertThat(report.succeeded()).isFalse();
  }

  @Test
  void dryRunSendsNoWriteAndSaysWhatWouldMove() throws IOException {
    Image index = TestImages.multiArch(10, 2000);
    upstream.putImage("app", index, Optional.of("1.0"));
    SyncReport report;
    try (Syncer s = syncer().dryRun(true).build()) {
      report = s.run(List.of(mapping("app", "app", "1.0"), mapping("app", "other", "1.0")));
    }
    assertThat(writes(mirror)).isEmpty();
    assertThat(writes(upstream)).isEmpty();
    assertThat(report.dryRun()).isTrue();
    assertThat(report.images()).extracting(ImageResult::status).containsOnly(ImageResult.Status.SYNCED);
    long bytes = index.allBlobs().stream().mapToLong(b -> b.descriptor().size()).sum();
    // the first repository would receive the blobs, the second would mount them
    assertThat(report.stats().bytes()).isEqualTo(bytes);
    assertThat(report.stats().blobsCopied() + report.stats().blobsMounted()).isEqualTo(2 * index.allBlobs().size());
    assertThat(report.stats().manifestsCopied()).isEqualTo(6);
    assertThat(mirror.manifestCount("app")).isZero();
  }

  @Test
  void aThrowingListenerNeverFailsARunAndEveryStartHasOneFinish() throws IOException {
    upstream.putImage("app", TestImages.ociImage(11, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    upstream.putImage("app", TestImages.ociImage(12, Platform.parse("linux/amd64"), 1, 100), Optional.of("2.0"));
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> open = new ConcurrentHashMap<>();
    SyncListener recording = new SyncListener() {
      @Override
      public void runStarted(List<Mapping> mappings) {
        events.add("runStarted");
      }

      @Override
      public void imageStarted(String source, String target) {
        open.merge(target, 1, Integer::sum);
      }

      @Override
      public void imageFinished(ImageResult result) {
        open.merge(result.target(), -1, Integer::sum);
        events.add("imageFinished " + result.tag().orElseThrow());
      }

      @Override
      public void runFinished(SyncReport report) {
        events.add("runFinished");
      }
    };
    SyncListener throwing = new SyncListener() {
      @Override
      public void imageStarted(String source, String target) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void blobDone(String target, Descriptor blob, BlobOutcome outcome) {
        throw new IllegalStateException("listener bug");
      }
    };
    SyncReport report;
    try (Syncer s = syncer().listener(throwing.and(recording)).build()) {
      report = s.run(List.of(mapping("app", "app", "1.0", "2.0")));
    }
    assertThat(report.succeeded()).isTrue();
    assertThat(open.values()).containsOnly(0);
    assertThat(open).hasSize(2);
    assertThat(events.get(0)).isEqualTo("runStarted");
    assertThat(events.get(events.size() - 1)).isEqualTo("runFinished");
    assertThat(events).containsOnlyOnce("imageFinished 1.0", "imageFinished 2.0");
  }

  @Test
  void misuseThrowsButEndpointsNeverDo() throws IOException {
    try (Syncer s = syncer().build()) {
      assertThatThrownBy(() -> s.run(List.of())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no mappings");
      // nothing listens on this port: the failure is in the report
      SyncReport r = s.run(List.of(Mapping.builder().source("127.0.0.1:9", "app").target(mirror.host(), "app")
          .tags("1.0").build()));
      assertThat(r.images()).singleElement().satisfies(i -> {
        assertThat(i.status()).isEqualTo(ImageResult.Status.FAILED);
        assertThat(i.failure().orElseThrow().stage()).isEqualTo(ImageResult.Stage.MANIFEST_PULL);
      });
    }
    Syncer closed = syncer().build();
    closed.close();
    assertThatThrownBy(() -> closed.run(List.of(mapping("app", "app", "1.0"))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void mappingBuilderChecksTheFieldsTogether() {
    assertThatThrownBy(() -> Mapping.builder().target(mirror.host(), "app").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("mapping has no source");
    assertThatThrownBy(() -> Mapping.builder().source(upstream.host(), "app").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no target");
    assertThatThrownBy(() -> Mapping.builder().source(upstream.host(), "app").target(upstream.host(), "app").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be the source");
    assertThatThrownBy(() -> Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "a")
        .target(mirror.host(), "a").build()).hasMessageContaining("given twice");
    assertThatThrownBy(() -> Mapping.builder().tags("ok", "bad tag")).hasMessageContaining("invalid tag \"bad tag\"");
    dev.ocync.testing.MemoryRepository readOnly = new dev.ocync.testing.MemoryRepository("mem://charts") {
      @Override
      public boolean readOnly() {
        return true;
      }
    };
    assertThatThrownBy(() -> Mapping.builder().source(upstream.host(), "app").target(readOnly).build())
        .hasMessageContaining("target mem://charts is read-only");
    Mapping m = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "x").tags("1", "1", "2")
        .build();
    assertThat(m.literalTags()).containsExactly("1", "2");
    assertThat(m.newBuilder().build().toString()).isEqualTo(m.toString());
  }

  @Test
  void reportJsonHasTheDocumentedShape() throws IOException {
    Image image = TestImages.ociImage(13, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", image, Optional.of("1.0"));
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(mapping("app", "app", "1.0", "missing")));
    }
    String json = report.toJson();
    SchemaCheck.assertValid(json);
    com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    assertThat(tree.get("images").get(0).get("status").asText()).isEqualTo("SYNCED");
    assertThat(tree.get("images").get(0).get("sourceDigest").asText()).isEqualTo(image.manifest().digest().toString());
    assertThat(tree.get("images").get(1).get("failure").get("stage").asText()).isEqualTo("MANIFEST_PULL");
    assertThat(tree.get("images").get(1).get("failure").get("httpStatus").asInt()).isEqualTo(404);
    assertThat(tree.get("stats").get("failed").asInt()).isEqualTo(1);
    assertThat(tree.get("mappings").get(0).has("tagsListed")).isFalse();
    assertThat(report.images().stream().map(ImageResult::target).collect(Collectors.toList()))
        .containsExactly(mirror.host() + "/app:1.0", mirror.host() + "/app:missing");
  }

  @Test
  void aBlobThatFailedForOneImageIsTriedAgainByTheNextImageThatNeedsIt() throws IOException {
    List<Image> images = imagesSharingABaseLayer();
    upstream.putImage("app", images.get(0), Optional.of("a"));
    upstream.putImage("app", images.get(1), Optional.of("b"));
    Digest base = images.get(0).blobs().get(1).descriptor().digest();
    upstream.inject(r -> r.getMethod().equals("GET") && r.getUrl().encodedPath().endsWith("/blobs/" + base),
        FakeRegistry.error(500, "UNKNOWN", "disk on fire"), true);
    List<String> blobEvents = new CopyOnWriteArrayList<>();
    List<Long> moved = new CopyOnWriteArrayList<>();
    SyncListener recorder = new SyncListener() {
      @Override
      public void blobDone(String target, Descriptor blob, BlobOutcome outcome) {
        blobEvents.add(blob.digest() + " " + outcome);
      }

      @Override
      public void bytesMoved(String source, String target, long bytes) {
        moved.add(bytes);
      }
    };

    SyncReport report;
    try (Syncer s = syncer().retryPolicy(RetryPolicy.none()).imagesInFlight(1).listener(recorder).build()) {
      report = s.run(List.of(mapping("app", "app", "a", "b")));
    }

    assertThat(report.images().get(0).status()).isEqualTo(ImageResult.Status.FAILED);
    assertThat(report.images().get(0).failure().orElseThrow().error().status()).hasValue(500);
    assertThat(report.images().get(1).status()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(count(upstream.requests(), "GET", "/blobs/" + base)).isEqualTo(2);
    assertThat(mirror.blob("app", base)).contains(images.get(0).blobs().get(1).bytes());
    assertThat(blobEvents).containsOnlyOnce(base + " COPIED");
    long copied = report.stats().bytes();
    assertThat(moved.stream().mapToLong(Long::longValue).sum()).isEqualTo(copied);
  }

  @Test
  void aMappingWithTwoTargetRegistriesReadsEachBlobOnceThroughAStagingFile(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path cache) throws IOException {
    Image index = TestImages.multiArch(14, 3000);
    upstream.putImage("app", index, Optional.of("1.0"));
    SyncReport report;
    try (FakeRegistry second = FakeRegistry.start();
        Syncer s = syncer(second).cacheDirectory(cache).build()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .target(second.host(), "copy/app").tags("1.0").build()));
      for (Blob b : index.allBlobs()) {
        assertThat(second.blob("copy/app", b.descriptor().digest())).contains(b.bytes());
      }
      assertThat(second.manifest("copy/app", "1.0")).contains(index.manifest().bytes());
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    for (Blob b : index.allBlobs()) {
      assertThat(count(upstream.requests(), "GET", "/blobs/" + b.descriptor().digest())).isEqualTo(1);
      assertThat(mirror.blob("app", b.descriptor().digest())).contains(b.bytes());
    }
    assertThat(report.stats().blobsCopied()).isEqualTo(2 * index.allBlobs().size());
    // the staging files lived only as long as the run
    try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.walk(cache.resolve("staging"))) {
      assertThat(left.filter(java.nio.file.Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void twoMappingsOfOneSourceToTwoRegistriesReadEachBlobOnceThroughAStagingFile() throws IOException {
    Image image = TestImages.ociImage(72, Platform.parse("linux/amd64"), 2, 3000);
    upstream.putImage("app", image, Optional.of("1.0"));
    SyncReport report;
    try (FakeRegistry second = FakeRegistry.start();
        Syncer s = syncer(second).build()) {
      report = s.run(List.of(mapping("app", "app", "1.0"),
          Mapping.builder().source(upstream.host(), "app").target(second.host(), "copy/app").tags("1.0").build()));
      for (Blob b : image.blobs()) {
        assertThat(second.blob("copy/app", b.descriptor().digest())).contains(b.bytes());
      }
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    for (Blob b : image.blobs()) {
      assertThat(count(upstream.requests(), "GET", "/blobs/" + b.descriptor().digest()))
          .as("source GETs of %s", b.descriptor().digest()).isEqualTo(1);
      assertThat(mirror.blob("app", b.descriptor().digest())).contains(b.bytes());
    }
  }

  @Test
  void aSyncerRunOnAScheduleReusesTokensAndRunsConcurrentlyFromSeveralThreads() throws Exception {
    upstream.requireAnonymousBearer();
    upstream.putImage("a", TestImages.ociImage(15, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    upstream.putImage("b", TestImages.ociImage(16, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    try (Syncer s = syncer().build()) {
      java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        var ra = two.submit(() -> s.run(List.of(mapping("a", "a", "1.0"))));
        var rb = two.submit(() -> s.run(List.of(mapping("b", "b", "1.0"))));
        assertThat(ra.get().succeeded()).isTrue();
        assertThat(rb.get().succeeded()).isTrue();
      } finally {
        two.shutdownNow();
      }
      int tokens = upstream.tokenRequests().size();

      SyncReport again = s.run(List.of(mapping("a", "a", "1.0"), mapping("b", "b", "1.0")));

      assertThat(again.images()).extracting(ImageResult::status).containsOnly(ImageResult.Status.SKIPPED);
      assertThat(upstream.tokenRequests()).as("tokens fetched again").hasSize(tokens);
    }
  }

  @Test
  void aPlatformFilterWritesADeterministicIndexOnceAndTheSecondRunSkipsIt() throws IOException {
    Image index = TestImages.multiArch(17, 1000);
    upstream.putImage("app", index, Optional.of("1.0"));
    Image amd64 = index.children().get(0);
    Image arm64 = index.children().get(1);
    Mapping m = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app").tags("1.0")
        .platforms(PlatformFilter.of("linux/amd64")).build();
    try (Syncer s = syncer().build()) {
      SyncReport first = s.run(List.of(m));

      ImageResult r = first.images().get(0);
      assertThat(r.status()).as(first.toString()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(r.filtered()).isTrue();
      assertThat(r.sourceDigest()).contains(index.manifest().digest());
      byte[] written = mirror.manifest("app", "1.0").orElseThrow();
      assertThat(r.targetDigest()).contains(Digest.sha256(written));
      assertThat(new String(written, java.nio.charset.StandardCharsets.UTF_8))
          .contains(amd64.manifest().digest().toString()).doesNotContain(arm64.manifest().digest().toString());
      for (Blob b : arm64.blobs()) {
        assertThat(upstream.requests("GET", "/blobs/" + b.descriptor().digest())).isEmpty();
      }
      int puts = mirror.requests("PUT", "/manifests/").size();

      SyncReport second = s.run(List.of(m));

      assertThat(second.images().get(0).status()).isEqualTo(ImageResult.Status.SKIPPED);
      assertThat(second.images().get(0).targetDigest()).isEqualTo(r.targetDigest());
      assertThat(mirror.requests("PUT", "/manifests/")).hasSize(puts);
    }
  }

  @Test
  void aPlatformFilterThatMatchesNothingFailsThatImageNamingWhatTheSourceHas() throws IOException {
    upstream.putImage("app", TestImages.multiArch(18, 100), Optional.of("1.0"));
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags("1.0").platforms(PlatformFilter.of("windows/amd64")).build()));
    }
    ImageResult.Failure f = report.images().get(0).failure().orElseThrow();
    assertThat(f.stage()).isEqualTo(ImageResult.Stage.MANIFEST_PULL);
    assertThat(f.message()).contains("windows/amd64", "linux/amd64", "linux/arm64/v8");
    assertThat(writes(mirror)).isEmpty();
  }

  @Test
  void tagRulesListTheSourceOnceReportWhatWasDroppedAndMinTagsFailsOnlyItsMapping() throws IOException {
    Image image = TestImages.ociImage(19, Platform.parse("linux/amd64"), 1, 100);
    for (String t : List.of("1.0", "1.1", "1.2-rc1", "2.0", "latest")) {
      upstream.putImage("app", image, Optional.of(t));
    }
    upstream.putImage("other", image, Optional.of("1.0"));
    Mapping picky = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
        .tags(TagSelector.builder().glob("1.*").build()).build();
    Mapping tooFew = Mapping.builder().source(upstream.host(), "other").target(mirror.host(), "other")
        .tags(TagSelector.builder().glob("*").minTags(2).build()).build();
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(picky, tooFew));
    }
    SyncReport.MappingReport first = report.mappings().get(0);
    assertThat(first.listed()).hasValueSatisfying(l -> assertThat(l).hasSize(5));
    assertThat(first.kept()).containsExactlyInAnyOrder("1.0", "1.1");
    assertThat(first.dropped()).extracting(TagSelector.Dropped::tag).containsExactlyInAnyOrder("1.2-rc1", "2.0",
        "latest");
    assertThat(first.problems()).isEmpty();
    assertThat(report.images()).extracting(ImageResult::tag).containsExactlyInAnyOrder(Optional.of("1.0"),
        Optional.of("1.1"));
    assertThat(report.mappings().get(1).problems()).singleElement()
        .satisfies(p -> assertThat(p.kind()).isEqualTo(SyncReport.ProblemKind.TOO_FEW_TAGS));
    assertThat(upstream.requests("GET", "/tags/list")).hasSize(2);
    assertThat(mirror.manifest("other", "1.0")).isEmpty();
    SchemaCheck.assertValid(report.toJson());
  }

  @Test
  void anImmutableTagAlreadyAtTheTargetCostsNoSourceRequest() throws IOException {
    Image image = TestImages.ociImage(20, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", image, Optional.of("1.0"));
    Mapping m = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
        .tags(TagSelector.builder().glob("1.0").immutableTags("1.*").build()).build();
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(m)).succeeded()).isTrue();
      long manifestRequests = upstream.requests().stream()
          .filter(r -> r.getUrl().encodedPath().contains("/manifests/")).count();

      SyncReport again = s.run(List.of(m));

      assertThat(again.images().get(0).skipReason()).contains(ImageResult.SkipReason.IMMUTABLE_TAG);
      assertThat(upstream.requests().stream().filter(r -> r.getUrl().encodedPath().contains("/manifests/")).count())
          .isEqualTo(manifestRequests);
    }
  }

  @Test
  void referrersFollowTheirImageAndATargetWithoutTheApiGetsTheFallbackIndexOnce() throws IOException {
    Image image = TestImages.ociImage(21, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", image, Optional.of("1.0"));
    Image signature = TestImages.referrer(22, image.manifest().descriptor(), "application/vnd.example.sig");
    Image sbom = TestImages.referrer(23, signature.manifest().descriptor(), "application/vnd.example.sbom");
    upstream.putImage("app", signature, Optional.empty());
    upstream.putImage("app", sbom, Optional.empty());
    mirror.referrersApi(false);
    try (Syncer s = syncer().build()) {
      SyncReport first = s.run(List.of(mapping("app", "app", "1.0")));

      assertThat(first.images().get(0).status()).as(first.toString()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(first.images().get(0).referrersCopied()).isEqualTo(2);
      assertThat(mirror.manifest("app", signature.manifest().digest().toString())).contains(signature.manifest().bytes());
      assertThat(mirror.manifest("app", sbom.manifest().digest().toString())).contains(sbom.manifest().bytes());
      String fallback = "sha256-" + image.manifest().digest().encoded();
      assertThat(new String(mirror.manifest("app", fallback).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
          .contains(signature.manifest().digest().toString());
      int puts = mirror.requests("PUT", "/manifests/").size();

      SyncReport second = s.run(List.of(mapping("app", "app", "1.0")));

      assertThat(second.images().get(0).status()).isEqualTo(ImageResult.Status.SKIPPED);
      assertThat(mirror.requests("PUT", "/manifests/")).as("manifest PUTs on the second run").hasSize(puts);
    }
  }

  @Test
  void aSignatureAddedUpstreamToACachedImageStillArrivesThroughTheListing() throws IOException {
    upstream.referrersApi(false);
    Image image = TestImages.ociImage(25, Platform.parse("linux/amd64"), 1, 100);
    upstream.putImage("app", image, Optional.of("1.0"));
    Mapping listed = Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
        .tags(TagSelector.builder().glob("1.*").build()).build();
    try (Syncer s = syncer().build()) {
      assertThat(s.run(List.of(listed)).succeeded()).isTrue();

      // signed later, the way a registry without the API holds it: the referrer and its tag-schema index
      Image signature = TestImages.referrer(26, image.manifest().descriptor(), "application/vnd.example.sig");
      upstream.putImage("app", signature, Optional.empty());
      String fallback = "sha256-" + image.manifest().digest().encoded();
      String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
          + TestImages.descriptorJson(signature.manifest().descriptor(), Optional.empty()) + "]}";
      upstream.putManifest("app", Optional.of(fallback), index.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          MediaType.OCI_INDEX);

      SyncReport again = s.run(List.of(listed));

      assertThat(again.images().get(0).skipReason()).as(again.toString()).contains(ImageResult.SkipReason.CACHED);
      assertThat(again.images().get(0).referrersCopied()).isEqualTo(1);
      assertThat(mirror.manifest("app", signature.manifest().digest().toString()))
          .contains(signature.manifest().bytes());
    }
  }

  @Test
  void requireArtifactsFailsAnImageWithoutReferrers() throws IOException {
    upstream.putImage("app", TestImages.ociImage(24, Platform.parse("linux/amd64"), 1, 100), Optional.of("1.0"));
    SyncReport report;
    try (Syncer s = syncer().build()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags("1.0").artifacts(ArtifactPolicy.builder().requireArtifacts(true).build()).build()));
    }
    ImageResult.Failure f = report.images().get(0).failure().orElseThrow();
    assertThat(f.stage()).isEqualTo(ImageResult.Stage.REQUIRED_ARTIFACTS_MISSING);
    assertThat(f.message()).contains("no artifacts found for", "require_artifacts is enabled");
  }

  @Test
  void aWarmRunSkipsTheHeadsOfBlobsTheTransferCacheKnowsAndAStaleHintIsUndone(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path cache) throws IOException {
    List<Image> images = imagesSharingABaseLayer();
    upstream.putImage("app", images.get(0), Optional.of("1.0"));
    upstream.putImage("app", images.get(1), Optional.of("1.1"));
    Digest base = images.get(0).blobs().get(1).descriptor().digest();
    try (Syncer s = syncer().cacheDirectory(cache).build()) {
      assertThat(s.run(List.of(mapping("app", "app", "1.0"))).succeeded()).isTrue();
    }
    long headsBefore = count(mirror.requests(), "HEAD", "/blobs/" + base);
    SyncReport warm;
    // another syncer (another process, say) with the same cache directory
    try (Syncer s = syncer().cacheDirectory(cache).build()) {
      warm = s.run(List.of(mapping("app", "app", "1.1")));
    }
    assertThat(warm.succeeded()).as(warm.toString()).isTrue();
    assertThat(count(mirror.requests(), "HEAD", "/blobs/" + base)).isEqualTo(headsBefore);
    assertThat(mirror.manifest("app", "1.1")).contains(images.get(1).manifest().bytes());

    // a hint that is wrong: the cache says a blob is in "other", where it never was
    try (dev.ocync.internal.cache.TransferCache c = dev.ocync.internal.cache.TransferCache.open(cache,
        Duration.ofDays(1))) {
      c.recordBlob(new dev.ocync.internal.cache.TransferCache.BlobKey(mirror.host(), "other", base));
      assertThat(c.persist()).isTrue();
    }
    SyncReport stale;
    List<String> events = new CopyOnWriteArrayList<>();
    SyncListener listener = new SyncListener() {
      @Override
      public void imageStarted(String source, String target) {
        events.add("started " + target);
      }

      @Override
      public void imageFinished(ImageResult result) {
        events.add("finished " + result.target() + " " + result.status());
      }
    };
    try (Syncer s = syncer().cacheDirectory(cache).listener(listener).build()) {
      stale = s.run(List.of(mapping("app", "other", "1.0")));
    }
    // the retry without the cache is the same image to the listener: one start, one finish
    assertThat(events).containsExactly("started " + mirror.host() + "/other:1.0",
        "finished " + mirror.host() + "/other:1.0 SYNCED");
    assertThat(stale.images().get(0).status()).as(stale.toString()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(mirror.blob("other", base)).contains(images.get(0).blobs().get(1).bytes());
    assertThat(mirror.manifest("other", "1.0")).contains(images.get(0).manifest().bytes());
    // refused once for the blob the cache vouched for, then pushed after the retry without it
    assertThat(mirror.requests("PUT", "/v2/other/manifests/1.0")).hasSize(2);
  }
}
