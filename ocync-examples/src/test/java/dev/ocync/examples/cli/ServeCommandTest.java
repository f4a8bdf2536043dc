package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ocync serve}'s refusals before it listens: each with its exit code and a message naming the input. */
class ServeCommandTest {
  @TempDir
  Path tmp;

  private Path config(String yaml) throws IOException {
    return Files.writeString(tmp.resolve("ocync.yaml"), yaml);
  }

  @Test
  void aConfigWithNothingToServeIsAConfigError() throws IOException {
    Path cfg = config("registries:\n  hub: {url: https://registry.example}\nmappings: []\n");
    MainTest.Run r = MainTest.run("serve", "-c", cfg.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains("no registry of type helm, oci-layout or oci-archive").contains("nothing to serve");
  }

  @Test
  void aMissingLayoutIsAConfigErrorNamingTheEntry() throws IOException {
    Path cfg = config("registries:\n  airgap: {type: oci-layout, path: " + tmp.resolve("absent") + "}\nmappings: []\n");
    MainTest.Run r = MainTest.run("serve", "-c", cfg.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains("registries.airgap").contains("does not exist");
  }

  @Test
  void anInvalidConfigIsAConfigError() throws IOException {
    Path cfg = config("registries: [\n");
    assertThat(MainTest.run("serve", "-c", cfg.toString()).code()).isEqualTo(3);
  }

  @Test
  void theClientTokenComesFromAFileOrTheEnvironmentNeverTheCommandLine() throws IOException {
    Path cfg = config("registries:\n  airgap: {type: oci-layout, path: " + tmp + "}\nmappings: []\n");
    MainTest.Run unset = MainTest.run(Map.of(), "serve", "-c", cfg.toString(), "--token-env", "SERVE_TOKEN");
    assertThat(unset.code()).isEqualTo(2);
    assertThat(unset.err()).contains("environment variable SERVE_TOKEN is not set");
    MainTest.Run spaced = MainTest.run(Map.of("SERVE_TOKEN", "two words"), "serve", "-c", cfg.toString(),
        "--token-env", "SERVE_TOKEN");
    assertThat(spaced.code()).isEqualTo(2);
    assertThat(spaced.err()).contains("the token in environment variable SERVE_TOKEN is empty or holds spaces")
        .doesNotContain("two words");
    MainTest.Run both = MainTest.run("serve", "-c", cfg.toString(), "--token-env", "X", "--htpasswd", "f");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("give one of --htpasswd, --token-file and --token-env");
    assertThat(MainTest.run("serve", "--help").out()).doesNotContain("--token ").contains("--token-file");
  }

  @Test
  void badListenAddressesAndSizesAreUsageErrors() throws IOException {
    Path cfg = config("registries:\n  airgap: {type: oci-layout, path: " + tmp + "}\nmappings: []\n");
    MainTest.Run noPort = MainTest.run("serve", "-c", cfg.toString(), "--listen", "127.0.0.1");
    assertThat(noPort.code()).isEqualTo(2);
    assertThat(noPort.err()).contains("--listen must be HOST:PORT, got \"127.0.0.1\"");
    MainTest.Run size = MainTest.run("serve", "-c", cfg.toString(), "--cache-size", "lots");
    assertThat(size.code()).isEqualTo(2);
    assertThat(size.err()).contains("--cache-size must be a size such as 512MiB");
    MainTest.Run tls = MainTest.run("serve", "-c", cfg.toString(), "--tls-cert", "c.pem");
    assertThat(tls.code()).isEqualTo(2);
    assertThat(tls.err()).contains("--tls-cert and --tls-key go together");
  }
}
