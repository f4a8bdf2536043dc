package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.OciServer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Platform;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server's bounds: endpoint opens at once, idle connections, and a graceful stop. */
class ServerLimitsTest {
  private final Image image = TestImages.ociImage(7, Platform.parse("linux/amd64"), 1, 50_000);
  private final CountDownLatch opened = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** A repository whose blob reads wait until the test releases them. */
  private final MemoryRepository slow = new MemoryRepository("mem:slow") {
    @Override
    public InputStream openBlob(Descriptor blob) throws IOException {
      InputStream in = super.openBlob(blob);
      opened.countDown();
      return new FilterInputStream(in) {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            if (!release.await(60, TimeUnit.SECONDS)) {
              throw new IOException("test never released the read");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
          return super.read(b, off, len);
        }
      };
    }
  };

  private ServeSettings settings(int maxOpens, Duration openWait, Duration idle) {
    return new ServeSettings("127.0.0.1", 0, Map.of("app", route()), Optional.empty(), Optional.empty(), maxOpens,
        openWait, 16, 8192, idle, Duration.ofSeconds(30), List.of());
  }

  private OciServer.Route route() {
    return name -> name.isEmpty() ? Optional.of(slow) : Optional.empty();
  }

  private String layerPath() {
    return "/v2/app/blobs/" + image.blobs().get(1).descriptor().digest();
  }

  @Test
  void beyondMaxConcurrentOpensARequestGets429WithRetryAfter() throws Exception {
    image.pushTo(slow, Optional.of("v1"));
    try (ServerRuntime server = ServerRuntime.start(settings(1, Duration.ofMillis(200), Duration.ofSeconds(30)))) {
      CompletableFuture<RawHttp.Reply> first = CompletableFuture.supplyAsync(() -> send(server.port(), layerPath()));
      assertThat(opened.await(30, TimeUnit.SECONDS)).isTrue();
      RawHttp.Reply second = RawHttp.send(server.port(), "GET", "/v2/app/manifests/v1", "Accept: */*");
      assertThat(second.status()).isEqualTo(429);
      assertThat(second.header("Retry-After")).contains("1");
      assertThat(second.text()).contains("TOOMANYREQUESTS");
      release.countDown();
      Blob layer = image.blobs().get(1);
      assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo(layer.bytes());
      assertThat(RawHttp.send(server.port(), "GET", "/v2/app/manifests/v1", "Accept: */*").status()).isEqualTo(200);
    }
  }

  @Test
  void closeLetsARequestInFlightFinish() throws Exception {
    image.pushTo(slow, Optional.of("v1"));
    ServerRuntime server = ServerRuntime.start(settings(4, Duration.ofSeconds(5), Duration.ofSeconds(30)));
    int port = server.port();
    CompletableFuture<RawHttp.Reply> inFlight = CompletableFuture.supplyAsync(() -> send(port, layerPath()));
    assertThat(opened.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
      try {
        server.close();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Thread.sleep(300); // let the stop begin while the blob is still being read
    release.countDown();
    RawHttp.Reply r = inFlight.get(30, TimeUnit.SECONDS);
    closing.get(30, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(image.blobs().get(1).bytes());
  }

  @Test
  void aClientThatStallsInItsHeadersIsDisconnected() throws Exception {
    try (ServerRuntime server = ServerRuntime.start(settings(4, Duration.ofSeconds(5), Duration.ofMillis(500)));
        Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /v2/ HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      int total = 0;
      int n;
      while ((n = in.read(buf)) >= 0 && total < 1 << 20) {
        total += n; // whatever Jetty says before it closes (a 408), then the end of the stream
      }
      assertThat(n).as("the server closed the stalled connection").isEqualTo(-1);
    }
  }

  private static RawHttp.Reply send(int port, String path) {
    try {
      return RawHttp.send(port, "GET", path);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
