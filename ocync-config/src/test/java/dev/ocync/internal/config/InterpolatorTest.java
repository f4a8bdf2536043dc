package dev.ocync.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.internal.config.Node.Location;
import dev.ocync.internal.config.Node.ScalarNode;
import dev.ocync.internal.config.Node.ScalarType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpolatorTest {
  static ScalarNode expand(String text, Map<String, String> env, Problems problems) {
    return (ScalarNode) Interpolator.expand(ScalarNode.plain(new Location("f", 1, 1), ScalarType.STRING, text), env,
        problems);
  }

  @Test
  void unclosedAndUnsetAndMarking() {
    Problems p = new Problems();
    assertThat(expand("a${OPEN", Map.of("OPEN", "x"), p).text()).isEqualTo("a${OPEN");
    assertThat(expand("a${UNSET}b", Map.of(), p).text()).isEqualTo("ab");
    assertThat(p.warnings()).singleElement().hasToString("f:1:1: environment variable UNSET is not set; ${UNSET} "
        + "is empty (write ${UNSET:?message} to require it)");
    ScalarNode secret = expand("pre-${S}", Map.of("S", "hidden"), p);
    assertThat(secret.text()).isEqualTo("pre-hidden");
    assertThat(secret.secret()).isTrue();
    assertThat(secret.shown()).isEqualTo("pre-${S}");
    assertThat(secret.toString()).doesNotContain("hidden");
    assertThat(secret.redact("bad value pre-hidden")).isEqualTo("bad value pre-${S}");
    ScalarNode fromDefault = expand("${S:-dflt}", Map.of(), p);
    assertThat(fromDefault.text()).isEqualTo("dflt");
    assertThat(fromDefault.secret()).isFalse();
    assertThat(p.isEmpty()).isTrue();
    expand("${not-a-name}", Map.of(), p);
    assertThat(p.size()).isEqualTo(1);
  }

  @Test
  void numbersAndKeysAreNotExpanded() {
    Problems p = new Problems();
    Node n = TreeReader.read("f", "${K}: ${V}\nn: 5\n", false, p).orElseThrow();
    Node.MapNode m = (Node.MapNode) Interpolator.expand(n, Map.of("K", "k", "V", "v"), p);
    assertThat(m.entries()).containsOnlyKeys("${K}", "n");
    assertThat(((ScalarNode) m.entries().get("${K}").value()).text()).isEqualTo("v");
  }
}
