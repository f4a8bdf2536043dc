package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void parsesBearerWithQuotedCommas() {
    List<Challenge> cs = Challenge.parse(List.of(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            + "scope=\"repository:samalba/my-app:pull,push\""));
    assertThat(cs).hasSize(1);
    Challenge c = cs.get(0);
    assertThat(c.isBearer()).isTrue();
    assertThat(c.param("realm")).hasValue("https://auth.docker.io/token");
    assertThat(c.param("service")).hasValue("registry.docker.io");
    assertThat(c.scopes()).containsExactly("repository:samalba/my-app:pull,push");
  }

  @Test
  void parsesSeveralChallengesInOneHeaderAndAcrossHeaders() {
    List<Challenge> cs = Challenge.parse(List.of(
        "Basic realm=\"Registry, with comma\", Bearer realm=\"https://a/t\", error=\"insufficient_scope\","
            + " scope=\"repository:a:pull repository:b:pull\"",
        "Negotiate"));
    assertThat(cs).extracting(Challenge::scheme).containsExactly("basic", "bearer", "negotiate");
    assertThat(cs.get(0).param("realm")).hasValue("Registry, with comma");
    assertThat(cs.get(1).insufficientScope()).isTrue();
    assertThat(cs.get(1).scopes()).containsExactly("repository:a:pull", "repository:b:pull");
  }

  @Test
  void toleratesUnquotedValuesEscapesAndCase() {
    List<Challenge> cs = Challenge.parse(List.of("BEARER Realm=https://x/token,Service=reg, a=\"q\\\"x\""));
    assertThat(cs).hasSize(1);
    assertThat(cs.get(0).param("realm")).hasValue("https://x/token");
    assertThat(cs.get(0).param("service")).hasValue("reg");
    assertThat(cs.get(0).param("a")).hasValue("q\"x");
  }
}
