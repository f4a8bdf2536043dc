package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.TagSelector;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ocync's own recipes and examples load unchanged and give the mappings they describe. */
class ConfigLoadTest {
  static final Path EXAMPLES = Path.of("..", "examples", "config");
  static final Map<String, String> ENV = Map.of("AWS_ACCOUNT_ID", "123456789012", "DOCKERHUB_USERNAME", "me",
      "DOCKERHUB_ACCESS_TOKEN", "dckr_pat_secret");

  @Test
  void argoCdChartAndImagesRecipe() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(EXAMPLES.resolve("argocd-chart-and-images.yaml"), ENV)) {
      assertThat(c.mappings()).hasSize(2);
      ConfigMapping chart = c.mappings().get(0);
      assertThat(chart.from()).isEqualTo("argoproj/argo-helm/argo-cd");
      assertThat(chart.to()).isEqualTo("argo/argo-cd");
      assertThat(chart.source().registry().orElseThrow().host()).isEqualTo("ghcr.io");
      assertThat(chart.targets()).extracting(Endpoint::alias).containsExactly("ecr");
      assertThat(chart.targets().get(0).registry().orElseThrow().host())
          .isEqualTo("123456789012.dkr.ecr.us-east-1.amazonaws.com");
      // literal globs and no defaults.tags: ocync's exact-tag fast path (no tag listing)
      assertThat(chart.tags().exactTags()).contains(List.of("7.6.0"));
      assertThat(c.mappings().get(1).tags().exactTags()).contains(List.of("v2.13.0"));
      assertThat(c.mappings().get(1).source().alias()).isEqualTo("quay");
      assertThat(chart.platforms().isAll()).isTrue();
      assertThat(chart.artifacts().enabled()).isTrue();
    }
  }

  @Test
  void certManagerShapeTakesTagsFromDefaultsAndToFromFrom() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(EXAMPLES.resolve("cert-manager-chart-and-images.yaml"),
        Map.of("MIRROR_USER", "u", "MIRROR_PASSWORD", "p"))) {
      assertThat(c.mappings()).extracting(ConfigMapping::to).containsExactly("charts/cert-manager",
          "jetstack/cert-manager-controller", "jetstack/cert-manager-webhook", "jetstack/cert-manager-cainjector");
      assertThat(c.registries().get("mirror").registry().orElseThrow().host()).isEqualTo("registry.example.com");
      TagSelector tags = c.mappings().get(1).tags();
      assertThat(tags.exactTags()).isEmpty();
      assertThat(tags.select(List.of("v1.14.5", "v1.15.0", "v1.15.1", "v1.15.2", "v1.15.3", "v1.16.0")).kept())
          .containsExactly("v1.15.3", "v1.15.2", "v1.15.1");
    }
  }

  @Test
  void dockerHubFanOutLoadsAlthoughTheRustToolRejectsIt() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(EXAMPLES.resolve("dockerhub-fan-out.yaml"), ENV)) {
      assertThat(c.mappings()).hasSize(3);
      for (ConfigMapping m : c.mappings()) {
        assertThat(m.targets()).extracting(Endpoint::alias).containsExactly("ecr-east", "ecr-west");
        assertThat(m.platforms().platforms()).hasSize(2);
      }
      // postgres: semver and latest from the mapping, sort from defaults, soft excludes from defaults
      TagSelector postgres = c.mappings().get(2).tags();
      assertThat(postgres.select(List.of("14.9", "15.1", "15.2", "16.0", "16.1", "16.1-debug", "17.0-rc1")).kept())
          .containsExactly("16.1", "16.0", "15.2");
      assertThat(postgres.minTags()).hasValue(1);
      TagSelector nginx = c.mappings().get(0).tags();
      assertThat(nginx.select(List.of("1.25.0", "1.25.1-debug")).kept()).containsExactly("1.25.0");
      assertThat(c.toString()).doesNotContain("dckr_pat_secret");
    }
  }

  @Test
  void localLayoutsAndPlainHttp() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(EXAMPLES.resolve("local-layouts.yaml"), Map.of())) {
      Endpoint example = c.registries().get("example");
      assertThat(example.type()).isEqualTo(Endpoint.Type.OCI_LAYOUT);
      assertThat(example.path().orElseThrow()).isEqualTo(Path.of("..", "examples", "bundle").toAbsolutePath()
          .normalize());
      assertThat(c.registries().get("bundle").type()).isEqualTo(Endpoint.Type.OCI_ARCHIVE);
      assertThat(c.registries().get("local").registry().orElseThrow().plainHttp()).isTrue();
      assertThat(c.cacheDir()).isEqualTo(Path.of("..", "target", "ocync-cache").toAbsolutePath().normalize());
      assertThat(c.cacheTtl()).isZero();
      assertThat(c.mappings().get(0).targets()).extracting(Endpoint::alias).containsExactly("copy", "bundle");
      assertThat(c.syncerBuilder().build().registries()).containsKey("127.0.0.1:5000");
    }
  }

  @Test
  void globalDefaultsAndValues() throws IOException {
    String yaml = """
        global:
          max_concurrent_transfers: 8
          cache_ttl: 30m
          staging_size_limit: 2GB
        registries:
          hub: {url: docker.io}
        mappings:
          - {from: library/alpine, source: hub, targets: hub, tags: {glob: "3.*", sort: alpha, latest: 1}}
        """;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "inline.yaml", Map.of())) {
      assertThat(c.maxConcurrentTransfers()).isEqualTo(8);
      assertThat(c.cacheTtl()).hasMinutes(30);
      assertThat(c.stagingSizeLimit()).hasValue(2_000_000_000L);
      assertThat(c.mappings().get(0).tags().select(List.of("3.19", "3.20", "edge")).kept()).containsExactly("3.20");
    }
  }

  @Test
  void maxConcurrentAndHeadFirstReachTheRegistryAndAbsentKeepTheLibraryDefaults() throws IOException {
    String yaml = """
        registries:
          hub: {url: docker.io, max_concurrent: 3, head_first: false}
          quay: {url: quay.io}
          bundle: {type: oci-layout, path: bundle, max_concurrent: 2}
        mappings:
          - {from: library/alpine, source: hub, targets: quay, tags: {glob: "3.*"}}
        """;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "inline.yaml", Map.of())) {
      Endpoint hub = c.registries().get("hub");
      assertThat(hub.maxConcurrent()).hasValue(3);
      assertThat(hub.headFirst()).isFalse();
      assertThat(hub.registry().orElseThrow().maxConcurrent()).hasValue(3);
      assertThat(hub.registry().orElseThrow().headFirst()).isFalse();
      Endpoint quay = c.registries().get("quay");
      assertThat(quay.maxConcurrent()).isEmpty();
      assertThat(quay.headFirst()).isTrue();
      assertThat(quay.registry().orElseThrow().maxConcurrent()).isEmpty();
      assertThat(c.registries().get("bundle").maxConcurrent()).hasValue(2);
      // the syncer uses these registries, so the engine sees their limits
      assertThat(c.syncerBuilder().build().registries().get("docker.io").maxConcurrent()).hasValue(3);
    }
  }

  @Test
  void maxConcurrentBeyondWhatARegistryAcceptsIsAProblemWithItsLine() {
    String yaml = """
        registries:
          hub: {url: docker.io, max_concurrent: 5000}
        mappings:
          - {from: library/alpine, source: hub, targets: hub, tags: {glob: "3.*"}}
        """;
    assertThatThrownBy(() -> OcyncConfig.parse(yaml, "inline.yaml", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("inline.yaml:2:")
        .hasMessageContaining("registries.hub.max_concurrent")
        .hasMessageContaining("at most 1024");
  }

  @Test
  void streamInputAndIgnoredKeysWarn() throws IOException {
    String yaml = "registries:\n  hub: {url: docker.io, token: abc}\nmappings: []\n";
    try (OcyncConfig c = OcyncConfig.read(new java.io.ByteArrayInputStream(yaml.getBytes(
        java.nio.charset.StandardCharsets.UTF_8)), "stdin", Map.of())) {
      assertThat(c.name()).isEqualTo("stdin");
      assertThat(c.mappings()).isEmpty();
      assertThat(c.warnings()).singleElement().hasToString(
          "stdin:2:25: registries.hub.token: `token` is ignored unless auth_type is 'static_token'");
    }
  }

  @Test
  void jsonInputWithTheSameSchema() throws IOException {
    String json = """
        {"registries": {"a": {"url": "http://127.0.0.1:5000"}},
         "mappings": [{"from": "x", "source": "a", "targets": ["a"], "to": "y", "tags": {}}]}
        """;
    try (OcyncConfig c = OcyncConfig.parse(json, "c.json", Map.of())) {
      assertThat(c.mappings().get(0).to()).isEqualTo("y");
      assertThat(c.mappings().get(0).tags().exactTags()).isEmpty();
    }
  }

  @Test
  void ghcrAuthTypeIsDockerConfigWithAWarning(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"auths\":{}}");
    String yaml = """
        registries:
          gh: {url: ghcr.io, auth_type: ghcr}
        mappings:
          - {from: o/r, source: gh, targets: gh, tags: {}}
        """;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "g.yaml", Map.of("DOCKER_CONFIG", dir.toString()))) {
      assertThat(c.warnings()).singleElement().hasToString(
          "g.yaml:2:33: registries.gh.auth_type: auth_type 'ghcr' is deprecated; it means 'docker_config', "
              + "write that instead");
    }
  }
}
