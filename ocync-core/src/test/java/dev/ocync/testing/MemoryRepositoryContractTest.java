package dev.ocync.testing;

import dev.ocync.spi.Repository;

/** The test {@link MemoryRepository} keeps the contract the engine's tests rely on. */
class MemoryRepositoryContractTest extends RepositoryContract {
  @Override
  protected Repository create(String name) {
    return new MemoryRepository("memory/" + name);
  }

  @Override
  protected boolean keepsReferrersIndex() {
    return true;
  }
}
