package dev.ocync.internal.helm;

import dev.ocync.HelmRepository;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.Repository;
import dev.ocync.testing.ReadOnlyRepositoryContract;
import dev.ocync.testing.TestCharts;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A chart of a classic Helm repository keeps the read-only half of the {@link Repository}
 * contract. The repository wants Basic credentials, so the suite also checks the password stays
 * out of the location and the messages.
 */
class HelmContractTest extends ReadOnlyRepositoryContract {
  private static final String PASSWORD = "helm-contract-pa55";
  private final byte[] v1 = TestCharts.chart("app", "1.0.0");
  private final byte[] v2 = TestCharts.chart("app", "1.1.0");
  private MockWebServer server;
  private HelmRepository charts;

  @BeforeEach
  void start() throws IOException {
    String index = "apiVersion: v1\nentries:\n  app:\n"
        + TestCharts.indexEntry("app", "1.1.0", v2) + TestCharts.indexEntry("app", "1.0.0", v1);
    String basic = "Basic " + Base64.getEncoder().encodeToString(("bot:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        if (!basic.equals(r.getHeaders().get("Authorization"))) {
          return new MockResponse.Builder().code(401).build();
        }
        return switch (r.getUrl().encodedPath()) {
          case "/charts/index.yaml" -> ok(index.getBytes(StandardCharsets.UTF_8));
          case "/charts/app-1.0.0.tgz" -> ok(v1);
          case "/charts/app-1.1.0.tgz" -> ok(v2);
          default -> new MockResponse.Builder().code(404).build();
        };
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    String host = "127.0.0.1:" + server.getPort();
    charts = HelmRepository.builder("http://" + host + "/charts").noProxy()
        .credentials(CredentialProvider.basic(host, "bot", PASSWORD)).build();
  }

  private static MockResponse ok(byte[] body) {
    return new MockResponse.Builder().code(200).body(new Buffer().write(body)).build();
  }

  @AfterEach
  void stop() throws IOException {
    charts.close();
    server.close();
  }

  @Override
  protected Repository repository() {
    return charts.repository("app");
  }

  @Override
  protected String tag() {
    return "1.0.0";
  }

  @Override
  protected boolean saysReadOnly() {
    return true;
  }

  @Override
  protected Optional<String> secret() {
    return Optional.of(PASSWORD);
  }
}
