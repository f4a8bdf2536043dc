package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.Registry;
import dev.ocync.internal.engine.FallbackIndex.Action;
import dev.ocync.internal.engine.FallbackIndex.Decision;
import dev.ocync.internal.engine.Referrers.Plan;
import dev.ocync.internal.engine.Referrers.Referrer;
import dev.ocync.internal.engine.Referrers.Request;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Referrers onto distribution 2.8, which has no referrers API: the {@code sha256-<hex>} index is
 * written, extended deterministically, left alone when current, copied byte for byte from a source
 * that has one, and read back by skopeo and by {@link Repository#listReferrers}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class ReferrersFallbackIT {
  private static final String SIG = "application/vnd.example.signature";
  private static final String SBOM = "application/vnd.example.sbom";
  private static final String ATTESTATION = "application/vnd.example.attestation";

  private RegistryServer server;
  private Registry registry;

  @BeforeAll
  void start() throws IOException {
    server = RegistryServer.plain();
    registry = Registry.of(server.host());
  }

  @AfterAll
  void stop() throws IOException {
    registry.close();
    server.close();
  }

  /** What the engine will do with a plan, in its simplest form: subject, referrers in order, then the indexes. */
  private static Map<Digest, Decision> mirror(Repository source, Manifest subject, Plan plan, List<Referrer> order,
      Repository target, FallbackIndex writer) throws IOException {
    copy(source, target, subject, Optional.of("v1"));
    for (Referrer r : order) {
      copy(source, target, r.manifest(), r.tag());
    }
    Map<Digest, Decision> out = new LinkedHashMap<>();
    for (Digest s : plan.subjects()) {
      List<Descriptor> entries = plan.referrersOf(s).stream().map(Referrer::entry).toList();
      out.put(s, writer.maintain(target, s, Optional.ofNullable(plan.sourceIndexes().get(s)), entries));
    }
    return out;
  }

  private static void copy(Repository from, Repository to, Manifest m, Optional<String> tag) throws IOException {
    for (Descriptor b : m.blobs()) {
      if (!to.hasBlob(b)) {
        try (InputStream in = from.openBlob(b)) {
          to.pushBlob(b, in);
        }
      }
    }
    to.pushManifest(m, tag);
  }

  private long fallbackPuts(String repo) throws IOException {
    return server.requestsSoFar().stream()
        .filter(r -> r.method().equals("PUT") && r.path().startsWith("/v2/" + repo + "/manifests/sha256-")).count();
  }

  @Test
  void theFallbackIndexIsWrittenExtendedAndCopiedByteForByte() throws IOException {
    MemoryRepository source = new MemoryRepository("upstream"); // has its own referrers index
    TestImages.Image image = TestImages.ociImage(801, Platform.parse("linux/amd64"), 1, 256);
    image.pushTo(source, Optional.of("v1"));
    Manifest subject = image.manifest();
    TestImages.Image sig = TestImages.referrer(802, subject.descriptor(), SIG);
    TestImages.Image sbom = TestImages.referrer(803, subject.descriptor(), SBOM);
    TestImages.Image sbomSig = TestImages.referrer(804, sbom.manifest().descriptor(), SIG);
    for (TestImages.Image r : List.of(sig, sbom, sbomSig)) {
      r.pushTo(source, Optional.empty());
    }
    Request request = Request.of(subject.descriptor(), d -> true);
    Plan plan = Referrers.discover(source, request);
    assertThat(plan.referrers()).hasSize(3);

    // into one repository in plan order, into another in reverse order per level: the same index bytes
    String repoA = "fallback/a";
    String repoB = "fallback/b";
    Repository a = registry.repository(repoA);
    Repository b = registry.repository(repoB);
    Map<Digest, Decision> first = mirror(source, subject, plan, plan.referrers(), a, new FallbackIndex());
    List<Referrer> reversed = new ArrayList<>(plan.referrers().subList(0, 2));
    Collections.reverse(reversed);
    reversed.add(plan.referrers().get(2));
    Map<Digest, Decision> second = mirror(source, subject, plan, reversed, b, new FallbackIndex());
    assertThat(a.keepsReferrersIndex()).as("distribution 2.8 has no referrers API").isFalse();
    assertThat(first.get(subject.digest()).action()).isEqualTo(Action.CREATE);
    assertThat(first.get(sbom.manifest().digest()).action()).isEqualTo(Action.CREATE);

    String tag = FallbackIndex.tag(subject.digest());
    byte[] written = first.get(subject.digest()).index().orElseThrow().bytes();
    assertThat(Skopeo.inspectRaw(server, repoA + ":" + tag)).as("skopeo reads the index we wrote").isEqualTo(written);
    assertThat(Skopeo.inspectRaw(server, repoB + ":" + tag)).as("same entries, same bytes").isEqualTo(written);
    List<Digest> sorted = List.of(sig.manifest().digest(), sbom.manifest().digest()).stream()
        .sorted((x, y) -> x.toString().compareTo(y.toString())).toList();
    assertThat(a.listReferrers(subject.digest(), Optional.empty())).extracting(Descriptor::digest)
        .containsExactlyElementsOf(sorted);
    assertThat(a.listReferrers(subject.digest(), Optional.of(SBOM))).extracting(Descriptor::digest)
        .containsExactly(sbom.manifest().digest());
    assertThat(a.listReferrers(sbom.manifest().digest(), Optional.empty())).extracting(Descriptor::digest)
        .as("the signature of the SBOM has its own index").containsExactly(sbomSig.manifest().digest());

    // nothing changed upstream: no PUT of any index
    long puts = fallbackPuts(repoA);
    Map<Digest, Decision> again = mirror(source, subject, plan, plan.referrers(), a, new FallbackIndex());
    assertThat(again.values()).extracting(Decision::action).containsOnly(Action.NONE);
    assertThat(fallbackPuts(repoA)).isEqualTo(puts);

    // upstream adds an attestation: existing entries stay first, in their order, the new one is added
    TestImages.Image attestation = TestImages.referrer(805, subject.descriptor(), ATTESTATION);
    attestation.pushTo(source, Optional.empty());
    Plan later = Referrers.discover(source, request);
    Map<Digest, Decision> extended = mirror(source, subject, later, later.referrers(), a, new FallbackIndex());
    assertThat(extended.get(subject.digest()).action()).isEqualTo(Action.EXTEND);
    Manifest index = Manifest.parse(Skopeo.inspectRaw(server, repoA + ":" + tag), MediaType.OCI_INDEX);
    List<Digest> expected = new ArrayList<>(sorted);
    expected.add(attestation.manifest().digest());
    assertThat(index.manifests()).extracting(Descriptor::digest).containsExactlyElementsOf(expected);
    assertThat(a.listReferrers(subject.digest(), Optional.of(ATTESTATION))).extracting(Descriptor::digest)
        .containsExactly(attestation.manifest().digest());

    // repository a is now a source without the API: its index travels unchanged to c
    Repository c = registry.repository("fallback/c");
    Plan fromA = Referrers.discover(a, request.withLegacyTags(false));
    assertThat(fromA.sourceIndexes()).containsKey(subject.digest());
    Map<Digest, Decision> copied = mirror(a, subject, fromA, fromA.referrers(), c, new FallbackIndex());
    assertThat(copied.get(subject.digest()).action()).isEqualTo(Action.COPY_SOURCE);
    assertThat(c.resolve(tag).orElseThrow().digest()).isEqualTo(a.resolve(tag).orElseThrow().digest());
    assertThat(Skopeo.inspectRaw(server, "fallback/c:" + tag)).isEqualTo(index.bytes());
  }
}
