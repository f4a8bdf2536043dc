package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS registry on a loopback address, as an SSH tunnel or {@code kubectl port-forward} presents
 * one: {@code https://} in the location reaches it with the configured CA, although a loopback
 * host alone means plain HTTP.
 */
@Timeout(120)
class LocationSchemeIT {
  private static final Path EXAMPLE = Path.of("..", "examples", "image");
  private static final Digest EXAMPLE_INDEX =
      Digest.parse("sha256:395d4f6dca578917d16711d2a6d4656f7c3cafdd9c5320ffc5d42bfb504bb040");

  @Test
  void httpsLocationReachesATlsRegistryOnLoopbackWithTheConfiguredCa(@TempDir Path tmp) throws IOException {
    try (RegistryServer tls = RegistryServer.tls();
        // configured for plain HTTP (as a tunnel's far end was once set up); the location's https:// wins
        // and keeps the configured CA
        Registry configured = Registry.builder(tls.host()).plainHttp(true).caCertificate(tls.caCertificate()).build();
        Syncer syncer = Syncer.builder().registry(configured).build()) {
      assertThat(configured.plainHttp()).isTrue();
      CopyResult pushed = syncer.copy("oci:" + EXAMPLE + ":1.0", "https://" + tls.host() + "/tunnel/app:1.0");
      assertThat(pushed.digest()).isEqualTo(EXAMPLE_INDEX);

      CopyResult pulled = syncer.copy("https://" + tls.host() + "/tunnel/app:1.0", "oci:" + tmp.resolve("back") + ":1.0");
      assertThat(pulled.digest()).isEqualTo(EXAMPLE_INDEX);
      try (Repository back = OciLayout.directory(tmp.resolve("back"))) {
        assertThat(back.fetchManifest("1.0").bytes())
            .isEqualTo(Files.readAllBytes(EXAMPLE.resolve("blobs/sha256/" + EXAMPLE_INDEX.encoded())));
      }
      assertThat(tls.requestCount(r -> r.path().startsWith("/v2/tunnel/app/manifests/"))).isPositive();
    }
  }
}
