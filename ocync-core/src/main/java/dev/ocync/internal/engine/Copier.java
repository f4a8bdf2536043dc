package dev.ocync.internal.engine;

import dev.ocync.CopyResult;
import dev.ocync.Syncer;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/** Copies one image between endpoints. (Scaffold: implemented in the engine work.) */
public final class Copier implements Closeable {
  public Copier(Syncer syncer) {}

  public CopyResult copy(String source, String target) throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  public CopyResult copy(Repository source, String reference, Repository target, Optional<String> tag)
      throws IOException {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public void close() throws IOException {}
}
