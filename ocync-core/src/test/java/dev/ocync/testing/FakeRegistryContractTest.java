package dev.ocync.testing;

import dev.ocync.Registry;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.util.Optional;
import mockwebserver3.MockResponse;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The registry endpoint keeps the {@link Repository} contract against the {@link FakeRegistry}. */
class FakeRegistryContractTest extends RepositoryContract {
  private FakeRegistry fake;
  private Registry registry;
  private Registry secured;

  @BeforeEach
  void start() throws IOException {
    fake = FakeRegistry.start().tagPageSize(3); // every listing crosses pages
    configure(fake);
    registry = fake.registry().build();
  }

  /** Switches the fake's behaviour for a variant of the suite. */
  protected void configure(FakeRegistry registry) throws IOException {}

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
  protected boolean tamper(String name, Digest digest, byte[] bytes) {
    fake.inject(r -> "GET".equals(r.getMethod()) && r.getUrl().encodedPath().equals("/v2/" + name + "/manifests/" + digest),
        new MockResponse.Builder().code(200).addHeader("Content-Type", MediaType.OCI_MANIFEST)
            .addHeader("Docker-Content-Digest", digest.toString()).body(new Buffer().write(bytes)).build(), false);
    return true;
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
