package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.RetryPolicy;
import dev.ocync.oci.Digest;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryTest {
  private static RetryPolicy policy(Duration backoff) {
    return RetryPolicy.builder().attempts(3).initialBackoff(backoff).jitter(0).build();
  }

  private static final RegistryException.Context CTX = RegistryException.Context.of("127.0.0.1:5000");

  @Test
  void certificateLinkLocalAndProxyAuthFailuresAreNeverTransient() {
    javax.net.ssl.SSLHandshakeException pkix = new javax.net.ssl.SSLHandshakeException(
        "PKIX path building failed: unable to find valid certification path to requested target");
    assertThat(Retry.isTransient(new RegistryException("GET https://r/v2/: TLS handshake failed", CTX, pkix)))
        .isFalse();
    assertThat(Retry.isTransient(new RegistryException("host name", CTX,
        new javax.net.ssl.SSLPeerUnverifiedException("Certificate for <r> doesn't match")))).isFalse();
    assertThat(Retry.isTransient(new RegistryException("refused", CTX,
        new java.net.UnknownHostException("metadata.internal") {}))).isFalse();
    assertThat(Retry.isTransient(new RegistryException("proxy", CTX.status(407)))).isFalse();
    // a handshake the network cut off, and a name that did not resolve, may pass next time
    assertThat(Retry.isTransient(new RegistryException("cut", CTX,
        new javax.net.ssl.SSLHandshakeException("Remote host terminated the handshake")))).isTrue();
    assertThat(Retry.isTransient(new RegistryException("dns", CTX, new java.net.UnknownHostException("r"))))
        .isTrue();
  }

  @Test
  void classifiesFailures() {
    Digest d = Digest.sha256(new byte[0]);
    assertThat(Retry.isTransient(new RegistryException("busy", CTX.status(503)))).isTrue();
    assertThat(Retry.isTransient(new RegistryException("slow down", CTX.status(429)))).isTrue();
    assertThat(Retry.isTransient(new SocketException("Connection reset"))).isTrue();
    assertThat(Retry.isTransient(new SocketTimeoutException("Read timed out"))).isTrue();
    assertThat(Retry.isTransient(new RegistryException("reset", CTX, new SocketException("Connection reset"))))
        .isTrue();
    assertThat(Retry.isTransient(new RegistryException("unknown", CTX.status(404)))).isFalse();
    assertThat(Retry.isTransient(new RegistryException("bad request", CTX.status(400)))).isFalse();
    assertThat(Retry.isTransient(new NotFoundException("blob unknown", CTX.status(404)))).isFalse();
    assertThat(Retry.isTransient(new AuthenticationException("denied", CTX.status(401)))).isFalse();
    assertThat(Retry.isTransient(new DigestMismatchException("bad", CTX, d, d))).isFalse();
    assertThat(Retry.isTransient(new InterruptedIOException("interrupted"))).isFalse();
    assertThat(Retry.isTransient(new java.nio.file.AccessDeniedException("/srv/mirror/blobs"))).isFalse();
    assertThat(Retry.isTransient(new RegistryException("cannot write", CTX,
        new java.nio.file.FileSystemException("/srv/file/dir", null, "Not a directory")))).isFalse();
  }

  @Test
  void retriesTransientFailuresWithBackoffUpToTheLimit() {
    AtomicInteger calls = new AtomicInteger();
    Retry retry = new Retry(policy(Duration.ofMillis(1)), d -> {});
    assertThatThrownBy(() -> retry.run("test", () -> {
      calls.incrementAndGet();
      throw new RegistryException("busy", CTX.status(503));
    })).isInstanceOf(RegistryException.class).hasMessageContaining("busy");
    assertThat(calls).hasValue(3);
  }

  @Test
  void returnsOnceAnAttemptSucceeds() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    String r = new Retry(policy(Duration.ofMillis(1)), d -> {}).run("test", () -> {
      if (calls.incrementAndGet() < 3) {
        throw new SocketException("Connection reset");
      }
      return "ok";
    });
    assertThat(r).isEqualTo("ok");
    assertThat(calls).hasValue(3);
  }

  @Test
  void doesNotRetryPermanentFailures() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> new Retry(policy(Duration.ofMillis(1)), d -> {}).run("test", () -> {
      calls.incrementAndGet();
      throw new NotFoundException("blob unknown", CTX.status(404));
    })).isInstanceOf(NotFoundException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void waitsWhatTheRegistryAsksForWhenItIsLongerThanTheBackoff() throws IOException {
    java.util.List<Duration> waits = new java.util.ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Retry retry = new Retry(policy(Duration.ofMillis(250)), waits::add);
    String r = retry.run("test", () -> {
      int n = calls.incrementAndGet();
      if (n == 1) {
        throw new RegistryException("slow down", CTX.status(429).retryAfter(Duration.ofSeconds(7)));
      }
      if (n == 2) {
        throw new RegistryException("busy", CTX.status(503).retryAfter(Duration.ZERO));
      }
      return "ok";
    });
    assertThat(r).isEqualTo("ok");
    // the registry's 7 s wins over 250 ms; a Retry-After of 0 does not shorten the 500 ms backoff
    assertThat(waits).containsExactly(Duration.ofSeconds(7), Duration.ofMillis(500));
  }

  @Test
  void aRetryAfterBeyondTheCapFailsNowInsteadOfHanging() {
    java.util.List<Duration> waits = new java.util.ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Retry retry = new Retry(policy(Duration.ofMillis(1)), waits::add);
    assertThatThrownBy(() -> retry.run("test", () -> {
      calls.incrementAndGet();
      throw new RegistryException("pull rate limit reached", CTX.status(429).retryAfter(Duration.ofHours(6)));
    })).isInstanceOf(RegistryException.class).hasMessageContaining("retry after 21600 s");
    assertThat(calls).hasValue(1);
    assertThat(waits).isEmpty();
  }
}
