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
      // loopback tries HTTPS first; the first request may fall back (RegistryFallbackTest)
      "localhost:5000,             localhost:5000,    https://localhost:5000",
      "127.0.0.1:5000,             127.0.0.1:5000,    https://127.0.0.1:5000",
      "http://127.0.0.1:5000,      127.0.0.1:5000,    http://127.0.0.1:5000",
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

  @ParameterizedTest
  @ValueSource(strings = {"https://bot:hunter2@ghcr.io", "http://bot:hunter2@127.0.0.1:5000/", "bot:hunter2@ghcr.io"})
  void userInfoInARegistryUrlIsNeverQuoted(String input) {
    assertThatThrownBy(() -> Registry.of(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials in a registry URL are not used")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("bot:"));
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
