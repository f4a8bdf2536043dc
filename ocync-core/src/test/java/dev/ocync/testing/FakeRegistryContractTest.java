package dev.ocync.testing;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The registry endpoint keeps the {@link Repository} contract against the {@link FakeRegistry}. */
class FakeRegistryContractTest extends RepositoryContract {
  private FakeRegistry fake;
  private Registry registry;
  private Registry secured;

  @BeforeEach
  void start() throws IOException {
    fake = FakeRegistry.start();
    registry = fake.registry().build();
  }

  @AfterEach
  void stop() throws IOException {
    registry.close();
    if (secured != null) {
      secured.close();
    }
    fake.close();
  }

  @Override
  protected Repository create(String name) {
    return registry.repository(name);
  }

  @Override
  protected Optional<Repository> createWithSecret(String name, String secret) {
    fake.requireBasic("contract-user", secret);
    secured = fake.registry().credentials(CredentialProvider.basic(fake.host(), "contract-user", secret)).build();
    return Optional.of(secured.repository(name));
  }

  @Override
  protected boolean mountsWithinEndpoint() {
    return true;
  }

  @Override
  protected boolean keepsReferrersIndex() {
    return true;
  }
}
