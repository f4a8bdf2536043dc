package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.HelmRepository;
import dev.ocync.OciServer;
import dev.ocync.internal.http.Loopback;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The chart routes' bounds: the address guard, the LRU, the index TTL and the upstream fetch limit. */
class ChartRoutesTest {
  private static final String INDEX = "apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: 1.0.0\n"
      + "    urls: [demo-1.0.0.tgz]\n    digest: 0000000000000000000000000000000000000000000000000000000000000000\n";

  private MockWebServer upstream;
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    upstream = new MockWebServer();
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request);
        if (request.getUrl().encodedPath().startsWith("/broken/")) {
          return new MockResponse.Builder().code(500).build();
        }
        if (request.getUrl().encodedPath().startsWith("/none/")
            || !request.getUrl().encodedPath().endsWith("/index.yaml")) {
          return new MockResponse.Builder().code(404).build();
        }
        if ("\"v1\"".equals(request.getHeaders().get("If-None-Match"))) {
          return new MockResponse.Builder().code(304).build();
        }
        return new MockResponse.Builder().code(200).addHeader("ETag", "\"v1\"").body(INDEX).build();
      }
    });
    upstream.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws IOException {
    upstream.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
      "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "::1", "::", "fc00::1", "fd12::5", "fe80::1",
      "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"})
  void nonPublicAddresses(String address) throws IOException {
    assertThat(Loopback.isNonPublic(InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1", "1.1.1.1",
      "2001:4860:4860::8888", "::ffff:8.8.8.8"})
  void publicAddresses(String address) throws IOException {
    assertThat(Loopback.isNonPublic(InetAddress.getByName(address))).isFalse();
  }

  @Test
  void aNameResolvingToLoopbackIsRefusedUnlessAllowed() throws IOException {
    assertThat(ChartRoutes.addressRefusal("localhost", false)).get().asString().contains("non-public address");
    assertThat(ChartRoutes.addressRefusal("localhost", true)).isEmpty();
  }

  private ChartRoutes.Limits limits(Duration ttl, int permits) {
    return new ChartRoutes.Limits(ttl, new Semaphore(permits), Duration.ofMillis(50));
  }

  @Test
  void theProxyKeepsAtMostMaxRepositoriesAndBuildsEachOnceWhileKept() throws IOException {
    AtomicInteger built = new AtomicInteger();
    ChartRoutes.ProxySettings settings = new ChartRoutes.ProxySettings(
        Map.of("127.0.0.1", Optional.of(upstream.getPort())), List.of(), false, true, true, 2, url -> {
          built.incrementAndGet();
          return HelmRepository.builder(url).build();
        });
    try (ChartRoutes.Proxy proxy = ChartRoutes.proxy(settings, limits(Duration.ofHours(1), 4))) {
      assertThat(proxy.repository("127.0.0.1/a/demo")).isPresent();
      assertThat(proxy.repository("127.0.0.1/a/demo")).isPresent();
      assertThat(built).hasValue(1);
      assertThat(proxy.repository("127.0.0.1/b/demo")).isPresent();
      assertThat(proxy.repository("127.0.0.1/c/demo")).isPresent();
      assertThat(proxy.kept()).isEqualTo(2);
      assertThat(proxy.repository("127.0.0.1/c/nothing")).as("a chart the index does not list").isEmpty();
      assertThat(built).hasValue(3);
      assertThat(proxy.repository("127.0.0.1/a/demo")).as("a was evicted, so it is built again").isPresent();
      assertThat(built).hasValue(4);
      assertThat(proxy.repository("localhost/a/demo")).as("not on the allow-list").isEmpty();
      assertThat(built).hasValue(4);
    }
  }

  @Test
  void anIndexOlderThanTheTtlIsAskedForAgainConditionally() throws IOException {
    try (HelmRepository charts = HelmRepository.builder("http://127.0.0.1:" + upstream.getPort() + "/r").build()) {
      OciServer.Route route = ChartRoutes.alias(charts, limits(Duration.ofNanos(1), 4));
      assertThat(route.repository("demo")).isPresent();
      assertThat(route.repository("demo")).isPresent();
      assertThat(requests).hasSizeGreaterThanOrEqualTo(2);
      assertThat(requests.get(0).getHeaders().get("If-None-Match")).isNull();
      assertThat(requests.get(requests.size() - 1).getHeaders().get("If-None-Match")).isEqualTo("\"v1\"");
    }
  }

  @Test
  void anIndexWithinTheTtlIsNotAskedForAgain() throws IOException {
    try (HelmRepository charts = HelmRepository.builder("http://127.0.0.1:" + upstream.getPort() + "/r").build()) {
      OciServer.Route route = ChartRoutes.alias(charts, limits(Duration.ofHours(1), 4));
      for (int i = 0; i < 5; i++) {
        assertThat(route.repository("demo")).isPresent();
      }
      assertThat(route.names()).hasValue(List.of("demo"));
      assertThat(requests).hasSize(1);
    }
  }

  @Test
  void noFetchStartsWhenAllUpstreamFetchesAreTaken() throws IOException {
    try (HelmRepository charts = HelmRepository.builder("http://127.0.0.1:" + upstream.getPort() + "/r").build()) {
      OciServer.Route route = ChartRoutes.alias(charts, limits(Duration.ofHours(1), 0));
      assertThatThrownBy(() -> route.repository("demo")).isInstanceOf(ChartRoutes.Busy.class)
          .hasMessageContaining("too many chart repository fetches");
      assertThat(requests).isEmpty();
    }
  }

  @Test
  void aRepositoryWithoutAnIndexHasNoChartsAndAFailingOneIsNotAskedOnEveryRequest() throws IOException {
    try (HelmRepository missing = HelmRepository.builder("http://127.0.0.1:" + upstream.getPort() + "/none").build();
        HelmRepository broken = HelmRepository.builder("http://127.0.0.1:" + upstream.getPort() + "/broken").build()) {
      assertThat(ChartRoutes.alias(missing, limits(Duration.ofHours(1), 4)).repository("demo")).isEmpty();
      OciServer.Route route = ChartRoutes.alias(broken, limits(Duration.ofHours(1), 4));
      assertThatThrownBy(() -> route.repository("demo")).isInstanceOf(IOException.class);
      int asked = requests.size();
      assertThatThrownBy(() -> route.repository("demo")).isInstanceOf(RegistryException.class)
          .hasMessageContaining("remembered for");
      assertThat(requests).hasSize(asked);
    }
  }
}
