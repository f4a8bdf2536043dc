package dev.ocync;

import dev.ocync.oci.Reference;
import dev.ocync.spi.Repository;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One mirror: a source repository, one or more target repositories, which tags, which platforms
 * and which referrers. Immutable; built with {@link #builder()}, whose {@link Builder#build()}
 * checks the fields together. Run it with {@link Syncer#run(List)}.
 *
 * <pre>{@code
 * Mapping m = Mapping.builder()
 *     .source("docker.io", "library/nginx")
 *     .target("127.0.0.1:5000", "mirror/nginx")
 *     .tags("1.27", "1.27-alpine")
 *     .build();
 * }</pre>
 *
 * <p>Endpoints given by registry host and repository path are opened by the {@link Syncer} (its
 * configured {@link Registry} for that host, or one opened on demand), so many mappings share one
 * registry's connections and tokens, and blobs can be mounted between repositories of one target
 * registry. An endpoint given as a {@link Repository} (a layout, an archive, a plug-in) is used as
 * it is and stays open; the caller closes it.
 */
public final class Mapping {
  private final Endpoint source;
  private final List<Endpoint> targets;
  private final List<String> literalTags;
  private final Optional<TagSelector> tags;
  private final Optional<PlatformFilter> platforms;
  private final Optional<ArtifactPolicy> artifacts;
  private final Optional<ImageFollow> follow;

  private Mapping(Builder b) {
    this.source = b.source;
    this.targets = List.copyOf(b.targets);
    this.literalTags = List.copyOf(b.literalTags);
    this.tags = Optional.ofNullable(b.tags);
    this.platforms = Optional.ofNullable(b.platforms);
    this.artifacts = Optional.ofNullable(b.artifacts);
    this.follow = Optional.ofNullable(b.follow);
  }

  /** A builder; {@link Builder#build()} checks the combination. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this mapping. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.source = source;
    b.targets.addAll(targets);
    b.literalTags.addAll(literalTags);
    b.tags = tags.orElse(null);
    b.platforms = platforms.orElse(null);
    b.artifacts = artifacts.orElse(null);
    b.follow = follow.orElse(null);
    return b;
  }

  /** Where the images come from. */
  public Endpoint source() {
    return source;
  }

  /** Where they go, in the order given; at least one. */
  public List<Endpoint> targets() {
    return targets;
  }

  /**
   * The tags given with {@link Builder#tags(String...)}: mirrored as they are, without listing the
   * source's tags. Empty when a {@link TagSelector} was given instead.
   */
  public List<String> literalTags() {
    return literalTags;
  }

  /** The tag selector, when one was given; {@link TagSelector#all()} applies when neither it nor literal tags were. */
  public Optional<TagSelector> tagSelector() {
    return tags;
  }

  /** The platform filter, when one was given; every platform is mirrored otherwise. */
  public Optional<PlatformFilter> platformFilter() {
    return platforms;
  }

  /** The referrer policy, when one was given; {@link ArtifactPolicy#defaults()} applies otherwise. */
  public Optional<ArtifactPolicy> artifactPolicy() {
    return artifacts;
  }

  /** How the images named by the charts this mapping mirrors are followed, when they are. */
  public Optional<ImageFollow> imageFollow() {
    return follow;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Mapping{").append(source).append(" -> ").append(targets);
    if (!literalTags.isEmpty()) {
      sb.append(", tags=").append(literalTags);
    }
    tags.ifPresent(t -> sb.append(", tags=").append(t));
    platforms.ifPresent(p -> sb.append(", platforms=").append(p));
    artifacts.ifPresent(a -> sb.append(", artifacts=").append(a));
    follow.ifPresent(f -> sb.append(", images=").append(f));
    return sb.append('}').toString();
  }

  /**
   * One end of a mapping: a repository on a registry (by host and path, opened by the syncer, or on
   * a given {@link Registry}), or a {@link Repository} used as it is. Immutable.
   */
  public static final class Endpoint {
    private final Optional<String> host;
    private final Optional<Registry> registry;
    private final Optional<String> path;
    private final Optional<Repository> repository;

    private Endpoint(Optional<String> host, Optional<Registry> registry, Optional<String> path,
        Optional<Repository> repository) {
      this.host = host;
      this.registry = registry;
      this.path = path;
      this.repository = repository;
    }

    /**
     * Repository {@code path} on the registry at {@code host} ({@code docker.io},
     * {@code 127.0.0.1:5000}); the syncer opens it.
     *
     * @throws IllegalArgumentException if the host or path is not valid in a reference
     */
    public static Endpoint of(String host, String path) {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(path, "path");
      Reference r = Reference.of(host, path, Optional.of("latest"), Optional.empty());
      return new Endpoint(Optional.of(r.registry()), Optional.empty(), Optional.of(r.repository()), Optional.empty());
    }

    /** Repository {@code path} on {@code registry}, with that registry's settings. */
    public static Endpoint of(Registry registry, String path) {
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(path, "path");
      Reference r = Reference.of(registry.host(), path, Optional.of("latest"), Optional.empty());
      return new Endpoint(Optional.of(registry.host()), Optional.of(registry), Optional.of(r.repository()),
          Optional.empty());
    }

    /** A repository used as it is: a layout, an archive, or a plug-in endpoint. */
    public static Endpoint of(Repository repository) {
      Objects.requireNonNull(repository, "repository");
      return new Endpoint(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(repository));
    }

    /** The registry host, for endpoints on a registry. */
    public Optional<String> host() {
      return host;
    }

    /** The registry given, for endpoints built {@linkplain #of(Registry, String) with one}. */
    public Optional<Registry> registry() {
      return registry;
    }

    /** The repository path on the registry, for endpoints on a registry. */
    public Optional<String> path() {
      return path;
    }

    /** The repository given, for endpoints built {@linkplain #of(Repository) from one}. */
    public Optional<Repository> repository() {
      return repository;
    }

    /** {@code host/path}, or the repository's {@link Repository#location()}. */
    public String name() {
      return repository.map(Repository::location).orElseGet(() -> host.orElseThrow() + "/" + path.orElseThrow());
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Endpoint e)) {
        return false;
      }
      if (repository.isPresent() || e.repository.isPresent()) {
        return repository.isPresent() && e.repository.isPresent() && repository.get() == e.repository.get();
      }
      return host.equals(e.host) && path.equals(e.path);
    }

    @Override
    public int hashCode() {
      return repository.isPresent() ? System.identityHashCode(repository.get()) : Objects.hash(host, path);
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /** Builds a {@link Mapping}. Setters check their argument; {@link #build()} the combination. */
  public static final class Builder {
    private Endpoint source;
    private final List<Endpoint> targets = new ArrayList<>();
    private final List<String> literalTags = new ArrayList<>();
    private TagSelector tags;
    private PlatformFilter platforms;
    private ArtifactPolicy artifacts;
    private ImageFollow follow;

    private Builder() {}

    /** The source. */
    public Builder source(Endpoint endpoint) {
      this.source = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /** The source: repository {@code path} on the registry at {@code host}. */
    public Builder source(String host, String path) {
      return source(Endpoint.of(host, path));
    }

    /** The source: a repository used as it is. */
    public Builder source(Repository repository) {
      return source(Endpoint.of(repository));
    }

    /** Adds a target. */
    public Builder target(Endpoint endpoint) {
      targets.add(Objects.requireNonNull(endpoint, "endpoint"));
      return this;
    }

    /** Adds a target: repository {@code path} on the registry at {@code host}. */
    public Builder target(String host, String path) {
      return target(Endpoint.of(host, path));
    }

    /** Adds a target: a repository used as it is. */
    public Builder target(Repository repository) {
      return target(Endpoint.of(repository));
    }

    /**
     * Exactly these tags; a tag missing at the source fails that image. Replaces a
     * {@link #tags(TagSelector)} given before.
     *
     * <p>The source's tags are never listed to <em>select</em> them. With artifacts enabled (the
     * default) the run still reads the source repository's tag list once (one request per
     * repository per run, shared by every mapping and image of that repository): it shows which
     * legacy cosign tags ({@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}) and referrer
     * fallback tags ({@code sha256-<hex>}) exist, which would otherwise cost about four HEADs per
     * image and index child. With {@link ArtifactPolicy#disabled()} nothing is listed at all.
     *
     * @throws IllegalArgumentException for an empty list or an invalid tag
     */
    public Builder tags(String... exact) {
      if (exact.length == 0) {
        throw new IllegalArgumentException("tags: give at least one tag");
      }
      List<String> list = new ArrayList<>();
      for (String t : exact) {
        if (!Reference.isTag(Objects.requireNonNull(t, "tag"))) {
          throw new IllegalArgumentException("invalid tag \"" + t + "\": must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
        }
        if (!list.contains(t)) {
          list.add(t);
        }
      }
      literalTags.clear();
      literalTags.addAll(list);
      tags = null;
      return this;
    }

    /** Which tags, by rules. Replaces literal {@link #tags(String...)} given before. */
    public Builder tags(TagSelector selector) {
      this.tags = Objects.requireNonNull(selector, "selector");
      literalTags.clear();
      return this;
    }

    /** Which platforms of an index. */
    public Builder platforms(PlatformFilter filter) {
      this.platforms = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Which referrers travel along. */
    public Builder artifacts(ArtifactPolicy policy) {
      this.artifacts = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Follows the container images named by each Helm chart version this mapping mirrors (its
     * {@code artifacthub.io/images}, {@code images} and {@code helm.sh/images} annotations, its
     * {@code values.yaml} and image lock files, vendored subcharts included): each is mirrored by
     * the exact tag or digest the chart names to every target, under {@code rule}, with this
     * mapping's platforms and artifacts. A chart version that fails is not followed. A source
     * manifest that is not a Helm chart (by its config media type) has no images to follow. Targets
     * must be registry repositories or repositories of an {@link OciLayout.Bundle}.
     */
    public Builder followImages(ImageFollow rule) {
      this.follow = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * Builds the mapping.
     *
     * @throws IllegalArgumentException naming the problem: no source, no target, a read-only
     *     endpoint as a target, a target that is the source, the same target twice, or images
     *     followed into a target that holds a single repository, or charts relocated with no
     *     registry among the targets
     */
    public Mapping build() {
      if (source == null) {
        throw new IllegalArgumentException("mapping has no source");
      }
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("mapping from " + source + " has no target");
      }
      for (int i = 0; i < targets.size(); i++) {
        Endpoint t = targets.get(i);
        if (t.repository().isPresent() && t.repository().get().readOnly()) {
          throw new IllegalArgumentException("mapping from " + source + ": target " + t + " is read-only");
        }
        if (t.equals(source)) {
          throw new IllegalArgumentException("mapping from " + source + ": a target cannot be the source");
        }
        if (targets.subList(0, i).contains(t)) {
          throw new IllegalArgumentException("mapping from " + source + ": target " + t + " is given twice");
        }
        if (follow != null && t.repository().isPresent()
            && !(t.repository().get() instanceof dev.ocync.internal.layout.LayoutView v && v.bundled())) {
          throw new IllegalArgumentException("mapping from " + source + ": target " + t + " holds one repository,"
              + " so the images its charts name have nowhere to go; use a registry or an OciLayout bundle");
        }
      }
      if (follow != null && follow.relocate() && targets.stream().allMatch(t -> t.repository().isPresent())) {
        throw new IllegalArgumentException("mapping from " + source + ": relocation needs a registry target (the "
            + "relocated chart's values.yaml names the mirror's registry host), and every target is a repository");
      }
      return new Mapping(this);
    }
  }
}
