package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inputs that would cost too much fail at once with a clear message. */
class LimitsTest {
  @Test
  void aliasBombFailsFast() {
    StringBuilder yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    yaml.append("mappings: []\n");
    assertThatThrownBy(() -> OcyncConfig.parse(yaml.toString(), "bomb.yaml", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bomb.yaml:")
        .hasMessageContaining("expands to more than 100000 values (YAML aliases count as copies)");
  }

  @Test
  void aFewAliasesAreFine() throws IOException {
    String yaml = """
        registries:
          hub: {url: docker.io}
        defaults:
          tags: &t {sort: semver, latest: 2}
        mappings:
          - {from: a, source: hub, targets: hub, tags: *t}
        """;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "c.yaml", Map.of())) {
      assertThat(c.mappings().get(0).tags().select(java.util.List.of("1", "2", "3")).kept()).containsExactly("3", "2");
    }
  }

  @Test
  void deepNestingFailsFast() {
    String yaml = "mappings: " + "[".repeat(200) + "]".repeat(200) + "\n";
    assertThatThrownBy(() -> OcyncConfig.parse(yaml, "deep.yaml", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nesting deeper than 64 levels");
  }

  @Test
  void oversizedStreamIsRefusedBeforeParsing() {
    byte[] big = new byte[4 * 1024 * 1024 + 10];
    java.util.Arrays.fill(big, (byte) ' ');
    assertThatThrownBy(() -> OcyncConfig.read(new java.io.ByteArrayInputStream(big), "big.yaml", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("big.yaml: the input is larger than");
  }
}
