package dev.ocync.internal.serve;

import dev.ocync.OciLayout;
import dev.ocync.OciServer;
import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.ReadOnlyRepositoryContract;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layout served by {@link OciServer} and read through the registry endpoint keeps the read-only
 * half of the {@link Repository} contract: the server refuses every write, the client cannot know
 * beforehand. The server wants a bearer token, which must stay out of locations and messages.
 */
class OciServerContractTest extends ReadOnlyRepositoryContract {
  private static final String TOKEN = "serve-contract-t0ken";
  @TempDir Path dir;
  private Repository layout;
  private OciServer server;
  private Registry registry;

  @BeforeEach
  void start() throws IOException {
    layout = OciLayout.directory(dir.resolve("layout"));
    TestImages.ociImage(31, Platform.parse("linux/amd64"), 2, 500).pushTo(layout, Optional.of("v1"));
    TestImages.multiArch(32, 200).pushTo(layout, Optional.of("multi"));
    server = OciServer.builder().listen("127.0.0.1", 0).repository("mirror/app", layout).bearerToken(TOKEN).build()
        .start();
    String host = "127.0.0.1:" + server.port();
    registry = Registry.builder("http://" + host).credentials(CredentialProvider.bearer(host, TOKEN)).build();
  }

  @AfterEach
  void stop() throws IOException {
    registry.close();
    server.close();
    layout.close();
  }

  @Override
  protected Repository repository() {
    return registry.repository("mirror/app");
  }

  @Override
  protected String tag() {
    return "v1";
  }

  @Override
  protected boolean saysReadOnly() {
    return false;
  }

  @Override
  protected Optional<String> secret() {
    return Optional.of(TOKEN);
  }
}
