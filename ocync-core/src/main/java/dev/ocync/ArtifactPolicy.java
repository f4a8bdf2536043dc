package dev.ocync;

import dev.ocync.oci.Descriptor;
import java.util.List;

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
  private ArtifactPolicy() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Enabled, every artifact type, not required. */
  public static ArtifactPolicy defaults() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** No referrers are copied. */
  public static ArtifactPolicy disabled() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether referrers are copied at all. */
  public boolean enabled() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Allowed artifact types; empty means all. */
  public List<String> include() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Refused artifact types. */
  public List<String> exclude() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether an image without an accepted referrer fails. */
  public boolean requireArtifacts() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether the referrer this descriptor points at is copied. Pure. */
  public boolean accepts(Descriptor referrer) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Builds an {@link ArtifactPolicy}. */
  public static final class Builder {
    private Builder() {}

    /** Copy referrers or not; on by default. */
    public Builder enabled(boolean enabled) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Only these artifact types. */
    public Builder include(String... artifactTypes) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Never these artifact types. */
    public Builder exclude(String... artifactTypes) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Fail an image that has no accepted referrer. */
    public Builder requireArtifacts(boolean require) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** @throws IllegalArgumentException if artifacts are required but disabled */
    public ArtifactPolicy build() {
      throw new UnsupportedOperationException("filled in by the selection work");
    }
  }
}
