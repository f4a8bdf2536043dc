package dev.ocync.internal.helm;

import static dev.ocync.internal.helm.TestCharts.Item.file;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.internal.helm.ChartImages.Image;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Image discovery over each source, and what it must leave out. */
class ChartImagesTest {

  private static byte[] chart(String chartYamlExtra, String values) {
    return TestCharts.tgz(List.of(
        file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0") + chartYamlExtra),
        file("op/values.yaml", values),
        // a vendored subchart's values are its own chart's business, not read here
        file("op/charts/sub/values.yaml", "image: ghcr.io/never/read:1\n")));
  }

  @Test
  void annotationsOfEachKindAreReadWithWhereTheyWereFound() {
    byte[] tgz = chart("annotations:\n"
        + "  artifacthub.io/images: |\n    - name: controller\n      image: ghcr.io/example/controller:v1.2.3\n"
        + "    - name: broken\n      image: \"not a reference\"\n"
        + "  images: |\n    - name: webhook\n      image: quay.io/example/webhook@sha256:" + "a".repeat(64) + "\n"
        + "  helm.sh/images: |\n    - image: ghcr.io/example/controller:v1.2.3\n"
        + "  unrelated: \"- image: docker.io/not/this:1\"\n", "");
    assertThat(ChartImages.discover(tgz)).containsExactly(
        new Image("ghcr.io/example/controller:v1.2.3",
            List.of("Chart.yaml annotation artifacthub.io/images[0]", "Chart.yaml annotation helm.sh/images[0]")),
        new Image("quay.io/example/webhook@sha256:" + "a".repeat(64), List.of("Chart.yaml annotation images[0]")));
  }

  @Test
  void valuesImageStringsAndRegistryRepositoryTagDigestMapsAreRead() {
    byte[] tgz = chart("", "image: nginx:1.27\n"
        + "sidecar:\n  image: \"{{ .Values.global.sidecar }}\"\n"
        + "controller:\n  image:\n    registry: registry.k8s.io\n    repository: ingress-nginx/controller\n"
        + "    tag: v1.11.2\n    digest: sha256:" + "b".repeat(64) + "\n"
        + "workers:\n  - image: busybox:1.36\n"
        + "chart:\n  repository: https://charts.example.com\n"
        + "plain:\n  repository: bitnami/redis\n  tag: 7.2\n");
    assertThat(ChartImages.discover(tgz)).containsExactly(
        new Image("nginx:1.27", List.of("values.yaml image")),
        new Image("registry.k8s.io/ingress-nginx/controller:v1.11.2@sha256:" + "b".repeat(64),
            List.of("values.yaml controller.image {registry, repository, tag, digest}")),
        new Image("busybox:1.36", List.of("values.yaml workers[0].image")),
        new Image("bitnami/redis:7.2", List.of("values.yaml plain {repository, tag}")));
  }

  @Test
  void globalImageRegistryReplacesEachMapsRegistry() {
    byte[] tgz = chart("", "global:\n  imageRegistry: mirror.example.com\n"
        + "image:\n  registry: docker.io\n  repository: bitnami/postgresql\n  tag: 16.4.0\n");
    assertThat(ChartImages.discover(tgz)).containsExactly(new Image("mirror.example.com/bitnami/postgresql:16.4.0",
        List.of("values.yaml image {global.imageRegistry, repository, tag}")));
  }

  @Test
  void aChartWithoutImagesHasNone() {
    assertThat(ChartImages.discover(chart("", "replicas: 2\n"))).isEmpty();
  }
}
