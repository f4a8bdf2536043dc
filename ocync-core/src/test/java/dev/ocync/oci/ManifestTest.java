package dev.ocync.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
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
}
