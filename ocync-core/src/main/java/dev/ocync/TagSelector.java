package dev.ocync;

import dev.ocync.internal.select.Glob;
import dev.ocync.internal.select.TagVersion;
import dev.ocync.internal.select.VersionRange;
import dev.ocync.oci.Reference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Which tags of a source repository a {@code Mapping} mirrors, with the Rust ocync's semantics:
 * {@code glob} patterns (OR), a {@code semver} range, three exclude tiers (hard: the mapping's own
 * {@code exclude}; soft: inherited defaults and the built-in pre-release list {@code *-rc*},
 * {@code *-alpha*}, {@code *-beta*}, {@code *-pre*}, {@code *-snapshot*}, {@code *-nightly*}),
 * {@code include} (a literal pins a tag, a glob rescues from glob and soft excludes), {@code sort}
 * (descending), {@code latest: N}, {@code min_tags} and {@code immutable_tags}.
 *
 * <p>The pipeline, for each listed tag: referrer fallback tags ({@code sha256-*},
 * {@code sha512-*}) are dropped first, since they travel with their subject; then {@code glob}
 * (an include glob also passes it), {@code semver} (tags that are not versions drop), the hard
 * {@code exclude}, the soft excludes (case-insensitive for the built-in list; bypassed by tags
 * matching an include glob), {@code sort}, {@code latest}. Literal includes skip all of that but
 * the hard exclude, and come first in the result, in include order, when the listing has them.
 * Globs use {@code * ? [a-z] [!a-z] {a,b}} and {@code \} escapes, case-sensitively; a pattern with
 * none of <code>* ? [ { \</code> is a literal. Ranges are described at {@link Builder#semver(String)}.
 *
 * <p>A value the engine inspects: {@link #exactTags()} tells it no tag listing is needed,
 * {@link #key()} is stable across runs for the cache, {@link #toString()} is one line for dry runs.
 * {@link #select(List)} is pure, so rules can be tested without a registry:
 *
 * <pre>{@code
 * TagSelector s = TagSelector.builder().semver(">=1.2, <2").sort(TagSelector.Sort.SEMVER).latest(3).build();
 * s.select(List.of("1.1", "1.2.0", "1.3.1", "1.4-rc1", "2.0")).kept();   // [1.3.1, 1.2.0]
 * }</pre>
 */
public final class TagSelector {
  /** How the kept tags are ordered before {@code latest} applies; both descending. */
  public enum Sort {
    /** By version, lenient parsing ({@code v1.2}, {@code 1.2}, {@code 20240101}); unparseable tags last. */
    SEMVER,
    /** By the tag string, descending. */
    ALPHA
  }

  /** Why a tag was not kept. */
  public enum DropReason {
    /** Matched none of the {@code glob} patterns. */
    GLOB,
    /** Not a version, or outside the {@code semver} range. */
    SEMVER,
    /** Matched the mapping's own (hard) {@code exclude}. */
    EXCLUDED,
    /** Matched an inherited or built-in (soft) exclude, for example {@code *-rc*}. */
    SOFT_EXCLUDED,
    /** Cut by {@code latest: N} after sorting. */
    LATEST,
    /** A referrer fallback tag ({@code sha256-<hex>}), which travels with its subject instead. */
    REFERRER_TAG
  }

  /** A tag that was not kept, and why. */
  public record Dropped(String tag, DropReason reason) {
    /** A dropped tag. */
    public Dropped {
      Objects.requireNonNull(tag, "tag");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The outcome of {@link #select(List)}: kept tags in mirror order (literal includes first, then
   * the sorted pipeline), and every dropped tag with its reason, in input order.
   */
  public record Selection(List<String> kept, List<Dropped> dropped) {
    /** A selection; both lists are copied. */
    public Selection {
      kept = List.copyOf(kept);
      dropped = List.copyOf(dropped);
    }
  }

  private static final List<Glob> BUILT_IN_SOFT = List.of("*-rc*", "*-alpha*", "*-beta*", "*-pre*",
      "*-snapshot*", "*-nightly*").stream().map(p -> Glob.compile(p, true, "built-in exclude")).toList();
  private static final TagSelector ALL = new Builder().build();

  private final List<Glob> globs;
  private final Optional<VersionRange> semver;
  private final List<Glob> exclude;
  private final List<Glob> softExclude;
  private final List<String> includeLiterals;
  private final List<Glob> includeGlobs;
  private final List<String> include;
  private final Optional<Sort> sort;
  private final OptionalInt latest;
  private final OptionalInt minTags;
  private final Optional<Glob> immutableTags;

  private TagSelector(Builder b) {
    this.globs = b.globs;
    this.semver = b.semver;
    this.exclude = b.exclude;
    this.softExclude = b.softExclude;
    this.include = b.include;
    this.includeLiterals = b.include.stream().filter(Glob::isLiteral).distinct().toList();
    this.includeGlobs = b.include.stream().filter(p -> !Glob.isLiteral(p))
        .map(p -> Glob.compile(p, false, "include")).toList();
    this.sort = b.sort;
    this.latest = b.latest;
    this.minTags = b.minTags;
    this.immutableTags = b.immutableTags;
  }

  /** Every tag, minus the built-in pre-release excludes: what {@code tags: {}} means. */
  public static TagSelector all() {
    return ALL;
  }

  /**
   * Exactly these tags, with no tag listing; a tag missing at the source fails that image.
   *
   * @throws IllegalArgumentException for no tags, or a string that is not a tag or is a referrer
   *     fallback tag, naming it
   */
  public static TagSelector exact(String... tags) {
    Objects.requireNonNull(tags, "tags");
    if (tags.length == 0) {
      throw new IllegalArgumentException("exact tags: at least one tag is needed");
    }
    for (String t : tags) {
      Objects.requireNonNull(t, "tag");
      if (!Reference.isTag(t)) {
        throw new IllegalArgumentException("exact tags: \"" + t + "\" is not a valid tag");
      }
      if (isReferrerTag(t)) {
        throw new IllegalArgumentException("exact tags: \"" + t
            + "\" is a referrer fallback tag; referrers travel with their subject (see ArtifactPolicy)");
      }
    }
    return builder().glob(tags).build();
  }

  /** A builder; {@link Builder#build()} checks the rules together. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this selector's rules. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.globs = globs;
    b.semver = semver;
    b.exclude = exclude;
    b.softExclude = softExclude;
    b.include = include;
    b.sort = sort;
    b.latest = latest;
    b.minTags = minTags;
    b.immutableTags = immutableTags;
    return b;
  }

  /**
   * The tags to mirror when they can be used as given without listing the source: every
   * {@code glob} is a literal (and a valid tag, not a referrer fallback tag) and nothing else is
   * set ({@code semver}, {@code sort}, {@code latest}, {@code min_tags}, {@code exclude}, soft
   * excludes, {@code include}); {@code immutable_tags} does not count. Empty otherwise. The
   * built-in soft excludes do not apply to exact tags: naming {@code 2.0-rc1} mirrors it.
   */
  public Optional<List<String>> exactTags() {
    if (globs.isEmpty() || semver.isPresent() || sort.isPresent() || latest.isPresent() || minTags.isPresent()
        || !exclude.isEmpty() || !softExclude.isEmpty() || !include.isEmpty()) {
      return Optional.empty();
    }
    List<String> tags = new ArrayList<>();
    for (Glob g : globs) {
      String p = g.pattern();
      if (!Glob.isLiteral(p) || !Reference.isTag(p) || isReferrerTag(p)) {
        return Optional.empty();
      }
      if (!tags.contains(p)) {
        tags.add(p);
      }
    }
    return Optional.of(List.copyOf(tags));
  }

  /**
   * Applies the rules to a source's tag list. Pure. Duplicates in the list count once. When
   * {@link #exactTags()} is present, the exact tags the list has are kept (in the order given),
   * as the engine would mirror them without listing.
   */
  public Selection select(List<String> tags) {
    Objects.requireNonNull(tags, "tags");
    Set<String> listed = new LinkedHashSet<>(tags);
    Map<String, DropReason> dropped = new LinkedHashMap<>();
    List<String> kept = new ArrayList<>();
    Optional<List<String>> exact = exactTags();
    if (exact.isPresent()) {
      for (String t : listed) {
        if (isReferrerTag(t)) {
          dropped.put(t, DropReason.REFERRER_TAG);
        } else if (!exact.get().contains(t)) {
          dropped.put(t, DropReason.GLOB);
        }
      }
      exact.get().stream().filter(listed::contains).forEach(kept::add);
      return selection(listed, kept, dropped);
    }
    Set<String> pinned = new LinkedHashSet<>();
    List<String> pipeline = new ArrayList<>();
    for (String t : listed) {
      if (isReferrerTag(t)) {
        dropped.put(t, DropReason.REFERRER_TAG);
        continue;
      }
      boolean hard = any(exclude, t);
      if (includeLiterals.contains(t)) {
        if (hard) {
          dropped.put(t, DropReason.EXCLUDED);
        } else {
          pinned.add(t);
        }
        continue;
      }
      DropReason reason = pipelineDrop(t, hard);
      if (reason == null) {
        pipeline.add(t);
      } else {
        dropped.put(t, reason);
      }
    }
    sort.ifPresent(s -> sort(pipeline, s));
    if (latest.isPresent() && pipeline.size() > latest.getAsInt()) {
      List<String> cut = pipeline.subList(latest.getAsInt(), pipeline.size());
      cut.forEach(t -> dropped.put(t, DropReason.LATEST));
      cut.clear();
    }
    includeLiterals.stream().filter(pinned::contains).forEach(kept::add);
    kept.addAll(pipeline);
    return selection(listed, kept, dropped);
  }

  private static Selection selection(Set<String> listed, List<String> kept, Map<String, DropReason> dropped) {
    // LATEST drops are found after sorting; report every drop in input order
    List<Dropped> out = new ArrayList<>();
    for (String t : listed) {
      DropReason r = dropped.get(t);
      if (r != null) {
        out.add(new Dropped(t, r));
      }
    }
    return new Selection(kept, out);
  }

  /** Why the pipeline (everything but literal includes) drops {@code tag}, or null if it passes to sort. */
  private DropReason pipelineDrop(String tag, boolean hard) {
    boolean rescued = any(includeGlobs, tag);
    if (!globs.isEmpty() && !rescued && !any(globs, tag)) {
      return DropReason.GLOB;
    }
    if (semver.isPresent() && !TagVersion.parse(tag).map(v -> semver.get().matches(v)).orElse(false)) {
      return DropReason.SEMVER;
    }
    if (hard) {
      return DropReason.EXCLUDED;
    }
    if (!rescued && (any(softExclude, tag) || any(BUILT_IN_SOFT, tag))) {
      return DropReason.SOFT_EXCLUDED;
    }
    return null;
  }

  /** Descending, stable; for SEMVER, versions first, then the rest alphabetically descending. */
  private static void sort(List<String> tags, Sort order) {
    if (order == Sort.ALPHA) {
      tags.sort(Comparator.reverseOrder());
      return;
    }
    Map<String, Optional<TagVersion>> versions = new HashMap<>();
    tags.forEach(t -> versions.put(t, TagVersion.parse(t)));
    tags.sort((a, b) -> {
      Optional<TagVersion> va = versions.get(a);
      Optional<TagVersion> vb = versions.get(b);
      if (va.isPresent() && vb.isPresent()) {
        return vb.get().compareTo(va.get());
      }
      if (va.isPresent() != vb.isPresent()) {
        return va.isPresent() ? -1 : 1;
      }
      return b.compareTo(a);
    });
  }

  private static boolean any(List<Glob> globs, String tag) {
    for (Glob g : globs) {
      if (g.matches(tag)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isReferrerTag(String tag) {
    return tag.startsWith("sha256-") || tag.startsWith("sha512-");
  }

  /** {@code min_tags}: fewer kept tags fail the mapping (not the run). */
  public OptionalInt minTags() {
    return minTags;
  }

  /** Whether {@code tag} matches {@code immutable_tags}; such a tag present at every target is skipped unseen. */
  public boolean isImmutable(String tag) {
    Objects.requireNonNull(tag, "tag");
    return immutableTags.map(g -> g.matches(tag)).orElse(false);
  }

  /** Whether any {@code immutable_tags} glob is set (then the engine lists target tags once). */
  public boolean hasImmutableTags() {
    return immutableTags.isPresent();
  }

  /** The {@code glob} patterns, as given. */
  public List<String> globs() {
    return patterns(globs);
  }

  /** The {@code semver} range, as given. */
  public Optional<String> semver() {
    return semver.map(VersionRange::toString);
  }

  /** The hard excludes, as given. */
  public List<String> exclude() {
    return patterns(exclude);
  }

  /** The soft excludes inherited from defaults, as given (the built-in list is not among them). */
  public List<String> softExclude() {
    return patterns(softExclude);
  }

  /** The includes, literal tags and globs, as given. */
  public List<String> include() {
    return include;
  }

  /** The sort order, if set. */
  public Optional<Sort> sort() {
    return sort;
  }

  /** {@code latest: N}, if set. */
  public OptionalInt latest() {
    return latest;
  }

  /** The {@code immutable_tags} glob, if set. */
  public Optional<String> immutableTags() {
    return immutableTags.map(Glob::pattern);
  }

  private static List<String> patterns(List<Glob> globs) {
    return globs.stream().map(Glob::pattern).toList();
  }

  /**
   * A stable key of the rules, equal for equal rules on every run and machine: every set rule in a
   * fixed order, strings quoted, for example {@code glob=["1.*"];sort=semver;latest=5}.
   */
  public String key() {
    StringBuilder k = new StringBuilder();
    keyPart(k, "glob", globs());
    semver.ifPresent(s -> keyPart(k, "semver", List.of(s.toString())));
    keyPart(k, "exclude", exclude());
    keyPart(k, "soft_exclude", softExclude());
    keyPart(k, "include", include);
    sort.ifPresent(s -> k.append(k.length() == 0 ? "" : ";").append("sort=").append(sortName(s)));
    latest.ifPresent(n -> k.append(k.length() == 0 ? "" : ";").append("latest=").append(n));
    minTags.ifPresent(n -> k.append(k.length() == 0 ? "" : ";").append("min_tags=").append(n));
    immutableTags.ifPresent(g -> keyPart(k, "immutable_tags", List.of(g.pattern())));
    return k.toString();
  }

  private static void keyPart(StringBuilder k, String name, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    k.append(k.length() == 0 ? "" : ";").append(name).append("=[");
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i).replace("\\", "\\\\").replace("\"", "\\\"");
      k.append(i == 0 ? "" : ",").append('"').append(v).append('"');
    }
    k.append(']');
  }

  private static String sortName(Sort s) {
    return s == Sort.SEMVER ? "semver" : "alpha";
  }

  /** Equal when the {@link #key()}s are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof TagSelector s && s.key().equals(key());
  }

  @Override
  public int hashCode() {
    return key().hashCode();
  }

  /**
   * One line in the shape of ocync's filter description, for example
   * {@code semver >=1.0.0, latest=5}; {@code all tags} when no rule is set.
   */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (!globs.isEmpty()) {
      parts.add("glob " + String.join(",", globs()));
    }
    semver.ifPresent(s -> parts.add("semver " + s));
    if (!exclude.isEmpty() || !softExclude.isEmpty()) {
      List<String> all = new ArrayList<>(softExclude());
      all.addAll(exclude());
      parts.add("exclude " + String.join(",", all));
    }
    if (!include.isEmpty()) {
      parts.add("include " + String.join(",", include));
    }
    sort.ifPresent(s -> parts.add("sort " + sortName(s)));
    latest.ifPresent(n -> parts.add("latest=" + n));
    minTags.ifPresent(n -> parts.add("min_tags=" + n));
    immutableTags.ifPresent(g -> parts.add("immutable_tags " + g.pattern()));
    return parts.isEmpty() ? "all tags" : String.join(", ", parts);
  }

  /**
   * Builds a {@link TagSelector}. Setters check their own argument and replace what was set
   * before; {@link #build()} checks the combination.
   */
  public static final class Builder {
    private List<Glob> globs = List.of();
    private Optional<VersionRange> semver = Optional.empty();
    private List<Glob> exclude = List.of();
    private List<Glob> softExclude = List.of();
    private List<String> include = List.of();
    private Optional<Sort> sort = Optional.empty();
    private OptionalInt latest = OptionalInt.empty();
    private OptionalInt minTags = OptionalInt.empty();
    private Optional<Glob> immutableTags = Optional.empty();

    private Builder() {}

    /**
     * Keep tags matching any of these globs ({@code *}, {@code ?}, {@code [...]}); all tags when none.
     *
     * @throws IllegalArgumentException for an empty or malformed pattern, naming it
     */
    public Builder glob(String... patterns) {
      this.globs = compile("glob", patterns);
      return this;
    }

    /**
     * A version range: {@code >=1.2, <2}, {@code ^1.2}, {@code ~1.2.3}, {@code 1.x || 2.x}.
     *
     * <p>When every comma-separated part is a plain comparator ({@code >= <= > < =} or none, then
     * dotted numbers with an optional {@code v}), the range means exactly what it means in ocync:
     * the tag's numeric prefix is compared zero-padded, so {@code >=15.0} matches {@code 15.10.5}
     * and a bare {@code 1.2} means exactly 1.2. Anything else is an npm range (semver4j):
     * {@code ^ ~ x X *}, hyphen ranges {@code 1.2 - 1.4}, space- or comma-joined comparators, and
     * {@code ||}; write {@code 1.2.x} or {@code ~1.2} for "any 1.2". Tags are read leniently
     * ({@code v1.2}, {@code 1.2}, {@code 20240101}); tags that are not versions are dropped.
     * Pre-releases: only the numeric prefix counts in both syntaxes, so {@code 1.2.3-rc1} and
     * {@code 1.2.3-alpine} satisfy {@code >=1.2.3}; the built-in soft excludes are what keep
     * {@code -rc} and the like out.
     *
     * @throws IllegalArgumentException {@code invalid version range '<range>': <reason>}
     */
    public Builder semver(String range) {
      this.semver = Optional.of(VersionRange.parse(range));
      return this;
    }

    /** Hard excludes (the mapping's own): they apply to everything, literal includes too. */
    public Builder exclude(String... patterns) {
      this.exclude = compile("exclude", patterns);
      return this;
    }

    /** Soft excludes (inherited from defaults): an include glob rescues from them. */
    public Builder softExclude(String... patterns) {
      this.softExclude = compile("soft exclude", patterns);
      return this;
    }

    /** Literal tags to pin, or globs that rescue tags from {@code glob} and soft excludes. */
    public Builder include(String... tagsOrPatterns) {
      compile("include", tagsOrPatterns); // checks the globs; literals are kept as strings
      this.include = List.of(tagsOrPatterns);
      return this;
    }

    /** Order before {@code latest}. */
    public Builder sort(Sort sort) {
      this.sort = Optional.of(Objects.requireNonNull(sort, "sort"));
      return this;
    }

    /**
     * Keep the first {@code n} after sorting; needs {@link #sort}. {@code 0} keeps only literal includes.
     *
     * @throws IllegalArgumentException for a negative {@code n}
     */
    public Builder latest(int n) {
      this.latest = OptionalInt.of(nonNegative("latest", n));
      return this;
    }

    /**
     * Fail the mapping when fewer than {@code n} tags are kept.
     *
     * @throws IllegalArgumentException for a negative {@code n}
     */
    public Builder minTags(int n) {
      this.minTags = OptionalInt.of(nonNegative("min_tags", n));
      return this;
    }

    /** Tags matching this glob never change once pushed. */
    public Builder immutableTags(String glob) {
      this.immutableTags = Optional.of(Glob.compile(glob, false, "immutable_tags"));
      return this;
    }

    /** @throws IllegalArgumentException naming the rule, e.g. {@code latest} without {@code sort} */
    public TagSelector build() {
      if (latest.isPresent() && sort.isEmpty()) {
        throw new IllegalArgumentException("tags: latest requires sort to be set");
      }
      return new TagSelector(this);
    }

    private static int nonNegative(String what, int n) {
      if (n < 0) {
        throw new IllegalArgumentException("tags: " + what + " must be >= 0, got " + n);
      }
      return n;
    }

    private static List<Glob> compile(String what, String... patterns) {
      Objects.requireNonNull(patterns, what);
      List<Glob> out = new ArrayList<>(patterns.length);
      for (String p : patterns) {
        out.add(Glob.compile(p, false, what));
      }
      return List.copyOf(out);
    }
  }
}
