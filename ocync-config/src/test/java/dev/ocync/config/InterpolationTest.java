package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ${VAR} rules, applied to values after parsing, and secrets kept out of every message. */
class InterpolationTest {
  static final String CONFIG = """
      # ${NOT_EXPANDED:?comments are left alone}
      registries:
        hub:
          url: ${REGISTRY:-docker.io}
          auth_type: basic
          credentials: {username: "${USER_NAME}", password: "${PASSWORD}"}
      mappings:
        - {from: "${REPO:-library/alpine}", source: hub, targets: hub, tags: {semver: "${RANGE:->=1.0}"}}
      """;

  @Test
  void defaultsAndValues() throws IOException {
    try (OcyncConfig c = OcyncConfig.parse(CONFIG, "c.yaml", Map.of("USER_NAME", "me", "PASSWORD", "p: w"))) {
      assertThat(c.registries().get("hub").registry().orElseThrow().host()).isEqualTo("docker.io");
      assertThat(c.mappings().get(0).from()).isEqualTo("library/alpine");
    }
    try (OcyncConfig c = OcyncConfig.parse(CONFIG, "c.yaml", Map.of("REPO", "org/app", "REGISTRY", "", "USER_NAME", "me", "PASSWORD", "pw"))) {
      assertThat(c.mappings().get(0).from()).isEqualTo("org/app"); // :- also for an empty variable
      assertThat(c.registries().get("hub").registry().orElseThrow().host()).isEqualTo("docker.io");
    }
  }

  @Test
  void aValueWithColonSpaceCannotBreakTheDocument() throws IOException {
    String yaml = "registries:\n  hub: {url: docker.io}\nmappings:\n"
        + "  - {from: a, source: hub, targets: hub, tags: {glob: \"${G}\"}}\n";
    try (OcyncConfig c = OcyncConfig.parse(yaml, "c.yaml", Map.of("G", "v1: *\nmappings: x"))) {
      assertThat(c.mappings()).hasSize(1);
    }
  }

  @Test
  void requiredVariableAndLiterals() {
    String yaml = "registries:\n  hub: {url: \"${HOST:?set HOST to the registry}\"}\nmappings: []\n";
    assertThatThrownBy(() -> OcyncConfig.parse(yaml, "c.yaml", Map.of()))
        .hasMessageContaining("c.yaml:2:14: registries.hub.url: required environment variable not set: set HOST "
            + "to the registry");
    String noMessage = "registries:\n  hub: {url: \"${HOST:?}\"}\nmappings: []\n";
    assertThatThrownBy(() -> OcyncConfig.parse(noMessage, "c.yaml", Map.of()))
        .hasMessageContaining("required environment variable not set: HOST");
  }

  @Test
  void bareDollarStaysLiteral() throws IOException {
    String yaml = "registries:\n  hub: {url: docker.io}\nmappings:\n"
        + "  - {from: a, source: hub, targets: hub, tags: {include: [\"$HOME\"], sort: alpha, latest: 0}}\n";
    try (OcyncConfig c = OcyncConfig.parse(yaml, "c.yaml", Map.of("HOME", "/root"))) {
      assertThat(c.mappings().get(0).tags().select(java.util.List.of("$HOME", "/root")).kept())
          .containsExactly("$HOME");
    }
  }

  @Test
  void emptyBasicCredentialsAreAProblemNotAnError() {
    assertThatThrownBy(() -> OcyncConfig.parse(CONFIG, "c.yaml", Map.of("PASSWORD", "pw")))
        .hasMessageContaining("1 problem in the configuration:\n"
            + "c.yaml:6:29: registries.hub.credentials.username: must not be empty (it is ${USER_NAME} here)");
  }

  @Test
  void anExactTagFromTheEnvironmentIsNotShownWhenRefused() {
    String yaml = "registries:\n  hub: {url: docker.io}\nmappings:\n"
        + "  - {from: a, source: hub, targets: hub, tags: {glob: [\"${T}\"]}}\n";
    assertThatThrownBy(() -> OcyncConfig.parse(yaml, "c.yaml", Map.of("T", "s3cr3t tag")))
        .hasMessageContaining("mappings[0].tags.glob: exact tags: \"${T}\" is not a valid tag")
        .hasMessageNotContaining("s3cr3t");
  }

  @Test
  void secretsNeverAppearInProblems() {
    String yaml = """
        registries:
          hub: {url: "${HOST}", max_concurrent: "${N}"}
        mappings:
          - {from: a, source: hub, targets: hub, tags: {semver: "${RANGE}"}}
        """;
    Map<String, String> env = Map.of("HOST", "s3cr3t/host", "N", "s3cr3t-n", "RANGE", "s3cr3t-range");
    assertThatThrownBy(() -> OcyncConfig.parse(yaml, "c.yaml", env))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(3))
        .hasMessageContaining("${HOST}")
        .hasMessageContaining("${RANGE}")
        .hasMessageNotContaining("s3cr3t");
  }
}
