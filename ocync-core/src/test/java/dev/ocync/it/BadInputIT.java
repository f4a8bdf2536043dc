package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a typed error naming the input and what is wrong, and nothing is half-written. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class BadInputIT {
  private RegistryServer registry;
  private Syncer syncer;

  @BeforeAll
  void start() throws IOException {
    registry = RegistryServer.plain();
    syncer = Syncer.builder().build();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(syncer, registry);
  }

  @Test
  void unknownHostNamesTheRegistry(TestInfo info) {
    String repo = Checks.repository(info, "");
    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> syncer.copy("nonexistent.invalid:5000/x:1", registry.host() + "/" + repo + ":1"));
    assertThat(e).as("copy from an unknown host").isNotNull();
    assertThat(e.getMessage()).contains("nonexistent.invalid:5000");
    assertThat(e.registry()).isEqualTo("nonexistent.invalid:5000");
  }

  @Test
  void closedPortNamesTheRegistry(TestInfo info) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    String closed = "127.0.0.1:" + port;
    String repo = Checks.repository(info, "");
    try (Registry nothingThere = Registry.builder(closed).connectTimeout(Duration.ofSeconds(2)).build();
        Syncer quick = Syncer.builder().registry(nothingThere).build()) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> quick.copy(closed + "/x:1", registry.host() + "/" + repo + ":1"));
      assertThat(e).as("copy from a closed port").isNotNull();
      assertThat(e.getMessage()).contains(closed);
      assertThat(e.registry()).isEqualTo(closed);
    }
    assertThat(registry.tags(repo)).isEmpty();
  }

  @Test
  void unknownTagIsNotFoundNamingRegistryRepositoryAndTag(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(601, Platform.parse("linux/amd64"), 1, 256);
    String repo = Checks.repository(info, "");
    String target = Checks.repository(info, "target");
    Seed.registry(image, registry, repo, "v1");

    NotFoundException e = catchThrowableOfType(NotFoundException.class,
        () -> syncer.copy(registry.host() + "/" + repo + ":no-such-tag", registry.host() + "/" + target + ":v1"));

    assertThat(e).as("copy of a tag that does not exist").isNotNull();
    assertThat(e.getMessage()).contains(registry.host()).contains(repo).contains("no-such-tag");
    assertThat(e.reference()).hasValue("no-such-tag");
    assertThat(e.registry()).isEqualTo(registry.host());
    assertThat(e.repository()).hasValue(repo);
    assertThat(e.status()).hasValue(404);
    assertThat(e.errorCode()).hasValue("MANIFEST_UNKNOWN");
    assertThat(registry.tags(target)).isEmpty();
  }

  @Test
  void unknownRepositoryIsNotFound(TestInfo info) {
    String repo = Checks.repository(info, "never-pushed");
    assertThatThrownBy(() -> syncer.copy(registry.host() + "/" + repo + ":v1", registry.host() + "/" + repo + "-copy:v1"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(registry.host())
        .hasMessageContaining(repo);
  }

  @Test
  void manifestOverFourMebibytesIsRefusedAndNotTagged(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image big = withPadding(TestImages.ociImage(611, Platform.parse("linux/amd64"), 1, 512),
        4 * 1024 * 1024 + 1000);
    assertThat(big.manifest().size()).isGreaterThan(4 * 1024 * 1024);
    Path dir = Seed.layout(big, tmp.resolve("big"), "huge");
    String repo = Checks.repository(info, "");

    RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> syncer.copy("oci:" + dir + ":huge", registry.host() + "/" + repo + ":huge"));

    assertThat(e).as("copy of a manifest over 4 MiB").isNotNull();
    assertThat(e.getMessage()).contains("huge").contains(registry.host()).contains(repo);
    assertThat(e.registry()).isEqualTo(registry.host());
    assertThat(e.repository()).hasValue(repo);
    assertThat(registry.tags(repo)).isEmpty();
    assertThat(registry.manifest(repo, big.manifest().digest().toString())).isEmpty();
  }

  @Test
  void manifestOverTheConfiguredLimitIsRefusedOnRead(TestInfo info) throws IOException {
    TestImages.Image large = withPadding(TestImages.ociImage(621, Platform.parse("linux/amd64"), 1, 256),
        2 * 1024 * 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(large, registry, repo, "large");

    try (Registry limited = Registry.builder(registry.host()).maxManifestBytes(1024 * 1024).build()) {
      RegistryException e = catchThrowableOfType(RegistryException.class,
        () -> limited.repository(repo).fetchManifest("large"));
      assertThat(e).as("fetching a 2 MiB manifest with a 1 MiB limit").isNotNull();
      assertThat(e.getMessage()).contains(registry.host()).contains("large");
    }
  }

  @Test
  void unparsableLocationIsIllegalArgumentNamingIt() {
    assertThatThrownBy(() -> syncer.copy("oci-archive:", registry.host() + "/x:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("oci-archive:");
    assertThatThrownBy(() -> syncer.copy(registry.host() + "/UPPER/Case:1", registry.host() + "/x:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UPPER/Case");
  }

  /** {@code image} with an annotation that makes its manifest at least {@code size} bytes. */
  private static TestImages.Image withPadding(TestImages.Image image, int size) {
    Manifest m = image.manifest();
    StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"").append(MediaType.OCI_MANIFEST)
        .append("\",\"config\":").append(TestImages.descriptorJson(m.config().orElseThrow(), java.util.Optional.empty()))
        .append(",\"layers\":[");
    List<dev.ocync.oci.Descriptor> layers = m.layers();
    for (int i = 0; i < layers.size(); i++) {
      json.append(i == 0 ? "" : ",").append(TestImages.descriptorJson(layers.get(i), java.util.Optional.empty()));
    }
    json.append("],\"annotations\":{\"org.example.padding\":\"");
    int padding = Math.max(0, size - json.length() - 4);
    json.append("x".repeat(padding)).append("\"}}");
    Manifest padded = Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST);
    return new TestImages.Image(padded, image.blobs(), List.of());
  }
}
