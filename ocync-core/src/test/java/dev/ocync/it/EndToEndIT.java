package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The whole mirror between two real distribution registries, as a platform team runs it: several
 * repositories with tag filters, a platform filter over a buildx index with attestations, and
 * referrers kept in tag-schema indexes (a signature on an index, an SBOM with a signature of its
 * own). Digests against the source, the filtered index against a golden file, a second run that
 * writes nothing (the target's access log), and kill -9 midway followed by a rerun that converges.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600)
class EndToEndIT {
  /** What filtering {@link EndToEndCorpus#app} to linux/amd64 must write, byte for byte, every run and machine. */
  private static final String GOLDEN = "/dev/ocync/it/filtered-buildx-index.json";

  private RegistryServer upstream;
  private RegistryServer mirror;
  private final EndToEndCorpus corpus = new EndToEndCorpus();
  private String from;

  @BeforeAll
  void start(TestInfo info) throws IOException {
    upstream = RegistryServer.plain();
    mirror = RegistryServer.plain();
    from = Checks.repository(info, "src");
    corpus.seed(upstream, from);
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(upstream, mirror);
  }

  private static byte[] golden() throws IOException {
    try (InputStream in = EndToEndIT.class.getResourceAsStream(GOLDEN)) {
      return in == null ? new byte[0] : in.readAllBytes();
    }
  }

  @Test
  void mirrorsEverythingVerifiedAndASecondRunWritesNothing(TestInfo info) throws IOException {
    String to = Checks.repository(info, "dst");
    SyncReport first;
    try (Syncer syncer = Syncer.builder().build()) {
      first = syncer.run(EndToEndCorpus.mappings(upstream.host(), from, mirror.host(), to));
    }
    assertThat(first.succeeded()).as(first.toString()).isTrue();
    assertThat(first.mappings().get(0).kept()).containsExactly("v1.1", "v1.0");
    assertThat(first.mappings().get(0).dropped()).extracting(d -> d.tag()).containsExactlyInAnyOrder("v2.0-rc1", "dev");
    assertThat(first.mappings().get(1).kept()).containsExactlyInAnyOrder("1.1", "2.0");
    assertMirrored(to, first);

    int before = mirror.requestsSoFar().size();
    SyncReport second;
    try (Syncer syncer = Syncer.builder().build()) {
      second = syncer.run(EndToEndCorpus.mappings(upstream.host(), from, mirror.host(), to));
    }
    assertThat(second.succeeded()).as(second.toString()).isTrue();
    assertThat(second.images()).extracting(ImageResult::status).containsOnly(ImageResult.Status.SKIPPED);
    List<RegistryServer.Request> all = mirror.requestsSoFar();
    assertThat(all.subList(before, all.size())).as("requests to the mirror in the second run")
        .noneMatch(r -> Set.of("PUT", "POST", "PATCH", "DELETE").contains(r.method()));
  }

  @Test
  void killedMidwayTheTargetStaysConsistentAndTheRerunConverges(TestInfo info) throws Exception {
    String to = Checks.repository(info, "dst");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), EndToEndMain.class.getName(), upstream.host(), from,
        mirror.host(), to);
    int before = mirror.requestsSoFar().size();
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    // kill -9 once the mirror has taken a few uploads and manifests
    Checks.killAfterPuts(child, mirror, before, to, 6);
    int tagged = 0;
    for (String repo : List.of("app", "tool", "signed", "bulk")) {
      for (String tag : mirror.tags(to + "/" + repo)) {
        assertComplete(to + "/" + repo, tag);
        tagged++;
      }
    }
    assertThat(tagged).as("tags at the mirror when killed").isLessThan(2 + 2 + 1 + 4 + 2);

    SyncReport rerun;
    try (Syncer syncer = Syncer.builder().build()) {
      rerun = syncer.run(EndToEndCorpus.mappings(upstream.host(), from, mirror.host(), to));
    }
    assertThat(rerun.succeeded()).as(rerun.toString()).isTrue();
    assertMirrored(to, rerun);
  }

  /** Every image, filtered index and referrer of the corpus is at the mirror under {@code to}, as it should be. */
  private void assertMirrored(String to, SyncReport report) throws IOException {
    // the filtered index: the golden bytes, naming amd64 and its attestation only
    byte[] golden = golden();
    byte[] written = mirror.manifest(to + "/app", "v1.0").orElseThrow();
    if (!java.util.Arrays.equals(written, golden)) {
      writeActual(written);
    }
    assertThat(new String(written, java.nio.charset.StandardCharsets.UTF_8)).as("the filtered index (written to"
        + " target/filtered-buildx-index.actual.json)").isEqualTo(new String(golden, java.nio.charset.StandardCharsets.UTF_8));
    Manifest filtered = Manifest.parse(golden, Optional.empty());
    for (String tag : List.of("v1.0", "v1.1")) {
      assertThat(mirror.manifest(to + "/app", tag)).as("app:%s", tag).hasValue(golden);
    }
    assertThat(filtered.manifests()).extracting(Descriptor::digest).containsExactly(
        corpus.amd64.manifest().digest(), corpus.amd64Attestation.manifest().digest());
    for (TestImages.Image kept : List.of(corpus.amd64, corpus.amd64Attestation)) {
      assertThat(mirror.manifest(to + "/app", kept.manifest().digest().toString())).hasValue(kept.manifest().bytes());
      for (TestImages.Blob b : kept.allBlobs()) {
        assertThat(mirror.blob(to + "/app", b.descriptor().digest().toString())).hasValue(b.bytes());
      }
    }
    for (TestImages.Image dropped : List.of(corpus.arm64, corpus.arm64Attestation)) {
      assertThat(mirror.manifest(to + "/app", dropped.manifest().digest().toString())).isEmpty();
    }
    assertThat(mirror.tags(to + "/app")).containsExactlyInAnyOrder("v1.0", "v1.1");
    ImageResult app = report.images().stream().filter(r -> r.target().endsWith("/app:v1.0")).findFirst()
        .orElseThrow();
    if (app.status() == ImageResult.Status.SYNCED) {
      assertThat(app.filtered()).isTrue();
      assertThat(app.sourceDigest()).contains(corpus.app.manifest().digest());
    }
    assertThat(app.targetDigest()).contains(Digest.sha256(golden));

    // unfiltered images: byte for byte, digests as at the source
    Checks.assertImageAt(mirror, to + "/tool", "1.1", corpus.tools.get(1));
    Checks.assertImageAt(mirror, to + "/tool", "2.0", corpus.tools.get(2));
    assertThat(mirror.tags(to + "/tool")).containsExactlyInAnyOrder("1.1", "2.0");
    Checks.assertImageAt(mirror, to + "/signed", "stable", corpus.signed);
    for (int i = 0; i < corpus.bulk.size(); i++) {
      Checks.assertImageAt(mirror, to + "/bulk", EndToEndCorpus.BULK_TAGS.get(i), corpus.bulk.get(i));
    }

    // referrers, recursively, and the source's tag-schema indexes byte for byte
    for (TestImages.Image r : List.of(corpus.signature, corpus.sbom, corpus.sbomSignature)) {
      assertThat(mirror.manifest(to + "/signed", r.manifest().digest().toString())).hasValue(r.manifest().bytes());
      for (TestImages.Blob b : r.allBlobs()) {
        assertThat(mirror.blob(to + "/signed", b.descriptor().digest().toString())).hasValue(b.bytes());
      }
    }
    assertThat(mirror.manifest(to + "/signed", "sha256-" + corpus.signed.manifest().digest().encoded()))
        .hasValue(corpus.signedReferrers.bytes());
    assertThat(mirror.manifest(to + "/signed", "sha256-" + corpus.sbom.manifest().digest().encoded()))
        .hasValue(corpus.sbomReferrers.bytes());
  }

  /** A tag at the mirror names a manifest whose children and blobs are all there (no half-written image). */
  private void assertComplete(String repo, String ref) throws IOException {
    byte[] bytes = mirror.manifest(repo, ref).orElseThrow(() -> new AssertionError(repo + ":" + ref + " is listed"
        + " but its manifest is missing"));
    Manifest m = Manifest.parse(bytes, Optional.empty());
    for (Descriptor b : m.blobs()) {
      assertThat(mirror.blob(repo, b.digest().toString())).as("blob %s of %s:%s", b.digest(), repo, ref).isPresent();
    }
    for (Descriptor c : m.manifests()) {
      assertComplete(repo, c.digest().toString());
    }
  }

  /** For a maintainer whose change moved the filtered bytes on purpose: where the new ones are. */
  private static void writeActual(byte[] actual) throws IOException {
    Files.write(Path.of("target", "filtered-buildx-index.actual.json"), actual);
  }
}
