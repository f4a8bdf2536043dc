package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.OciLayout;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs become core Mappings and a pre-filled Syncer.Builder, and run through Syncer.run. */
class BindingTest {
  static final Path BUNDLE = Path.of("..", "examples", "bundle").toAbsolutePath().normalize();
  static final String EXAMPLE_INDEX = "sha256:395d4f6dca578917d16711d2a6d4656f7c3cafdd9c5320ffc5d42bfb504bb040";

  @Test
  void recipeBindsToMappingsByRegistryHostAndPath() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(ConfigLoadTest.EXAMPLES.resolve("argocd-chart-and-images.yaml"),
        ConfigLoadTest.ENV)) {
      List<Mapping> mappings = c.coreMappings();
      assertThat(mappings).hasSize(2);
      Mapping chart = mappings.get(0);
      assertThat(chart.source().name()).isEqualTo("ghcr.io/argoproj/argo-helm/argo-cd");
      assertThat(chart.source().registry()).containsSame(c.registries().get("ghcr").registry().orElseThrow());
      assertThat(chart.targets()).extracting(Mapping.Endpoint::name)
          .containsExactly("123456789012.dkr.ecr.us-east-1.amazonaws.com/argo/argo-cd");
      assertThat(chart.tagSelector().orElseThrow().exactTags()).contains(List.of("7.6.0"));
      assertThat(chart.platformFilter().orElseThrow().isAll()).isTrue();
      assertThat(chart.artifactPolicy().orElseThrow().enabled()).isTrue();
    }
  }

  @Test
  void fanOutBindsEveryTargetAndTheMergedRules() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(ConfigLoadTest.EXAMPLES.resolve("dockerhub-fan-out.yaml"),
        ConfigLoadTest.ENV)) {
      for (int i = 0; i < c.mappings().size(); i++) {
        ConfigMapping cm = c.mappings().get(i);
        Mapping m = c.coreMappings().get(i);
        assertThat(m.targets()).hasSize(2);
        assertThat(m.targets()).extracting(t -> t.path().orElseThrow()).containsOnly(cm.to());
        assertThat(m.tagSelector()).contains(cm.tags());
        assertThat(m.platformFilter()).contains(cm.platforms());
      }
    }
  }

  @Test
  void syncerBuilderTakesTheGlobalSettings() throws IOException {
    String yaml = """
        global: {max_concurrent_transfers: 200, cache_dir: cache, cache_ttl: 30m, staging_size_limit: 2MB}
        registries:
          hub: {url: docker.io}
        mappings:
          - {from: library/alpine, source: hub, targets: hub, tags: {glob: "3.*"}}
        """;
    try (OcyncConfig c = OcyncConfig.parse(yaml, "inline.yaml", Map.of());
        Syncer s = c.syncerBuilder().build()) {
      assertThat(s.concurrency()).isEqualTo(64);
      assertThat(s.registries()).containsOnlyKeys("docker.io");
      assertThat(c.cacheTtl()).isEqualTo(Duration.ofMinutes(30));
    }
  }

  @Test
  void layoutToLayoutAndArchiveThroughSyncerRun(@TempDir Path tmp) throws IOException {
    String yaml = """
        global: {cache_dir: %1$s/cache, cache_ttl: "0"}
        registries:
          example: {type: oci-layout, path: %2$s}
          copy: {type: oci-layout, path: %1$s/layout}
          bundle: {type: oci-archive, path: %1$s/mirror.tar}
        mappings:
          - {from: demo/hello, to: mirror/hello, source: example, targets: [copy, bundle], tags: {}}
        """.formatted(tmp, BUNDLE);
    SyncReport first = run(yaml);
    assertThat(first.images()).hasSize(2).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(ImageResult.Status.SYNCED);
      assertThat(r.tag()).contains("1.0");
      assertThat(r.sourceDigest()).contains(Digest.parse(EXAMPLE_INDEX));
    });
    assertThat(first.stats().synced()).isEqualTo(2);
    assertThat(first.mappings().get(0).kept()).containsExactly("1.0");
    // both targets hold the image under the bundle name mirror/hello:1.0
    try (OciLayout.Bundle layout = OciLayout.directoryBundle(tmp.resolve("layout"));
        OciLayout.Bundle archive = OciLayout.archiveBundle(tmp.resolve("mirror.tar"))) {
      for (OciLayout.Bundle b : List.of(layout, archive)) {
        assertThat(b.repositories()).containsExactly("mirror/hello");
        Repository r = b.repository("mirror/hello");
        assertThat(r.resolve("1.0").orElseThrow().digest()).isEqualTo(Digest.parse(EXAMPLE_INDEX));
      }
    }
    assertThat(Files.readString(tmp.resolve("layout/index.json"))).contains("\"mirror/hello:1.0\"");
    // a second run finds everything in place
    SyncReport second = run(yaml);
    assertThat(second.stats().skipped()).isEqualTo(2);
    assertThat(second.stats().bytes()).isZero();
  }

  private static SyncReport run(String yaml) throws IOException {
    try (OcyncConfig c = OcyncConfig.parse(yaml, "mirror.yaml", Map.of());
        Syncer s = c.syncerBuilder().build()) {
      return s.run(c.coreMappings());
    }
  }
}
