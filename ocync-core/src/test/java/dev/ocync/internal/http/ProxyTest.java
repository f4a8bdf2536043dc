package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.oci.Platform;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 5 item 19: requests through an HTTP proxy, and which hosts bypass it. */
@Timeout(60)
class ProxyTest {
  @TempDir
  Path tmp;

  @Test
  void plainHttpRegistryIsReachedThroughAForwardProxy() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start(); TestProxy proxy = new TestProxy(Optional.empty())) {
      fake.putImage("app", TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 100), Optional.of("v1"));
      String registry = "registry.test:" + fake.server().getPort();
      try (Registry r = Registry.builder("http://" + registry)
          .proxy("http://127.0.0.1:" + proxy.port(), "").build()) {
        assertThat(r.repository("app").listTags()).containsExactly("v1");
      }
      assertThat(proxy.seen()).extracting(TestProxy.Seen::requestLine)
          .contains("GET http://" + registry + "/v2/ HTTP/1.1");
    }
  }

  @Test
  void httpsRegistryIsReachedThroughAConnectTunnelWithProxyCredentials() throws Exception {
    String proxyPassword = "proxy-PASS-0042";
    String expected = "Basic " + Base64.getEncoder().encodeToString(("carol:" + proxyPassword)
        .getBytes(StandardCharsets.UTF_8));
    SSLContext tls = serverTls("DNS:registry.test");
    try (FakeRegistry fake = FakeRegistry.start(); TestProxy proxy = new TestProxy(Optional.of(expected));
        MockWebServer https = new MockWebServer()) {
      https.useHttps(tls.getSocketFactory());
      https.setDispatcher(fake);
      https.start(InetAddress.getByName("127.0.0.1"), 0);
      fake.putImage("app", TestImages.ociImage(2, Platform.parse("linux/amd64"), 1, 100), Optional.of("v2"));
      String registry = "registry.test:" + https.getPort();
      try (Registry r = Registry.builder("https://" + registry).caCertificate(tmp.resolve("cert.pem"))
          .proxy("http://carol:" + proxyPassword + "@127.0.0.1:" + proxy.port(), "").build()) {
        assertThat(r.repository("app").listTags()).containsExactly("v2");
        assertThat(r.toString()).doesNotContain(proxyPassword);
      }
      assertThat(proxy.seen()).extracting(TestProxy.Seen::requestLine)
          .contains("CONNECT " + registry + " HTTP/1.1");
      assertThat(proxy.seen()).extracting(TestProxy.Seen::proxyAuthorization).contains(Optional.of(expected));
    }
  }

  @Test
  void refusedTunnelNamesTheProxyNotItsCredentials() throws IOException {
    try (TestProxy proxy = new TestProxy(Optional.of("Basic never-matches"));
        Registry r = Registry.builder("https://registry.test:5000")
            .proxy("http://dave:proxy-SECRET-7@127.0.0.1:" + proxy.port(), "").build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("via proxy http://127.0.0.1:" + proxy.port())
              .doesNotContain("proxy-SECRET-7").doesNotContain("dave"));
    }
  }

  @Test
  void noProxyHostsGoDirect() throws IOException {
    try (FakeRegistry fake = FakeRegistry.start(); TestProxy proxy = new TestProxy(Optional.empty())) {
      fake.putImage("app", TestImages.ociImage(3, Platform.parse("linux/amd64"), 1, 100), Optional.of("v3"));
      // a loopback registry is never proxied, whatever the settings say
      try (Registry r = fake.registry().proxy("http://127.0.0.1:" + proxy.port(), "").build()) {
        assertThat(r.repository("app").listTags()).containsExactly("v3");
      }
      assertThat(proxy.seen()).isEmpty();
    }
  }

  @ParameterizedTest(name = "NO_PROXY={0}: {1}:{2} -> {3}")
  @CsvSource(delimiter = '|', value = {
      "''                     | ghcr.io           | 443  | proxy",
      "*                      | ghcr.io           | 443  | direct",
      "ghcr.io                | ghcr.io           | 443  | direct",
      "ghcr.io                | pkg.ghcr.io       | 443  | direct",
      "ghcr.io                | notghcr.io        | 443  | proxy",
      ".example.com           | example.com       | 443  | proxy",
      ".example.com           | a.example.com     | 443  | direct",
      "*.example.com          | a.b.example.com   | 443  | direct",
      "registry.lan:5000      | registry.lan      | 5000 | direct",
      "registry.lan:5000      | registry.lan      | 443  | proxy",
      "10.0.0.0/8             | 10.1.2.3          | 443  | direct",
      "10.0.0.0/8             | 11.1.2.3          | 443  | proxy",
      "10.0.0.0/8             | ten.example       | 443  | proxy",
      "fd00::/8               | [fd12::1]         | 443  | direct",
      "192.168.1.7            | 192.168.1.7       | 443  | direct",
      "'a.com, b.com'         | b.com             | 443  | direct",
      "GHCR.IO                | ghcr.io           | 443  | direct",
      "ghcr.io                | localhost         | 443  | direct",
      "''                     | 127.0.0.1         | 443  | direct",
  })
  void noProxyRulesAsGoReadsThem(String noProxy, String host, int port, String expected) {
    ProxyRules rules = ProxyRules.fromEnvironment(
        Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "no_proxy", noProxy), new Properties());
    assertThat(rules.proxyFor("https", host, port).isPresent() ? "proxy" : "direct").isEqualTo(expected);
  }

  @Test
  void environmentAndJvmPropertiesAreRead() {
    ProxyRules lower = ProxyRules.fromEnvironment(Map.of("https_proxy", "proxy.corp:3128"), new Properties());
    assertThat(lower.proxyFor("https", "ghcr.io", 443).map(ProxyRules::shown)).contains("http://proxy.corp:3128");
    assertThat(lower.proxyFor("http", "ghcr.io", 80)).isEmpty(); // HTTP_PROXY unset

    Properties jvm = new Properties();
    jvm.setProperty("https.proxyHost", "jvm-proxy.corp");
    jvm.setProperty("https.proxyPort", "8443");
    jvm.setProperty("http.nonProxyHosts", "*.internal|registry.lan");
    ProxyRules props = ProxyRules.fromEnvironment(Map.of("HTTPS_PROXY", "http://env-proxy:1"), jvm);
    assertThat(props.proxyFor("https", "ghcr.io", 443).map(ProxyRules::shown)).contains("http://jvm-proxy.corp:8443");
    assertThat(props.proxyFor("https", "a.internal", 443)).isEmpty();
    assertThat(props.proxyFor("https", "registry.lan", 443)).isEmpty();

    assertThat(ProxyRules.fromEnvironment(Map.of(), new Properties()).isDirect()).isTrue();
    assertThatThrownBy(() -> ProxyRules.fromEnvironment(Map.of("HTTPS_PROXY", "socks5://u:SECRET@p:1080"),
        new Properties()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HTTPS_PROXY uses scheme socks5").hasMessageNotContaining("SECRET");
  }

  private SSLContext serverTls(String subjectAltName) throws Exception {
    return TestTls.server(tmp, subjectAltName, Optional.empty());
  }
}
