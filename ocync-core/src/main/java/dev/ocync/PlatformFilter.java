package dev.ocync;

import dev.ocync.oci.Platform;
import java.util.List;

/**
 * Which platforms of a multi-platform index a {@code Mapping} mirrors. Matching compares
 * {@code os} and {@code architecture} case-insensitively, and the variant only when the filter
 * names one ({@code linux/arm64} matches {@code linux/arm64/v8}). When a filter drops entries the
 * engine writes a new index, deterministically; when every entry matches, the source bytes go
 * unchanged. Single-platform images always pass.
 *
 * <pre>{@code
 * PlatformFilter f = PlatformFilter.of("linux/amd64", "linux/arm64");
 * f.matches(Platform.parse("linux/arm64/v8"));   // true
 * }</pre>
 */
public final class PlatformFilter {
  private PlatformFilter() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Every platform: indexes are copied as they are. */
  public static PlatformFilter all() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /**
   * These platforms, each {@code os/architecture[/variant]}.
   *
   * @throws IllegalArgumentException for an empty list or a malformed platform, naming it
   */
  public static PlatformFilter of(String... platforms) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** These platforms. */
  public static PlatformFilter of(List<Platform> platforms) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether this filter keeps everything. */
  public boolean isAll() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** The platforms named, in the order given; empty for {@link #all()}. */
  public List<Platform> platforms() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** Whether an index entry of this platform is kept. Pure. */
  public boolean matches(Platform platform) {
    throw new UnsupportedOperationException("filled in by the selection work");
  }

  /** A stable key (sorted, comma-joined) for the cache; empty string for {@link #all()}. */
  public String key() {
    throw new UnsupportedOperationException("filled in by the selection work");
  }
}
