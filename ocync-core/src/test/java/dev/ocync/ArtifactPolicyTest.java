package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import org.junit.jupiter.api.Test;

class ArtifactPolicyTest {
  private static final String COSIGN = "application/vnd.dev.cosign.artifact.sig.v1+json";
  private static final String SBOM = "application/spdx+json";
  private static final String SIGSTORE = "application/vnd.dev.sigstore.bundle.v0.3+json";
  private static final Digest D = Digest.sha256(new byte[] {1});

  private static Descriptor referrer(String artifactType) {
    return Descriptor.builder().mediaType(MediaType.OCI_MANIFEST).digest(D).size(10).artifactType(artifactType).build();
  }

  @Test
  void defaultsAcceptEveryTypeAndDisabledNone() {
    assertThat(ArtifactPolicy.defaults().enabled()).isTrue();
    assertThat(ArtifactPolicy.defaults().requireArtifacts()).isFalse();
    assertThat(ArtifactPolicy.defaults().accepts(referrer(SBOM))).isTrue();
    assertThat(ArtifactPolicy.builder().build()).isEqualTo(ArtifactPolicy.defaults());
    assertThat(ArtifactPolicy.disabled().enabled()).isFalse();
    assertThat(ArtifactPolicy.disabled().accepts(referrer(SBOM))).isFalse();
    assertThat(ArtifactPolicy.builder().enabled(false).build()).isEqualTo(ArtifactPolicy.disabled());
  }

  @Test
  void includeIsAnExactAllowList() {
    ArtifactPolicy p = ArtifactPolicy.builder().include(SBOM, COSIGN).build();
    assertThat(p.accepts(referrer(SBOM))).isTrue();
    assertThat(p.accepts(referrer(COSIGN))).isTrue();
    assertThat(p.accepts(referrer(SIGSTORE))).isFalse();
    assertThat(p.accepts(referrer("application/spdx"))).isFalse(); // exact, not a prefix
    assertThat(p.include()).containsExactly(SBOM, COSIGN);
  }

  @Test
  void excludeWinsOverInclude() {
    ArtifactPolicy p = ArtifactPolicy.builder().include(SBOM, SIGSTORE).exclude(SIGSTORE).build();
    assertThat(p.accepts(referrer(SBOM))).isTrue();
    assertThat(p.accepts(referrer(SIGSTORE))).isFalse();
    ArtifactPolicy onlyExclude = ArtifactPolicy.builder().exclude(SIGSTORE).build();
    assertThat(onlyExclude.accepts(referrer(COSIGN))).isTrue();
    assertThat(onlyExclude.accepts(referrer(SIGSTORE))).isFalse();
  }

  @Test
  void aReferrerWithoutArtifactTypeIsJudgedByItsMediaType() {
    // cosign's tag-based signatures are plain image manifests without artifactType
    Descriptor plain = Descriptor.of(MediaType.OCI_MANIFEST, D, 10);
    assertThat(ArtifactPolicy.builder().include(MediaType.OCI_MANIFEST).build().accepts(plain)).isTrue();
    assertThat(ArtifactPolicy.builder().exclude(MediaType.OCI_MANIFEST).build().accepts(plain)).isFalse();
    assertThat(ArtifactPolicy.builder().include(SBOM).build().accepts(plain)).isFalse();
  }

  @Test
  void requireArtifactsNeedsArtifactsEnabled() {
    assertThat(ArtifactPolicy.builder().requireArtifacts(true).build().requireArtifacts()).isTrue();
    assertThatThrownBy(() -> ArtifactPolicy.builder().enabled(false).requireArtifacts(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("artifacts: requireArtifacts is true but enabled is false "
            + "(cannot require artifacts while disabling their transfer)");
  }

  @Test
  void refusesEmptyTypesAndRoundTripsThroughNewBuilder() {
    assertThatThrownBy(() -> ArtifactPolicy.builder().include(SBOM, " "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("include");
    ArtifactPolicy p = ArtifactPolicy.builder().include(SBOM).exclude(SIGSTORE).requireArtifacts(true).build();
    assertThat(p.newBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p).hasToString("artifacts enabled, include " + SBOM + ", exclude " + SIGSTORE + ", required");
    assertThat(ArtifactPolicy.disabled()).hasToString("artifacts disabled");
  }
}
