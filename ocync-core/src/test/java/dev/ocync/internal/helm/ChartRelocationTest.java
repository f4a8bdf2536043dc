package dev.ocync.internal.helm;

import static dev.ocync.testing.TestCharts.Item.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.internal.helm.ChartRelocation.Relocated;
import dev.ocync.internal.helm.ChartRelocation.Rewrite;
import dev.ocync.oci.Digest;
import dev.ocync.testing.TestCharts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 8: relocation rewrites exactly the discovered references, in place, reproducibly. */
class ChartRelocationTest {
  private static final String D = "sha256:" + "b".repeat(64);
  private static final String VALUES = ""
      + "# Default values for op — comments stay, ünïcode too 🚀\n"
      + "image: nginx:1.27   # the web server\n"
      + "sidecar:\n  image: \"{{ .Values.global.sidecar }}\"\n"
      + "controller:\n"
      + "  image:\n"
      + "    registry: registry.k8s.io   # upstream\n"
      + "    repository: 'ingress-nginx/controller'\n"
      + "    tag: \"v1.11.2\"\n"
      + "    digest: " + D + "\n"
      + "workers:\n  - image: busybox:1.36\n"
      + "untouched:\n  image: quay.io/keep/me:2\n"
      + "chart:\n  repository: https://charts.example.com\n"
      + "plain:\n  repository: bitnami/redis\n  tag: 7.2\n"
      + "text: nginx:1.27 is mentioned here but is no image value\n";

  private static byte[] chart(String values) {
    return TestCharts.tgz(List.of(
        file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", values),
        file("op/templates/a.yaml", "kind: ConfigMap\n")));
  }

  private static Map<String, String> mirrors() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("nginx:1.27", "mirror.test/docker.io/library/nginx:1.27");
    m.put("registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D,
        "mirror.test/registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D);
    m.put("busybox:1.36", "mirror.test/docker.io/library/busybox:1.36");
    m.put("bitnami/redis:7.2", "mirror.test/bitnami/redis:7.2");
    return m;
  }

  private static String values(byte[] tgz) {
    return new String(ChartArchive.read(tgz, ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE)
        .file("values.yaml").orElseThrow(), StandardCharsets.UTF_8);
  }

