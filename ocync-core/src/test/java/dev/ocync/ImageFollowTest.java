package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageFollowTest {
  private static final String CONTROLLER = "quay.io/jetstack/cert-manager-controller:v1.14.5";

  @Test
  void byDefaultImagesGoBesideTheChart() {
    ImageFollow f = ImageFollow.defaults();
    assertThat(f.targetRepository("mirror/charts/cert-manager", CONTROLLER))
        .isEqualTo("mirror/charts/jetstack/cert-manager-controller");
    assertThat(f.targetRepository("cert-manager", CONTROLLER)).isEqualTo("jetstack/cert-manager-controller");
    // Docker Hub's short names are normalized first
    assertThat(f.targetRepository("charts/x", "nginx:1.27")).isEqualTo("charts/library/nginx");
    assertThat(f.relocatedRepository("charts/cert-manager")).isEqualTo("charts/relocated/cert-manager");
    assertThat(f.relocatedRepository("cert-manager")).isEqualTo("relocated/cert-manager");
    assertThat(f.relocate()).isFalse();
  }

  @Test
  void aPrefixAndTheUpstreamHostAreOptions() {
    ImageFollow f = ImageFollow.builder().prefix("/mirror/").keepRegistryHost(true).build();
    assertThat(f.targetRepository("charts/cert-manager", CONTROLLER))
        .isEqualTo("mirror/quay.io/jetstack/cert-manager-controller");
    assertThat(f.targetRepository("charts/x", "127.0.0.1:5000/team/app@sha256:"
        + "0".repeat(64))).isEqualTo("mirror/127.0.0.1_5000/team/app");
    assertThat(ImageFollow.builder().prefix("").build().targetRepository("a/b/c", CONTROLLER))
        .isEqualTo("jetstack/cert-manager-controller");
    ImageFollow r = ImageFollow.builder().relocatedRepository("relocated-charts/cm").build();
    assertThat(r.relocate()).isTrue();
    assertThat(r.relocatedRepository("charts/cert-manager")).isEqualTo("relocated-charts/cm");
    assertThat(f.toString()).isEqualTo("ImageFollow{prefix=mirror, keepRegistryHost}");
    assertThat(f.newBuilder().build()).isEqualTo(f).hasSameHashCodeAs(f);
  }

  @Test
  void invalidPathsAreRefusedNamingThem() {
    assertThatThrownBy(() -> ImageFollow.builder().prefix("Mirror Images"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"Mirror Images\"");
    assertThatThrownBy(() -> ImageFollow.defaults().targetRepository("charts/x", "not a reference"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
