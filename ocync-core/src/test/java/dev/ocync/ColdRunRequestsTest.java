package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The requests a cold run spends (issue 9: at most 1.1 × the necessary ones), each unneeded one
 * asserted gone, and the copy still exact; a skip is still proven by a digest.
 */
class ColdRunRequestsTest extends UpstreamAndMirror {
  private Syncer syncer() {
    Syncer.Builder b = Syncer.builder().retryPolicy(FAST);
    for (FakeRegistry f : List.of(upstream, mirror)) {
      Registry r = f.registry().build();
      registries.add(r);
      b.registry(r);
    }
    return b.build();
  }

  private Mapping mapping(String repo, String... tags) {
    return Mapping.builder().source(upstream.host(), repo).target(mirror.host(), repo).tags(tags)
        .artifacts(ArtifactPolicy.disabled()).build();
  }

  private static List<String> asked(FakeRegistry fake, String method, String pathPart) {
    return fake.requests(method, pathPart).stream().map(RecordedRequest::getUrl).map(u -> u.encodedPath()).toList();
  }

  private void assertCopied(String repo, Image image, String tag) {
    for (Blob b : image.blobs()) {
      assertThat(mirror.blob(repo, b.descriptor().digest())).as("blob %s", b.descriptor().digest()).contains(b.bytes());
    }
    assertThat(mirror.manifest(repo, tag)).contains(image.manifest().bytes());
    assertThat(mirror.manifest(repo, image.manifest().digest().toString())).contains(image.manifest().bytes());
  }

