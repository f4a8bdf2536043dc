package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.oci.Platform;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class TransportTest {
  @TempDir
  Path tmp;

  @Test
  void closedPortIsARegistryExceptionNamingTheRegistry() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    try (Registry r = Registry.builder("127.0.0.1:" + port).connectTimeout(Duration.ofSeconds(5)).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.registry()).isEqualTo("127.0.0.1:" + port);
            // loopback without a scheme tries HTTPS first; a refused connection is no reason to fall back
            assertThat(e.getMessage()).contains("cannot connect to 127.0.0.1:" + port).contains("GET https://");
          });
    }
  }

  @Test
  void unknownHostIsARegistryExceptionNamingTheHost() throws IOException {
    try (Registry r = Registry.builder("http://no-such-host.invalid:5000").build()) {
      assertThatThrownBy(() -> r.repository("app").resolve("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.registry()).isEqualTo("no-such-host.invalid:5000");
            assertThat(e.getMessage()).contains("cannot resolve host no-such-host.invalid");
          });
    }
  }

  @Test
  void readTimeoutIsARegistryException() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start();
        Registry r = fake.registry().readTimeout(Duration.ofMillis(300)).build()) {
      fake.inject(q -> q.getTarget().contains("/tags/list"),
          new MockResponse.Builder().code(200).body("{}").headersDelay(3, TimeUnit.SECONDS).build(), true);
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e ->
              assertThat(e.getMessage()).contains("timed out").contains(fake.host()));
    }
  }

  // ------------------------------------------------------------------ TLS

  private Path openssl(String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(args).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    return tmp;
  }

  /** A self-signed certificate for IP 127.0.0.1 (cert.pem, key.pem) and a PKCS#12 store with both. */
  private SSLContext serverTls() throws Exception {
    return serverTls(Optional.empty());
  }

  /** As above, trusting {@code clientCa} for client certificates. */
  private SSLContext serverTls(Optional<Path> clientCa) throws Exception {
    return serverTls(clientCa, "IP:127.0.0.1");
  }

  /** As above, the certificate naming {@code subjectAltName} (for example {@code DNS:other.example}). */
  private SSLContext serverTls(Optional<Path> clientCa, String subjectAltName) throws Exception {
    return TestTls.server(tmp, subjectAltName, clientCa);
  }

  @Test
  void tlsTrustsTheSystemPlusTheConfiguredCaOrNothingWhenSkipping() throws Exception {
    SSLContext serverCtx = serverTls();
    TestImages.Image img = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 100);
    try (FakeRegistry fake = FakeRegistry.start()) {
      // the fake's server restarted over HTTPS would lose its port; use a second server as a TLS proxy-less front
      MockWebServer https = new MockWebServer();
      https.useHttps(serverCtx.getSocketFactory());
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      try (https) {
        fake.putImage("app", img, Optional.of("v1"));
        String host = "https://127.0.0.1:" + https.getPort();

        try (Registry plain = Registry.builder(host).build()) {
          assertThatThrownBy(() -> plain.repository("app").resolve("v1"))
              .isInstanceOfSatisfying(RegistryException.class, e -> {
                assertThat(e.getMessage()).contains("TLS").contains("certificate is not trusted").doesNotContain("caCertificate");
                assertThat(e.registry()).isEqualTo("127.0.0.1:" + https.getPort());
              });
        }
        try (Registry trusted = Registry.builder(host).caCertificate(tmp.resolve("cert.pem")).build()) {
          assertThat(trusted.repository("app").resolve("v1")).get()
              .satisfies(d -> assertThat(d.digest()).isEqualTo(img.manifest().digest()));
          TestImages.Blob b = TestImages.blob("application/octet-stream", TestImages.randomBytes(3, 70_000));
          trusted.repository("app").pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
          assertThat(fake.blob("app", b.descriptor().digest())).hasValue(b.bytes());
        }
        try (Registry skipping = Registry.builder(host).insecureSkipVerify(true).build()) {
          assertThat(skipping.repository("app").listTags()).containsExactly("v1");
        }
      }
    }
  }

  @Test
  void trustedCaDoesNotSwitchOffHostnameVerification() throws Exception {
    // the CA file makes the certificate trusted, but it names another host: that must still fail
    SSLContext serverCtx = serverTls(Optional.empty(), "DNS:other.example");
    try (FakeRegistry fake = FakeRegistry.start()) {
      MockWebServer https = new MockWebServer();
      https.useHttps(serverCtx.getSocketFactory());
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      fake.putImage("app", TestImages.ociImage(3, Platform.parse("linux/amd64"), 1, 10), Optional.of("v1"));
      String host = "https://127.0.0.1:" + https.getPort();
      try (https; Registry trusted = Registry.builder(host).caCertificate(tmp.resolve("cert.pem")).build()) {
        assertThatThrownBy(() -> trusted.repository("app").listTags())
            .isInstanceOfSatisfying(RegistryException.class, e ->
                assertThat(e.getMessage()).contains("TLS").contains("127.0.0.1"));
        assertThat(fake.requests()).isEmpty();
        // skipping verification is what accepts it, and only for the registry that asks for it
        try (Registry skipping = Registry.builder(host).insecureSkipVerify(true).build()) {
          assertThat(skipping.repository("app").listTags()).containsExactly("v1");
        }
        assertThatThrownBy(() -> trusted.repository("app").listTags()).isInstanceOf(RegistryException.class);
      }
    }
  }

  @Test
  void credentialsNeverGoToAPlainHttpTokenServiceOfAnHttpsRegistry() throws Exception {
    SSLContext serverCtx = serverTls();
    String password = "s3cret-PLAIN-pw";
    try (FakeRegistry fake = FakeRegistry.start()) {
      MockWebServer https = new MockWebServer();
      https.useHttps(serverCtx.getSocketFactory());
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      // a token service on another host, over plain HTTP (.invalid: nothing could be sent there anyway)
      fake.inject(q -> !q.getTarget().startsWith("/token"), new MockResponse.Builder().code(401)
          .addHeader("WWW-Authenticate", "Bearer realm=\"http://auth.example.invalid/token\",service=\"r\"")
          .build(), false);
      try (https; Registry r = Registry.builder("https://127.0.0.1:" + https.getPort())
          .caCertificate(tmp.resolve("cert.pem"))
          .credentials(dev.ocync.auth.CredentialProvider.basic("127.0.0.1:" + https.getPort(), "bot", password))
          .build()) {
        assertThatThrownBy(() -> r.repository("app").listTags())
            .isInstanceOfSatisfying(dev.ocync.spi.AuthenticationException.class, e -> assertThat(e.getMessage())
                .contains("plain HTTP").contains("auth.example.invalid").doesNotContain(password));
      }
    }
    // a loopback token service may be plain HTTP: the bytes do not leave the machine
    try (FakeRegistry fake = FakeRegistry.start()) {
      MockWebServer https = new MockWebServer();
      https.useHttps(serverCtx.getSocketFactory());
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      fake.requireBearer("bot", password); // realm http://127.0.0.1:<fake port>/token
      fake.putImage("app", TestImages.ociImage(4, Platform.parse("linux/amd64"), 1, 10), Optional.of("v1"));
      try (https; Registry r = Registry.builder("https://127.0.0.1:" + https.getPort())
          .caCertificate(tmp.resolve("cert.pem"))
          .credentials(dev.ocync.auth.CredentialProvider.basic("127.0.0.1:" + https.getPort(), "bot", password))
          .build()) {
        assertThat(r.repository("app").listTags()).containsExactly("v1");
        assertThat(fake.tokenRequests()).isNotEmpty()
            .allSatisfy(t -> assertThat(t.getHeaders().get("Authorization")).startsWith("Basic "));
      }
    }
  }

  @Test
  void badPemFilesFailAtBuildNamingTheFile() throws Exception {
    Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate");
    assertThatThrownBy(() -> Registry.builder("registry.example.com").caCertificate(garbage).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(garbage.toString());
    Path missing = tmp.resolve("missing.pem");
    assertThatThrownBy(() -> Registry.builder("registry.example.com").caCertificate(missing).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());

    openssl("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "client-key.pem", "-out",
        "client.pem", "-days", "2", "-subj", "/CN=client");
    openssl("openssl", "rsa", "-in", "client-key.pem", "-out", "client-pkcs1.pem", "-traditional");
    Path pkcs1 = tmp.resolve("client-pkcs1.pem");
    assertThatThrownBy(() -> Registry.builder("registry.example.com")
        .clientCertificate(tmp.resolve("client.pem"), pkcs1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(pkcs1.toString())
        .hasMessageContaining("PKCS#8");
    // a PKCS#8 RSA key and an EC key load
    Registry.builder("registry.example.com").clientCertificate(tmp.resolve("client.pem"),
        tmp.resolve("client-key.pem")).build().close();
    openssl("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ec-key.pem", "-out", "ec.pem", "-days", "2", "-subj", "/CN=ec");
    assertThat(TlsSupport.privateKey(tmp.resolve("ec-key.pem")).getAlgorithm()).isEqualTo("EC");
    assertThat(TlsSupport.certificates(tmp.resolve("ec.pem"), "x")).hasSize(1);
    assertThat(List.of(tmp.resolve("ec-key.pem"))).allSatisfy(p -> assertThat(p).exists());
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() throws Exception {
    openssl("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "client-key.pem", "-out",
        "client.pem", "-days", "2", "-subj", "/CN=ocync-client");
    SSLContext serverCtx = serverTls(Optional.of(tmp.resolve("client.pem")));
    try (FakeRegistry fake = FakeRegistry.start()) {
      MockWebServer https = new MockWebServer();
      https.useHttps(serverCtx.getSocketFactory());
      https.requireClientAuth();
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      try (https; Registry r = Registry.builder("https://127.0.0.1:" + https.getPort())
          .caCertificate(tmp.resolve("cert.pem"))
          .clientCertificate(tmp.resolve("client.pem"), tmp.resolve("client-key.pem")).build()) {
        fake.putImage("app", TestImages.ociImage(2, Platform.parse("linux/amd64"), 1, 10), Optional.of("v1"));
        assertThat(r.repository("app").listTags()).containsExactly("v1");
        var handshake = fake.requests().get(0).getHandshake();
        assertThat(handshake).isNotNull();
        assertThat(handshake.peerPrincipal()).isNotNull();
        assertThat(handshake.peerPrincipal().getName()).contains("ocync-client");
      }
    }
  }
}
