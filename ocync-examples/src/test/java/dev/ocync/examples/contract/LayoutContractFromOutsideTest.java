package dev.ocync.examples.contract;

import dev.ocync.OciLayout;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RepositoryContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract suite as a user runs it: from the ocync-core test-jar, in a module and package of
 * their own, against an endpoint they construct.
 */
class LayoutContractFromOutsideTest extends RepositoryContract {
  @TempDir Path dir;

  @Override
  protected Repository create(String name) {
    return OciLayout.directory(dir.resolve(name.replace('/', '-')));
  }

  @Override
  protected Repository reopen(Repository written, String name) {
    return create(name);
  }
}
