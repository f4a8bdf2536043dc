package dev.ocync.internal.config;

import dev.ocync.ArtifactPolicy;
import dev.ocync.PlatformFilter;
import dev.ocync.TagSelector;
import dev.ocync.internal.config.Node.Location;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** A configuration after validation and merging: no aliases left unresolved, no defaults left to apply. */
public record Model(Global global, Map<String, RegistrySpec> registries, List<MappingSpec> mappings) {
  public Model {
    registries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(registries)); // file order
    mappings = List.copyOf(mappings);
  }

  /** {@code global}. */
  public record Global(int maxConcurrentTransfers, Path cacheDir, Duration cacheTtl, OptionalLong stagingSizeLimit) {}

  /** Endpoint kinds ({@code type}). */
  public enum Type {
    REGISTRY, OCI_LAYOUT, OCI_ARCHIVE, HELM;

    static Type of(String s) {
      return valueOf(s.replace('-', '_').toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * One {@code registries.<alias>}. Secrets ({@code password}, {@code token}) are held as given;
   * {@link #toString()} never shows them.
   */
  public record RegistrySpec(String alias, Type type, Optional<String> url, Optional<Path> path, String authType,
      boolean authExplicit, Optional<String> username, Optional<String> password, Optional<String> token,
      Optional<String> awsProfile, OptionalInt maxConcurrent, Optional<Boolean> headFirst, Optional<Path> caFile,
      Optional<Path> clientCert, Optional<Path> clientKey, boolean insecureSkipVerify, boolean passCredentials,
      boolean allowMissingDigest, Location location, boolean urlSecret) {
    @Override
    public String toString() {
      return "RegistrySpec[" + alias + ", " + type + ", " + (urlSecret ? "<from environment>" : url.orElse(""))
          + path.map(p -> ", " + p).orElse("") + ", auth " + authType + "]";
    }
  }

  /** One mapping with defaults merged, target groups expanded and {@code to} filled in. */
  public record MappingSpec(int index, String from, String to, String source, List<String> targets,
      TagSelector tags, PlatformFilter platforms, ArtifactPolicy artifacts,
      Optional<dev.ocync.ImageFollow> images, Location location) {
    public MappingSpec {
      targets = List.copyOf(targets);
    }
  }
}
