package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.Registry;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Referrers on distribution 2.8, which has no referrers API: the registry endpoint must fall back
 * to the {@code sha256-<hex>} tag schema, and manifests with a {@code subject} must round-trip.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ReferrersIT {
  private static final String SIGNATURE = "application/vnd.example.signature";
  private static final String SBOM = "application/vnd.example.sbom";

  private RegistryServer server;
  private Registry registry;

  @BeforeAll
  void start() throws IOException {
    server = RegistryServer.plain();
    registry = Registry.of(server.host());
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(registry, server);
  }

  @Test
  void listsReferrersFromTheTagSchemaWhenTheRegistryHasNoApi(TestInfo info) throws IOException {
    TestImages.Image subject = TestImages.ociImage(701, Platform.parse("linux/amd64"), 1, 512);
    String repo = Checks.repository(info, "");
    Seed.registry(subject, server, repo, "v1");
    Descriptor subjectDescriptor = subject.manifest().descriptor();
    TestImages.Image signature = TestImages.referrer(702, subjectDescriptor, SIGNATURE);
    TestImages.Image sbom = TestImages.referrer(703, subjectDescriptor, SBOM);
    Repository repository = registry.repository(repo);
    signature.pushTo(repository, Optional.empty());
    sbom.pushTo(repository, Optional.empty());
    assertThat(repository.listReferrers(subject.manifest().digest(), Optional.empty()))
        .as("no referrers before the tag exists").isEmpty();

    Manifest index = referrersIndex(signature.manifest(), sbom.manifest());
    repository.pushManifest(index, Optional.of("sha256-" + subject.manifest().digest().encoded()));

    // the manifests with a subject were stored byte for byte
    assertThat(server.manifest(repo, signature.manifest().digest().toString())).hasValue(signature.manifest().bytes());
    assertThat(server.manifest(repo, sbom.manifest().digest().toString())).hasValue(sbom.manifest().bytes());

    List<Descriptor> all = repository.listReferrers(subject.manifest().digest(), Optional.empty());
    assertThat(all).extracting(Descriptor::digest)
        .containsExactly(signature.manifest().digest(), sbom.manifest().digest());
    assertThat(all).extracting(Descriptor::artifactType).containsExactly(Optional.of(SIGNATURE), Optional.of(SBOM));
    assertThat(repository.listReferrers(subject.manifest().digest(), Optional.of(SBOM)))
        .extracting(Descriptor::digest).containsExactly(sbom.manifest().digest());

    // the registry really has no referrers API: the answer came from the tag
    assertThat(server.requestsSoFar()).anyMatch(r -> r.path().startsWith("/v2/" + repo + "/referrers/")
        && r.status() == 404);
    Manifest fetched = repository.fetchManifest(signature.manifest().digest().toString());
    assertThat(fetched.subject()).hasValueSatisfying(s -> assertThat(s.digest()).isEqualTo(subject.manifest().digest()));
  }

  /** A tag-schema referrers index over {@code referrers}, in that order. */
  static Manifest referrersIndex(Manifest... referrers) {
    StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"").append(MediaType.OCI_INDEX)
        .append("\",\"manifests\":[");
    for (int i = 0; i < referrers.length; i++) {
      Manifest m = referrers[i];
      json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(m.mediaType()).append("\",\"digest\":\"")
          .append(m.digest()).append("\",\"size\":").append(m.size()).append(",\"artifactType\":\"")
          .append(m.artifactType().orElseThrow()).append("\"}");
    }
    json.append("]}");
    return Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);
  }
}
