package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.HelmRepository;
import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.TagSelector;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestCharts;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A syncer run on a schedule over one {@link HelmRepository} asks for index.yaml once per run,
 * conditionally, so chart versions published between runs arrive and an unchanged index costs a
 * 304 (issue 8: "fetched once per run and per syncer, conditional on ETag/Last-Modified").
 */
class IndexPerRunTest {
  private final byte[] v1 = TestCharts.chart("app", "1.0.0");
  private final byte[] v2 = TestCharts.chart("app", "1.1.0");
  private volatile String index = index(TestCharts.indexEntry("app", "1.0.0", v1));
  private volatile String etag = "\"one\"";
  private final List<String> indexRequests = new CopyOnWriteArrayList<>();
  private MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        return switch (r.getUrl().encodedPath()) {
          case "/index.yaml" -> {
            String conditional = r.getHeaders().get("If-None-Match");
            indexRequests.add(conditional == null ? "-" : conditional);
            yield etag.equals(conditional) ? new MockResponse.Builder().code(304).build()
                : new MockResponse.Builder().code(200).addHeader("ETag", etag)
                    .body(new Buffer().write(index.getBytes(StandardCharsets.UTF_8))).build();
          }
          case "/app-1.0.0.tgz" -> ok(v1);
          case "/app-1.1.0.tgz" -> ok(v2);
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
  void eachRunRevalidatesTheIndexOnceAndSeesNewVersions() throws IOException {
    MemoryRepository target = new MemoryRepository("mem/charts/app");
    try (HelmRepository charts = HelmRepository.builder("http://127.0.0.1:" + server.getPort()).noProxy().build();
        Syncer syncer = Syncer.builder().build()) {
      // two mappings of the same repository in one run: still one index request
      List<Mapping> mappings = List.of(
          Mapping.builder().source(charts.repository("app")).target(target).tags(TagSelector.all()).build(),
          Mapping.builder().source(charts.repository("app")).target(target).tags("1.0.0").build());

      SyncReport first = syncer.run(mappings);
      assertThat(first.succeeded()).isTrue();
      assertThat(target.tags()).containsOnlyKeys("1.0.0");
      assertThat(indexRequests).containsExactly("-");

      index = index(TestCharts.indexEntry("app", "1.1.0", v2) + TestCharts.indexEntry("app", "1.0.0", v1));
      etag = "\"two\"";
      SyncReport second = syncer.run(mappings);
      assertThat(second.succeeded()).isTrue();
      assertThat(target.tags()).containsOnlyKeys("1.0.0", "1.1.0");
      assertThat(indexRequests).containsExactly("-", "\"one\"");

      SyncReport third = syncer.run(mappings);
      assertThat(third.succeeded()).isTrue();
      assertThat(third.images()).allSatisfy(r -> assertThat(r.status()).isNotEqualTo(dev.ocync.ImageResult.Status.SYNCED));
      assertThat(indexRequests).containsExactly("-", "\"one\"", "\"two\"");
    }
  }

  private static MockResponse ok(byte[] body) {
    return new MockResponse.Builder().code(200).body(new Buffer().write(body)).build();
  }

  private static String index(String entries) {
    return "apiVersion: v1\nentries:\n  app:\n" + entries;
  }
}
