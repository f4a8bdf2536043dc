package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.internal.engine.FallbackIndex.Action;
import dev.ocync.internal.engine.FallbackIndex.Decision;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FallbackIndexTest {
  private static final TestImages.Image SUBJECT = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 100);
  private static final Digest S = SUBJECT.manifest().digest();

  private static TestImages.Image referrer(long seed, String type) {
    return TestImages.referrer(seed, SUBJECT.manifest().descriptor(), type);
  }

  private static Descriptor entry(TestImages.Image referrer) {
    return FallbackIndex.entry(referrer.manifest());
  }

  private static Manifest index(String json) {
    return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);
  }

  private static String text(Manifest m) {
    return new String(m.bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void tagFollowsTheTagSchema() {
    assertThat(FallbackIndex.tag(S)).isEqualTo("sha256-" + S.encoded());
    Digest sha512 = Digest.of(Digest.Algorithm.SHA512, new byte[] {1});
    assertThat(FallbackIndex.tag(sha512)).isEqualTo("sha512-" + sha512.encoded().substring(0, 64)).hasSize(71);
  }

  @Test
  void aTargetWithItsOwnIndexGetsNothing() {
    Decision d = FallbackIndex.decide(S, Optional.empty(), Optional.empty(), true, List.of(entry(referrer(2, "a"))));
    assertThat(d.action()).isEqualTo(Action.NONE);
    assertThat(d.index()).isEmpty();
  }

  @Test
  void theSourcesIndexIsCopiedByteForByteWhenItListsExactlyWhatIsCopied() {
    TestImages.Image sig = referrer(2, "application/vnd.example.sig");
    TestImages.Image sbom = referrer(3, "application/vnd.example.sbom");
    // a source index in the source's own layout (spaces, its own order, an annotation)
    Manifest source = index("{ \"schemaVersion\": 2, \"mediaType\": \"" + MediaType.OCI_INDEX + "\", \"manifests\": ["
        + TestImages.descriptorJson(entry(sbom), Optional.empty()) + ", "
        + TestImages.descriptorJson(entry(sig), Optional.empty()) + "], \"annotations\": {\"by\": \"someone\"} }");
    Decision d = FallbackIndex.decide(S, Optional.of(source), Optional.empty(), false,
        List.of(entry(sig), entry(sbom)));
    assertThat(d.action()).isEqualTo(Action.COPY_SOURCE);
    assertThat(d.index().orElseThrow().bytes()).isEqualTo(source.bytes());

    // the policy left the SBOM out: the source's index would list a manifest the target lacks
    Decision filtered = FallbackIndex.decide(S, Optional.of(source), Optional.empty(), false, List.of(entry(sig)));
    assertThat(filtered.action()).isEqualTo(Action.CREATE);
    assertThat(filtered.index().orElseThrow().manifests()).extracting(Descriptor::digest)
        .containsExactly(sig.manifest().digest());
  }

  @Test
  void aBuiltIndexIsDeterministicAndSortedByDigest() {
    List<Descriptor> entries = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      entries.add(entry(referrer(10 + i, "application/vnd.example.t" + i)));
    }
    Manifest first = FallbackIndex.decide(S, Optional.empty(), Optional.empty(), false, entries).index().orElseThrow();
    List<Descriptor> shuffled = new ArrayList<>(entries);
    Collections.reverse(shuffled);
    Collections.swap(shuffled, 1, 4);
    Manifest second = FallbackIndex.decide(S, Optional.empty(), Optional.empty(), false, shuffled).index().orElseThrow();
    assertThat(second.bytes()).isEqualTo(first.bytes());
    assertThat(first.manifests()).extracting(d -> d.digest().toString()).isSorted();
    assertThat(first.manifests()).hasSize(6);
  }

  @Test
  void theBuiltLayoutIsCompactWithSortedAnnotations() {
    Descriptor d = Descriptor.builder().mediaType(MediaType.OCI_MANIFEST).digest(S).size(42)
        .artifactType("application/vnd.example.sig").annotations(Map.of("z", "1", "a", "2", "m", "3")).build();
    Manifest m = FallbackIndex.decide(Digest.sha256(new byte[0]), Optional.empty(), Optional.empty(), false,
        List.of(d)).index().orElseThrow();
    assertThat(text(m)).isEqualTo("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + S
        + "\",\"size\":42,\"artifactType\":\"application/vnd.example.sig\",\"annotations\":{\"a\":\"2\",\"m\":\"3\","
        + "\"z\":\"1\"}}]}");
  }

  @Test
  void anEntryDescribesTheReferrerAsTheApiWould() {
    TestImages.Image sig = referrer(2, "application/vnd.example.sig");
    Descriptor e = FallbackIndex.entry(sig.manifest());
    assertThat(e.digest()).isEqualTo(sig.manifest().digest());
    assertThat(e.size()).isEqualTo(sig.manifest().size());
    assertThat(e.artifactType()).hasValue("application/vnd.example.sig");
    // without artifactType, the config's media type stands in
    assertThat(FallbackIndex.entry(SUBJECT.manifest()).artifactType()).hasValue(MediaType.OCI_CONFIG);
  }

  @Test
  void anExistingTargetIndexIsExtendedKeepingItsEntriesAndFields() {
    TestImages.Image other = referrer(2, "application/vnd.other");
    TestImages.Image a = referrer(3, "application/vnd.example.a");
    TestImages.Image b = referrer(4, "application/vnd.example.b");
    Manifest target = index("{\"schemaVersion\":2,\"annotations\":{\"kept\":\"yes\"},\"mediaType\":\""
        + MediaType.OCI_INDEX + "\",\"manifests\":[" + TestImages.descriptorJson(entry(other), Optional.empty())
        + "],\"x-unknown\":[1,2]}");
    Decision d = FallbackIndex.decide(S, Optional.empty(), Optional.of(target), false, List.of(entry(b), entry(a)));
    assertThat(d.action()).isEqualTo(Action.EXTEND);
    Manifest m = d.index().orElseThrow();
    List<Digest> added = List.of(a.manifest().digest(), b.manifest().digest()).stream()
        .sorted((x, y) -> x.toString().compareTo(y.toString())).toList();
    assertThat(m.manifests()).extracting(Descriptor::digest)
        .containsExactly(other.manifest().digest(), added.get(0), added.get(1));
    assertThat(text(m)).startsWith("{\"schemaVersion\":2,\"annotations\":{\"kept\":\"yes\"},\"mediaType\":")
        .endsWith("],\"x-unknown\":[1,2]}");

    // run again with what is now there: nothing to push
    Decision again = FallbackIndex.decide(S, Optional.empty(), Optional.of(m), false, List.of(entry(a), entry(b)));
    assertThat(again.action()).isEqualTo(Action.NONE);
  }

  @Test
  void theSourcesIndexReplacesTheTargetsWhenItListsEverythingTheTargetHas() {
    TestImages.Image a = referrer(3, "application/vnd.example.a");
    TestImages.Image b = referrer(4, "application/vnd.example.b");
    Manifest oldSource = index("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + TestImages.descriptorJson(entry(a), Optional.empty()) + "]}");
    Manifest newSource = index("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + TestImages.descriptorJson(entry(a), Optional.empty()) + ","
        + TestImages.descriptorJson(entry(b), Optional.empty()) + "]}");
    // upstream added a signature: the target (a copy of the old source index) becomes the new source index
    Decision d = FallbackIndex.decide(S, Optional.of(newSource), Optional.of(oldSource), false,
        List.of(entry(a), entry(b)));
    assertThat(d.action()).isEqualTo(Action.COPY_SOURCE);
    assertThat(d.index().orElseThrow().digest()).isEqualTo(newSource.digest());
  }

  @Test
  void aTagHoldingSomethingElseIsLeftAlone() {
    Decision d = FallbackIndex.decide(S, Optional.empty(), Optional.of(SUBJECT.manifest()), false,
        List.of(entry(referrer(2, "a"))));
    assertThat(d.action()).isEqualTo(Action.REFUSED);
    assertThat(d.index()).isEmpty();
    assertThat(d.reason()).contains("sha256-" + S.encoded()).contains("not an OCI index");
  }

  @Test
  void anIndexOverTheSizeLimitIsNotWritten() {
    Descriptor huge = Descriptor.builder().mediaType(MediaType.OCI_MANIFEST).digest(S).size(1)
        .annotations(Map.of("big", "x".repeat(FallbackIndex.MAX_BYTES))).build();
    Decision d = FallbackIndex.decide(S, Optional.empty(), Optional.empty(), false, List.of(huge));
    assertThat(d.action()).isEqualTo(Action.REFUSED);
    assertThat(d.reason()).contains("more than the limit of " + FallbackIndex.MAX_BYTES);
  }

  @Test
  void maintainWritesThenExtendsThenLeavesAloneAtARegistryWithoutTheApi() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start().referrersApi(false); Registry registry = fake.registry().build()) {
      Repository target = registry.repository("mirror/app");
      SUBJECT.pushTo(target, Optional.of("v1"));
      TestImages.Image sig = referrer(2, "application/vnd.example.sig");
      TestImages.Image sbom = referrer(3, "application/vnd.example.sbom");
      sig.pushTo(target, Optional.empty());
      FallbackIndex writer = new FallbackIndex();

      Decision created = writer.maintain(target, S, Optional.empty(), List.of(entry(sig)));
      assertThat(created.action()).isEqualTo(Action.CREATE);
      byte[] stored = fake.manifest("mirror/app", "sha256-" + S.encoded()).orElseThrow();
      assertThat(stored).isEqualTo(created.index().orElseThrow().bytes());
      assertThat(target.listReferrers(S, Optional.empty())).extracting(Descriptor::digest)
          .containsExactly(sig.manifest().digest());

      int puts = fake.requests("PUT", "/manifests/").size();
      assertThat(writer.maintain(target, S, Optional.empty(), List.of(entry(sig))).action()).isEqualTo(Action.NONE);
      assertThat(fake.requests("PUT", "/manifests/")).as("a second run pushes nothing").hasSize(puts);

      sbom.pushTo(target, Optional.empty());
      Decision extended = writer.maintain(target, S, Optional.empty(), List.of(entry(sig), entry(sbom)));
      assertThat(extended.action()).isEqualTo(Action.EXTEND);
      assertThat(target.listReferrers(S, Optional.empty())).extracting(Descriptor::digest)
          .containsExactly(sig.manifest().digest(), sbom.manifest().digest());
    }
  }

  @Test
  void anOciLayoutTargetGetsTheIndexToo(@TempDir Path dir) throws IOException {
    try (Repository layout = OciLayout.directory(dir.resolve("bundle"))) {
      SUBJECT.pushTo(layout, Optional.of("v1"));
      TestImages.Image sig = referrer(2, "application/vnd.example.sig");
      sig.pushTo(layout, Optional.empty());
      FallbackIndex writer = new FallbackIndex();
      Decision d = writer.maintain(layout, S, Optional.empty(), List.of(entry(sig)));
      assertThat(d.action()).isEqualTo(Action.CREATE);
      assertThat(layout.fetchManifest(FallbackIndex.tag(S)).bytes()).isEqualTo(d.index().orElseThrow().bytes());
      assertThat(writer.maintain(layout, S, Optional.empty(), List.of(entry(sig))).action()).isEqualTo(Action.NONE);
      assertThat(layout.listReferrers(S, Optional.empty())).extracting(Descriptor::digest)
          .containsExactly(sig.manifest().digest());
    }
  }

  @Test
  void maintainDoesNotReadTheTagAtARegistryWithTheApi() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start(); Registry registry = fake.registry().build()) {
      Repository target = registry.repository("mirror/app");
      SUBJECT.pushTo(target, Optional.of("v1"));
      TestImages.Image sig = referrer(2, "application/vnd.example.sig");
      sig.pushTo(target, Optional.empty()); // answered with OCI-Subject
      Decision d = new FallbackIndex().maintain(target, S, Optional.empty(), List.of(entry(sig)));
      assertThat(d.action()).isEqualTo(Action.NONE);
      assertThat(fake.requests("GET", "/manifests/sha256-")).isEmpty();
      assertThat(fake.manifest("mirror/app", "sha256-" + S.encoded())).isEmpty();
    }
  }
}
