package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.HelmRepository;
import dev.ocync.OciServer;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.testing.HelmCli;
import dev.ocync.testing.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart routes of {@link OciServer} with the real {@code helm}: charts of a classic repository
 * served by the test (relative and absolute URLs, a {@code +} version, a {@code .prov}) pulled as
 * {@code oci://} through an alias and through the dynamic proxy, byte for byte; the digest a mirror
 * run writes; a distribution registry in pull-through mode in front, pulling again after the
 * server stopped; and the refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600)
class ChartProxyIT {
  private static final String PROV = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nnot a real signature\n";

  @TempDir static Path tmp;
  private HelmCli helm;
  private MockWebServer upstream;
  private Path repoDir;
  private final List<String> upstreamPaths = new CopyOnWriteArrayList<>();
  private HelmRepository charts;
  private OciServer server;

  @BeforeAll
  void setUp() throws Exception {
    helm = HelmCli.find(tmp.resolve("helm-home"));
    repoDir = Files.createDirectories(tmp.resolve("repo"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    upstream = new MockWebServer();
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        upstreamPaths.add(path);
        Path f = path.startsWith("/repo/") ? repoDir.resolve(path.substring("/repo/".length())).normalize() : repoDir;
        try {
          if (!f.startsWith(repoDir) || !Files.isRegularFile(f)) {
            return new MockResponse.Builder().code(404).build();
          }
          return new MockResponse.Builder().code(200).body(new Buffer().write(Files.readAllBytes(f))).build();
        } catch (IOException e) {
          return new MockResponse.Builder().code(500).build();
        }
      }
    });
    upstream.start(java.net.InetAddress.getByName("127.0.0.1"), 0);

