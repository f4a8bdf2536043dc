package dev.ocync.config;

import static dev.ocync.config.ValidationTest.at;
import static dev.ocync.config.ValidationTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageFollow;
import dev.ocync.Mapping;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code images}: the short forms, the map form, defaults merging, and strict validation. */
class ImagesBindingTest {
  private static final String HEAD = ValidationTest.HEAD;

  private static OcyncConfig parse(String yaml) throws IOException {
    return OcyncConfig.parse(HEAD + yaml, "c.yaml", Map.of());
  }

  @Test
  void followInShortAndMapFormReachesTheCoreMapping() throws IOException {
    try (OcyncConfig c = parse("""
        mappings:
          - {from: a, targets: mirror, source: hub, tags: {glob: "1"}, images: follow}
          - from: b
            source: hub
            targets: mirror
            tags: {glob: "1"}
            images: {prefix: mirror, keep_registry_host: true, relocated_repository: relocated/b}
          - {from: c, targets: mirror, source: hub, tags: {glob: "1"}}
        """)) {
      assertThat(c.mappings().get(0).images()).contains(ImageFollow.defaults());
      Mapping b = c.mappings().get(1).toMapping();
      assertThat(b.imageFollow()).contains(ImageFollow.builder().prefix("mirror").keepRegistryHost(true)
          .relocatedRepository("relocated/b").build());
      assertThat(b.imageFollow().orElseThrow().relocate()).isTrue();
      assertThat(c.mappings().get(2).images()).isEmpty();
      assertThat(c.mappings().get(2).toMapping().imageFollow()).isEmpty();
    }
  }

  @Test
  void aMappingTakesImagesFromDefaultsAndNoneTurnsThemOff() throws IOException {
    try (OcyncConfig c = parse("""
        defaults:
          source: hub
          targets: mirror
          tags: {glob: "1"}
          images: {relocate: true}
        mappings:
          - from: a
          - {from: b, images: none}
          - {from: c, images: follow}
        """)) {
      assertThat(c.mappings().get(0).images()).contains(ImageFollow.builder().relocate(true).build());
      assertThat(c.mappings().get(1).images()).isEmpty();
      assertThat(c.mappings().get(2).images()).contains(ImageFollow.defaults());
    }
  }

  @Test
  void aMistypedModeIsRefusedWithASuggestion() {
    at(only(HEAD + """
        mappings:
          - {from: a, targets: mirror, source: hub, tags: {glob: "1"}, images: folow}
        """), 5, 72, "mappings[0].images", "unknown images 'folow' (expected one of follow, none); did you mean "
        + "`follow`?");
  }

  @Test
  void anUnknownOptionIsRefusedWhereItIsWritten() {
    at(only(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags: {glob: "1"}
            images:
              prefx: mirror
        """), 10, 7, "mappings[0].images.prefx", "unknown key `prefx`; did you mean `prefix`?");
  }

  @Test
  void badValuesAreRefusedNamingThem() {
    at(only(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags: {glob: "1"}
            images: {prefix: "Not A Path"}
        """), 9, 22, "mappings[0].images.prefix", "\"Not A Path\"");
    at(only(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags: {glob: "1"}
            images: {relocate: false, relocated_repository: x/y}
        """), 9, 31, "mappings[0].images.relocated_repository", "but `relocate` is false");
    at(only(HEAD + """
        mappings:
          - {from: a, targets: mirror, source: hub, tags: {glob: "1"}, images: [follow]}
        """), 5, 72, "mappings[0].images", "expected `follow`, `none` or a mapping of image options");
  }

  @Test
  void relocationNeedsARegistryAmongTheTargets() throws IOException {
    ConfigProblem p = only(HEAD + """
          bundle: {type: oci-layout, path: bundle}
        mappings:
          - {from: a, targets: bundle, source: hub, tags: {glob: "1"}, images: {relocate: true}}
        """);
    at(p, 6, 5, "mappings[0].images", "images.relocate needs a registry among the targets");
    assertThat(p.message()).contains("bundle are layouts or archives");
    // with a registry beside the bundle it is fine: the registry gets the relocated chart
    try (OcyncConfig c = parse("""
          bundle: {type: oci-layout, path: bundle}
        mappings:
          - {from: a, targets: [bundle, mirror], source: hub, tags: {glob: "1"}, images: {relocate: true}}
        """)) {
      assertThat(c.mappings().get(0).toMapping().imageFollow().orElseThrow().relocate()).isTrue();
    }
  }

  @Test
  void theOperatorExampleLoadsAsAChartWithImagesFollowed() throws IOException {
    try (OcyncConfig c = OcyncConfig.load(ConfigLoadTest.EXAMPLES.resolve("operator.yaml"),
        Map.of("MIRROR_USER", "bot", "MIRROR_PASSWORD", "pw"))) {
      assertThat(c.mappings()).hasSize(1);
      ConfigMapping m = c.mappings().get(0);
      assertThat(m.from()).isEqualTo("cert-manager");
      assertThat(m.to()).isEqualTo("charts/cert-manager");
      assertThat(m.source().type()).isEqualTo(Endpoint.Type.HELM);
      assertThat(m.images()).contains(ImageFollow.defaults());
      Mapping core = m.toMapping();
      assertThat(core.imageFollow()).contains(ImageFollow.defaults());
      assertThat(core.targets().get(0).name()).isEqualTo("registry.example.com/charts/cert-manager");
    }
  }
}
