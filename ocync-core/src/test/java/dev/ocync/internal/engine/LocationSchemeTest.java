package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.RetryPolicy;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.internal.http.Loopback;
import dev.ocync.testing.FakeRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The scheme written in a location decides how the copy talks to the registry. */
class LocationSchemeTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "image");
  private FakeRegistry registry;
  private Syncer syncer;
  private Copier copier;

  @BeforeEach
  void setUp() throws IOException {
    registry = FakeRegistry.start();
    syncer = Syncer.builder().build();
    copier = new Copier(EngineSettings.defaults().withRetry(RetryPolicy.builder().attempts(1).build()));
  }

  @AfterEach
  void tearDown() throws IOException {
    copier.close();
    syncer.close();
    registry.close();
  }

  @Test
  void httpPrefixCopiesOverPlainHttp() throws IOException {
    copier.copy("oci:" + EXAMPLE + ":1.0", "http://" + registry.host() + "/app:1.0");
    byte[] index = Files.readAllBytes(EXAMPLE.resolve("blobs/sha256/395d4f6dca578917d16711d2a6d4656f7c3cafdd9c5320ffc5d42bfb504bb040"));
    assertThat(registry.manifest("app", "1.0")).hasValueSatisfying(m -> assertThat(Digest.sha256(m))
        .isEqualTo(Digest.sha256(index)));
  }

  @Test
  void httpsPrefixForcesTlsEvenOnLoopback() throws Exception {
    // a loopback server answering in plain HTTP, as a port-forward to the wrong port would: it
    // records the first byte of each connection (0x16 opens a TLS handshake)
    List<Integer> firstBytes = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
      Thread t = new Thread(() -> {
        for (int i = 0; i < 16; i++) {
          try (Socket s = server.accept()) {
            firstBytes.add(s.getInputStream().read());
            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException closed) {
            return;
          }
        }
      });
      t.setDaemon(true);
      t.start();
      String target = "https://127.0.0.1:" + server.getLocalPort() + "/app:1.0";
      assertThatThrownBy(() -> copier.copy("oci:" + EXAMPLE + ":1.0", target)).isInstanceOf(IOException.class);
    }
    assertThat(firstBytes).isNotEmpty().containsOnly(0x16);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[::1]:5000/app", "[0:0:0:0:0:0:0:1]:5000/app", "[0000::0001]:5000/app", "LOCALHOST:5000/app"})
  void everySpellingOfLoopbackIsLoopback(String location) {
    // references normalize the host, so the registry's loopback rule (plain HTTP fallback, token
    // services without TLS) sees one spelling
    String host = Location.parse(location).reference().orElseThrow().registry();
    assertThat(host).isIn("[::1]:5000", "localhost:5000");
    assertThat(Loopback.isLoopback(host.substring(0, host.lastIndexOf(':')))).as(host).isTrue();
  }
}
