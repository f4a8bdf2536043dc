package dev.ocync.oci;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Points at content by media type, digest and size, as in a manifest's {@code config},
 * {@code layers}, {@code manifests} or {@code subject}.
 *
 * <pre>{@code
 * Descriptor layer = Descriptor.of(MediaType.OCI_LAYER_GZIP, digest, 2_811_478);
 * }</pre>
 */
public final class Descriptor {
  private final String mediaType;
  private final Digest digest;
  private final long size;
  private final Optional<Platform> platform;
  private final Optional<String> artifactType;
  private final Map<String, String> annotations;
  private final List<String> urls;

  private Descriptor(Builder b) {
    this.mediaType = Objects.requireNonNull(b.mediaType, "mediaType");
    this.digest = Objects.requireNonNull(b.digest, "digest");
    if (b.size < 0) {
      throw new IllegalArgumentException("descriptor " + b.digest + " has negative size " + b.size);
    }
    this.size = b.size;
    this.platform = b.platform;
    this.artifactType = b.artifactType;
    this.annotations = Map.copyOf(b.annotations);
    this.urls = List.copyOf(b.urls);
  }

  /** A descriptor with just media type, digest and size. */
  public static Descriptor of(String mediaType, Digest digest, long size) {
    return builder().mediaType(mediaType).digest(digest).size(size).build();
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this descriptor's values. */
  public Builder newBuilder() {
    Builder b = new Builder().mediaType(mediaType).digest(digest).size(size).annotations(annotations).urls(urls);
    platform.ifPresent(b::platform);
    artifactType.ifPresent(b::artifactType);
    return b;
  }

  /** Media type of the content. */
  public String mediaType() {
    return mediaType;
  }

  /** Digest of the content. */
  public Digest digest() {
    return digest;
  }

  /** Size of the content in bytes. */
  public long size() {
    return size;
  }

  /** Platform, for index entries. */
  public Optional<Platform> platform() {
    return platform;
  }

  /** Artifact type, for referrers and artifact manifests. */
  public Optional<String> artifactType() {
    return artifactType;
  }

  /** Annotations, possibly empty. */
  public Map<String, String> annotations() {
    return annotations;
  }

  /** Alternate download locations (foreign layers), possibly empty. */
  public List<String> urls() {
    return urls;
  }

  /** Equal when media type, digest and size are equal; platform and annotations do not count. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Descriptor d && d.mediaType.equals(mediaType) && d.digest.equals(digest) && d.size == size;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mediaType, digest, size);
  }

  @Override
  public String toString() {
    return mediaType + " " + digest + " (" + size + " bytes" + platform.map(p -> ", " + p).orElse("") + ")";
  }

  /** Builds a {@link Descriptor}; media type, digest and size are required. */
  public static final class Builder {
    private String mediaType;
    private Digest digest;
    private long size = -1;
    private Optional<Platform> platform = Optional.empty();
    private Optional<String> artifactType = Optional.empty();
    private Map<String, String> annotations = Map.of();
    private List<String> urls = List.of();

    private Builder() {}

    /** Sets the media type. */
    public Builder mediaType(String mediaType) {
      this.mediaType = Objects.requireNonNull(mediaType, "mediaType");
      return this;
    }

    /** Sets the digest. */
    public Builder digest(Digest digest) {
      this.digest = Objects.requireNonNull(digest, "digest");
      return this;
    }

    /** Sets the size in bytes. */
    public Builder size(long size) {
      this.size = size;
      return this;
    }

    /** Sets the platform. */
    public Builder platform(Platform platform) {
      this.platform = Optional.of(platform);
      return this;
    }

    /** Sets the artifact type. */
    public Builder artifactType(String artifactType) {
      this.artifactType = Optional.of(artifactType);
      return this;
    }

    /** Sets the annotations. */
    public Builder annotations(Map<String, String> annotations) {
      this.annotations = Map.copyOf(annotations);
      return this;
    }

    /** Sets the alternate URLs. */
    public Builder urls(List<String> urls) {
      this.urls = List.copyOf(urls);
      return this;
    }

    /** Builds the descriptor. */
    public Descriptor build() {
      if (size < 0 && digest != null) {
        throw new IllegalArgumentException("descriptor " + digest + " needs a size");
      }
      return new Descriptor(this);
    }
  }
}
