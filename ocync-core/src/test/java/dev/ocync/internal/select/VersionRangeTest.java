package dev.ocync.internal.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionRangeTest {
  @ParameterizedTest(name = "{0} admits {1}: {2}")
  @CsvSource(delimiter = ';', value = {
      // ocync comparators: numeric prefix, zero-padded, every component counts
      ">=1.18.0        ; 1.18.0       ; true",
      ">=1.18.0        ; 1.17.9       ; false",
      ">=15.0          ; 15.10.5      ; true",
      ">=1.2.3         ; 1.2.3-rc1    ; true",
      ">=1.2.3         ; 1.2.3-alpine ; true",
      ">=1.0, <2       ; 1.9.9        ; true",
      ">=1.0, <2       ; 2.0          ; false",
      ">= v1.0 , < v2  ; v1.5         ; true",
      "1.2             ; 1.2.0        ; true",
      "1.2             ; 1.2.5        ; false",
      "=1.2.3          ; v1.2.3       ; true",
      ">1.2.3          ; 1.2.3.1      ; true",
      "<=20240101      ; 20240101     ; true",
      "<=20240101      ; 20240102     ; false",
      // npm ranges through semver4j
      "^1.2            ; 1.9.0        ; true",
      "^1.2            ; 2.0.0        ; false",
      "^0.2.3          ; 0.2.9        ; true",
      "^0.2.3          ; 0.3.0        ; false",
      "~1.2.3          ; 1.2.9        ; true",
      "~1.2.3          ; 1.3.0        ; false",
      "1.2.x           ; 1.2.7        ; true",
      "1.x || 3.x      ; 3.1          ; true",
      "1.x || 3.x      ; 2.1          ; false",
      "*               ; 0.0.1        ; true",
      "1.2 - 1.4       ; 1.4.9        ; true",
      "1.2 - 1.4       ; 1.5.0        ; false",
      "^1.2 <1.5       ; 1.6.0        ; false",   // semver4j alone would drop the ^ here
      "^1.2, <1.5      ; 1.4.0        ; true",
      ">= 1.2 < 1.5    ; 1.3          ; true",
      "^1.2            ; 1.3.0-rc1    ; true",    // only the numeric prefix counts
      "^1.2            ; v1.3-alpine  ; true",
      ">=1.2.3-rc.1    ; 1.2.3        ; true",
      "^1.2            ; 1.2.3.4      ; true",    // fourth component ignored by npm ranges
      ">=1.0 || <0.5   ; 4294967296   ; false",   // too large for an npm version
  })
  void admits(String range, String tag, boolean expected) {
    assertThat(VersionRange.parse(range).matches(TagVersion.parse(tag).orElseThrow())).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "''                 ; empty range",
      "'   '              ; empty range",
      ">= not_a_version   ; cannot read '>=not_a_version'",
      "garbage            ; cannot read 'garbage'",
      "foo || 1.x         ; cannot read 'foo'",
      "1.x ||             ; empty alternative",
      ">>1                ; cannot read '>>1'",
      "^x                 ; cannot read '^x'",
      ">=99999999999999999999 ; malformed bound '99999999999999999999'",
  })
  void refusesBadRangesNamingThem(String range, String reason) {
    assertThatThrownBy(() -> VersionRange.parse(range))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid version range '" + range + "': ")
        .hasMessageContaining(reason);
  }
}
