package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 5 items 6, 8, 10, 11 and 25 (404 text): what hostile or broken servers cannot do to ocync. */
@Timeout(60)
class HardeningTest {
  private static final String PASSWORD = "pa55-HARDENING-secret";
  private final List<MockWebServer> servers = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() throws IOException {
    for (MockWebServer s : servers) {
      s.close();
    }
  }

  private MockWebServer server(Function<RecordedRequest, MockResponse> answer) throws IOException {
    MockWebServer s = new MockWebServer();
    s.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.add(request);
        return answer.apply(request);
      }
    });
    s.start(InetAddress.getByName("127.0.0.1"), 0);
    servers.add(s);
    return s;
  }

  private static String host(MockWebServer s) {
    return "127.0.0.1:" + s.getPort();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
  }

  private static String header(RecordedRequest r, String name) {
    String v = r.getHeaders().get(name);
    return v == null ? "" : v;
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- 6: secrets in server text

  @Test
  void errorBodyEchoingTheAuthorizationHeaderIsMasked() throws IOException {
    // a registry that answers every request with what it was sent, as a debugging proxy might
    MockWebServer s = server(r -> r.getTarget().equals("/v2/")
        ? new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"x\"").build()
        : json(500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"invalid credentials (got "
            + header(r, "Authorization") + ")\",\"detail\":\"password=" + PASSWORD + "\"}]}"));
    try (Registry r = Registry.builder("http://" + host(s))
        .credentials(CredentialProvider.basic(host(s), "alice", PASSWORD)).build()) {
      assertThatThrownBy(() -> r.repository("app").fetchManifest("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.getMessage()).contains("invalid credentials (got Basic ****)")
                .contains("password=****")
                .doesNotContain(PASSWORD).doesNotContain(basic("alice", PASSWORD));
          });
    }
  }

  @Test
  void tokenServiceEchoingTheSecretsIsMaskedToo() throws IOException {
    String identityToken = "refresh-TOKEN-0123456789";
    MockWebServer[] self = new MockWebServer[1];
    self[0] = server(r -> {
      if (r.getTarget().startsWith("/token")) {
        // echoes the whole request: the form with the refresh token, and the header
        String form = r.getBody() == null ? "" : r.getBody().utf8();
        return json(400, "{\"error\":\"bad request: " + form + " " + header(r, "Authorization") + "\"}");
      }
      return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate",
          "Bearer realm=\"http://" + host(self[0]) + "/token\",service=\"svc\"").build();
    });
    try (Registry r = Registry.builder("http://" + host(self[0]))
        .credentials(CredentialProvider.forRegistry(host(self[0]), Credentials.identityToken("bob", identityToken))).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("the token service at " + host(self[0]))
              .doesNotContain(identityToken).doesNotContain(basic("bob", identityToken)));
    }
  }

  @Test
  void longServerTextIsTruncatedAfterMasking() throws IOException {
    MockWebServer s = server(r -> new MockResponse.Builder().code(500).body("x".repeat(5000)).build());
    try (Registry r = Registry.builder("http://" + host(s)).build()) {
      assertThatThrownBy(() -> r.repository("app").fetchManifest("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e ->
              assertThat(e.getMessage()).contains("x".repeat(300) + "...").doesNotContain("x".repeat(301)));
    }
  }

  // ---------------------------------------------------------------- 8: redirects

  @Test
  void redirectsAndUploadLocationsToLinkLocalAddressesAreRefused() throws IOException {
    MockWebServer s = server(r -> {
      if (r.getTarget().contains("/blobs/uploads/")) {
        return new MockResponse.Builder().code(202)
            .addHeader("Location", "http://169.254.169.254/latest/meta-data/iam").build();
      }
      if (r.getTarget().contains("/blobs/")) {
        return new MockResponse.Builder().code(307)
            .addHeader("Location", "http://[fe80::1]/latest/meta-data/").build();
      }
      return new MockResponse.Builder().code(200).build();
    });
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(3, 100));
    try (Registry r = Registry.builder("http://" + host(s)).build()) {
      assertThatThrownBy(() -> r.repository("app").openBlob(blob.descriptor()).close())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("link-local address [fe80::1]").contains("refused"));
      assertThatThrownBy(() -> r.repository("app").pushBlob(blob.descriptor(),
          new ByteArrayInputStream(blob.bytes())))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("link-local address 169.254.169.254").contains("refused"));
    }
  }

  @Test
  void tokenRealmAtALinkLocalAddressIsRefused() throws IOException {
    MockWebServer s = server(r -> new MockResponse.Builder().code(401).addHeader("WWW-Authenticate",
        "Bearer realm=\"http://169.254.169.254/token\",service=\"svc\"").build());
    try (Registry r = Registry.builder("http://" + host(s)).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("token service at the link-local address 169.254.169.254").contains("refused"));
    }
  }

  @Test
  void namesResolvingToLinkLocalAddressesAreRefusedExceptTheRegistrysOwn() throws IOException {
    // literals resolve without a lookup; a name such as metadata.google.internal goes the same way
    RegistryClient.GuardedDns guarded = new RegistryClient.GuardedDns("registry.example", false);
    assertThatThrownBy(() -> guarded.resolve("169.254.169.254")).isInstanceOf(RegistryClient.LinkLocalRefused.class);
    assertThatThrownBy(() -> guarded.resolve("fe80::1")).isInstanceOf(RegistryClient.LinkLocalRefused.class);
    assertThat(guarded.resolve("127.0.0.1")).hasSize(1);
    assertThat(new RegistryClient.GuardedDns("169.254.1.2", false).resolve("169.254.1.2")).hasSize(1);
    assertThat(new RegistryClient.GuardedDns("registry.example", true).resolve("169.254.169.254")).hasSize(1);
  }

  @Test
  void aRedirectTargetsBodyIsNotEchoedButItsHostIsNamed() throws IOException {
    MockWebServer elsewhere = server(r -> json(500, "{\"errors\":[{\"code\":\"UNKNOWN\","
        + "\"message\":\"AccessKeyId=AKIA-METADATA-SECRET\"}]}"));
    MockWebServer s = server(r -> r.getTarget().contains("/blobs/")
        ? new MockResponse.Builder().code(302).addHeader("Location", "http://" + host(elsewhere) + "/x").build()
        : new MockResponse.Builder().code(200).build());
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(4, 100));
    try (Registry r = Registry.builder("http://" + host(s)).build()) {
      assertThatThrownBy(() -> r.repository("app").openBlob(blob.descriptor()).close())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains(host(elsewhere) + " (where the registry redirected to) answered HTTP 500")
              .doesNotContain("AKIA-METADATA-SECRET"));
    }
  }

  // ---------------------------------------------------------------- 10: deadlines

  @Test
  void aTrickledManifestEndsInABodyTimeout() throws IOException {
    MockWebServer s = server(r -> r.getTarget().equals("/v2/") ? new MockResponse.Builder().code(200).build()
        : new MockResponse.Builder().code(200)
            .addHeader("Content-Type", MediaType.OCI_MANIFEST)
            .body("{\"schemaVersion\":2," + " ".repeat(200) + "}")
            .throttleBody(1, 250, TimeUnit.MILLISECONDS).build());
    try (Registry r = Registry.builder("http://" + host(s)).bodyTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(() -> r.repository("app").fetchManifest("v1"))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.getMessage()).contains("fetching manifest v1 failed: the response body from " + host(s)
                + " did not arrive within 1 s (body timeout;");
            assertThat(e.getCause()).isInstanceOf(java.net.SocketTimeoutException.class);
          });
    }
  }

  @Test
  void aTrickledTokenEndsInABodyTimeout() throws IOException {
    MockWebServer[] self = new MockWebServer[1];
    self[0] = server(r -> r.getTarget().startsWith("/token")
        ? new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
            .body("{\"token\":\"abcdef\"" + " ".repeat(200) + "}").throttleBody(1, 250, TimeUnit.MILLISECONDS).build()
        : new MockResponse.Builder().code(401).addHeader("WWW-Authenticate",
            "Bearer realm=\"http://" + host(self[0]) + "/token\"").build());
    try (Registry r = Registry.builder("http://" + host(self[0])).bodyTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("reading the token from " + host(self[0]) + " failed: the response body from")
              .contains("did not arrive within 1 s"));
    }
  }

  @Test
  void defaultTimeoutsAreSecondsNotMinutes() {
    Registry.Builder b = Registry.builder("ghcr.io");
    try (Registry r = b.build()) {
      assertThat(r.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(r.readTimeout()).isEqualTo(Duration.ofSeconds(20));
      assertThat(r.bodyTimeout()).isEqualTo(Duration.ofSeconds(60));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- 11: endless lists

  @Test
  void endlessTagPagesStopAtTheCap() throws IOException {
    int[] page = {0};
    MockWebServer s = server(r -> {
      if (!r.getTarget().contains("/tags/list")) {
        return new MockResponse.Builder().code(200).build();
      }
      int n = ++page[0];
      return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
          .addHeader("Link", "</v2/app/tags/list?last=t" + n + "&n=2>; rel=\"next\"")
          .body("{\"name\":\"app\",\"tags\":[\"a" + n + "\",\"b" + n + "\"]}").build();
    });
    try (Registry r = Registry.builder("http://" + host(s)).maxTagPages(5).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("listing tags failed: the registry sent more than 5 pages (10 tags so far)"));
    }
    page[0] = 0;
    try (Registry r = Registry.builder("http://" + host(s)).maxTags(7).build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("listing tags failed: the registry listed more than 7 tags"));
    }
  }

  // ---------------------------------------------------------------- 25: 404 in words

  @Test
  void unknownTagIsSaidInWordsNotJson() throws IOException {
    MockWebServer s = server(r -> r.getTarget().equals("/v2/") ? new MockResponse.Builder().code(200).build()
        : json(404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\","
            + "\"detail\":{\"Tag\":\"v9.9\"}}]}"));
    try (Registry r = Registry.builder("http://" + host(s)).build()) {
      assertThatThrownBy(() -> r.repository("app").fetchManifest("v9.9"))
          .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage())
              .startsWith("fetching manifest v9.9 failed: manifest unknown: no tag v9.9 (")
              .doesNotContain("{"));
    }
  }

  @Test
  void proxyRulesNeverShowCredentials() {
    ProxyRules p = ProxyRules.of("http://proxyuser:proxy-PASS@127.0.0.1:3128", "");
    assertThat(p.toString()).doesNotContain("proxy-PASS").doesNotContain("proxyuser");
    assertThat(Optional.of(p.proxyFor("https", "ghcr.io", 443).orElseThrow()).map(ProxyRules::shown))
        .contains("http://127.0.0.1:3128");
  }
}
