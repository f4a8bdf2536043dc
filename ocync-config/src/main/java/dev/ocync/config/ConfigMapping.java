package dev.ocync.config;

import dev.ocync.ArtifactPolicy;
import dev.ocync.ImageFollow;
import dev.ocync.Mapping;
import dev.ocync.PlatformFilter;
import dev.ocync.TagSelector;
import java.util.List;
import java.util.Objects;

/**
 * One entry of {@code mappings}, with {@code defaults} merged in, target groups expanded and
 * {@code to} filled in: everything a {@code Mapping} of ocync-core needs.
 */
public final class ConfigMapping {
  private final String from;
  private final String to;
  private final Endpoint source;
  private final List<Endpoint> targets;
  private final TagSelector tags;
  private final PlatformFilter platforms;
  private final ArtifactPolicy artifacts;
  private final java.util.Optional<ImageFollow> images;

  ConfigMapping(String from, String to, Endpoint source, List<Endpoint> targets, TagSelector tags,
      PlatformFilter platforms, ArtifactPolicy artifacts, java.util.Optional<ImageFollow> images) {
    this.images = Objects.requireNonNull(images, "images");
    this.from = Objects.requireNonNull(from, "from");
    this.to = Objects.requireNonNull(to, "to");
    this.source = Objects.requireNonNull(source, "source");
    this.targets = List.copyOf(targets);
    this.tags = Objects.requireNonNull(tags, "tags");
    this.platforms = Objects.requireNonNull(platforms, "platforms");
    this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
  }

  /** The source repository ({@code from}). */
  public String from() {
    return from;
  }

  /** The repository at every target ({@code to}, else {@code from}). */
  public String to() {
    return to;
  }

  /** Where the content comes from. */
  public Endpoint source() {
    return source;
  }

  /** Where it goes, in the order written, without duplicates. */
  public List<Endpoint> targets() {
    return targets;
  }

  /** Which tags to mirror, defaults merged. */
  public TagSelector tags() {
    return tags;
  }

  /** Which platforms of an index to keep. */
  public PlatformFilter platforms() {
    return platforms;
  }

  /** Which referrers travel with their subject. */
  public ArtifactPolicy artifacts() {
    return artifacts;
  }

  /**
   * How the images the mapping's Helm charts name are followed ({@code images: follow} or its map
   * form, defaults merged); empty when they are not ({@code images} not written, or {@code none}).
   */
  public java.util.Optional<ImageFollow> images() {
    return images;
  }

  /**
   * This mapping as a core {@link Mapping}, ready for {@link dev.ocync.Syncer#run}: registry
   * endpoints by host and path (the config's {@link dev.ocync.Registry}), layouts as repositories
   * of the endpoint's bundle, which stays open until the configuration is closed, and a chart of
   * a classic Helm repository as that repository's read-only {@link dev.ocync.spi.Repository}.
   */
  public Mapping toMapping() {
    Mapping.Builder b = Mapping.builder().source(source.mappingEndpoint(from));
    for (Endpoint t : targets) {
      b.target(t.mappingEndpoint(to));
    }
    images.ifPresent(b::followImages);
    return b.tags(tags).platforms(platforms).artifacts(artifacts).build();
  }

  @Override
  public String toString() {
    return "ConfigMapping[" + source.alias() + ":" + from + " -> "
        + targets.stream().map(Endpoint::alias).toList() + ":" + to + ", " + tags
        + images.map(i -> ", images " + i).orElse("") + "]";
  }
}
