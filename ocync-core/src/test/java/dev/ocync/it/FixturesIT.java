package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Digest;
import dev.ocync.oci.Platform;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixtures the other integration tests stand on: a real registry that starts, authenticates,
 * speaks TLS, logs requests and goes away; skopeo that pushes and reads; a hand-written layout.
 */
class FixturesIT {

  @Test
  void plainRegistryStoresWhatSkopeoPushesAndLogsRequestsAndStopsOnClose() throws IOException {
    TestImages.Image image = TestImages.multiArch(11, 2048);
    Path dir;
    int port;
    java.util.List<ProcessHandle> registryProcesses;
    try (RegistryServer registry = RegistryServer.plain()) {
      port = registry.port();
      registryProcesses = ProcessHandle.current().descendants()
          .filter(h -> h.info().command().orElse("").endsWith("docker-registry")).toList();
      assertThat(registryProcesses).as("registry processes of this JVM").isNotEmpty();
      dir = registry.storageDirectory().getParent();
      assertThat(registry.host()).isEqualTo("127.0.0.1:" + port);
      assertThat(registry.get("/v2/").status()).isEqualTo(200);

      Seed.registry(image, registry, "fixtures/multi", "v1");

      byte[] stored = registry.manifest("fixtures/multi", "v1").orElseThrow();
      assertThat(stored).isEqualTo(image.manifest().bytes());
      assertThat(Skopeo.inspectRaw(registry, "fixtures/multi:v1")).isEqualTo(image.manifest().bytes());
      assertThat(Digest.sha256(Skopeo.inspectRaw(registry, "fixtures/multi@" + image.manifest().digest())))
          .isEqualTo(image.manifest().digest());
      for (TestImages.Blob b : image.allBlobs()) {
        assertThat(registry.blob("fixtures/multi", b.descriptor().digest().toString())).hasValue(b.bytes());
      }
      assertThat(registry.tags("fixtures/multi")).containsExactly("v1");
      assertThat(registry.tags("fixtures/absent")).isEmpty();
      assertThat(registry.manifest("fixtures/multi", "nope")).isEmpty();

      // skopeo pushed 2 child manifests and the index; the access log has every PUT
      List<RegistryServer.Request> log = registry.awaitRequests(1, Duration.ofSeconds(5));
      assertThat(log).isNotEmpty();
      assertThat(registry.requestCount(r -> r.method().equals("PUT") && r.path().contains("/manifests/")
          && r.status() == 201)).isEqualTo(3);
      assertThat(registry.requests()).anyMatch(r -> r.method().equals("GET") && r.path().equals("/v2/"));

      // requestsSoFar() waits for the log to catch up with requests answered before the call
      int before = registry.requestsSoFar().size();
      registry.get("/v2/fixtures/multi/tags/list");
      List<RegistryServer.Request> after = registry.requestsSoFar();
      assertThat(after).hasSize(before + 1);
      assertThat(after.get(after.size() - 1)).isEqualTo(
          new RegistryServer.Request("GET", "/v2/fixtures/multi/tags/list", 200));
    }
    assertThat(dir).doesNotExist();
    assertThat(registryProcesses).noneMatch(ProcessHandle::isAlive);
    assertThatThrownBy(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      }
    }).isInstanceOf(ConnectException.class);
  }

  @Test
  void dockerManifestListKeepsItsBytesThroughSkopeo() throws IOException {
    TestImages.Image list = TestImages.index(List.of(
        TestImages.dockerImage(21, Platform.parse("linux/amd64"), 1, 512),
        TestImages.dockerImage(22, Platform.parse("linux/arm/v7"), 1, 512)));
    try (RegistryServer registry = RegistryServer.plain()) {
      Seed.registry(list, registry, "fixtures/docker", "v2");
      assertThat(registry.manifest("fixtures/docker", "v2")).hasValue(list.manifest().bytes());
      assertThat(registry.get("/v2/fixtures/docker/manifests/v2", "Accept",
          "application/vnd.docker.distribution.manifest.list.v2+json")
          .header("Content-Type")).hasValue("application/vnd.docker.distribution.manifest.list.v2+json");
    }
  }

  @Test
  void htpasswdRegistryRefusesAnonymousAndAcceptsItsUser() throws IOException {
    try (RegistryServer registry = RegistryServer.htpasswd("tester", "s3cret-pass")) {
      HttpURLConnection anonymous = (HttpURLConnection) URI.create(registry.url() + "/v2/").toURL().openConnection();
      assertThat(anonymous.getResponseCode()).isEqualTo(401);
      assertThat(anonymous.getHeaderField("WWW-Authenticate")).startsWith("Basic");
      anonymous.disconnect();
      assertThat(registry.get("/v2/").status()).isEqualTo(200);

      TestImages.Image image = TestImages.ociImage(31, Platform.parse("linux/amd64"), 1, 256);
      Seed.registry(image, registry, "fixtures/auth", "v1");
      assertThat(registry.manifest("fixtures/auth", "v1")).hasValue(image.manifest().bytes());

      Skopeo.Result wrong = Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false", "--creds=tester:wrong",
          Skopeo.docker(registry, "fixtures/auth:v1")));
      assertThat(wrong.exitCode()).isNotZero();
      String htpasswd = Files.readString(registry.storageDirectory().resolveSibling("htpasswd"));
      assertThat(htpasswd).startsWith("tester:$2").doesNotContain("s3cret-pass");
    }
  }

  @Test
  void tlsRegistryServesACertificateForItsAddressSignedByItsCa() throws IOException {
    try (RegistryServer registry = RegistryServer.tls()) {
      assertThat(registry.url()).startsWith("https://127.0.0.1:");
      assertThat(registry.caCertificate()).exists();
      assertThat(registry.caCertificateDir().resolve("ca.crt")).isEqualTo(registry.caCertificate());
      try (var files = Files.list(registry.caCertificateDir())) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ca.crt");
      }
      // our own client trusts only the generated CA and checks the host name (127.0.0.1 SAN)
      assertThat(registry.get("/v2/").status()).isEqualTo(200);

      TestImages.Image image = TestImages.ociImage(41, Platform.parse("linux/amd64"), 1, 256);
      Seed.registry(image, registry, "fixtures/tls", "v1");
      assertThat(Skopeo.inspectRaw(registry, "fixtures/tls:v1")).isEqualTo(image.manifest().bytes());

      // without the CA, skopeo refuses the certificate
      Skopeo.Result untrusted = Skopeo.run(List.of("inspect", "--raw", Skopeo.docker(registry, "fixtures/tls:v1")));
      assertThat(untrusted.exitCode()).isNotZero();
      assertThat(untrusted.stderr()).containsIgnoringCase("certificate");
    }
  }

  @Test
  void twoRegistriesGetDifferentPorts() throws IOException {
    try (RegistryServer a = RegistryServer.plain(); RegistryServer b = RegistryServer.plain()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.isRunning()).isTrue();
      assertThat(b.isRunning()).isTrue();
    }
  }

  @Test
  void handWrittenLayoutIsReadBySkopeo(@TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.multiArch(51, 128);
    Path dir = Seed.layout(image, tmp.resolve("layout"), "1.0");
    assertThat(Skopeo.inspectRaw("oci:" + dir + ":1.0", List.of())).isEqualTo(image.manifest().bytes());
  }
}
