package dev.ocync.testing;

import dev.ocync.spi.Repository;
import java.io.IOException;

/**
 * The registry endpoint keeps the {@link Repository} contract against a registry with the other
 * common behaviours: chunked uploads only, mounts always answered 202, no referrers API, blobs
 * redirected to another port.
 */
class FakeRegistryQuirksContractTest extends FakeRegistryContractTest {
  @Override
  protected void configure(FakeRegistry fake) throws IOException {
    fake.chunkedOnly(1024).mountMode(FakeRegistry.MountMode.ALWAYS_202).referrersApi(false).redirectBlobs(true);
  }

  @Override
  protected boolean mountsWithinEndpoint() {
    return false;
  }

  @Override
  protected boolean keepsReferrersIndex() {
    return false;
  }
}