    for (String[] cv : List.of(new String[] {"demo", "1.0.0"}, new String[] {"demo", "1.1.0+build.7"},
        new String[] {"parent", "0.3.0"}, new String[] {"tampered", "0.1.0"})) {
      if (!Files.exists(work.resolve(cv[0]))) {
        helm.ok(work, "create", cv[0]);
      }
      Files.writeString(work.resolve(cv[0] + "/Chart.yaml"), "apiVersion: v2\nname: " + cv[0]
          + "\ndescription: test chart\ntype: application\nversion: " + cv[1] + "\nappVersion: \"1.0\"\n");
      helm.ok(work, "package", cv[0], "-d", repoDir.toString());
    }
    Files.writeString(repoDir.resolve("demo-1.0.0.tgz.prov"), PROV);
    helm.ok(repoDir, "repo", "index", ".");
    Path index = repoDir.resolve("index.yaml");
    String text = Files.readString(index);
    assertThat(text).contains("- parent-0.3.0.tgz");
    Files.writeString(index, text.replace("- parent-0.3.0.tgz",
        "- http://127.0.0.1:" + upstream.getPort() + "/repo/parent-0.3.0.tgz"));
    // the archive no longer matches the index digest
    Files.copy(repoDir.resolve("parent-0.3.0.tgz"), repoDir.resolve("tampered-0.1.0.tgz"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    charts = HelmRepository.builder(repoUrl()).build();
    server = serverFor(charts).start();
  }

  private String repoUrl() {
    return "http://127.0.0.1:" + upstream.getPort() + "/repo";
  }

  private OciServer serverFor(HelmRepository repository) {
    return OciServer.builder()
        .helm("charts", repository)
        .chartProxy("", OciServer.ChartProxy.builder().allowHost("127.0.0.1:" + upstream.getPort())
            .plainHttp(true).allowNonPublicAddresses(true).build())
        .chartProxy("strict", OciServer.ChartProxy.builder().allowHost("127.0.0.1:" + upstream.getPort())
            .plainHttp(true).build())
        .build();
  }

  @AfterAll
  void tearDown() throws IOException {
    if (server != null) {
      server.close();
    }
    if (charts != null) {
      charts.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private String hostPort(OciServer s) {
    return "127.0.0.1:" + s.port();
  }

  /** helm pull of {@code ref} into a fresh folder; the one .tgz it wrote. */
  private Path pull(String ref, String version, String... extra) throws IOException {
    Path dest = Files.createTempDirectory(tmp, "pull-");
    List<String> args = new ArrayList<>(List.of("pull", ref, "--version", version, "--plain-http", "-d",
        dest.toString()));
    args.addAll(List.of(extra));
    helm.ok(dest, args.toArray(String[]::new));
    try (var files = Files.list(dest)) {
      return files.filter(f -> f.toString().endsWith(".tgz")).findFirst().orElseThrow();
    }
  }

  @Test
  void helmPullsEveryChartThroughTheAliasByteForByte() throws Exception {
    for (String[] cv : List.of(new String[] {"demo", "1.0.0"}, new String[] {"demo", "1.1.0+build.7"},
        new String[] {"parent", "0.3.0"})) {
      Path got = pull("oci://" + hostPort(server) + "/charts/" + cv[0], cv[1]);
      assertThat(Files.readAllBytes(got)).as(cv[0] + " " + cv[1])
          .isEqualTo(Files.readAllBytes(repoDir.resolve(cv[0] + "-" + cv[1] + ".tgz")));
    }
    Path signed = pull("oci://" + hostPort(server) + "/charts/demo", "1.0.0", "--prov");
    assertThat(Files.readString(Path.of(signed + ".prov"))).isEqualTo(PROV);
  }

  @Test
  void helmResolvesAVersionRangeFromTheTagsAndTheCatalogListsTheAliasCharts() throws Exception {
    Path got = pull("oci://" + hostPort(server) + "/charts/demo", ">=1.0.0 <2.0.0");
    assertThat(got.getFileName().toString()).isEqualTo("demo-1.1.0+build.7.tgz");
    assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(repoDir.resolve("demo-1.1.0+build.7.tgz")));
    assertThat(get(server, "/v2/_catalog").text()).contains("\"charts/demo\"", "\"charts/parent\"");
  }

  @Test
  void helmPullsThroughTheDynamicRoute() throws Exception {
    Path got = pull("oci://" + hostPort(server) + "/127.0.0.1/repo/demo", "1.1.0+build.7");
    assertThat(Files.readAllBytes(got)).isEqualTo(Files.readAllBytes(repoDir.resolve("demo-1.1.0+build.7.tgz")));
    Path abs = pull("oci://" + hostPort(server) + "/127.0.0.1/repo/parent", "0.3.0");
    assertThat(Files.readAllBytes(abs)).isEqualTo(Files.readAllBytes(repoDir.resolve("parent-0.3.0.tgz")));
  }

  @Test
  void servedDigestsAreThoseAMirrorRunWrites() throws Exception {
    try (RegistryServer registry = RegistryServer.plain(); Syncer syncer = Syncer.builder().build();
        Registry target = Registry.of(registry.host()); HelmRepository mirrorSource = HelmRepository.builder(repoUrl()).build()) {
      for (String tag : List.of("1.0.0", "1.1.0_build.7")) {
        CopyResult copied = syncer.copy(mirrorSource.repository("demo"), tag, target.repository("mirror/demo"),
            Optional.of(tag));
        for (String path : List.of("/v2/charts/demo/manifests/" + tag, "/v2/127.0.0.1/repo/demo/manifests/" + tag)) {
          RawHttp.Reply r = get(server, path);
          assertThat(r.status()).as(path).isEqualTo(200);
          assertThat(r.header("Docker-Content-Digest")).as(path).hasValue(copied.digest().toString());
        }
      }
    }
  }

  @Test
  void aPullThroughRegistryInFrontKeepsServingAfterTheServerStopped() throws Exception {
    HelmRepository own = HelmRepository.builder(repoUrl()).build();
    OciServer front = serverFor(own).start();
    int port = front.port();
    try (RegistryServer cache = RegistryServer.pullThrough(front.url())) {
      byte[] expected = Files.readAllBytes(repoDir.resolve("demo-1.0.0.tgz"));
      Path first = pull("oci://" + cache.host() + "/charts/demo", "1.0.0");
      assertThat(Files.readAllBytes(first)).isEqualTo(expected);
      awaitCached(cache, get(front, "/v2/charts/demo/manifests/1.0.0").text());
      front.close();
      own.close();
      assertThat(listening(port)).as("the server is stopped").isFalse();
      Path again = pull("oci://" + cache.host() + "/charts/demo", "1.0.0");
      assertThat(Files.readAllBytes(again)).isEqualTo(expected);
    } finally {
      front.close();
      own.close();
    }
  }

  /**
   * Waits (bounded) until the cache has stored the blobs {@code helm pull} fetches (config and chart,
   * not the .prov): distribution commits a proxied blob after the client has its last byte, so a
   * client can finish first.
   */
  private static void awaitCached(RegistryServer cache, String manifest) throws Exception {
    com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest);
    List<String> digests = new ArrayList<>(List.of(m.path("config").path("digest").asText()));
    for (com.fasterxml.jackson.databind.JsonNode layer : m.path("layers")) {
      if (layer.path("mediaType").asText().equals("application/vnd.cncf.helm.chart.content.v1.tar+gzip")) {
        digests.add(layer.path("digest").asText());
      }
    }
    assertThat(digests).hasSize(2).allMatch(d -> d.matches("sha256:[0-9a-f]{64}"));
    List<Path> blobs = new ArrayList<>();
    for (String d : digests) {
      String hex = d.substring("sha256:".length());
      blobs.add(cache.storageDirectory().resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex
          + "/data"));
    }
    for (int i = 0; i < 300 && !blobs.stream().allMatch(Files::isRegularFile); i++) {
      Thread.sleep(50);
    }
    assertThat(blobs).as("the cache stored the chart's blobs").allMatch(Files::isRegularFile);
  }

