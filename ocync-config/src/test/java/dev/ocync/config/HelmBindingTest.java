package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.OciLayout;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestCharts;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code type: helm} registry binds to a {@link dev.ocync.HelmRepository}: its charts mirror
 * through {@link Syncer#run} with the config's credentials and tag rules, each version as the
 * chart artifact whose content layer is the repository's archive, byte for byte.
 */
class HelmBindingTest {
  private static final String PASSWORD = "chart-s3cret";
  private final byte[] v1 = TestCharts.chart("app", "1.0.0");
  private final byte[] v2 = TestCharts.chart("app", "1.1.0+build.7");
  private final byte[] v3 = TestCharts.chart("app", "2.0.0");
  private MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    String index = "apiVersion: v1\nentries:\n  app:\n" + entry("2.0.0", v3) + entry("1.1.0+build.7", v2)
        + entry("1.0.0", v1);
    String basic = "Basic " + Base64.getEncoder().encodeToString(("bot:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        if (!basic.equals(r.getHeaders().get("Authorization"))) {
          return new MockResponse.Builder().code(401).build();
        }
        return switch (r.getUrl().encodedPath()) {
          case "/stable/index.yaml" -> ok(index.getBytes(StandardCharsets.UTF_8));
          case "/stable/app-1.0.0.tgz" -> ok(v1);
          case "/stable/app-1.1.0+build.7.tgz" -> ok(v2);
          case "/stable/app-2.0.0.tgz" -> ok(v3);
          default -> new MockResponse.Builder().code(404).build();
        };
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  @Test
  void chartsOfAClassicRepositoryMirrorWithTheConfigsCredentialsAndTagRules(@TempDir Path tmp) throws IOException {
    String yaml = """
        global: {cache_dir: %1$s/cache}
        registries:
          charts:
            type: helm
            url: "http://127.0.0.1:%2$d/stable"
            auth_type: basic
            credentials: {username: bot, password: "${CHART_PASSWORD}"}
          bundle: {type: oci-layout, path: %1$s/layout}
        mappings:
          - {from: app, to: charts/app, source: charts, targets: bundle, tags: {semver: "<2"}}
        """.formatted(tmp, server.getPort());
    Map<String, String> env = Map.of("CHART_PASSWORD", PASSWORD);
    SyncReport report;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "charts.yaml", env); Syncer s = c.syncerBuilder().build()) {
      Endpoint charts = c.registries().get("charts");
      assertThat(charts.type()).isEqualTo(Endpoint.Type.HELM);
      assertThat(charts.readOnly()).isTrue();
      assertThat(charts.helm().orElseThrow().url()).isEqualTo("http://127.0.0.1:" + server.getPort() + "/stable");
      assertThat(charts.toString()).doesNotContain(PASSWORD);
      report = s.run(c.coreMappings());
    }
    // + becomes _ in the tag, as Helm does; 2.0.0 is outside the range
    assertThat(report.mappings().get(0).kept()).containsExactlyInAnyOrder("1.0.0", "1.1.0_build.7");
    assertThat(report.images()).hasSize(2).allSatisfy(r -> assertThat(r.status()).isEqualTo(ImageResult.Status.SYNCED));
    assertThat(report.toJson()).doesNotContain(PASSWORD);
    try (OciLayout.Bundle layout = OciLayout.directoryBundle(tmp.resolve("layout"))) {
      Repository r = layout.repository("charts/app");
      for (Map.Entry<String, byte[]> e : Map.of("1.0.0", v1, "1.1.0_build.7", v2).entrySet()) {
        Manifest m = r.fetchManifest(e.getKey());
        assertThat(m.config().orElseThrow().mediaType()).isEqualTo("application/vnd.cncf.helm.config.v1+json");
        assertThat(m.layers()).extracting(l -> l.digest())
            .containsExactly(Digest.sha256(e.getValue()));
      }
      assertThat(r.resolve("2.0.0")).isEmpty();
    }
  }

  @Test
  void aWrongPasswordFailsTheMappingNamingTheRepositoryNotThePassword(@TempDir Path tmp) throws IOException {
    String yaml = """
        registries:
          charts: {type: helm, url: "http://127.0.0.1:%2$d/stable", auth_type: basic,
                   credentials: {username: bot, password: not-it}}
          bundle: {type: oci-layout, path: %1$s/layout}
        mappings:
          - {from: app, source: charts, targets: bundle, tags: {}}
        """.formatted(tmp, server.getPort());
    try (OcyncConfig c = OcyncConfig.parse(yaml, "charts.yaml", Map.of()); Syncer s = c.syncerBuilder().build()) {
      SyncReport report = s.run(c.coreMappings());
      assertThat(report.images()).isEmpty();
      assertThat(report.mappings().get(0).problems()).singleElement()
          .satisfies(p -> assertThat(p.toString()).contains("401").doesNotContain("not-it"));
    }
  }

  private MockResponse ok(byte[] body) {
    return new MockResponse.Builder().code(200).body(new Buffer().write(body)).build();
  }

  private static String entry(String version, byte[] chart) {
    return "  - apiVersion: v2\n    name: app\n    version: " + version + "\n    created: \"2024-05-01T10:00:00Z\""
        + "\n    digest: " + TestCharts.hex(chart) + "\n    urls:\n      - app-" + version + ".tgz\n";
  }
}
