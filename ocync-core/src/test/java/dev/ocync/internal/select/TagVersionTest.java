package dev.ocync.internal.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TagVersionTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.21.5                   | 1.21.5",
      "15.10                    | 15.10",
      "21                       | 21",
      "v1.27.6                  | 1.27.6",
      "v0                       | 0",
      "21.0.5_11                | 21.0.5.11",
      "20240101                 | 20240101",
      "1.0-                     | 1.0",
      "1.0---                   | 1.0",
      "15.10-alpine             | 15.10 [alpine]",
      "1.25.5-r0                | 1.25.5 [r, 0]",
      "25.0.3_9-jre-alpine-3.23 | 25.0.3.9 [jre, alpine, 3, 23]",
      "1.2.3-rc1                | 1.2.3 [rc, 1]",
      "18446744073709551615     | 18446744073709551615",
      // Helm's OCI tags for chart versions with build metadata: + is written _
      "1.1.0_build.7            | 1.1.0",
      "v2.0.0_abc-1             | 2.0.0",
      "1.2.3-rc.1_b2            | 1.2.3 [rc, 1, b, 2]",
  })
  void parsesLeniently(String tag, String shown) {
    assertThat(TagVersion.parse(tag)).hasValueSatisfying(v -> assertThat(v).hasToString(shown));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "v", "latest", "lts-iron", "17rc1", "1.24rc2", "1..2", "1.", ".1", "-1",
      "V1.2", "1111111111111111111111111", "sha256-abc", "latest_1", "_1", "1.0_", "1.0_a+b"})
  void rejectsWhatIsNotAVersion(String tag) {
    assertThat(TagVersion.parse(tag)).isEmpty();
  }

  @Test
  void ordersAsOcyncDoes() {
    List<String> ascending = List.of("1.0.0-alpha", "1.0.0-rc1", "1.0.0-rc2", "1.0.0-rc10", "1.0.0",
        "1.1.0-1", "1.1.0-beta1", "1.1.0", "1.2", "1.10", "2", "10.0.0");
    List<String> shuffled = new ArrayList<>(ascending);
    Collections.shuffle(shuffled, new java.util.Random(42));
    shuffled.sort((a, b) -> TagVersion.parse(a).orElseThrow().compareTo(TagVersion.parse(b).orElseThrow()));
    assertThat(shuffled).isEqualTo(ascending);
  }

  @Test
  void zeroPaddedPrefixesAreEqualAndSuffixLengthBreaksTies() {
    assertThat(TagVersion.parse("1.2").orElseThrow()).isEqualTo(TagVersion.parse("v1.2.0").orElseThrow())
        .hasSameHashCodeAs(TagVersion.parse("v1.2.0").orElseThrow());
    assertThat(TagVersion.parse("1.0-r1").orElseThrow().compareTo(TagVersion.parse("1.0-r1.1").orElseThrow()))
        .isNegative();
    // numbers above Long.MAX_VALUE still compare as unsigned
    assertThat(TagVersion.parse("18446744073709551615").orElseThrow()
        .compareTo(TagVersion.parse("9223372036854775807").orElseThrow())).isPositive();
  }
}
