package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RegistryAuthTest {
  private static final String PASSWORD = "hunter2-SECRET-pw";
  private FakeRegistry fake;

  @BeforeEach
  void setUp() throws IOException {
    fake = FakeRegistry.start();
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  /** A clock the test moves forward. */
  private static final class TestClock extends Clock {
    private volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private Registry registry(CredentialProvider creds) {
    return fake.registry().credentials(creds).build();
  }

  private static TestImages.Image image(long seed) {
    return TestImages.ociImage(seed, Platform.parse("linux/amd64"), 1, 1000);
  }

  @Test
  void bearerTokenIsFetchedWithBasicCredentialsAndCachedPerScope() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    fake.putImage("app", image(1), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD))) {
      Repository repo = r.repository("app");
      for (int i = 0; i < 5; i++) {
        assertThat(repo.resolve("v1")).isPresent();
        repo.fetchManifest("v1");
      }
      List<RecordedRequest> tokens = fake.tokenRequests();
      assertThat(tokens).hasSize(1);
      RecordedRequest t = tokens.get(0);
      assertThat(t.getMethod()).isEqualTo("GET");
      assertThat(t.getUrl().queryParameter("service")).isEqualTo("fake-registry");
      assertThat(t.getUrl().queryParameterValues("scope")).containsExactly("repository:app:pull");
      assertThat(t.getHeaders().get("Authorization")).startsWith("Basic ");
      assertThat(fake.requests("GET", "/manifests/v1")).allSatisfy(m ->
          assertThat(m.getHeaders().get("Authorization")).isEqualTo("Bearer fake-token-1"));

      // a push needs pull,push: a second token
      TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(5, 100));
      repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
      assertThat(fake.tokenRequests()).hasSize(2);
      assertThat(fake.tokenRequests().get(1).getUrl().queryParameterValues("scope"))
          .containsExactly("repository:app:pull,push");
    }
  }

  @Test
  void tokenIsRefreshedShortlyBeforeItExpires() throws IOException {
    fake.requireBearer("bot", PASSWORD).tokenExpiresIn(60);
    fake.putImage("app", image(2), Optional.of("v1"));
    TestClock clock = new TestClock();
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD));
        RegistryClient client = TestClients.of(r, clock)) {
      Repository repo = client.repository("app");
      repo.resolve("v1");
      clock.advance(Duration.ofSeconds(45));
      repo.resolve("v1");
      assertThat(fake.tokenRequests()).hasSize(1); // still valid, outside the 10 s margin
      clock.advance(Duration.ofSeconds(6)); // 51 s: inside the margin
      repo.resolve("v1");
      assertThat(fake.tokenRequests()).hasSize(2);
    }
  }

  @Test
  void hugeExpiresInIsCappedAtADayAndZeroMeansTheDefaultMinute() throws IOException {
    // 10^17 s is beyond Instant.MAX: adding it to the issue time must not overflow
    fake.requireBearer("bot", PASSWORD).tokenExpiresIn(100_000_000_000_000_000L);
    fake.putImage("app", image(2), Optional.of("v1"));
    TestClock clock = new TestClock();
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD));
        RegistryClient client = TestClients.of(r, clock)) {
      Repository repo = client.repository("app");
      assertThat(repo.resolve("v1")).isPresent();
      clock.advance(Duration.ofHours(20));
      assertThat(repo.resolve("v1")).isPresent();
      assertThat(fake.tokenRequests()).hasSize(1);
      clock.advance(Duration.ofHours(5));
      assertThat(repo.resolve("v1")).isPresent();
      assertThat(fake.tokenRequests()).hasSize(2);
    }
    fake.tokenExpiresIn(0);
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD));
        RegistryClient client = TestClients.of(r, clock)) {
      Repository repo = client.repository("app");
      repo.resolve("v1");
      clock.advance(Duration.ofSeconds(45));
      repo.resolve("v1");
      assertThat(fake.tokenRequests()).hasSize(3);
      clock.advance(Duration.ofSeconds(10));
      repo.resolve("v1");
      assertThat(fake.tokenRequests()).hasSize(4);
    }
  }

  @Test
  void manyRepositoriesAtOnceGetOneTokenEachScopedToThemselves() throws Exception {
    fake.requireBearer("bot", PASSWORD);
    int repos = 6;
    for (int i = 0; i < repos; i++) {
      fake.putImage("team/app" + i, image(10 + i), Optional.of("v1"));
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(24);
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD))) {
      List<java.util.concurrent.Future<Optional<dev.ocync.oci.Descriptor>>> results = new java.util.ArrayList<>();
      for (int round = 0; round < 8; round++) {
        for (int i = 0; i < repos; i++) {
          Repository repo = r.repository("team/app" + i);
          results.add(pool.submit(() -> repo.resolve("v1")));
        }
      }
      for (int k = 0; k < results.size(); k++) {
        assertThat(results.get(k).get(20, java.util.concurrent.TimeUnit.SECONDS)).get()
            .satisfies(d -> assertThat(d.digest()).isNotNull());
      }
    } finally {
      pool.shutdownNow();
    }
    // concurrent requests for one repository waited for one token fetch; no token served two repositories
    assertThat(fake.tokenRequests()).hasSize(repos);
    assertThat(fake.tokenRequests()).allSatisfy(t ->
        assertThat(t.getUrl().queryParameterValues("scope")).hasSize(1).allSatisfy(s ->
            assertThat(s).matches("repository:team/app[0-9]:pull")));
  }

  @Test
  void rejectedCachedTokenIsReplacedOnceAndTheRequestRetried() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    fake.putImage("app", image(3), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD))) {
      Repository repo = r.repository("app");
      repo.resolve("v1");
      fake.revokeTokens();
      assertThat(repo.resolve("v1")).isPresent();
      assertThat(fake.tokenRequests()).hasSize(2);
    }
  }

  @Test
  void mountAsksForOneTokenWithPullOnTheSourceAndPushOnTheTarget() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(6, 1000));
    fake.putBlob("src/app", b.bytes());
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD))) {
      assertThat(r.repository("dst/app").mountBlob(b.descriptor(), r.repository("src/app"))).isTrue();
    }
    assertThat(fake.blob("dst/app", b.descriptor().digest())).hasValue(b.bytes());
    assertThat(fake.tokenRequests()).hasSize(1);
    assertThat(fake.tokenRequests().get(0).getUrl().queryParameterValues("scope"))
        .containsExactlyInAnyOrder("repository:dst/app:pull,push", "repository:src/app:pull");
  }

  @Test
  void insufficientScopeChallengeAddsTheChallengedScope() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(7, 1000));
    fake.putBlob("app", b.bytes());
    AtomicInteger calls = new AtomicInteger();
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD));
        RegistryClient client = TestClients.of(r)) {
      // a HEAD sent with the wrong scope set is challenged with insufficient_scope and retried once
      Repository repo = client.repository("app");
      client.authenticator().learn(Challenge.parse(List.of(
          "Bearer realm=\"http://" + fake.host() + "/token\",service=\"fake-registry\"")));
      RegistryClient.Call call = new RegistryClient.Call("HEAD",
          client.base(dev.ocync.spi.RegistryException.Context.of(fake.host())).resolve("/v2/app/blobs/" + b.descriptor().digest()),
          java.util.Set.of("repository:other:pull"), java.util.Map.of(), Optional.empty(),
          dev.ocync.spi.RegistryException.Context.of(fake.host()), "test");
      try (Response resp = client.send(call)) {
        calls.incrementAndGet();
        assertThat(resp.code()).isEqualTo(200);
      }
      assertThat(repo.location()).endsWith("/app");
    }
    assertThat(calls).hasValue(1);
    assertThat(fake.tokenRequests()).hasSize(2);
    assertThat(fake.tokenRequests().get(1).getUrl().queryParameterValues("scope"))
        .containsExactlyInAnyOrder("repository:other:pull", "repository:app:pull");
  }

  @Test
  void basicChallengeIsAnsweredWithBasicCredentials() throws IOException {
    fake.requireBasic("bot", PASSWORD);
    fake.putImage("app", image(8), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD))) {
      assertThat(r.repository("app").resolve("v1")).isPresent();
    }
    RecordedRequest head = fake.requests("HEAD", "/manifests/v1").get(0);
    assertThat(head.getHeaders().get("Authorization")).startsWith("Basic ");
    assertThat(fake.tokenRequests()).isEmpty();
  }

  @Test
  void staticBearerCredentialsAreSentAsTheyAre() throws IOException {
    fake.putImage("app", image(9), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.bearer(fake.host(), "static-token-123"))) {
      assertThat(r.repository("app").resolve("v1")).isPresent();
    }
    assertThat(fake.requests("HEAD", "/manifests/v1").get(0).getHeaders().get("Authorization"))
        .isEqualTo("Bearer static-token-123");
  }

  @Test
  void identityTokenIsExchangedWithAnOAuth2Post() throws IOException {
    fake.requireBearer("bot", PASSWORD).acceptIdentityToken("refresh-ME-123");
    fake.putImage("app", image(10), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.forRegistry(fake.host(),
        Credentials.identityToken("", "refresh-ME-123")))) {
      assertThat(r.repository("app").resolve("v1")).isPresent();
    }
    List<RecordedRequest> tokens = fake.tokenRequests();
    assertThat(tokens).hasSize(1);
    RecordedRequest post = tokens.get(0);
    assertThat(post.getMethod()).isEqualTo("POST");
    String form = post.getBody().utf8();
    assertThat(form).contains("grant_type=refresh_token", "refresh_token=refresh-ME-123", "client_id=ocync",
        "service=fake-registry", "scope=repository%3Aapp%3Apull");
  }

  @Test
  void identityTokenFallsBackToGetWhenPostIsNotSupported() throws IOException {
    fake.requireBearer("bot", PASSWORD).acceptIdentityToken("refresh-ME-123").tokenPostUnsupported(true);
    fake.putImage("app", image(11), Optional.of("v1"));
    try (Registry r = registry(CredentialProvider.forRegistry(fake.host(),
        Credentials.identityToken("", "refresh-ME-123")))) {
      assertThat(r.repository("app").resolve("v1")).isPresent();
    }
    assertThat(fake.tokenRequests()).extracting(RecordedRequest::getMethod).containsExactly("POST", "GET");
    assertThat(fake.tokenRequests().get(1).getHeaders().get("Authorization")).startsWith("Basic ");
  }

  @Test
  void wrongPasswordIsAnAuthenticationErrorWithoutTheSecret() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", "wrong-" + PASSWORD))) {
      assertThatThrownBy(() -> r.repository("app").resolve("v1"))
          .isInstanceOfSatisfying(AuthenticationException.class, e -> {
            assertThat(e.getMessage()).contains(fake.host()).contains("bot").contains("rejected");
            assertThat(e.getMessage()).doesNotContain(PASSWORD);
            assertThat(e.status()).hasValue(401);
          });
    }
    fake.requireBasic("bot", PASSWORD);
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", "wrong-" + PASSWORD))) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOfSatisfying(AuthenticationException.class, e -> {
            assertThat(e.getMessage()).contains(fake.host()).contains("rejected the credentials of user bot");
            assertThat(e.getMessage()).doesNotContain(PASSWORD).doesNotContain("Basic ");
            assertThat(e.errorCode()).contains("UNAUTHORIZED");
          });
    }
  }

  @Test
  void missingCredentialsSayWhatIsNeeded() throws IOException {
    fake.requireBasic("bot", PASSWORD);
    try (Registry r = fake.registry().build()) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("no credentials were found for " + fake.host());
    }
  }

  @Test
  void tokensThatWouldBreakTheHeaderAreRefusedNotSent() throws IOException {
    // a token service answering with CR LF in the token: sent as is, it would inject a header
    fake.requireAnonymousBearer();
    fake.inject(q -> q.getTarget().startsWith("/token"), new mockwebserver3.MockResponse.Builder().code(200)
        .addHeader("Content-Type", "application/json")
        .body("{\"token\":\"tok-INJECT\\r\\nX-Injected: 1\"}").build(), false);
    try (Registry r = registry(CredentialProvider.anonymous())) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOf(dev.ocync.spi.RegistryException.class)
          .hasMessageContaining("control characters").hasMessageNotContaining("tok-INJECT");
    }
    // a static bearer token read from a file with its trailing newline
    try (Registry r = registry(host -> Optional.of(Credentials.bearer("static-TOKEN\n")))) {
      assertThatThrownBy(() -> r.repository("app").listTags())
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("trailing newline").hasMessageNotContaining("static-TOKEN");
    }
    assertThat(fake.requests()).noneSatisfy(q -> {
      assertThat(q.getHeaders().get("X-Injected")).isNotNull();
    });
    assertThat(fake.requests()).allSatisfy(q ->
        assertThat(String.valueOf(q.getHeaders().get("Authorization"))).doesNotContain("INJECT", "static-TOKEN"));
  }

  @Test
  void tokensNeverAppearInExceptionsOrToString() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    try (Registry r = registry(CredentialProvider.basic(fake.host(), "bot", PASSWORD));
        RegistryClient client = TestClients.of(r)) {
      Repository repo = client.repository("app");
      // a server error after a successful token exchange
      fake.inject(q -> q.getTarget().contains("/manifests/v1"),
          FakeRegistry.error(500, "UNKNOWN", "internal failure"), false);
      assertThatThrownBy(() -> repo.fetchManifest("v1"))
          .satisfies(e -> {
            assertThat(e.getMessage()).doesNotContain("fake-token-").doesNotContain(PASSWORD);
            assertThat(e.toString()).doesNotContain("fake-token-");
          });
      assertThat(fake.tokenRequests()).isNotEmpty();
      assertThat(client.toString() + client.authenticator() + repo + r).doesNotContain("fake-token-")
          .doesNotContain(PASSWORD);
    }
  }

  @Test
  void credentialsAreLookedUpOnce() throws IOException {
    fake.requireBearer("bot", PASSWORD);
    fake.putImage("app", image(12), Optional.of("v1"));
    AtomicInteger lookups = new AtomicInteger();
    CredentialProvider counting = host -> {
      lookups.incrementAndGet();
      return Optional.of(Credentials.basic("bot", PASSWORD));
    };
    try (Registry r = registry(counting)) {
      r.repository("app").resolve("v1");
      r.repository("other").resolve("v1");
      r.repository("app").fetchManifest("v1");
    }
    assertThat(lookups).hasValue(1);
  }
}
