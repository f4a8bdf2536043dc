package dev.ocync;

import dev.ocync.oci.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which platforms of a multi-platform index a {@code Mapping} mirrors. Matching compares
 * {@code os} and {@code architecture} case-insensitively, and the variant (also case-insensitively)
 * only when the filter names one ({@code linux/arm64} matches {@code linux/arm64/v8}, but
 * {@code linux/arm64/v8} does not match an entry without a variant). {@code os.version} and
 * {@code os.features} are not compared. When a filter drops entries the engine writes a new index,
 * deterministically; when every entry matches, the source bytes go unchanged. Single-platform
 * images always pass.
 *
 * <pre>{@code
 * PlatformFilter f = PlatformFilter.of("linux/amd64", "linux/arm64");
 * f.matches(Platform.parse("linux/arm64/v8"));   // true
 * }</pre>
 */
public final class PlatformFilter {
  private static final PlatformFilter ALL = new PlatformFilter(List.of());

  private final List<Platform> platforms;

  private PlatformFilter(List<Platform> platforms) {
    this.platforms = List.copyOf(platforms);
  }

  /** Every platform: indexes are copied as they are. */
  public static PlatformFilter all() {
    return ALL;
  }

  /**
   * These platforms, each {@code os/architecture[/variant]}.
   *
   * @throws IllegalArgumentException for an empty list or a malformed platform, naming it
   */
  public static PlatformFilter of(String... platforms) {
    Objects.requireNonNull(platforms, "platforms");
    List<Platform> parsed = new ArrayList<>(platforms.length);
    for (String p : platforms) {
      parsed.add(Platform.parse(Objects.requireNonNull(p, "platform")));
    }
    return of(parsed);
  }

  /**
   * These platforms.
   *
   * @throws IllegalArgumentException for an empty list
   */
  public static PlatformFilter of(List<Platform> platforms) {
    Objects.requireNonNull(platforms, "platforms");
    if (platforms.isEmpty()) {
      throw new IllegalArgumentException(
          "platform filter needs at least one platform (use PlatformFilter.all() to keep every platform)");
    }
    platforms.forEach(p -> Objects.requireNonNull(p, "platform"));
    return new PlatformFilter(platforms);
  }

  /** Whether this filter keeps everything. */
  public boolean isAll() {
    return platforms.isEmpty();
  }

  /** The platforms named, in the order given; empty for {@link #all()}. */
  public List<Platform> platforms() {
    return platforms;
  }

  /** Whether an index entry of this platform is kept. Pure. */
  public boolean matches(Platform platform) {
    Objects.requireNonNull(platform, "platform");
    if (isAll()) {
      return true;
    }
    for (Platform want : platforms) {
      if (want.os().equalsIgnoreCase(platform.os())
          && want.architecture().equalsIgnoreCase(platform.architecture())
          && variantMatches(want.variant(), platform.variant())) {
        return true;
      }
    }
    return false;
  }

  private static boolean variantMatches(Optional<String> want, Optional<String> have) {
    return want.isEmpty() || (have.isPresent() && want.get().equalsIgnoreCase(have.get()));
  }

  /**
   * A stable key (lowercased, sorted, comma-joined, duplicates removed) for the cache; empty string
   * for {@link #all()}. Filters that match the same platforms in another order have the same key.
   */
  public String key() {
    return String.join(",", platforms.stream().map(p -> p.toString().toLowerCase(Locale.ROOT))
        .distinct().sorted().toList());
  }

  /** Equal when the {@link #key()}s are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PlatformFilter f && f.key().equals(key());
  }

  @Override
  public int hashCode() {
    return key().hashCode();
  }

  /** The platforms as given, comma-joined, or {@code all platforms}. */
  @Override
  public String toString() {
    return isAll() ? "all platforms"
        : String.join(",", platforms.stream().map(Platform::toString).toList());
  }
}
