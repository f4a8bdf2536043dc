package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryTest {
  @Test
  void defaultUserAgentCarriesTheBuildVersion() throws IOException {
    try (Registry r = Registry.of("ghcr.io")) {
      // the build filters version.properties; the pom's version is a -SNAPSHOT or a release
      assertThat(r.userAgent()).matches("ocync/[0-9]+\\.[0-9]+\\.[0-9]+.*").doesNotContain("${");
    }
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource({
      "ghcr.io,                    ghcr.io,           https://ghcr.io",
      "https://ghcr.io/,           ghcr.io,           https://ghcr.io",
      "http://registry.lan:5000,   registry.lan:5000, http://registry.lan:5000",
      "docker.io,                  docker.io,         https://registry-1.docker.io",
      "index.docker.io,            docker.io,         https://registry-1.docker.io",
      "localhost:5000,             localhost:5000,    http://localhost:5000",
      "127.0.0.1:5000,             127.0.0.1:5000,    http://127.0.0.1:5000",
      "https://127.0.0.1:5443,     127.0.0.1:5443,    https://127.0.0.1:5443",
      "registry.lan:5000,          registry.lan:5000, https://registry.lan:5000",
  })
  void hostAndSchemeFollowDockerRules(String input, String host, String base) throws IOException {
    try (Registry r = Registry.of(input)) {
      assertThat(r.host()).isEqualTo(host);
      assertThat(r.baseUri()).hasToString(base);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ghcr.io/org", "https://ghcr.io/v2/", "ho st", "host:0", ""})
  void rejectsWhatIsNotAHostNamingIt(String input) {
    assertThatThrownBy(() -> Registry.of(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid registry \"" + input + "\"");
  }

  @Test
  void builderValidatesEagerly() {
    Registry.Builder b = Registry.builder("ghcr.io");
    assertThatThrownBy(() -> b.readTimeout(Duration.ZERO)).hasMessageContaining("read timeout must be positive");
    assertThatThrownBy(() -> b.maxManifestBytes(0)).hasMessageContaining("max manifest bytes");
    assertThatThrownBy(() -> b.userAgent("a\nb")).hasMessageContaining("invalid user agent");
    assertThatThrownBy(() -> Registry.of("ghcr.io").repository("Org/App"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uppercase");
  }
}
