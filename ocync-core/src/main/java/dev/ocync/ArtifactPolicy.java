package dev.ocync;

import dev.ocync.oci.Descriptor;
import java.util.List;
import java.util.Objects;

/**
 * Which referrers (signatures, SBOMs, attestations) travel with an image. On by default, for every
 * artifact type. {@code include} and {@code exclude} match a referrer's {@code artifactType}
 * exactly (its {@code mediaType} when it has none); a non-empty include is an allow-list and
 * exclude wins over include. With {@code requireArtifacts}, an image without any accepted referrer
 * fails.
 *
 * <pre>{@code
 * ArtifactPolicy p = ArtifactPolicy.builder().exclude("application/vnd.dev.sigstore.bundle.v0.3+json").build();
 * }</pre>
 */
public final class ArtifactPolicy {
  private static final ArtifactPolicy DEFAULTS = new ArtifactPolicy(true, List.of(), List.of(), false);
  private static final ArtifactPolicy DISABLED = new ArtifactPolicy(false, List.of(), List.of(), false);

  private final boolean enabled;
  private final List<String> include;
  private final List<String> exclude;
  private final boolean requireArtifacts;

  private ArtifactPolicy(boolean enabled, List<String> include, List<String> exclude, boolean requireArtifacts) {
    this.enabled = enabled;
    this.include = List.copyOf(include);
    this.exclude = List.copyOf(exclude);
    this.requireArtifacts = requireArtifacts;
  }

  /** Enabled, every artifact type, not required. */
  public static ArtifactPolicy defaults() {
    return DEFAULTS;
  }

  /** No referrers are copied. */
  public static ArtifactPolicy disabled() {
    return DISABLED;
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this policy. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.include = include;
    b.exclude = exclude;
    b.requireArtifacts = requireArtifacts;
    return b;
  }

  /** Whether referrers are copied at all. */
  public boolean enabled() {
    return enabled;
  }

  /** Allowed artifact types; empty means all. */
  public List<String> include() {
    return include;
  }

  /** Refused artifact types. */
  public List<String> exclude() {
    return exclude;
  }

  /** Whether an image without an accepted referrer fails. */
  public boolean requireArtifacts() {
    return requireArtifacts;
  }

  /**
   * Whether the referrer this descriptor points at is copied: never when disabled; otherwise its
   * {@code artifactType} (or {@code mediaType} when it has none) must not be excluded and, when
   * {@link #include()} is not empty, must be included. Pure.
   */
  public boolean accepts(Descriptor referrer) {
    Objects.requireNonNull(referrer, "referrer");
    if (!enabled) {
      return false;
    }
    String type = referrer.artifactType().orElse(referrer.mediaType());
    return !exclude.contains(type) && (include.isEmpty() || include.contains(type));
  }

  /** Equal when every setting is equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof ArtifactPolicy p && p.enabled == enabled && p.requireArtifacts == requireArtifacts
        && p.include.equals(include) && p.exclude.equals(exclude);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, include, exclude, requireArtifacts);
  }

  /** One line, for example {@code artifacts enabled, exclude a/b, required}. */
  @Override
  public String toString() {
    if (!enabled) {
      return "artifacts disabled";
    }
    StringBuilder s = new StringBuilder("artifacts enabled");
    if (!include.isEmpty()) {
      s.append(", include ").append(String.join(",", include));
    }
    if (!exclude.isEmpty()) {
      s.append(", exclude ").append(String.join(",", exclude));
    }
    if (requireArtifacts) {
      s.append(", required");
    }
    return s.toString();
  }

  /** Builds an {@link ArtifactPolicy}. List setters replace what was set before. */
  public static final class Builder {
    private boolean enabled = true;
    private List<String> include = List.of();
    private List<String> exclude = List.of();
    private boolean requireArtifacts;

    private Builder() {}

    /** Copy referrers or not; on by default. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /**
     * Only these artifact types.
     *
     * @throws IllegalArgumentException for an empty type
     */
    public Builder include(String... artifactTypes) {
      this.include = types("include", artifactTypes);
      return this;
    }

    /**
     * Never these artifact types.
     *
     * @throws IllegalArgumentException for an empty type
     */
    public Builder exclude(String... artifactTypes) {
      this.exclude = types("exclude", artifactTypes);
      return this;
    }

    /** Fail an image that has no accepted referrer. */
    public Builder requireArtifacts(boolean require) {
      this.requireArtifacts = require;
      return this;
    }

    /** @throws IllegalArgumentException if artifacts are required but disabled */
    public ArtifactPolicy build() {
      if (requireArtifacts && !enabled) {
        throw new IllegalArgumentException("artifacts: requireArtifacts is true but enabled is false "
            + "(cannot require artifacts while disabling their transfer)");
      }
      return new ArtifactPolicy(enabled, include, exclude, requireArtifacts);
    }

    private static List<String> types(String what, String... types) {
      Objects.requireNonNull(types, what);
      for (String t : types) {
        Objects.requireNonNull(t, what + " artifact type");
        if (t.isBlank()) {
          throw new IllegalArgumentException("artifacts " + what + ": artifact type must not be empty");
        }
      }
      return List.of(types);
    }
  }
}
