package dev.ocync.internal.http;

import dev.ocync.Registry;
import dev.ocync.spi.Repository;
import java.io.Closeable;

/** The distribution API client behind {@link Registry}. (Scaffold: implemented in the registry work.) */
public final class RegistryClient implements Closeable {
  public RegistryClient(Registry registry) {}

  public Repository repository(String name) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public void close() {}
}
