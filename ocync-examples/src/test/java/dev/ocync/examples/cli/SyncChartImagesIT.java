package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.oci.Platform;
import dev.ocync.testing.HelmCli;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 through {@code sync -c}: a config whose mapping has {@code images: follow} mirrors a
 * chart of a classic repository (made by the real helm, served on loopback) and the images it
 * names (in a real upstream registry) into a real registry and an OCI layout bundle; a dry run
 * lists the chart's images and writes nothing; a second run changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class SyncChartImagesIT {
  @TempDir static Path tmp;
  private RegistryServer upstream;
  private RegistryServer mirror;
  private HttpServer charts;
  private final TestImages.Image controller = TestImages.multiArch(1201, 2048);
  private final TestImages.Image webhook = TestImages.ociImage(1211, Platform.parse("linux/amd64"), 1, 1024);

  @BeforeAll
  void setUp() throws IOException {
    upstream = RegistryServer.plain();
    mirror = RegistryServer.plain();
    try (Registry up = Registry.of(upstream.host())) {
      controller.pushTo(up.repository("team/controller"), Optional.of("v2.1"));
      webhook.pushTo(up.repository("team/webhook"), Optional.of("v2.1"));
    }
    HelmCli helm = HelmCli.find(tmp.resolve("helm-home"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    helm.ok(work, "create", "op");
    // helm create's image has no tag: the chart renders its appVersion, and so it is followed
    Files.writeString(work.resolve("op/Chart.yaml"), Files.readString(work.resolve("op/Chart.yaml"))
        .replace("appVersion: \"1.16.0\"", "appVersion: \"v2.1\""));
    Files.writeString(work.resolve("op/values.yaml"), Files.readString(work.resolve("op/values.yaml"))
        .replace("repository: nginx", "repository: " + upstream.host() + "/team/controller")
        + "\nwebhook:\n  image:\n    registry: " + upstream.host() + "\n    repository: team/webhook\n"
        + "    tag: v2.1\n");
    helm.ok(work, "package", "op", "-d", repo.toString());
    helm.ok(repo, "repo", "index", ".");
    charts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    charts.createContext("/", exchange -> {
      Path f = repo.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
      byte[] body = f.startsWith(repo) && Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
      exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      exchange.close();
    });
    charts.start();
  }

  @AfterAll
  void tearDown() {
    if (charts != null) {
      charts.stop(0);
    }
    upstream.close();
    mirror.close();
  }

  private Path config(Path dir) throws IOException {
    Path f = dir.resolve("operator.yaml");
    Files.writeString(f, "global: {cache_dir: cache}\n"
        + "registries:\n"
        + "  charts: {type: helm, url: \"http://127.0.0.1:" + charts.getAddress().getPort() + "/\"}\n"
        + "  mirror: {url: \"http://" + mirror.host() + "\"}\n"
        + "  bundle: {type: oci-layout, path: bundle}\n"
        + "mappings:\n"
        + "  - from: op\n"
        + "    source: charts\n"
        + "    to: charts/op\n"
        + "    targets: [mirror, bundle]\n"
        + "    tags: {semver: \">=0.1\"}\n"
        + "    images: follow\n");
    return f;
  }

  @Test
  void aDryRunListsTheImagesThenSyncMirrorsChartAndImagesAndASecondRunChangesNothing() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    Path cfg = config(dir);

    MainTest.Run dry = MainTest.run("sync", "--dry-run", "--json", "-", "-c", cfg.toString());
    assertThat(dry.code()).as(dry.err()).isZero();
    SyncCommandTest.assertValidReport(dry.out());
    assertThat(dry.err()).contains("dry-run: chart ").contains(" names 2 images")
        .contains(upstream.host() + "/team/controller (as " + upstream.host() + "/team/controller:v2.1)");
    assertThat(mirror.tags("charts/op")).isEmpty();
    assertThat(Files.exists(dir.resolve("bundle"))).isFalse();

    MainTest.Run first = MainTest.run("sync", "--json", "-", "-c", cfg.toString());
    assertThat(first.code()).as(first.err()).isZero();
    JsonNode report = new ObjectMapper().readTree(first.out());
    assertThat(report.path("stats").path("synced").asInt()).isEqualTo(6);
    assertThat(report.path("charts").get(0).path("images").size()).isEqualTo(2);
    assertThat(mirror.tags("charts/op")).containsExactly("0.1.0");
    assertThat(mirror.manifest("charts/team/controller", "v2.1"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(controller.manifest().bytes()));
    assertThat(mirror.manifest("charts/team/webhook", "v2.1"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo(webhook.manifest().bytes()));
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir.resolve("bundle"))) {
      assertThat(bundle.repositories()).containsExactly("charts/op", "charts/team/controller", "charts/team/webhook");
      assertThat(bundle.repository("charts/team/controller").fetchManifest("v2.1").digest())
          .isEqualTo(controller.manifest().digest());
    }

    MainTest.Run second = MainTest.run("sync", "-c", cfg.toString());
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.err()).contains("0 synced, 6 skipped, 0 failed");
  }
}