  @Test
  void aColdRunListsEachTargetRepositoryOnceInsteadOfAHeadPerTagAndGetsEachSourceTagOnce() throws IOException {
    Image one = TestImages.ociImage(301, Platform.parse("linux/amd64"), 2, 500);
    Image two = TestImages.ociImage(302, Platform.parse("linux/amd64"), 2, 500);
    Image three = TestImages.ociImage(303, Platform.parse("linux/amd64"), 2, 500);
    upstream.putImage("app", one, Optional.of("1.0"));
    upstream.putImage("app", two, Optional.of("2.0"));
    upstream.putImage("app", three, Optional.of("3.0"));

    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("app", "1.0", "2.0", "3.0")));
    }

    assertThat(report.succeeded()).as(report.toString()).isTrue();
    // the target: one listing answers all three tags (and says the repository is new), no HEAD at all
    assertThat(mirror.requests("GET", "/tags/list")).hasSize(1);
    assertThat(asked(mirror, "HEAD", "/")).isEmpty();
    // the source: one GET per tag gives digest and bytes; no HEAD, no GET by digest
    assertThat(asked(upstream, "HEAD", "/manifests/")).isEmpty();
    assertThat(asked(upstream, "GET", "/manifests/")).containsExactlyInAnyOrder(
        "/v2/app/manifests/1.0", "/v2/app/manifests/2.0", "/v2/app/manifests/3.0");
    assertCopied("app", one, "1.0");
    assertCopied("app", two, "2.0");
    assertCopied("app", three, "3.0");
    assertThat(report.images()).extracting(ImageResult::sourceDigest).containsExactlyInAnyOrder(
        Optional.of(one.manifest().digest()), Optional.of(two.manifest().digest()),
        Optional.of(three.manifest().digest()));
  }

  @Test
  void aTagTheTargetListsIsStillComparedByDigestFromBothHeadsAndNotFetched() throws IOException {
    Image same = TestImages.ociImage(311, Platform.parse("linux/amd64"), 1, 300);
    Image moved = TestImages.ociImage(312, Platform.parse("linux/amd64"), 1, 300);
    Image old = TestImages.ociImage(313, Platform.parse("linux/amd64"), 1, 300);
    upstream.putImage("app", same, Optional.of("1.0"));
    upstream.putImage("app", moved, Optional.of("2.0"));
    mirror.putImage("app", same, Optional.of("1.0"));
    mirror.putImage("app", old, Optional.of("2.0"));

    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("app", "1.0", "2.0")));
    }

    assertThat(report.succeeded()).as(report.toString()).isTrue();
    ImageResult kept = report.images().stream().filter(r -> r.tag().equals(Optional.of("1.0"))).findFirst().get();
    ImageResult replaced = report.images().stream().filter(r -> r.tag().equals(Optional.of("2.0"))).findFirst().get();
    // the listed tag that matches: HEAD at both ends, equal digests, no manifest GET
    assertThat(kept.status()).isEqualTo(ImageResult.Status.SKIPPED);
    assertThat(kept.skipReason()).contains(ImageResult.SkipReason.DIGEST_MATCH);
    assertThat(asked(upstream, "GET", "/manifests/1.0")).isEmpty();
    assertThat(asked(upstream, "HEAD", "/manifests/1.0")).hasSize(1);
    assertThat(asked(mirror, "HEAD", "/manifests/1.0")).hasSize(1);
    // the listed tag that moved upstream: its digest differs, so it is copied over the old one
    assertThat(replaced.status()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(replaced.replacedDigest()).contains(old.manifest().digest());
    assertCopied("app", moved, "2.0");
  }

  @Test
  void aRepositoryTheCacheKnowsIsNotListedAgainAndAWarmRunDecidesByOneSourceHeadPerTag() throws IOException {
    Image one = TestImages.ociImage(321, Platform.parse("linux/amd64"), 1, 300);
    Image two = TestImages.ociImage(322, Platform.parse("linux/amd64"), 1, 300);
    upstream.putImage("app", one, Optional.of("1.0"));
    upstream.putImage("app", two, Optional.of("2.0"));
    try (Syncer s = syncer()) {
      assertThat(s.run(List.of(mapping("app", "1.0", "2.0"))).succeeded()).isTrue();
      int src = upstream.requests().size();
      int dst = mirror.requests().size();
      // a third tag in the known repository: HEADed there, not listed again
      Image three = TestImages.ociImage(323, Platform.parse("linux/amd64"), 1, 300);
      upstream.putImage("app", three, Optional.of("3.0"));

      SyncReport warm = s.run(List.of(mapping("app", "1.0", "2.0", "3.0")));

      assertThat(warm.succeeded()).as(warm.toString()).isTrue();
      List<RecordedRequest> source = upstream.requests().subList(src, upstream.requests().size());
      List<RecordedRequest> target = mirror.requests().subList(dst, mirror.requests().size());
      // the cached tags: one source HEAD each proves the digest unchanged; the new tag: HEAD + GET
      assertThat(source).extracting(r -> r.getMethod() + " " + r.getUrl().encodedPath())
          .contains("HEAD /v2/app/manifests/1.0", "HEAD /v2/app/manifests/2.0")
          .doesNotContain("GET /v2/app/manifests/1.0", "GET /v2/app/manifests/2.0");
      assertThat(target).extracting(r -> r.getUrl().encodedPath()).doesNotContain("/v2/app/tags/list")
          .contains("/v2/app/manifests/3.0");
      assertCopied("app", three, "3.0");
    }
  }

  @Test
  void aTagSchemaIndexIsFetchedOnceAndAReferrerIsNotLookedUpInANewRepository() throws IOException {
    upstream.referrersApi(false); // distribution 2.8: referrers by tag schema only
    mirror.referrersApi(false);
    Image image = TestImages.ociImage(331, Platform.parse("linux/amd64"), 1, 200);
    Image signature = TestImages.referrer(332, image.manifest().descriptor(), "application/vnd.example.sig");
    upstream.putImage("app", image, Optional.of("1.0"));
    upstream.putImage("app", signature, Optional.empty());
    String fallback = "sha256-" + image.manifest().digest().encoded();
    String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + TestImages.descriptorJson(signature.manifest().descriptor(), Optional.empty()) + "]}";
    upstream.putManifest("app", Optional.of(fallback), index.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);

    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(Mapping.builder().source(upstream.host(), "app").target(mirror.host(), "app")
          .tags("1.0").build()));
    }

    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(report.images().get(0).referrersCopied()).isEqualTo(1);
    // the source's tag-schema index is the referrer listing and the bytes to copy: one GET
    assertThat(asked(upstream, "GET", "/manifests/" + fallback)).hasSize(1);
    // the new target repository cannot have the referrer, or a tag-schema index, before this run pushes them
    assertThat(asked(mirror, "HEAD", "/manifests/" + signature.manifest().digest())).isEmpty();
    assertThat(asked(mirror, "GET", "/manifests/" + fallback)).isEmpty();
    assertThat(mirror.manifest("app", signature.manifest().digest().toString())).contains(signature.manifest().bytes());
    assertThat(mirror.manifest("app", fallback)).contains(index.getBytes(StandardCharsets.UTF_8));
    assertCopied("app", image, "1.0");
  }
}