  @Test
  void aHostNotOnTheAllowListIsNeverAsked() throws Exception {
    int before = upstreamPaths.size();
    RawHttp.Reply r = get(server, "/v2/charts.example.com/stable/demo/manifests/1.0.0");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("NAME_UNKNOWN");
    RawHttp.Reply other = get(server, "/v2/127.0.0.2/repo/demo/manifests/1.0.0");
    assertThat(other.status()).isEqualTo(404);
    assertThat(upstreamPaths.size()).isEqualTo(before);
  }

  @Test
  void aLoopbackAddressIsRefusedWithoutTheOptIn() throws Exception {
    int before = upstreamPaths.size();
    RawHttp.Reply r = get(server, "/v2/strict/127.0.0.1/repo/demo/manifests/1.0.0");
    assertThat(r.status()).isEqualTo(404);
    assertThat(upstreamPaths.size()).as("no request reached the loopback repository").isEqualTo(before);
    assertThat(get(server, "/v2/127.0.0.1/repo/demo/manifests/1.0.0").status())
        .as("the same repository with the opt-in").isEqualTo(200);
  }

  @Test
  void anArchiveThatDoesNotMatchItsIndexDigestIsNotServed() throws Exception {
    RawHttp.Reply r = get(server, "/v2/charts/tampered/manifests/0.1.0");
    assertThat(r.status()).isNotEqualTo(200);
    assertThat(r.text()).doesNotContain("application/vnd.cncf.helm");
    assertThat(helm.run(tmp, "pull", "oci://" + hostPort(server) + "/charts/tampered", "--version", "0.1.0",
        "--plain-http", "-d", Files.createTempDirectory(tmp, "bad-").toString()).exitCode()).isNotZero();
  }

  @Test
  void aTraversalPathIsRefused() throws Exception {
    int before = upstreamPaths.size();
    for (String path : List.of("/v2/127.0.0.1/repo/../demo/manifests/1.0.0",
        "/v2/127.0.0.1/repo/%2e%2e/demo/manifests/1.0.0", "/v2/charts/demo%2f..%2fx/manifests/1.0.0")) {
      assertThat(get(server, path).status()).as(path).isIn(400, 404);
    }
    assertThat(upstreamPaths.subList(before, upstreamPaths.size())).noneMatch(p -> p.contains(".."));
  }

  private static RawHttp.Reply get(OciServer s, String path) throws IOException {
    return RawHttp.send(s.port(), "GET", path, "Accept: application/vnd.oci.image.manifest.v1+json");
  }

  private static boolean listening(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