  @Test
  void onlyTheDiscoveredAndMappedScalarsChangeAndCommentsAndLayoutStay() {
    Relocated r = ChartRelocation.relocate(chart(VALUES), mirrors());
    assertThat(values(r.archive())).isEqualTo(""
        + "# Default values for op — comments stay, ünïcode too 🚀\n"
        + "image: mirror.test/docker.io/library/nginx:1.27   # the web server\n"
        + "sidecar:\n  image: \"{{ .Values.global.sidecar }}\"\n"
        + "controller:\n"
        + "  image:\n"
        + "    registry: mirror.test   # upstream\n"
        + "    repository: 'registry.k8s.io/ingress-nginx/controller'\n"
        + "    tag: \"v1.11.2\"\n"
        + "    digest: " + D + "\n"
        + "workers:\n  - image: mirror.test/docker.io/library/busybox:1.36\n"
        + "untouched:\n  image: quay.io/keep/me:2\n"
        + "chart:\n  repository: https://charts.example.com\n"
        + "plain:\n  repository: mirror.test/bitnami/redis\n  tag: 7.2\n"
        + "text: nginx:1.27 is mentioned here but is no image value\n");
    assertThat(r.rewrites()).containsExactly(
        new Rewrite("values.yaml", 2, "image", "nginx:1.27", "mirror.test/docker.io/library/nginx:1.27"),
        new Rewrite("values.yaml", 8, "controller.image", "registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D,
            "mirror.test/registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D),
        new Rewrite("values.yaml", 12, "workers[0].image", "busybox:1.36", "mirror.test/docker.io/library/busybox:1.36"),
        new Rewrite("values.yaml", 18, "plain", "bitnami/redis:7.2", "mirror.test/bitnami/redis:7.2"));
    // every rewritten reference is one discovery found, and the relocated chart names the mirrors instead
    List<String> discovered = ChartImages.discover(chart(VALUES)).stream().map(ChartImages.Image::reference).toList();
    assertThat(discovered).containsAll(r.rewrites().stream().map(Rewrite::from).toList());
    assertThat(ChartImages.discover(r.archive())).extracting(ChartImages.Image::reference)
        .containsExactlyInAnyOrder("mirror.test/docker.io/library/nginx:1.27",
            "mirror.test/registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D,
            "mirror.test/docker.io/library/busybox:1.36", "quay.io/keep/me:2", "mirror.test/bitnami/redis:7.2");
  }

  @Test
  void globalImageRegistryIsRewrittenOnceAndMustNotMoveUnrelocatedImages() {
    String values = "global:\n  imageRegistry: docker.io  # shared\n"
        + "image:\n  registry: docker.io\n  repository: bitnami/postgresql\n  tag: 16.4.0\n"
        + "metrics:\n  image:\n    repository: bitnami/exporter\n    tag: 0.15.0\n";
    Map<String, String> both = Map.of("docker.io/bitnami/postgresql:16.4.0", "mirror.test/bitnami/postgresql:16.4.0",
        "docker.io/bitnami/exporter:0.15.0", "mirror.test/bitnami/exporter:0.15.0");
    Relocated r = ChartRelocation.relocate(chart(values), both);
    assertThat(values(r.archive())).isEqualTo("global:\n  imageRegistry: mirror.test  # shared\n"
        + "image:\n  registry: docker.io\n  repository: bitnami/postgresql\n  tag: 16.4.0\n"
        + "metrics:\n  image:\n    repository: bitnami/exporter\n    tag: 0.15.0\n");
    assertThat(r.rewrites()).extracting(Rewrite::where).containsExactly("image", "metrics.image", "global.imageRegistry");
    assertThatThrownBy(() -> ChartRelocation.relocate(chart(values),
        Map.of("docker.io/bitnami/postgresql:16.4.0", "mirror.test/bitnami/postgresql:16.4.0")))
        .hasMessageContaining("global.imageRegistry also governs docker.io/bitnami/exporter:0.15.0 (values.yaml metrics.image)");
    assertThatThrownBy(() -> ChartRelocation.relocate(chart(values),
        Map.of("docker.io/bitnami/postgresql:16.4.0", "a.test/bitnami/postgresql:16.4.0",
            "docker.io/bitnami/exporter:0.15.0", "b.test/bitnami/exporter:0.15.0")))
        .hasMessageContaining("a.test and b.test");
  }

  @Test
  void aMirrorThatWouldNeedKeysAddedOrRemovedIsRefused() {
    String values = "image:\n  repository: bitnami/redis\n  tag: \"7.2\"\n";
    assertThatThrownBy(() -> ChartRelocation.relocate(chart(values),
        Map.of("bitnami/redis:7.2", "mirror.test/bitnami/redis@" + D)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("values.yaml image: the mirror reference \"mirror.test/bitnami/redis@" + D
            + "\" must have a tag and no digest");
    assertThatThrownBy(() -> ChartRelocation.relocate(chart("image: nginx:1\n"), Map.of("nginx:1", "not a ref")))
        .hasMessageContaining("values.yaml image: mirror reference");
  }

  @Test
  void aValueThatWouldReadBackAsANumberIsQuoted() {
    Relocated r = ChartRelocation.relocate(chart("image:\n  repository: app\n  tag: 1.0\n"),
        Map.of("app:1.0", "mirror.test/app:1.10"));
    assertThat(values(r.archive())).isEqualTo("image:\n  repository: mirror.test/app\n  tag: \"1.10\"\n");
  }

  @Test
  void repackingIsReproducibleAndIndependentOfTheInputEntryOrder() {
    List<TestCharts.Item> items = new ArrayList<>(List.of(
        file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", VALUES),
        file("op/templates/deployment.yaml", "kind: Deployment\n"),
        file("op/templates/" + "deep/".repeat(25) + "long-name.yaml", "kind: Service\n"),
        file("op/README.md", "# op\n")));
    byte[] first = ChartRelocation.relocate(TestCharts.tgz(items), mirrors()).archive();
    byte[] again = ChartRelocation.relocate(TestCharts.tgz(items), mirrors()).archive();
    Collections.shuffle(items, new Random(42));
    byte[] shuffled = ChartRelocation.relocate(TestCharts.tgz(items), mirrors()).archive();
    assertThat(Digest.sha256(again)).isEqualTo(Digest.sha256(first));
    assertThat(Digest.sha256(shuffled)).isEqualTo(Digest.sha256(first));
    // the repacked archive is still a chart the loader accepts, with the long path intact
    ChartArchive back = ChartArchive.read(first, ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE);
    assertThat(back.topFolder).isEqualTo("op");
    assertThat(back.file("README.md")).isPresent();
  }

  @Test
  void withoutMatchingReferencesOnlyTheArchiveIsRepacked() {
    Relocated r = ChartRelocation.relocate(chart(VALUES), Map.of("ghcr.io/other/thing:1", "mirror.test/x:1"));
    assertThat(r.rewrites()).isEmpty();
    assertThat(values(r.archive())).isEqualTo(VALUES);
    assertThat(r.rewrites().stream().map(Rewrite::file).collect(Collectors.toSet())).isEmpty();
  }

  @Test
  void vendoredSubchartsAreRelocatedUnderTheParentsGlobalRegistryAndUntouchedOnesKeepTheirBytes() {
    byte[] sub = TestCharts.tgz(List.of(file("sub/Chart.yaml", TestCharts.chartYaml("sub", "0.2.0")),
        file("sub/values.yaml", "# sub\nimage:\n  repository: bitnami/redis\n  tag: 7.2.5\n")));
    byte[] other = TestCharts.tgz(List.of(file("other/Chart.yaml", TestCharts.chartYaml("other", "0.1.0")),
        file("other/values.yaml", "replicas: 1\n")));
    byte[] parent = TestCharts.tgz(List.of(file("op/Chart.yaml", TestCharts.chartYaml("op", "1.0.0")),
        file("op/values.yaml", "global:\n  imageRegistry: docker.io\n"),
        file("op/charts/other-0.1.0.tgz", other), file("op/charts/sub-0.2.0.tgz", sub)));
    Relocated r = ChartRelocation.relocate(parent,
        Map.of("docker.io/bitnami/redis:7.2.5", "mirror.test/cache/bitnami/redis:7.2.5"));
    assertThat(r.rewrites()).containsExactly(
        new Rewrite("charts/sub-0.2.0.tgz/values.yaml", 3, "image", "docker.io/bitnami/redis:7.2.5",
            "mirror.test/cache/bitnami/redis:7.2.5"),
        new Rewrite("values.yaml", 2, "global.imageRegistry", "docker.io", "mirror.test"));
    assertThat(values(r.archive())).isEqualTo("global:\n  imageRegistry: mirror.test\n");
    assertThat(ChartImages.discover(r.archive())).extracting(ChartImages.Image::reference)
        .containsExactly("mirror.test/cache/bitnami/redis:7.2.5");
    ChartArchive back = ChartArchive.read(r.archive(), ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE);
    assertThat(back.subcharts.get("charts/other-0.1.0.tgz")).isEqualTo(other);
    assertThat(back.subcharts.get("charts/sub-0.2.0.tgz")).isNotEqualTo(sub);
  }

  @Test
  void theDeflateEncoderRoundTripsAndItsOutputIsPinned() throws java.io.IOException {
    Random random = new Random(7);
    byte[] noise = new byte[200_000];
    random.nextBytes(noise);
    byte[] text = VALUES.repeat(2000).getBytes(StandardCharsets.UTF_8);
    byte[] runs = new byte[70_000];
    java.util.Arrays.fill(runs, (byte) 'a');
    for (byte[] data : List.of(new byte[0], new byte[] {1}, noise, text, runs)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      FixedDeflate.deflate(data, out);
      java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
      inflater.setInput(out.toByteArray());
      byte[] back = new byte[data.length + 1];
      int n;
      try {
        n = inflater.inflate(back);
        assertThat(inflater.finished()).isTrue();
      } catch (java.util.zip.DataFormatException e) {
        throw new AssertionError(e);
      } finally {
        inflater.end();
      }
      assertThat(java.util.Arrays.copyOf(back, n)).isEqualTo(data);
      if (data == text) {
        assertThat(out.size()).isLessThan(data.length / 10); // it does compress
      }
    }
    // pinned: a change of encoder, header or tar layout changes every relocated chart's digest
    assertThat(Digest.sha256(ChartRelocation.relocate(chart(VALUES), mirrors()).archive()).toString())
        .isEqualTo("sha256:b1f8adf1011dc8d207ac8f980aa595fe4f0fdf56716563d52014df3a91a24ef5");
  }
}
