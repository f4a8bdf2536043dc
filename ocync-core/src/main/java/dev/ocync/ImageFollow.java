package dev.ocync;

import dev.ocync.oci.Reference;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a mapping of Helm charts follows the container images its charts name: where each image
 * goes at every target of the mapping, and whether a relocated copy of each chart is pushed too.
 * Set with {@link Mapping.Builder#followImages(ImageFollow)}. Immutable.
 *
 * <p>Each image goes to the repository {@code <target prefix>/<upstream repository path>} of the
 * same target registry (or bundle) as the chart. The <em>target prefix</em> is, by default, the
 * chart's target repository path without its last segment (the chart's own name), so images sit
 * beside the chart: a chart mirrored to {@code mirror/charts/cert-manager} has the prefix
 * {@code mirror/charts}, and its image {@code quay.io/jetstack/cert-manager-controller:v1.14.5}
 * goes to {@code mirror/charts/jetstack/cert-manager-controller:v1.14.5}; a chart at the top level
 * of its registry has an empty prefix. {@link Builder#prefix(String)} sets the prefix instead
 * (empty for the registry's top level). {@link Builder#keepRegistryHost(boolean)} puts the
 * upstream registry host, lowercased and with {@code :} as {@code _}, as the first segment after
 * the prefix ({@code quay.io/jetstack/cert-manager-controller}). The upstream repository path is
 * the normalized one: {@code nginx} is {@code library/nginx} on {@code docker.io}.
 *
 * <pre>{@code
 * ImageFollow rule = ImageFollow.builder().prefix("mirror").keepRegistryHost(true).build();
 * rule.targetRepository("charts/cert-manager", "quay.io/jetstack/cert-manager-controller:v1.14.5");
 * // "mirror/quay.io/jetstack/cert-manager-controller"
 * }</pre>
 *
 * <p>Relocation ({@link Builder#relocate(boolean)}, off by default) also pushes a second chart
 * artifact whose {@code values.yaml} names the mirrored images. It cannot share the original's
 * repository ({@code helm pull --version X} resolves tag X), so it goes to
 * {@link #relocatedRepository(String)}: by default {@code <target prefix>/relocated/<chart name>}
 * (the chart's own path keeps its name, so {@code helm pull oci://host/charts/relocated/cert-manager}
 * works as users expect), or the path given to {@link Builder#relocatedRepository(String)}.
 * Relocating changes the chart's digest and breaks its provenance and signatures; the original is
 * always mirrored untouched.
 */
public final class ImageFollow {
  private final Optional<String> prefix;
  private final boolean keepRegistryHost;
  private final boolean relocate;
  private final Optional<String> relocatedRepository;

  private ImageFollow(Builder b) {
    this.prefix = b.prefix;
    this.keepRegistryHost = b.keepRegistryHost;
    this.relocate = b.relocate;
    this.relocatedRepository = b.relocatedRepository;
  }

  /** The default rule: images beside the chart, upstream host left out, no relocation. */
  public static ImageFollow defaults() {
    return builder().build();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this rule. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.prefix = prefix;
    b.keepRegistryHost = keepRegistryHost;
    b.relocate = relocate;
    b.relocatedRepository = relocatedRepository;
    return b;
  }

  /** The prefix given; empty when the default (the chart's target path without its last segment) applies. */
  public Optional<String> prefix() {
    return prefix;
  }

  /** Whether the upstream registry host is the first segment after the prefix. */
  public boolean keepRegistryHost() {
    return keepRegistryHost;
  }

  /** Whether a relocated chart is pushed beside the original. */
  public boolean relocate() {
    return relocate;
  }

  /**
   * The target repository path of an image a chart names.
   *
   * @param chartRepository the chart's target repository path ({@code charts/cert-manager})
   * @param upstreamReference the image as the chart names it ({@code quay.io/jetstack/app:v1})
   * @throws IllegalArgumentException if the reference does not parse or the result is not a valid
   *     repository path
   */
  public String targetRepository(String chartRepository, String upstreamReference) {
    Objects.requireNonNull(chartRepository, "chartRepository");
    Reference r = Reference.parse(Objects.requireNonNull(upstreamReference, "upstreamReference"));
    StringBuilder sb = new StringBuilder(targetPrefix(chartRepository));
    if (keepRegistryHost) {
      append(sb, r.registry().toLowerCase(Locale.ROOT).replace(':', '_'));
    }
    append(sb, r.repository());
    return checked(sb.toString(), "the image " + upstreamReference);
  }

  /**
   * The repository path of the relocated chart, for a chart whose target repository path is
   * {@code chartRepository}.
   *
   * @throws IllegalArgumentException if the result is not a valid repository path
   */
  public String relocatedRepository(String chartRepository) {
    Objects.requireNonNull(chartRepository, "chartRepository");
    if (relocatedRepository.isPresent()) {
      return relocatedRepository.get();
    }
    StringBuilder sb = new StringBuilder(targetPrefix(chartRepository));
    append(sb, "relocated");
    append(sb, chartRepository.substring(chartRepository.lastIndexOf('/') + 1));
    return checked(sb.toString(), "the relocated chart of " + chartRepository);
  }

  /** The target prefix for a chart at {@code chartRepository}: the one given, else the chart path's parent. */
  public String targetPrefix(String chartRepository) {
    Objects.requireNonNull(chartRepository, "chartRepository");
    if (prefix.isPresent()) {
      return prefix.get();
    }
    int slash = chartRepository.lastIndexOf('/');
    return slash < 0 ? "" : chartRepository.substring(0, slash);
  }

  private static void append(StringBuilder sb, String segment) {
    if (sb.length() > 0) {
      sb.append('/');
    }
    sb.append(segment);
  }

  private static String checked(String path, String what) {
    try {
      Reference.of("localhost", path, Optional.of("latest"), Optional.empty());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("image follow: " + what + " maps to \"" + path
          + "\", which is not a valid repository path: " + e.getMessage(), e);
    }
    return path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageFollow f && prefix.equals(f.prefix) && keepRegistryHost == f.keepRegistryHost
        && relocate == f.relocate && relocatedRepository.equals(f.relocatedRepository);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, keepRegistryHost, relocate, relocatedRepository);
  }

  /** One line: {@code ImageFollow{prefix=mirror, keepRegistryHost, relocate to charts/relocated/x}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ImageFollow{prefix=").append(prefix.orElse("<beside the chart>"));
    if (keepRegistryHost) {
      sb.append(", keepRegistryHost");
    }
    if (relocate) {
      sb.append(", relocate to ").append(relocatedRepository.orElse("<prefix>/relocated/<chart>"));
    }
    return sb.append('}').toString();
  }

  /** Builds an {@link ImageFollow}; each setter checks its argument. */
  public static final class Builder {
    private Optional<String> prefix = Optional.empty();
    private boolean keepRegistryHost;
    private boolean relocate;
    private Optional<String> relocatedRepository = Optional.empty();

    private Builder() {}

    /**
     * The target prefix, replacing the default (the chart's target path without its last segment);
     * empty for the top level of the target registry. Slashes at either end are dropped.
     *
     * @throws IllegalArgumentException if it is not a repository path
     */
    public Builder prefix(String prefix) {
      String p = trimSlashes(Objects.requireNonNull(prefix, "prefix"));
      if (!p.isEmpty()) {
        checked(p, "the prefix");
      }
      this.prefix = Optional.of(p);
      return this;
    }

    /** Whether the upstream registry host becomes the first segment after the prefix (default false). */
    public Builder keepRegistryHost(boolean keep) {
      this.keepRegistryHost = keep;
      return this;
    }

    /** Whether a relocated chart is pushed beside the original (default false). */
    public Builder relocate(boolean relocate) {
      this.relocate = relocate;
      return this;
    }

    /**
     * Where the relocated chart goes on each target, replacing the default; sets {@link #relocate(boolean)}.
     *
     * @throws IllegalArgumentException if it is not a repository path
     */
    public Builder relocatedRepository(String path) {
      String p = trimSlashes(Objects.requireNonNull(path, "path"));
      this.relocatedRepository = Optional.of(checked(p, "the relocated repository"));
      this.relocate = true;
      return this;
    }

    /** The rule. */
    public ImageFollow build() {
      return new ImageFollow(this);
    }

    private static String trimSlashes(String s) {
      int a = 0;
      int b = s.length();
      while (a < b && s.charAt(a) == '/') {
        a++;
      }
      while (b > a && s.charAt(b - 1) == '/') {
        b--;
      }
      return s.substring(a, b);
    }
  }
}
