package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10: an endpoint built to reach public addresses only (the chart proxy's repositories)
 * checks the addresses a host resolves to when it connects, so a redirect from an allowed host to
 * an inside address, or a name that now resolves inward, is refused there. The "public" host is a
 * pinned name (a resolver override), since every server in tests is on loopback.
 */
@Timeout(60)
class AddressGuardTest {
  private MockWebServer outside;
  private MockWebServer inside;

  @BeforeEach
  void start() throws IOException {
    outside = new MockWebServer();
    inside = new MockWebServer();
    outside.start(InetAddress.getByName("127.0.0.1"), 0);
    inside.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() throws IOException {
    outside.close();
    inside.close();
  }

  private FileClient client(boolean refuseNonPublic) throws IOException {
    HttpOptions o = new HttpOptions("ocync-test");
    o.noProxy();
    o.refuseNonPublic(refuseNonPublic);
    o.pin("charts.public.test", List.of(InetAddress.getByName("127.0.0.1")));
    HttpSettings s = o.settings(HttpSettings.Scheme.HTTP, 4096, 10, 1000, 4);
    return new FileClient(URI.create("http://charts.public.test:" + outside.getPort() + "/stable"),
        CredentialProvider.anonymous(), false, s);
  }

  private byte[] get(FileClient c) throws IOException {
    return c.get(URI.create("http://charts.public.test:" + outside.getPort() + "/stable/index.yaml"), Map.of(),
        1 << 20, true, "index.yaml", Context.of("charts.public.test")).body();
  }

  private void redirectTo(String host) {
    outside.enqueue(new MockResponse.Builder().code(302)
        .addHeader("Location", "http://" + host + ":" + inside.getPort() + "/secret").build());
    inside.enqueue(new MockResponse.Builder().code(200).body("inside").build());
  }

  @Test
  void aRedirectToALoopbackAddressIsRefusedAtConnect() throws IOException {
    redirectTo("127.0.0.1");
    try (FileClient c = client(true)) {
      assertThatThrownBy(() -> get(c)).isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
          .contains("GET http://127.0.0.1:" + inside.getPort() + "/secret")
          .contains("refusing to connect to 127.0.0.1: it resolves to the non-public address 127.0.0.1"));
    }
    assertThat(outside.getRequestCount()).isEqualTo(1);
    assertThat(inside.getRequestCount()).isZero();
  }

  @Test
  void aRedirectToANameResolvingInwardIsRefusedNamingHostAndAddress() throws IOException {
    // localhost stands for a public-looking name whose DNS answer now points inside
    redirectTo("localhost");
    try (FileClient c = client(true)) {
      assertThatThrownBy(() -> get(c)).isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
          .containsPattern("refusing to connect to localhost: it resolves to the non-public address (127\\.0\\.0\\.1|"
              + "0:0:0:0:0:0:0:1)"));
    }
    assertThat(inside.getRequestCount()).isZero();
  }

  @Test
  void withoutTheRuleTheSameRedirectIsFollowed() throws IOException {
    redirectTo("127.0.0.1");
    try (FileClient c = client(false)) {
      assertThat(new String(get(c), StandardCharsets.UTF_8)).isEqualTo("inside");
    }
    assertThat(inside.getRequestCount()).isEqualTo(1);
  }

  @Test
  void theEndpointsOwnHostIsCheckedToo() throws IOException {
    HttpOptions o = new HttpOptions("ocync-test");
    o.noProxy();
    o.refuseNonPublic(true);
    HttpSettings s = o.settings(HttpSettings.Scheme.HTTP, 4096, 10, 1000, 4);
    URI home = URI.create("http://127.0.0.1:" + outside.getPort() + "/stable");
    outside.enqueue(new MockResponse.Builder().code(200).body("index").build());
    try (FileClient c = new FileClient(home, CredentialProvider.anonymous(), false, s)) {
      assertThatThrownBy(() -> c.get(home.resolve("/stable/index.yaml"), Map.of(), 1 << 20, true, "index.yaml",
          Context.of("127.0.0.1"))).hasMessageContaining("refusing to connect to 127.0.0.1");
    }
    assertThat(outside.getRequestCount()).isZero();
  }

  @Test
  void pinnedNamesAreTrustedOtherNonPublicAddressesAreNot() throws IOException {
    RegistryClient.GuardedDns dns = new RegistryClient.GuardedDns("charts.public.test", false,
        new HttpSettings.AddressRules(true, Map.of("pinned.test", List.of(InetAddress.getByName("10.0.0.1")))),
        java.util.Set.of("proxy.corp"));
    assertThat(dns.resolve("pinned.test")[0].getHostAddress()).isEqualTo("10.0.0.1");
    assertThatThrownBy(() -> dns.resolve("10.1.2.3")).isInstanceOf(RegistryClient.NonPublicRefused.class);
    assertThatThrownBy(() -> dns.resolve("169.254.169.254")).isInstanceOf(RegistryClient.NonPublicRefused.class);
    assertThat(dns.resolve("8.8.8.8")).hasSize(1);
  }
}
