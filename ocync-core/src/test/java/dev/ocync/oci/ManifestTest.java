package dev.ocync.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ManifestTest {
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void keepsBytesVerbatimAndDigestsThem() {
    // odd spacing and key order must survive: the digest is over these exact bytes
    String json = "{ \"schemaVersion\": 2,\n  \"mediaType\": \"" + MediaType.OCI_MANIFEST + "\",\n"
        + "  \"config\": {\"size\": 2, \"digest\": \"" + D1 + "\", \"mediaType\": \"" + MediaType.OCI_CONFIG + "\"},\n"
        + "  \"layers\": [{\"mediaType\": \"" + MediaType.OCI_LAYER_GZIP + "\", \"digest\": \"" + D2
        + "\", \"size\": 10, \"x-unknown\": true}],\n  \"x-vendor\": {\"nested\": [1,2]} }";
    Manifest m = Manifest.parse(utf8(json), Optional.empty());
    assertThat(m.bytes()).isEqualTo(utf8(json));
    assertThat(m.digest()).isEqualTo(Digest.sha256(utf8(json)));
    assertThat(m.mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
    assertThat(m.isIndex()).isFalse();
    assertThat(m.config()).map(Descriptor::digest).contains(Digest.parse(D1));
    assertThat(m.layers()).extracting(Descriptor::size).containsExactly(10L);
    assertThat(m.blobs()).extracting(d -> d.digest().toString()).containsExactly(D1, D2);
    assertThat(m.descriptor().size()).isEqualTo(utf8(json).length);
  }

  @Test
  void parsesIndexChildrenWithPlatforms() {
    TestImages.Image index = TestImages.multiArch(7, 32);
    Manifest m = index.manifest();
    assertThat(m.isIndex()).isTrue();
    assertThat(m.manifests()).hasSize(2);
    assertThat(m.manifests().get(1).platform()).contains(Platform.parse("linux/arm64/v8"));
    assertThat(m.manifests().get(0).digest()).isEqualTo(index.children().get(0).manifest().digest());
    assertThat(m.blobs()).isEmpty();
  }

  @Test
  void parsesSubjectAndArtifactType() {
    TestImages.Image image = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 16);
    TestImages.Image sig = TestImages.referrer(2, image.manifest().descriptor(), "application/vnd.dev.sig");
    assertThat(sig.manifest().subject()).map(Descriptor::digest).contains(image.manifest().digest());
    assertThat(sig.manifest().artifactType()).contains("application/vnd.dev.sig");
  }

  @Test
  void takesMediaTypeFromContentTypeWhenBodyHasNone() {
    String json = "{\"schemaVersion\":2,\"manifests\":[]}";
    assertThat(Manifest.parse(utf8(json), MediaType.DOCKER_MANIFEST_LIST + "; charset=utf-8").mediaType())
        .isEqualTo(MediaType.DOCKER_MANIFEST_LIST);
    assertThat(Manifest.parse(utf8(json), Optional.empty()).mediaType()).isEqualTo(MediaType.OCI_INDEX);
  }

  @Test
  void verifiesAgainstExpectedDigest() {
    byte[] bytes = TestImages.multiArch(3, 8).manifest().bytes();
    Digest wrong = Digest.parse(D1);
    assertThatThrownBy(() -> Manifest.parse(bytes, Optional.of(MediaType.OCI_INDEX), wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(D1)
        .hasMessageContaining(Digest.sha256(bytes).toString());
  }

  @Test
  void rejectsSchema1WithAClearReason() {
    String json = "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"1\",\"fsLayers\":[]}";
    assertThatThrownBy(() -> Manifest.parse(utf8(json), MediaType.DOCKER_SCHEMA1_SIGNED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema 1");
  }

  @Test
  void rejectsContentTypeThatContradictsBody() {
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":[]}";
    assertThatThrownBy(() -> Manifest.parse(utf8(json), MediaType.OCI_MANIFEST))
        .hasMessageContaining("declares mediaType " + MediaType.OCI_INDEX);
  }

  @Test
  void rejectsBrokenManifestsNamingTheProblem() {
    assertThatThrownBy(() -> Manifest.parse(utf8("{not json"), Optional.empty()))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> Manifest.parse(utf8("[1]"), Optional.empty())).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST
        + "\",\"layers\":[]}"), Optional.empty())).hasMessageContaining("without a config");
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\","
        + "\"digest\":\"sha256:12\",\"size\":1}]}"), Optional.empty()))
        .hasMessageContaining("manifests[]").hasMessageContaining("sha256:12");
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\","
        + "\"digest\":\"" + D1 + "\"}]}"), Optional.empty())).hasMessageContaining("no valid size");
    // a size is an integer number of bytes: 12.5, "12" and 1e3 are not sizes
    for (String size : new String[] {"12.5", "\"12\"", "1e3", "-1"}) {
      assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\","
          + "\"digest\":\"" + D1 + "\",\"size\":" + size + "}]}"), Optional.empty()))
          .as(size).hasMessageContaining("no valid size");
    }
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"mediaType\":\"application/json\"}"),
        Optional.empty())).hasMessageContaining("unsupported media type application/json");
  }

  private static String image(String configKey, String layersKey, String layerBody) {
    return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\","
        + "\"" + configKey + "\":{\"mediaType\":\"" + MediaType.OCI_CONFIG + "\",\"digest\":\"" + D1 + "\",\"size\":2},"
        + "\"" + layersKey + "\":[" + layerBody + "]}";
  }

  private static String layer(String digestKey) {
    return "{\"mediaType\":\"" + MediaType.OCI_LAYER_GZIP + "\",\"" + digestKey + "\":\"" + D2 + "\",\"size\":10}";
  }

  @Test
  void refusesLayersTwiceInDifferentCaseBecauseGoClientsReadTheOtherList() {
    // what skopeo or containerd would copy: the "Layers" list, whose blobs ocync never saw
    String json = image("config", "layers", "").replace("]}", "],\"Layers\":[" + layer("digest") + "]}");
    byte[] bytes = utf8(json);
    assertThatThrownBy(() -> Manifest.parse(bytes, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("manifest " + Digest.sha256(bytes) + " has both \"layers\" and \"Layers\": Go clients read"
            + " \"Layers\" as \"layers\" (they ignore case), ocync does not; refusing a manifest that clients would"
            + " read differently");
  }

  @ParameterizedTest
  @CsvSource({
    // at the top level, alone: Go reads it, ocync would not see it
    "Config, layers, digest, 'manifest @ has the key \"Config\"'",
    "config, LAYERS, digest, 'manifest @ has the key \"LAYERS\"'",
    // in a descriptor, beside the real field
    "config, layers, digest+Digest, 'manifest @ layers[] has both \"digest\" and \"Digest\"'",
  })
  void refusesSpecFieldsInAnotherCase(String configKey, String layersKey, String digestKeys, String expected) {
    String body = digestKeys.equals("digest+Digest")
        ? layer("digest").replace("}", ",\"Digest\":\"" + D1 + "\"}") : layer(digestKeys);
    byte[] bytes = utf8(image(configKey, layersKey, body));
    assertThatThrownBy(() -> Manifest.parse(bytes, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(expected.replace("@", Digest.sha256(bytes).toString()));
  }

  @Test
  void refusesUnicodeCaseFoldsOfSpecFields() {
    // Go's case folding maps U+017F to s and U+212A to k: "\u017Fize" is "size" to a Go client
    String json = image("config", "layers", layer("digest").replace("\"size\"", "\"size\":10,\"\u017Fize\""));
    byte[] bytes = utf8(json);
    assertThatThrownBy(() -> Manifest.parse(bytes, Optional.empty()))
        .hasMessageStartingWith("manifest " + Digest.sha256(bytes) + " layers[] has both \"size\" and \"\u017Fize\"");
  }

  @Test
  void refusesPlatformFieldsInAnotherCaseAndIndexKeysTwice() {
    String entry = "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + D1 + "\",\"size\":2,"
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\",\"Architecture\":\"arm64\"}}";
    byte[] mixed = utf8("{\"schemaVersion\":2,\"manifests\":[" + entry + "]}");
    assertThatThrownBy(() -> Manifest.parse(mixed, Optional.empty()))
        .hasMessageStartingWith("manifest " + Digest.sha256(mixed) + " manifests[] " + D1
            + " platform has both \"architecture\" and \"Architecture\"");
    byte[] twice = utf8("{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[" + entry.replace(",\"Architecture\":\"arm64\"", "") + "]}");
    assertThatThrownBy(() -> Manifest.parse(twice, Optional.empty()))
        .hasMessageStartingWith("manifest " + Digest.sha256(twice) + " has a key twice (Duplicate field 'manifests')");
    // annotation keys are free-form: case variants there are distinct keys, but exact duplicates are not
    byte[] annotations = utf8("{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"a\":\"1\",\"A\":\"2\"}}");
    assertThat(Manifest.parse(annotations, Optional.empty()).annotations()).containsOnlyKeys("a", "A");
    byte[] annotationTwice = utf8("{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"a\":\"1\",\"a\":\"2\"}}");
    assertThatThrownBy(() -> Manifest.parse(annotationTwice, Optional.empty()))
        .hasMessageContaining("has a key twice (Duplicate field 'a')");
  }

  @Test
  void indexEntryWithEmptyPlatformIsAnUnknownPlatform() {
    // seen in the wild and copied by skopeo: the index stays readable, the entry has no platform
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + D1 + "\",\"size\":2,"
        + "\"platform\":{\"os\":\"\",\"architecture\":\"\"}},"
        + "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + D2 + "\",\"size\":3,"
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}";
    Manifest m = Manifest.parse(utf8(json), Optional.empty());
    assertThat(m.manifests()).hasSize(2);
    assertThat(m.manifests().get(0).platform()).isEmpty();
    assertThat(m.manifests().get(0).digest()).isEqualTo(Digest.parse(D1));
    assertThat(m.manifests().get(1).platform()).contains(Platform.parse("linux/arm64/v8"));
  }

  @Test
  void deeplyNestedJsonIsRefusedNotAStackOverflow() {
    // unknown fields are tolerated, but not at any depth: Jackson's nesting limit turns it into a refusal
    byte[] bytes = utf8("{\"schemaVersion\":2,\"manifests\":[],\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
    assertThatThrownBy(() -> Manifest.parse(bytes, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("manifest " + Digest.sha256(bytes) + " is not valid JSON: Document nesting depth");
  }
}
