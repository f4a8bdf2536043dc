package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.HelmRepository;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8: the Helm endpoint talks HTTP through the registry client's layer, so it has what that
 * layer has: proxies, body deadlines, the link-local redirect guard and secret masking.
 */
@Timeout(60)
class HelmHttpTest {
  private static final String INDEX = "apiVersion: v1\nentries:\n  app:\n  - apiVersion: v2\n    name: app\n"
      + "    version: 1.0.0\n    digest: " + "a".repeat(64) + "\n    urls:\n      - app-1.0.0.tgz\n";
  private MockWebServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private MockWebServer serve(Function<RecordedRequest, MockResponse> answer) throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        return answer.apply(r);
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  @Test
  void theIndexIsFetchedThroughTheConfiguredProxy() throws IOException {
    MockWebServer s = serve(r -> new MockResponse.Builder().code(200).body(INDEX).build());
    String repo = "charts.test:" + s.getPort();
    try (TestProxy proxy = new TestProxy(Optional.empty());
        HelmRepository charts = HelmRepository.builder("http://" + repo + "/stable")
            .proxy("http://127.0.0.1:" + proxy.port(), "").build()) {
      // charts.test resolves nowhere: only the proxy can have reached the server
      assertThat(charts.charts()).containsExactly("app");
      assertThat(proxy.seen()).extracting(TestProxy.Seen::requestLine)
          .contains("GET http://" + repo + "/stable/index.yaml HTTP/1.1");
    }
  }

  @Test
  void aTrickledIndexEndsInABodyTimeout() throws IOException {
    MockWebServer s = serve(r -> new MockResponse.Builder().code(200).body(INDEX + "#" + " ".repeat(200) + "\n")
        .throttleBody(1, 250, TimeUnit.MILLISECONDS).build());
    try (HelmRepository charts = HelmRepository.builder("http://127.0.0.1:" + s.getPort() + "/stable")
        .noProxy().bodyTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(charts::charts).isInstanceOfSatisfying(RegistryException.class, e -> {
        assertThat(e.getMessage()).contains("index.yaml of http://127.0.0.1:" + s.getPort() + "/stable")
            .contains("did not arrive within 1 s (body timeout;");
        assertThat(e.getCause()).isInstanceOf(java.net.SocketTimeoutException.class);
      });
    }
  }

  @Test
  void aRedirectToALinkLocalAddressIsRefusedAndTheSecretInItMasked() throws IOException {
    String password = "s3cret-Pa55word";
    MockWebServer s = serve(r -> new MockResponse.Builder().code(302)
        .addHeader("Location", "http://169.254.169.254/latest/" + password + "/index.yaml").build());
    String hostPort = "127.0.0.1:" + s.getPort();
    try (HelmRepository charts = HelmRepository.builder("http://" + hostPort + "/stable").noProxy()
        .credentials(CredentialProvider.basic(hostPort, "bot", password)).build()) {
      assertThatThrownBy(charts::charts).isInstanceOfSatisfying(RegistryException.class, e ->
          assertThat(e.getMessage()).contains("link-local address 169.254.169.254").contains("refused")
              .contains("/latest/****/index.yaml").doesNotContain(password));
    }
    assertThat(s.getRequestCount()).isEqualTo(1);
  }
}
