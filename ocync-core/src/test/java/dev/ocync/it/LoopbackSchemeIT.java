package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 item 18: a loopback registry named without a scheme (an SSH tunnel, a port-forward) is
 * tried over HTTPS first, with a configured CA; plain HTTP only when the server answered in plain
 * HTTP, never after a certificate error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class LoopbackSchemeIT {
  private RegistryServer plain;
  private RegistryServer tls;

  @BeforeAll
  void start() throws IOException {
    plain = RegistryServer.plain();
    tls = RegistryServer.tls();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(plain, tls);
  }

  @Test
  void aTlsRegistryOnLoopbackIsReachedOverHttpsWithItsCa(TestInfo info) throws IOException {
    String repo = Checks.repository(info, "");
    TestImages.Image image = TestImages.multiArch(181, 512);
    try (Registry r = Registry.builder(tls.host()).caCertificate(tls.caCertificate()).build()) {
      image.pushTo(r.repository(repo), java.util.Optional.of("v1"));
      assertThat(r.repository(repo).listTags()).containsExactly("v1");
      assertThat(r.baseUri()).hasToString("https://" + tls.host());
    }
    assertThat(tls.tags(repo)).containsExactly("v1");
  }

  @Test
  void aCertificateErrorIsNeverAReasonForPlainHttp(TestInfo info) throws IOException {
    String repo = Checks.repository(info, "");
    try (Registry r = Registry.builder(tls.host()).build()) {
      assertThatThrownBy(() -> r.repository(repo).listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
              .contains("GET https://" + tls.host()).contains("certificate is not trusted"));
      assertThat(r.baseUri().getScheme()).isEqualTo("https");
    }
  }

  @Test
  void aPlainHttpRegistryOnLoopbackIsReachedAfterItsPlainAnswer(TestInfo info) throws IOException {
    String repo = Checks.repository(info, "");
    TestImages.Image image = TestImages.multiArch(182, 512);
    try (Registry r = Registry.builder(plain.host()).build()) {
      image.pushTo(r.repository(repo), java.util.Optional.of("v1"));
      assertThat(r.repository(repo).listTags()).containsExactly("v1");
      assertThat(r.baseUri()).hasToString("http://" + plain.host());
    }
  }

  @Test
  void anExplicitSchemeIsObeyed() throws IOException {
    try (Registry r = Registry.builder("http://" + tls.host()).build()) {
      // plain HTTP to a TLS port: distribution answers 400, which is no registry answer
      assertThatThrownBy(() -> r.repository("x").listTags()).isInstanceOf(RegistryException.class);
      assertThat(r.baseUri().getScheme()).isEqualTo("http");
    }
    try (Registry r = Registry.builder("https://" + plain.host()).build()) {
      assertThatThrownBy(() -> r.repository("x").listTags())
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage()).contains("GET https://"));
    }
  }
}
