package dev.ocync;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which tags of a source repository a {@code Mapping} mirrors, with the Rust ocync's semantics:
 * {@code glob} patterns (OR), a {@code semver} range, three exclude tiers (hard: the mapping's own
 * {@code exclude}; soft: inherited defaults and the built-in pre-release list {@code *-rc*},
 * {@code *-alpha*}, {@code *-beta*}, {@code *-pre*}, {@code *-snapshot*}, {@code *-nightly*}),
 * {@code include} (a literal pins a tag, a glob rescues from glob and soft excludes), {@code sort}
 * (descending), {@code latest: N}, {@code min_tags} and {@code immutable_tags}.
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
    public Selection {
      kept = List.copyOf(kept);
      dropped = List.copyOf(dropped);
    }
  }

  private TagSelector() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Every tag, minus the built-in pre-release excludes: what {@code tags: {}} means. */
  public static TagSelector all() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Exactly these tags, with no tag listing; a tag missing at the source fails that image. */
  public static TagSelector exact(String... tags) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** A builder; {@link Builder#build()} checks the rules together. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this selector's rules. */
  public Builder newBuilder() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /**
   * The tags to mirror when they can be used as given without listing the source: every
   * {@code glob} is a literal and nothing else is set. Empty otherwise.
   */
  public Optional<List<String>> exactTags() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Applies the rules to a source's tag list. Pure. */
  public Selection select(List<String> tags) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** {@code min_tags}: fewer kept tags fail the mapping (not the run). */
  public OptionalInt minTags() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether {@code tag} matches {@code immutable_tags}; such a tag present at every target is skipped unseen. */
  public boolean isImmutable(String tag) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether any {@code immutable_tags} glob is set (then the engine lists target tags once). */
  public boolean hasImmutableTags() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** A stable key of the rules, equal for equal rules on every run and machine. */
  public String key() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Builds a {@link TagSelector}. Setters check their own argument; {@link #build()} the combination. */
  public static final class Builder {
    private Builder() {}

    /** Keep tags matching any of these globs ({@code *}, {@code ?}, {@code [...]}); all tags when none. */
    public Builder glob(String... patterns) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** A version range: {@code >=1.2, <2}, {@code ^1.2}, {@code ~1.2.3}, {@code 1.x || 2.x}. */
    public Builder semver(String range) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Hard excludes (the mapping's own): they apply to everything, literal includes too. */
    public Builder exclude(String... patterns) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Soft excludes (inherited from defaults): an include glob rescues from them. */
    public Builder softExclude(String... patterns) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Literal tags to pin, or globs that rescue tags from {@code glob} and soft excludes. */
    public Builder include(String... tagsOrPatterns) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Order before {@code latest}. */
    public Builder sort(Sort sort) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Keep the first {@code n} after sorting; needs {@link #sort}. */
    public Builder latest(int n) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Fail the mapping when fewer than {@code n} tags are kept. */
    public Builder minTags(int n) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** Tags matching this glob never change once pushed. */
    public Builder immutableTags(String glob) {
      throw new UnsupportedOperationException("filled in by the selection work");
    }

    /** @throws IllegalArgumentException naming the rule, e.g. {@code latest} without {@code sort} */
    public TagSelector build() {
      throw new UnsupportedOperationException("filled in by the selection work");
    }
  }
}
