package dev.ocync.it;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.RepositoryContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The registry endpoint keeps the {@link Repository} contract against a real distribution 2.8,
 * started once for the class: each test works in repositories of its own.
 */
class RegistryContractIT extends RepositoryContract {
  private static RegistryServer server;
  private static RegistryServer secured;
  private static final AtomicInteger RUN = new AtomicInteger();
  private Registry registry;
  private Registry securedClient;
  private final String prefix = "c" + RUN.incrementAndGet() + "/";

  @BeforeAll
  static void startRegistry() throws IOException {
    server = RegistryServer.plain();
  }

  @AfterAll
  static void stopRegistry() {
    server.close();
    if (secured != null) {
      secured.close();
    }
  }

  @AfterEach
  void closeClients() throws IOException {
    if (registry != null) {
      registry.close();
    }
    if (securedClient != null) {
      securedClient.close();
    }
  }

  @Override
  protected Repository create(String name) {
    if (registry == null) {
      registry = Registry.of(server.host());
    }
    return registry.repository(prefix + name);
  }

  @Override
  protected Optional<Repository> createWithSecret(String name, String secret) throws IOException {
    secured = RegistryServer.htpasswd("contract-user", secret);
    securedClient = Registry.builder(secured.host())
        .credentials(CredentialProvider.basic(secured.host(), "contract-user", secret)).build();
    return Optional.of(securedClient.repository(prefix + name));
  }

  @Override
  protected boolean tamper(String name, Digest digest, byte[] bytes) throws IOException {
    Path data = server.storageDirectory().resolve("docker/registry/v2/blobs").resolve(digest.algorithm().id())
        .resolve(digest.encoded().substring(0, 2)).resolve(digest.encoded()).resolve("data");
    if (!Files.isRegularFile(data)) {
      throw new AssertionError("no blob data at " + data);
    }
    Files.write(data, bytes);
    return true;
  }

  /** Distribution 2.8 reads the blob, cannot parse it as a manifest and answers HTTP 500. */
  @Override
  protected boolean blobDigestsAreNotFound() {
    return false;
  }

  @Override
  protected boolean mountsWithinEndpoint() {
    return true;
  }
}
