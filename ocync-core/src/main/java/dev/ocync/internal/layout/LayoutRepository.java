package dev.ocync.internal.layout;

import dev.ocync.spi.Repository;
import java.nio.file.Path;

/** (Scaffold: implemented in the layout work.) */
public final class LayoutRepository {
  private LayoutRepository() {}

  public static Repository open(Path path) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
