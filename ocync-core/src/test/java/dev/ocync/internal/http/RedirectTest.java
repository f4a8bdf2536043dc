package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where redirects may lead and what they carry. */
@Timeout(30)
class RedirectTest {
  private static final String PASSWORD = "pa55-REDIRECT-secret";
  private FakeRegistry fake;
  private Registry registry;
  private MockWebServer other;
  private final List<RecordedRequest> otherRequests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    fake = FakeRegistry.start().requireBasic("bot", PASSWORD);
    registry = fake.registry().credentials(CredentialProvider.basic(fake.host(), "bot", PASSWORD)).build();
    other = new MockWebServer();
    other.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        otherRequests.add(request);
        // send the client back to the registry, to the blob it asked for
        return new MockResponse.Builder().code(302)
            .addHeader("Location", "http://" + fake.host() + request.getUrl().encodedPath().substring("/away".length()))
            .build();
      }
    });
    other.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
    other.close();
    fake.close();
  }

  @Test
  void redirectToAnotherSchemeIsRefusedWithoutTheQuery() {
    for (String location : List.of("ftp://example.invalid/blob?X-Signature=SIG-123", "file:///etc/passwd?sig=SIG-123",
        "http:///no-host?sig=SIG-123")) {
      fake.inject(q -> q.getTarget().contains("/tags/list"),
          new MockResponse.Builder().code(302).addHeader("Location", location).build(), true);
      assertThatThrownBy(() -> registry.repository("app").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("not an http(s) URL").contains(location.substring(0, location.indexOf('?')))
              .doesNotContain("SIG-123"));
    }
  }

  @Test
  void authorizationIsDroppedWhileAwayFromTheRegistry() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(1, 5000));
    fake.putBlob("app", blob.bytes());
    String path = "/v2/app/blobs/" + blob.descriptor().digest();
    // registry -> other port (relative to nothing: absolute) -> back to the registry's own path
    fake.inject(q -> q.getMethod().equals("GET") && q.getTarget().equals(path),
        new MockResponse.Builder().code(307).addHeader("Location", "http://127.0.0.1:" + other.getPort() + "/away"
            + path).build(), true);
    try (InputStream in = registry.repository("app").openBlob(blob.descriptor())) {
      assertThat(in.readAllBytes()).isEqualTo(blob.bytes());
    }
    assertThat(otherRequests).hasSize(1);
    assertThat(otherRequests.get(0).getHeaders().get("Authorization")).isNull();
    // back at the registry's own scheme, host and port its own credentials are sent again, as curl and Go do
    List<RecordedRequest> gets = fake.requests("GET", path);
    assertThat(gets).hasSize(2);
    assertThat(gets.get(1).getHeaders().get("Authorization")).startsWith("Basic ");
  }

  @Test
  void headFollowsA303AsHeadAndRelativeLocationsResolveAgainstTheRegistry() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(2, 100));
    fake.putBlob("app", blob.bytes());
    fake.inject(q -> q.getMethod().equals("HEAD") && q.getTarget().contains("/blobs/"),
        new MockResponse.Builder().code(303).addHeader("Location", "../blobs/./" + blob.descriptor().digest()
            + "?moved=1").build(), true);
    Repository repo = registry.repository("app");
    assertThat(repo.hasBlob(blob.descriptor())).isTrue();
    List<RecordedRequest> heads = fake.requests("HEAD", "/blobs/");
    assertThat(heads).hasSize(2);
    assertThat(heads.get(1).getTarget()).isEqualTo("/v2/app/blobs/" + blob.descriptor().digest() + "?moved=1");
    assertThat(heads.get(1).getHeaders().get("Authorization")).startsWith("Basic ");
  }

  @Test
  void aRedirectLoopIsBounded() {
    fake.inject(q -> q.getTarget().contains("/tags/list"),
        new MockResponse.Builder().code(302).addHeader("Location", "/v2/app/tags/list").build(), false);
    assertThatThrownBy(() -> registry.repository("app").listTags())
        .isInstanceOf(RegistryException.class).hasMessageContaining("redirects");
    assertThat(fake.requests("GET", "/tags/list")).hasSize(RegistryClient.MAX_REDIRECTS + 1);
  }
}
