package dev.ocync.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {
  @Test
  void parsesOsArchVariant() {
    Platform p = Platform.parse("linux/arm64/v8");
    assertThat(p.os()).isEqualTo("linux");
    assertThat(p.architecture()).isEqualTo("arm64");
    assertThat(p.variant()).contains("v8");
    assertThat(p).hasToString("linux/arm64/v8");
    assertThat(Platform.parse("linux/amd64").variant()).isEmpty();
    assertThat(Platform.parse("linux/amd64")).isEqualTo(Platform.of("linux", "amd64"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "linux/am d64", "linux//v7"})
  void rejectsMalformedPlatformsQuotingTheInput(String input) {
    assertThatThrownBy(() -> Platform.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid platform \"" + input + "\"");
  }
}
