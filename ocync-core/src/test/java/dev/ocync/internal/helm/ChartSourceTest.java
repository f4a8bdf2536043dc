package dev.ocync.internal.helm;

import static dev.ocync.testing.TestCharts.Item.file;
import static dev.ocync.testing.TestCharts.Item.symlink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.HelmRepository;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestCharts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad repositories against the endpoint, served by MockWebServer: each bad version fails alone,
 * with a message naming chart, version and problem, while the good version next to it is served.
 */
class ChartSourceTest {
  private static final String USER = "bot";
  private static final String PASSWORD = "pa55-word-xyz";
  private MockWebServer server;
  private MockWebServer other;
  private final Map<String, Function<RecordedRequest, MockResponse>> routes = new ConcurrentHashMap<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> otherRequests = new CopyOnWriteArrayList<>();
  private final byte[] good = TestCharts.chart("app", "1.0.0");

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        requests.add(r);
        String auth = r.getHeaders().get("Authorization");
        if (!basic().equals(auth)) {
          return new MockResponse.Builder().code(401).build();
        }
        Function<RecordedRequest, MockResponse> route = routes.get(r.getUrl().encodedPath());
        return route == null ? new MockResponse.Builder().code(404).build() : route.apply(r);
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    other = new MockWebServer();
    other.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        otherRequests.add(r);
        // the other host would serve the archive only to someone who had the repository's password
        return r.getHeaders().get("Authorization") == null ? new MockResponse.Builder().code(401).build()
            : new MockResponse.Builder().code(200).body(new Buffer().write(good)).build();
      }
    });
    other.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    other.close();
  }

  private static String basic() {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  }

  private void serve(String path, byte[] body) {
    routes.put(path, r -> new MockResponse.Builder().code(200).body(new Buffer().write(body)).build());
  }

  private void index(String yaml) {
    serve("/charts/index.yaml", yaml.getBytes(StandardCharsets.UTF_8));
  }

  private static String entry(String name, String version, String url, Optional<String> digest) {
    return "  - apiVersion: v2\n    name: " + name + "\n    version: " + version + "\n    created: \"2024-10-08T21:09:15.123456789Z\"\n"
        + digest.map(d -> "    digest: " + d + "\n").orElse("") + "    urls:\n      - " + url + "\n";
  }

  private HelmRepository.Builder endpoint() {
    return HelmRepository.builder("http://127.0.0.1:" + server.getPort() + "/charts")
        .credentials(CredentialProvider.basic("127.0.0.1:" + server.getPort(), USER, PASSWORD));
  }

  /** Serves version {@code version} of chart app from {@code bytes} with the digest of {@code indexed}. */
  private String version(String version, byte[] bytes, byte[] indexed) {
    serve("/charts/app-" + version + ".tgz", bytes);
    return entry("app", version, "app-" + version + ".tgz", Optional.of(TestCharts.hex(indexed)));
  }

  private void assertFails(Repository repo, String version, Class<? extends RegistryException> type, String... parts) {
    assertThatThrownBy(() -> repo.fetchManifest(version))
        .isInstanceOf(type)
        .hasMessageContaining("chart app version " + version)
        .hasMessageContainingAll(parts)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
  }

  @Test
  void badVersionsFailAloneWithMessagesNamingChartVersionAndProblem() throws IOException {
    byte[] mismatch = TestCharts.chart("app", "1.0.1");
    byte[] traversal = TestCharts.chart("app", "1.0.2", file("app/../evil.txt", "x"));
    byte[] oversized = TestCharts.chart("app", "1.0.3", file("app/big.bin", new byte[6 * 1024 * 1024]));
    byte[] link = TestCharts.chart("app", "1.0.4", symlink("app/templates/link.yaml", "/etc/passwd"));
    byte[] absolute = TestCharts.tgz(List.of(file("app/Chart.yaml", TestCharts.chartYaml("app", "1.0.9")),
        file("/etc/cron.d/evil", "x")));
    byte[] wrongVersion = TestCharts.chart("app", "9.9.9");
    String otherUrl = "http://127.0.0.1:" + other.getPort() + "/elsewhere/app-1.0.6.tgz";
    routes.put("/charts/app-1.0.6.tgz", r -> new MockResponse.Builder().code(302).addHeader("Location", otherUrl).build());
    index("apiVersion: v1\nentries:\n  app:\n"
        + version("1.0.0", good, good)
        + version("1.0.1", mismatch, good)
        + version("1.0.2", traversal, traversal)
        + version("1.0.3", oversized, oversized)
        + version("1.0.4", link, link)
        + entry("app", "1.0.5", "app-1.0.5.tgz", Optional.of(TestCharts.hex(good)))
        + entry("app", "1.0.6", "app-1.0.6.tgz", Optional.of(TestCharts.hex(good)))
        + version("1.0.8", wrongVersion, wrongVersion)
        + version("1.0.9", absolute, absolute)
        + entry("app", "1.0.10", "file:///etc/passwd", Optional.of(TestCharts.hex(good)))
        + entry("app", "1.0.11", "\"https://cdn.example.com/app 1.tgz?token=tok-secret\"", Optional.of(TestCharts.hex(good))));
    try (HelmRepository charts = endpoint().build()) {
      Repository repo = charts.repository("app");
      assertThat(repo.readOnly()).isTrue();
      assertFails(repo, "1.0.1", DigestMismatchException.class, TestCharts.hex(good), TestCharts.hex(mismatch));
      assertFails(repo, "1.0.2", RegistryException.class, "app/../evil.txt", "parent directory");
      assertFails(repo, "1.0.3", RegistryException.class, "app/big.bin", "limit of 5242880 bytes per file");
      assertFails(repo, "1.0.4", RegistryException.class, "app/templates/link.yaml", "symbolic link");
      assertFails(repo, "1.0.5", NotFoundException.class, "app-1.0.5.tgz", "404");
      assertFails(repo, "1.0.6", RegistryException.class, "401", "redirected from",
          "credentials go only to http://127.0.0.1:" + server.getPort());
      assertFails(repo, "1.0.8", RegistryException.class, "Chart.yaml in the archive says app version 9.9.9");
      assertFails(repo, "1.0.9", RegistryException.class, "/etc/cron.d/evil", "absolute path");
      assertFails(repo, "1.0.10", RegistryException.class, "not an http(s) URL with a host (file:)");
      assertFails(repo, "1.0.11", RegistryException.class, "invalid chart URL in index.yaml: Illegal character in path");
      assertThatThrownBy(() -> repo.fetchManifest("1.0.11")).satisfies(e -> assertThat(e.getMessage()).doesNotContain("tok-secret"));

      Manifest m = repo.fetchManifest("1.0.0");
      assertThat(m.layers()).singleElement().satisfies(l -> {
        assertThat(l.mediaType()).isEqualTo(MediaType.HELM_CHART);
        assertThat(l.digest().encoded()).isEqualTo(TestCharts.hex(good));
      });
      assertThat(repo.openBlob(m.layers().get(0)).readAllBytes()).isEqualTo(good);
      assertThat(new String(repo.openBlob(m.config().orElseThrow()).readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("{\"name\":\"app\",\"version\":\"1.0.0\",\"description\":\"test chart\",\"apiVersion\":\"v2\"}");
    }
    // the redirect target on another port never saw the password
    assertThat(otherRequests).isNotEmpty().allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isNull());
  }

  @Test
  void passCredentialsSendsThemAlongARedirectToAnotherHost() throws IOException {
    String otherUrl = "http://127.0.0.1:" + other.getPort() + "/elsewhere/app-1.0.0.tgz";
    routes.put("/charts/app-1.0.0.tgz", r -> new MockResponse.Builder().code(302).addHeader("Location", otherUrl).build());
    index("apiVersion: v1\nentries:\n  app:\n" + entry("app", "1.0.0", "app-1.0.0.tgz", Optional.of(TestCharts.hex(good))));
    try (HelmRepository charts = endpoint().passCredentials(true).build()) {
      assertThat(charts.repository("app").fetchManifest("1.0.0").layers()).hasSize(1);
    }
    assertThat(otherRequests).singleElement().satisfies(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo(basic()));
  }

  @Test
  void anEntryWithoutDigestIsRefusedUnlessAllowedAndThenMarkedUnverified() throws IOException {
    serve("/charts/app-1.0.0.tgz", good);
    index("apiVersion: v1\nentries:\n  app:\n" + entry("app", "1.0.0", "app-1.0.0.tgz", Optional.empty()));
    try (HelmRepository charts = endpoint().build()) {
      assertFails(charts.repository("app"), "1.0.0", RegistryException.class, "no digest", "cannot be verified");
    }
    try (HelmRepository charts = endpoint().allowMissingDigest(true).build()) {
      assertThat(charts.repository("app").fetchManifest("1.0.0").layers()).hasSize(1);
      assertThat(charts.warnings()).singleElement().asString()
          .contains("chart app version 1.0.0").contains("unverified");
    }
  }

  @Test
  void entriesHelmWouldSkipAreSkippedWithAWarning() throws IOException {
    index("apiVersion: v1\nentries:\n  app:\n" + version("1.0.0", good, good)
        + "  - null\n"
        + "  - apiVersion: v2\n    name: app\n    version: not-a-version\n    urls: [x.tgz]\n"
        + "  - apiVersion: v2\n    name: app\n    version: 1.2.0\n    type: plugin\n    urls: [y.tgz]\n");
    try (HelmRepository charts = endpoint().build()) {
      assertThat(charts.repository("app").listTags()).containsExactly("1.0.0");
      assertThat(charts.warnings()).hasSize(3).anySatisfy(w -> assertThat(w).contains("not-a-version", "invalid"))
          .anySatisfy(w -> assertThat(w).contains("1.2.0", "application or library"));
    }
  }

  @Test
  void malformedHugeAndAliasBombIndexesAreRefusedClearly() throws IOException {
    index("apiVersion: v1\nentries: [unclosed\n");
    try (HelmRepository charts = endpoint().build()) {
      assertThatThrownBy(charts::charts).isInstanceOf(RegistryException.class)
          .hasMessageContaining("index.yaml of http://127.0.0.1:" + server.getPort() + "/charts is not valid YAML");
    }
    index("entries: {}\n");
    try (HelmRepository charts = endpoint().build()) {
      assertThatThrownBy(charts::charts).hasMessageContaining("has no apiVersion");
    }
    index("apiVersion: v1\n# " + "x".repeat(5000) + "\nentries: {}\n");
    try (HelmRepository charts = endpoint().maxIndexBytes(1024).build()) {
      assertThatThrownBy(charts::charts).isInstanceOf(RegistryException.class)
          .hasMessageContaining("index.yaml").hasMessageContaining("over the limit of 1024 bytes");
    }
    StringBuilder bomb = new StringBuilder("apiVersion: v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++) {
      bomb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        bomb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      bomb.append("]\n");
    }
    index(bomb + "entries: {}\n");
    try (HelmRepository charts = endpoint().build()) {
      assertThatThrownBy(charts::charts).isInstanceOf(RegistryException.class)
          .hasMessageContaining("uses a YAML alias (*a0), which is not supported");
    }
  }

  @Test
  void jsonIndexesAreRead() throws IOException {
    serve("/charts/app-1.0.0.tgz", good);
    index("{\"apiVersion\":\"v1\",\"entries\":{\"app\":[{\"name\":\"app\",\"version\":\"1.0.0\",\"digest\":\"sha256:"
        + TestCharts.hex(good) + "\",\"urls\":[\"app-1.0.0.tgz\"]}]}}");
    String digest;
    try (HelmRepository charts = endpoint().build()) {
      Manifest m = charts.repository("app").fetchManifest("1.0.0");
      assertThat(m.annotations()).containsEntry("org.opencontainers.image.created", "1970-01-01T00:00:00Z");
      digest = m.digest().toString();
      assertThat(charts.repository("app").resolve(digest)).hasValueSatisfying(d -> assertThat(d.digest()).isEqualTo(m.digest()));
    }
    // by digest on a fresh endpoint, before any tag was asked for
    try (HelmRepository charts = endpoint().build()) {
      assertThat(charts.repository("app").fetchManifest(digest).digest()).hasToString(digest);
      assertThat(charts.repository("app").resolve("sha256:" + "0".repeat(64))).isEmpty();
    }
  }

  @Test
  void refreshRevalidatesWithTheValidatorsTheRepositorySent() throws IOException {
    routes.put("/charts/index.yaml", r -> "\"v1\"".equals(r.getHeaders().get("If-None-Match"))
        ? new MockResponse.Builder().code(304).build()
        : new MockResponse.Builder().code(200).addHeader("ETag", "\"v1\"")
            .body(new Buffer().writeUtf8("apiVersion: v1\nentries:\n  app:\n"
                + entry("app", "1.0.0", "app-1.0.0.tgz", Optional.of(TestCharts.hex(good))))).build());
    try (HelmRepository charts = endpoint().build()) {
      assertThat(charts.charts()).containsExactly("app");
      assertThat(charts.charts()).containsExactly("app");
      charts.refresh();
      assertThat(charts.charts()).containsExactly("app");
    }
    List<RecordedRequest> indexRequests = requests.stream()
        .filter(r -> r.getUrl().encodedPath().equals("/charts/index.yaml")).toList();
    assertThat(indexRequests).hasSize(2);
    assertThat(indexRequests.get(0).getHeaders().get("If-None-Match")).isNull();
    assertThat(indexRequests.get(1).getHeaders().get("If-None-Match")).isEqualTo("\"v1\"");
  }

  @Test
  void aChangedIndexReplacesTheOldOneAndLastModifiedIsSentBack() throws IOException {
    byte[] second = TestCharts.chart("app", "2.0.0");
    serve("/charts/app-1.0.0.tgz", good);
    serve("/charts/app-2.0.0.tgz", second);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    routes.put("/charts/index.yaml", r -> new MockResponse.Builder().code(200)
        .addHeader("Last-Modified", "Tue, 01 Dec 2026 10:00:0" + calls.get() + " GMT")
        .body(new Buffer().writeUtf8("apiVersion: v1\nentries:\n  app:\n"
            + entry("app", "1.0.0", "app-1.0.0.tgz", Optional.of(TestCharts.hex(good)))
            + (calls.getAndIncrement() == 0 ? "" : entry("app", "2.0.0", "app-2.0.0.tgz",
                Optional.of(TestCharts.hex(second)))))).build());
    try (HelmRepository charts = endpoint().build()) {
      Repository repo = charts.repository("app");
      assertThat(repo.listTags()).containsExactly("1.0.0");
      charts.refresh();
      assertThat(repo.listTags()).containsExactly("1.0.0", "2.0.0");
      assertThat(repo.fetchManifest("2.0.0").layers().get(0).digest().encoded()).isEqualTo(TestCharts.hex(second));
    }
    List<RecordedRequest> indexRequests = requests.stream()
        .filter(r -> r.getUrl().encodedPath().equals("/charts/index.yaml")).toList();
    assertThat(indexRequests.get(1).getHeaders().get("If-Modified-Since")).isEqualTo("Tue, 01 Dec 2026 10:00:00 GMT");
  }

  @Test
  void redirectLoopsAreCutOff() throws IOException {
    routes.put("/charts/index.yaml", r -> new MockResponse.Builder().code(302)
        .addHeader("Location", "/charts/index.yaml").build());
    try (HelmRepository charts = endpoint().build()) {
      assertThatThrownBy(charts::charts).isInstanceOf(RegistryException.class)
          .hasMessageContaining("more than " + HttpChartTransport.MAX_REDIRECTS + " redirects");
    }
  }

  @Test
  void pushesAndMountsAreRefusedAsReadOnly() throws IOException {
    index("apiVersion: v1\nentries: {}\n");
    try (HelmRepository charts = endpoint().build()) {
      Repository repo = charts.repository("app");
      Descriptor d = Descriptor.of(MediaType.HELM_CHART, dev.ocync.oci.Digest.sha256(good), good.length);
      assertThatThrownBy(() -> repo.pushBlob(d, new ByteArrayInputStream(good))).hasMessageContaining("read-only");
      assertThatThrownBy(() -> repo.mountBlob(d, repo)).hasMessageContaining("read-only");
      assertThatThrownBy(() -> repo.pushManifest(Manifest.parse(
          ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" + d.digest() + "\",\"size\":1},\"layers\":[]}")
              .getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST), Optional.of("x")))
          .hasMessageContaining("read-only");
      assertThat(repo.resolve("1.0.0")).isEmpty();
      assertThatThrownBy(() -> repo.fetchManifest("1.0.0")).isInstanceOf(NotFoundException.class);
    }
  }
}
