package dev.ocync.internal.helm;

import static dev.ocync.testing.TestCharts.Item.file;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.internal.helm.ChartImages.Image;
import dev.ocync.testing.TestCharts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Image discovery over each source, and what it must leave out. */
class ChartImagesTest {

  private static byte[] chart(String chartYamlExtra, String values) {
    return TestCharts.tgz(List.of(
        file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0") + chartYamlExtra),
        file("op/values.yaml", values),
        // an unpacked folder under charts/ is not a vendored archive: Helm loads those from charts/*.tgz
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

  @Test
  void vendoredSubchartsAreReadWithTheParentsGlobalRegistryAndBoundedDepth() {
    byte[] leaf = TestCharts.tgz(List.of(file("leaf/Chart.yaml", TestCharts.chartYaml("leaf", "0.1.0")),
        file("leaf/values.yaml", "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.5\n")));
    byte[] sub = TestCharts.tgz(List.of(file("sub/Chart.yaml", TestCharts.chartYaml("sub", "0.2.0")
            + "annotations:\n  images: |\n    - image: ghcr.io/example/sub-agent:v3\n"),
        file("sub/values.yaml", "worker:\n  image: busybox:1.36\n"),
        file("sub/charts/leaf-0.1.0.tgz", leaf)));
    byte[] parent = TestCharts.tgz(List.of(file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", "global:\n  imageRegistry: mirror.example.com\n"),
        file("op/charts/sub-0.2.0.tgz", sub)));
    assertThat(ChartImages.discover(parent)).containsExactly(
        new Image("ghcr.io/example/sub-agent:v3", List.of("charts/sub-0.2.0.tgz Chart.yaml annotation images[0]")),
        new Image("busybox:1.36", List.of("charts/sub-0.2.0.tgz values.yaml worker.image")),
        new Image("mirror.example.com/bitnami/redis:7.2.5", List.of("charts/sub-0.2.0.tgz charts/leaf-0.1.0.tgz"
            + " values.yaml image {global.imageRegistry, repository, tag}")));
    // nested deeper than the limit: the levels beyond it are not opened
    byte[] deep = leaf;
    for (int i = 0; i <= ChartImages.MAX_SUBCHART_DEPTH; i++) {
      deep = TestCharts.tgz(List.of(file("c" + i + "/Chart.yaml", TestCharts.chartYaml("c" + i, "1.0.0")),
          file("c" + i + "/charts/inner.tgz", deep)));
    }
    assertThat(ChartImages.discover(deep)).isEmpty();
    // a broken vendored archive names no image, and does not make the chart's own images disappear
    byte[] broken = TestCharts.tgz(List.of(file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", "image: nginx:1.27\n"), file("op/charts/bad.tgz", "not gzip")));
    assertThat(ChartImages.discover(broken)).extracting(Image::reference).containsExactly("nginx:1.27");
  }

  @Test
  void lockFilesOfTheReferenceToolsAreScannedForImageLines() {
    byte[] tgz = TestCharts.tgz(List.of(file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", ""),
        file("op/Images.lock", "apiVersion: v0\nkind: ImagesLock\nimages:\n  - name: app\n"
            + "    image: docker.io/bitnami/app:1.0.0\n    chart: op\n"),
        file("op/images-lock.yaml", "- image: 'quay.io/example/x:2'  # pinned\n"),
        file("op/other.lock", "image: ghcr.io/not/a-lock-name:1\n")));
    assertThat(ChartImages.discover(tgz)).containsExactly(
        new Image("docker.io/bitnami/app:1.0.0", List.of("Images.lock line 5")),
        new Image("quay.io/example/x:2", List.of("images-lock.yaml line 1")));
  }
}
