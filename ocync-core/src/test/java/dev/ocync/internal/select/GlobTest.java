package dev.ocync.internal.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {
  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource({
      "*,            anything,       true",
      "1.*,          1.25.3,         true",
      "1.*,          11.0,           false",
      "v?.*,         v1.2,           true",
      "v?.*,         v10.2,          false",
      "*-r[0-9]*,    1.2-r3,         true",
      "*-r[0-9]*,    1.2-rc1,        false",
      "*-r[!0-9]*,   1.2-rc1,        true",
      "*-r[^0-9]*,   1.2-r3,         false",
      "'{1,2}.*',    2.0,            true",
      "'{1,2}.*',    3.0,            false",
      "'a{b,c*}',    acdef,          true",
      "1.0,          1.0,            true",
      "1.0,          1x0,            false",    // '.' is literal, not regex
      "1.*,          1.0-alpine,     true",
      "\\*,          *,              true",
      "\\*,          a,              false",
      "'[]a]',       ],              true",
      "'[a-]',       -,              true",
      "Latest,       latest,         false",    // case-sensitive
      "'a,b',        'a,b',          true",     // comma outside braces is literal
  })
  void matchesLikeGlobset(String pattern, String tag, boolean expected) {
    assertThat(Glob.compile(pattern, false, "glob").matches(tag)).isEqualTo(expected);
  }

  @Test
  void caseInsensitiveOnRequest() {
    assertThat(Glob.compile("*-rc*", true, "x").matches("1.0-RC1")).isTrue();
    assertThat(Glob.compile("*-rc*", false, "x").matches("1.0-RC1")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[invalid | unclosed character class",
      "a{b      | unclosed alternation",
      "a}b      | unopened alternation",
      "{a,{b}}  | nested alternation",
      "abc\\    | dangling escape",
      "[z-a]    | invalid range z-a",
  })
  void malformedPatternsAreRefusedNamingThem(String pattern, String reason) {
    assertThatThrownBy(() -> Glob.compile(pattern, false, "exclude"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid exclude pattern \"" + pattern + "\": ")
        .hasMessageContaining(reason);
  }

  @Test
  void emptyAndOverlongPatternsAreRefused() {
    assertThatThrownBy(() -> Glob.compile("", false, "glob")).hasMessage("invalid glob pattern \"\": empty");
    assertThatThrownBy(() -> Glob.compile("*".repeat(2000), false, "glob")).hasMessageContaining("longer than");
  }

  @Test
  void literalMeansNoGlobSyntax() {
    assertThat(Glob.isLiteral("v1.2.3-rc1")).isTrue();
    assertThat(Glob.isLiteral("latest")).isTrue();
    assertThat(Glob.isLiteral("*-dev")).isFalse();
    assertThat(Glob.isLiteral("v?.1")).isFalse();
    assertThat(Glob.isLiteral("foo[abc]")).isFalse();
    assertThat(Glob.isLiteral("{a,b}")).isFalse();
  }
}
