package dev.ocync.config;

import dev.ocync.HelmRepository;
import dev.ocync.Mapping;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code registries.<alias>} entry of a configuration, built: a {@link Registry} for
 * {@code type: registry}, or an OCI layout directory or archive opened as a
 * {@linkplain OciLayout.Bundle bundle} of many repositories: {@code from} and {@code to} name a
 * repository of it, and its images are named {@code <repository>:<tag>}, as skopeo addresses them
 * ({@code oci:DIR:mirror/app:1.4}). One bundle per entry, shared by every mapping that names it,
 * so an archive is written once, when the configuration is closed. A classic Helm chart repository
 * ({@code type: helm}) is a read-only {@link HelmRepository}: {@code from} names a chart, and its
 * versions are the tags.
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
    /** A classic Helm chart repository ({@code type: helm}); read-only. */
    HELM
  }

  private final String alias;
  private final Type type;
  private final Optional<Registry> registry;
  private final Optional<Path> path;
  private final Optional<OciLayout.Bundle> bundle;
  private final Optional<HelmRepository> helm;
  private final OptionalInt maxConcurrent;
  private final boolean headFirst;

  Endpoint(String alias, Type type, Optional<Registry> registry, Optional<Path> path, OptionalInt maxConcurrent,
      boolean headFirst) {
    this(alias, type, registry, path, Optional.empty(), maxConcurrent, headFirst);
  }

  private Endpoint(String alias, Type type, Optional<Registry> registry, Optional<Path> path,
      Optional<HelmRepository> helm, OptionalInt maxConcurrent, boolean headFirst) {
    this.alias = Objects.requireNonNull(alias, "alias");
    this.type = Objects.requireNonNull(type, "type");
    this.registry = registry;
    this.path = path;
    this.bundle = path.map(p -> switch (type) {
      case OCI_LAYOUT -> OciLayout.directoryBundle(p);
      case OCI_ARCHIVE -> OciLayout.archiveBundle(p);
      default -> null;
    });
    this.helm = helm;
    this.maxConcurrent = maxConcurrent;
    this.headFirst = headFirst;
  }

  static Endpoint helm(String alias, HelmRepository repository, OptionalInt maxConcurrent) {
    return new Endpoint(alias, Type.HELM, Optional.empty(), Optional.empty(), Optional.of(repository), maxConcurrent,
        false);
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

  /** The chart repository, for {@link Type#HELM}. */
  public Optional<HelmRepository> helm() {
    return helm;
  }

  /** The layout directory or archive (resolved against the config file's directory), for layouts. */
  public Optional<Path> path() {
    return path;
  }

  /**
   * {@code max_concurrent}: the cap on blob transfers in flight to this registry (the cap of its
   * adaptive limit), as given to {@link Registry.Builder#maxConcurrent(int)}; empty when the file
   * does not set it, then the syncer's {@code blobsInFlightPerRegistry} applies (the Rust ocync's
   * default of 50 is not assumed).
   */
  public OptionalInt maxConcurrent() {
    return maxConcurrent;
  }

  /**
   * {@code head_first}: with this registry as a source, whether an image is compared by HEAD (source
   * and every target) before its manifest is fetched; see {@link Registry.Builder#headFirst(boolean)}.
   * True unless the file says {@code head_first: false} (ocync-java always compares by HEAD
   * first; the Rust ocync only with {@code head_first: true}). Always true for layouts, false for Helm
   * repositories (no manifests to HEAD).
   */
  public boolean headFirst() {
    return headFirst;
  }

  /** Whether content can only be read from it (a Helm repository). */
  public boolean readOnly() {
    return type == Type.HELM;
  }

  /** The layout opened as a bundle of repositories, for {@link Type#OCI_LAYOUT} and {@link Type#OCI_ARCHIVE}. */
  public Optional<OciLayout.Bundle> bundle() {
    return bundle;
  }

  /**
   * The repository {@code name} at this endpoint: on the registry, or the repository {@code name}
   * of the layout's bundle (images {@code name:<tag>}), or chart {@code name} of the Helm
   * repository. Close the endpoint, not the repository.
   */
  public Repository repository(String name) {
    return switch (type) {
      case REGISTRY -> registry.orElseThrow().repository(name);
      case OCI_LAYOUT, OCI_ARCHIVE -> bundle.orElseThrow().repository(name);
      case HELM -> helm.orElseThrow().repository(name);
    };
  }

  /**
   * The repository {@code name} here as one end of a core {@link Mapping}: on a registry by host
   * and path (so the syncer shares its connections and can mount between its repositories), on a
   * layout as the bundle's repository, on a Helm repository as the chart's read-only repository.
   */
  public Mapping.Endpoint mappingEndpoint(String name) {
    return type == Type.REGISTRY ? Mapping.Endpoint.of(registry.orElseThrow(), name)
        : Mapping.Endpoint.of(repository(name));
  }

  /** Closes the registry's or chart repository's connections, or the layout (an archive is written now if a copy into it completed). */
  @Override
  public void close() throws IOException {
    if (registry.isPresent()) {
      registry.get().close();
    }
    if (bundle.isPresent()) {
      bundle.get().close();
    }
    if (helm.isPresent()) {
      helm.get().close();
    }
  }

  @Override
  public String toString() {
    return "Endpoint[" + alias + ", " + type + registry.map(r -> ", " + r).orElse("")
        + path.map(p -> ", " + p).orElse("") + helm.map(h -> ", " + h.url()).orElse("") + "]";
  }
}
