package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.CopyResult;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.oci.Platform;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** A registry on HTTPS with a certificate from a private CA. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class TlsIT {
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

  /** The TLS registry by URL (a loopback host alone would try HTTPS first too). */
  private Registry.Builder tlsRegistry() {
    return Registry.builder("https://" + tls.host());
  }

  @Test
  void trustsTheRegistryWithItsCaCertificate(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.multiArch(401, 2048);
    String repo = Checks.repository(info, "");
    String back = Checks.repository(info, "back");
    Seed.registry(image, plain, repo, "v1");

    try (Registry target = tlsRegistry().caCertificate(tls.caCertificate()).build();
        Syncer syncer = Syncer.builder().registry(target).build()) {
      CopyResult pushed = syncer.copy(plain.host() + "/" + repo + ":v1", "docker://" + tls.host() + "/" + repo + ":v1");
      assertThat(pushed.digest()).isEqualTo(image.manifest().digest());
      Checks.assertImageAt(tls, repo, "v1", image);

      CopyResult pulled = syncer.copy(tls.host() + "/" + repo + ":v1", plain.host() + "/" + back + ":v1");
      assertThat(pulled.digest()).isEqualTo(image.manifest().digest());
      Checks.assertImageAt(plain, back, "v1", image);
    }
  }

  @Test
  void refusesAnUntrustedCertificateAndWritesNothing(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(411, Platform.parse("linux/amd64"), 1, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, plain, repo, "v1");

    try (Registry target = tlsRegistry().build();
        Syncer syncer = Syncer.builder().registry(target).build()) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> syncer.copy(plain.host() + "/" + repo + ":v1", tls.host() + "/" + repo + ":v1"));
      assertThat(e).as("copy to a registry whose CA is not trusted").isNotNull();
      assertThat(e.getMessage()).contains(tls.host());
      assertThat(e.registry()).isEqualTo(tls.host());
      assertThat(e.getMessage()).containsAnyOf("TLS", "tls", "certificate", "Certificate", "SSL", "PKIX");
    }
    assertThat(tls.tags(repo)).isEmpty();
  }

  @Test
  void anUntrustedCertificateFailsAtOnceWithoutRetries(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(412, Platform.parse("linux/amd64"), 1, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, plain, repo, "v1");
    java.util.List<String> retries = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.ocync.SyncListener listener = new dev.ocync.SyncListener() {
      @Override
      public void retrying(String what, int attempt, java.time.Duration wait, IOException cause) {
        retries.add(what + ": " + cause.getMessage());
      }
    };
    try (Registry target = tlsRegistry().build();
        Syncer syncer = Syncer.builder().registry(target).listener(listener).build()) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
          () -> syncer.copy(plain.host() + "/" + repo + ":v1", tls.host() + "/" + repo + ":v1"));
      assertThat(e).as("copy to a registry whose CA is not trusted").isNotNull();
      assertThat(e.getMessage()).containsAnyOf("certificate", "PKIX");
    }
    assertThat(retries).as("a certificate failure is never transient").isEmpty();
  }

  @Test
  void refusesAnUntrustedCertificateOnRead(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(421, Platform.parse("linux/amd64"), 1, 512);
    String repo = Checks.repository(info, "");
    Seed.registry(image, tls, repo, "v1");

    try (Registry source = tlsRegistry().build()) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> source.repository(repo).resolve("v1"));
      assertThat(e).isNotNull();
      assertThat(e.registry()).isEqualTo(tls.host());
      assertThat(e.getMessage()).containsAnyOf("TLS", "tls", "certificate", "Certificate", "SSL", "PKIX");
    }
  }

  @Test
  void insecureSkipVerifyTalksToItAnyway(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(431, Platform.parse("linux/amd64"), 2, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, plain, repo, "v1");

    try (Registry target = tlsRegistry().insecureSkipVerify(true).build();
        Syncer syncer = Syncer.builder().registry(target).build()) {
      CopyResult r = syncer.copy(plain.host() + "/" + repo + ":v1",
          tls.host() + "/" + repo + ":v1");
      assertThat(r.digest()).isEqualTo(image.manifest().digest());
    }
    Checks.assertImageAt(tls, repo, "v1", image);
    assertThat(tls.requestsSoFar()).anyMatch(r -> r.method().equals("PUT") && r.path().equals(
        "/v2/" + repo + "/manifests/v1") && r.status() == 201);
  }

  @Test
  void repositoryApiWithTheCa(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(441, Platform.parse("linux/amd64"), 1, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, tls, repo, "v1");
    try (Registry source = tlsRegistry().caCertificate(tls.caCertificate()).build();
        Registry target = Registry.of(plain.host());
        Syncer syncer = Syncer.builder().build()) {
      assertThat(source.repository(repo).listTags()).containsExactly("v1");
      CopyResult r = syncer.copy(source.repository(repo), "v1", target.repository(repo), Optional.of("v2"));
      assertThat(r.digest()).isEqualTo(image.manifest().digest());
    }
    Checks.assertImageAt(plain, repo, "v2", image);
  }

  // issue 5 item 18: a loopback registry named without a scheme (an SSH tunnel, a port-forward) is
  // tried over HTTPS first, with a configured CA; plain HTTP only when the server answered in plain
  // HTTP, never after a certificate error

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
