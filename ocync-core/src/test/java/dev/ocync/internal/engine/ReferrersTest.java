package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.internal.engine.Referrers.Plan;
import dev.ocync.internal.engine.Referrers.Referrer;
import dev.ocync.internal.engine.Referrers.Request;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ReferrersTest {
  private static final String SIG = "application/vnd.example.sig";
  private static final String SBOM = "application/vnd.example.sbom";
  private static final Predicate<Descriptor> ALL = d -> true;

  private final MemoryRepository source = new MemoryRepository("src");
  private final TestImages.Image image = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 100);

  private static TestImages.Image referrer(long seed, Manifest subject, String type) {
    return TestImages.referrer(seed, subject.descriptor(), type);
  }

  /** Every referrer comes after its subject: the image, a child, or a referrer earlier in the plan. */
  private static void assertSubjectsFirst(Plan plan, Set<Digest> roots) {
    List<Digest> before = new ArrayList<>(roots);
    for (Referrer r : plan.referrers()) {
      assertThat(before).as("subject of %s", r.manifest().digest()).contains(r.subject());
      before.add(r.manifest().digest());
    }
  }

  /** The image, a signature and an SBOM of it, and a signature of the SBOM, all at the source. */
  private record Chain(TestImages.Image sig, TestImages.Image sbom, TestImages.Image sbomSig) {}

  private Chain pushChain() throws IOException {
    image.pushTo(source, Optional.of("v1"));
    TestImages.Image sbom = referrer(3, image.manifest(), SBOM);
    Chain c = new Chain(referrer(2, image.manifest(), SIG), sbom, referrer(4, sbom.manifest(), SIG));
    for (TestImages.Image r : List.of(c.sig(), c.sbom(), c.sbomSig())) {
      r.pushTo(source, Optional.empty());
    }
    return c;
  }

  @Test
  void followsReferrersOfReferrersUpToTheDepthBound() throws IOException {
    Chain chain = pushChain();
    TestImages.Image sig = chain.sig();
    TestImages.Image sbom = chain.sbom();
    TestImages.Image sbomSig = chain.sbomSig();
    TestImages.Image deeper = referrer(5, sbomSig.manifest(), SIG);
    deeper.pushTo(source, Optional.empty());
    Request request = Request.of(image.manifest().descriptor(), ALL).withLegacyTags(false);

    Plan all = Referrers.discover(source, request);
    assertThat(all.referrers()).extracting(r -> r.manifest().digest()).containsExactlyInAnyOrder(
        sig.manifest().digest(), sbom.manifest().digest(), sbomSig.manifest().digest(), deeper.manifest().digest());
    assertSubjectsFirst(all, Set.of(image.manifest().digest()));
    assertThat(all.referrers()).filteredOn(r -> r.manifest().digest().equals(deeper.manifest().digest()))
        .singleElement().satisfies(r -> {
          assertThat(r.depth()).isEqualTo(3);
          assertThat(r.subject()).isEqualTo(sbomSig.manifest().digest());
        });
    assertThat(all.truncated()).isFalse();
    assertThat(all.referrersOf(image.manifest().digest())).hasSize(2);
    assertThat(all.sourceIndexes()).as("the source keeps its own index").isEmpty();

    Plan two = Referrers.discover(source, request.withMaxDepth(2));
    assertThat(two.referrers()).extracting(r -> r.manifest().digest()).containsExactlyInAnyOrder(
        sig.manifest().digest(), sbom.manifest().digest(), sbomSig.manifest().digest());
    assertThat(Referrers.discover(source, request.withMaxDepth(1)).referrers()).hasSize(2);
  }

  @Test
  void aRefusedReferrerIsNotCopiedAndNeitherAreItsReferrers() throws IOException {
    TestImages.Image sig = pushChain().sig();
    Predicate<Descriptor> noSbom = d -> !d.artifactType().equals(Optional.of(SBOM));
    Plan plan = Referrers.discover(source, Request.of(image.manifest().descriptor(), noSbom).withLegacyTags(false));
    assertThat(plan.referrers()).extracting(r -> r.manifest().digest()).containsExactly(sig.manifest().digest());
  }

  @Test
  void indexChildrenBringTheirReferrersWhenAsked() throws IOException {
    TestImages.Image index = TestImages.multiArch(20, 100);
    index.pushTo(source, Optional.of("v1"));
    Manifest amd64 = index.children().get(0).manifest();
    TestImages.Image childSig = referrer(6, amd64, SIG);
    TestImages.Image indexSig = referrer(7, index.manifest(), SIG);
    childSig.pushTo(source, Optional.empty());
    indexSig.pushTo(source, Optional.empty());
    Request request = Request.of(index.manifest().descriptor(), ALL).withLegacyTags(false);

    assertThat(Referrers.discover(source, request).referrers()).extracting(r -> r.manifest().digest())
        .containsExactly(indexSig.manifest().digest());
    Plan withChildren = Referrers.discover(source, request.withChildren(index.manifest().manifests()));
    assertThat(withChildren.referrers()).extracting(r -> r.manifest().digest())
        .containsExactly(indexSig.manifest().digest(), childSig.manifest().digest());
    assertThat(withChildren.subjects()).containsExactly(index.manifest().digest(), amd64.digest());
  }

  @Test
  void legacyCosignTagsComeWithTheirTag() throws IOException {
    image.pushTo(source, Optional.of("v1"));
    TestImages.Image sig = TestImages.ociImage(30, Platform.parse("linux/amd64"), 1, 50); // a cosign .sig has no subject
    TestImages.Image att = TestImages.ociImage(31, Platform.parse("linux/amd64"), 1, 50);
    String base = "sha256-" + image.manifest().digest().encoded();
    sig.pushTo(source, Optional.of(base + ".sig"));
    att.pushTo(source, Optional.of(base + ".att"));
    AtomicInteger resolves = new AtomicInteger();
    Repository counting = new ForwardingRepository(source) {
      @Override
      public Optional<Descriptor> resolve(String reference) throws IOException {
        resolves.incrementAndGet();
        return super.resolve(reference);
      }
    };

    Plan plan = Referrers.discover(counting, Request.of(image.manifest().descriptor(), d -> false));
    assertThat(plan.referrers()).extracting(Referrer::tag)
        .containsExactly(Optional.of(base + ".sig"), Optional.of(base + ".att"));
    assertThat(plan.referrers()).extracting(r -> r.manifest().digest())
        .containsExactly(sig.manifest().digest(), att.manifest().digest());
    assertThat(plan.subjects()).as("legacy tags go into no tag-schema index").isEmpty();
    assertThat(resolves.get()).as("three for the image, three for each of the two it found").isEqualTo(9);

    // with the tag list known, nothing is asked tag by tag
    resolves.set(0);
    Plan listed = Referrers.discover(counting, Request.of(image.manifest().descriptor(), d -> false)
        .withSourceTags(Set.copyOf(source.listTags())));
    assertThat(listed.referrers()).extracting(Referrer::tag)
        .containsExactly(Optional.of(base + ".sig"), Optional.of(base + ".att"));
    assertThat(resolves.get()).isZero();

    assertThat(Referrers.discover(counting, Request.of(image.manifest().descriptor(), ALL).withLegacyTags(false))
        .referrers()).isEmpty();
  }

  @Test
  void theDepthBoundIsChecked() {
    assertThatThrownBy(() -> Request.of(image.manifest().descriptor(), ALL).withMaxDepth(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 16");
    assertThatThrownBy(() -> Request.of(image.manifest().descriptor(), ALL).withMaxDepth(17))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void atASourceWithoutTheApiTheTagSchemaIndexIsKeptAndDanglingEntriesAreReported() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start().referrersApi(false); Registry registry = fake.registry().build()) {
      Repository src = registry.repository("up/app");
      image.pushTo(src, Optional.of("v1"));
      TestImages.Image sig = referrer(2, image.manifest(), SIG);
      sig.pushTo(src, Optional.empty());
      Manifest gone = referrer(3, image.manifest(), SBOM).manifest(); // listed, never pushed
      String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
          + TestImages.descriptorJson(FallbackIndex.entry(sig.manifest()), Optional.empty()) + ","
          + TestImages.descriptorJson(FallbackIndex.entry(gone), Optional.empty()) + "]}";
      // put directly: the fake checks children on PUT, as distribution does
      fake.putManifest("up/app", Optional.of(FallbackIndex.tag(image.manifest().digest())),
          json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);

      Plan plan = Referrers.discover(src, Request.of(image.manifest().descriptor(), ALL).withLegacyTags(false));
      assertThat(plan.referrers()).extracting(r -> r.manifest().digest()).containsExactly(sig.manifest().digest());
      assertThat(plan.referrers().get(0).manifest().bytes()).isEqualTo(sig.manifest().bytes());
      assertThat(plan.missing()).singleElement().asString().contains(gone.digest().toString());
      assertThat(plan.sourceIndexes().get(image.manifest().digest()).bytes())
          .isEqualTo(json.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void theSameReferrerListedTwiceIsTakenOnce() throws IOException {
    image.pushTo(source, Optional.of("v1"));
    TestImages.Image sig = referrer(2, image.manifest(), SIG);
    sig.pushTo(source, Optional.empty());
    Map<Digest, Integer> fetches = new HashMap<>();
    Repository twice = new ForwardingRepository(source) {
      @Override
      public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
        List<Descriptor> l = new ArrayList<>(super.listReferrers(subject, artifactType));
        l.addAll(List.copyOf(l));
        return l;
      }

      @Override
      public Manifest fetchManifest(String reference) throws IOException {
        Manifest m = super.fetchManifest(reference);
        fetches.merge(m.digest(), 1, Integer::sum);
        return m;
      }
    };
    Plan plan = Referrers.discover(twice, Request.of(image.manifest().descriptor(), ALL).withLegacyTags(false));
    assertThat(plan.referrers()).hasSize(1);
    assertThat(fetches).containsEntry(sig.manifest().digest(), 1);
  }
}
