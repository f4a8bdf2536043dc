package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Platform;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PlatformFilterTest {
  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
      "linux/amd64,       linux/amd64,     true",
      "linux/amd64,       LINUX/AMD64,     true",
      "Linux/ARM64,       linux/arm64/v8,  true",   // no variant in the filter: any variant
      "linux/arm64/v8,    linux/arm64/V8,  true",
      "linux/arm64/v8,    linux/arm64,     false",  // filter names a variant the entry lacks
      "linux/arm/v7,      linux/arm/v6,    false",
      "linux/amd64,       linux/arm64,     false",
      "linux/amd64,       windows/amd64,   false",
  })
  void matchesOsAndArchitectureCaseInsensitivelyAndVariantOnlyWhenNamed(String filter, String entry, boolean expected) {
    assertThat(PlatformFilter.of(filter).matches(Platform.parse(entry))).isEqualTo(expected);
  }

  @Test
  void anyOfSeveralPlatformsMatchesAndOsVersionIsIgnored() {
    PlatformFilter f = PlatformFilter.of("linux/amd64", "windows/amd64");
    Platform windows = Platform.of("windows", "amd64", Optional.empty(), Optional.of("10.0.20348.2340"), List.of());
    assertThat(f.matches(windows)).isTrue();
    assertThat(f.matches(Platform.parse("linux/s390x"))).isFalse();
    assertThat(f.platforms()).containsExactly(Platform.parse("linux/amd64"), Platform.parse("windows/amd64"));
  }

  @Test
  void allKeepsEverythingAndHasAnEmptyKey() {
    assertThat(PlatformFilter.all().isAll()).isTrue();
    assertThat(PlatformFilter.all().matches(Platform.parse("plan9/386"))).isTrue();
    assertThat(PlatformFilter.all().platforms()).isEmpty();
    assertThat(PlatformFilter.all().key()).isEmpty();
    assertThat(PlatformFilter.all()).hasToString("all platforms");
    assertThat(PlatformFilter.of("linux/amd64").isAll()).isFalse();
  }

  @Test
  void keyIsSortedLowercasedAndIgnoresOrderAndDuplicates() {
    PlatformFilter a = PlatformFilter.of("linux/arm64/v8", "Linux/AMD64");
    PlatformFilter b = PlatformFilter.of("linux/amd64", "linux/arm64/v8", "linux/amd64");
    assertThat(a.key()).isEqualTo("linux/amd64,linux/arm64/v8");
    assertThat(b.key()).isEqualTo(a.key());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).hasToString("linux/arm64/v8,Linux/AMD64");
    assertThat(a).isNotEqualTo(PlatformFilter.of("linux/amd64"));
  }

  @Test
  void refusesAnEmptyListAndMalformedPlatformsNamingThem() {
    assertThatThrownBy(() -> PlatformFilter.of()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one platform");
    assertThatThrownBy(() -> PlatformFilter.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PlatformFilter.of("linux/amd64", "linux"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"linux\"");
    assertThatThrownBy(() -> PlatformFilter.of("linux//v7"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("linux//v7");
  }
}
