package dev.ocync.oci;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image platform as in an index entry: {@code os/architecture[/variant]} plus optional
 * {@code os.version} and {@code os.features}.
 *
 * <pre>{@code
 * Platform p = Platform.parse("linux/arm64/v8");
 * }</pre>
 */
public final class Platform {
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.-]+");

  private final String os;
  private final String architecture;
  private final Optional<String> variant;
  private final Optional<String> osVersion;
  private final List<String> osFeatures;

  private Platform(String os, String architecture, Optional<String> variant, Optional<String> osVersion,
      List<String> osFeatures) {
    this.os = os;
    this.architecture = architecture;
    this.variant = variant;
    this.osVersion = osVersion;
    this.osFeatures = List.copyOf(osFeatures);
  }

  /** A platform from its parts; {@code variant} may be empty. */
  public static Platform of(String os, String architecture, Optional<String> variant, Optional<String> osVersion,
      List<String> osFeatures) {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    if (os.isEmpty() || architecture.isEmpty()) {
      throw new IllegalArgumentException("platform needs a non-empty os and architecture, got os=\"" + os
          + "\" architecture=\"" + architecture + "\"");
    }
    return new Platform(os, architecture, variant.filter(v -> !v.isEmpty()), osVersion.filter(v -> !v.isEmpty()),
        osFeatures);
  }

  /** {@code os/architecture}. */
  public static Platform of(String os, String architecture) {
    return of(os, architecture, Optional.empty(), Optional.empty(), List.of());
  }

  /**
   * Parses {@code os/architecture[/variant]}, for example {@code linux/amd64} or {@code linux/arm/v7}.
   *
   * @throws IllegalArgumentException naming the input and the rule it broke
   */
  public static Platform parse(String value) {
    Objects.requireNonNull(value, "platform");
    String[] parts = value.split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw new IllegalArgumentException(
          "invalid platform \"" + value + "\": expected os/architecture[/variant], for example linux/amd64");
    }
    for (String part : parts) {
      if (!PART.matcher(part).matches()) {
        throw new IllegalArgumentException("invalid platform \"" + value + "\": \"" + part
            + "\" is empty or has characters outside [A-Za-z0-9_.-]");
      }
    }
    return of(parts[0], parts[1], parts.length == 3 ? Optional.of(parts[2]) : Optional.empty(), Optional.empty(),
        List.of());
  }

  /** Operating system, for example {@code linux}. */
  public String os() {
    return os;
  }

  /** CPU architecture, for example {@code amd64}. */
  public String architecture() {
    return architecture;
  }

  /** CPU variant, for example {@code v8}. */
  public Optional<String> variant() {
    return variant;
  }

  /** {@code os.version}, set for Windows images. */
  public Optional<String> osVersion() {
    return osVersion;
  }

  /** {@code os.features}. */
  public List<String> osFeatures() {
    return osFeatures;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Platform p && p.os.equals(os) && p.architecture.equals(architecture)
        && p.variant.equals(variant) && p.osVersion.equals(osVersion) && p.osFeatures.equals(osFeatures);
  }

  @Override
  public int hashCode() {
    return Objects.hash(os, architecture, variant, osVersion, osFeatures);
  }

  /** {@code os/architecture[/variant]}. */
  @Override
  public String toString() {
    return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
  }
}
