package dev.ocync.config;

import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code registries.<alias>} entry of a configuration, built: a {@link Registry} for
 * {@code type: registry}, or the path of an OCI layout directory or archive.
 */
public final class Endpoint implements Closeable {
  /** The {@code type} of a registries entry. */
  public enum Type {
    /** A registry speaking the distribution API ({@code type: registry}, the default). */
    REGISTRY,
    /** An OCI image layout directory ({@code type: oci-layout}). */
    OCI_LAYOUT,
    /** An OCI image layout in a tar file ({@code type: oci-archive}). */
    OCI_ARCHIVE,
    /** A classic Helm chart repository ({@code type: helm}); read-only, not supported yet. */
    HELM
  }

  private final String alias;
  private final Type type;
  private final Optional<Registry> registry;
  private final Optional<Path> path;
  private final int maxConcurrent;
  private final boolean headFirst;

  Endpoint(String alias, Type type, Optional<Registry> registry, Optional<Path> path, int maxConcurrent,
      boolean headFirst) {
    this.alias = Objects.requireNonNull(alias, "alias");
    this.type = Objects.requireNonNull(type, "type");
    this.registry = registry;
    this.path = path;
    this.maxConcurrent = maxConcurrent;
    this.headFirst = headFirst;
  }

  /** The alias the configuration gives it (the key under {@code registries}). */
  public String alias() {
    return alias;
  }

  /** What kind of endpoint it is. */
  public Type type() {
    return type;
  }

  /** The registry, for {@link Type#REGISTRY}. */
  public Optional<Registry> registry() {
    return registry;
  }

  /** The layout directory or archive (resolved against the config file's directory), for layouts. */
  public Optional<Path> path() {
    return path;
  }

  /** {@code max_concurrent}: the cap on requests in flight to this endpoint (default 50). */
  public int maxConcurrent() {
    return maxConcurrent;
  }

  /** {@code head_first}: on a source, HEAD every target before fetching the source manifest. */
  public boolean headFirst() {
    return headFirst;
  }

  /** Whether content can only be read from it (a Helm repository). */
  public boolean readOnly() {
    return type == Type.HELM;
  }

  /**
   * The repository {@code name} at this endpoint.
   *
   * <p>A layout or archive holds a single repository today, so {@code name} is ignored for them;
   * multi-repository bundles will key it by name.
   *
   * @throws UnsupportedOperationException for a Helm repository (not supported yet)
   */
  public Repository repository(String name) {
    return switch (type) {
      case REGISTRY -> registry.orElseThrow().repository(name);
      case OCI_LAYOUT -> OciLayout.directory(path.orElseThrow());
      case OCI_ARCHIVE -> OciLayout.archive(path.orElseThrow());
      case HELM -> throw new UnsupportedOperationException("registries." + alias
          + ": classic Helm repositories are not supported yet");
    };
  }

  /** Closes the registry's connections, if it has one. */
  @Override
  public void close() throws IOException {
    if (registry.isPresent()) {
      registry.get().close();
    }
  }

  @Override
  public String toString() {
    return "Endpoint[" + alias + ", " + type + registry.map(r -> ", " + r).orElse("")
        + path.map(p -> ", " + p).orElse("") + "]";
  }
}
