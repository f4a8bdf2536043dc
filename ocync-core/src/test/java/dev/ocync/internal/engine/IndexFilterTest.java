package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.PlatformFilter;
import dev.ocync.internal.engine.IndexFilter.NoMatchingPlatformException;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IndexFilterTest {
  private static final String A = "sha256:" + "a1".repeat(32);
  private static final String B = "sha256:" + "b2".repeat(32);
  private static final String C = "sha256:" + "c3".repeat(32);
  private static final String D = "sha256:" + "d4".repeat(32);

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = IndexFilterTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static Manifest index(String json) {
    return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), Optional.empty());
  }

  private static String utf8(Manifest m) {
    return new String(m.bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void buildxIndexFilteredToAmd64AndArm64GivesTheGoldenBytes() throws IOException {
    Manifest source = Manifest.parse(resource("buildx-index.json"), Optional.of(MediaType.OCI_INDEX));
    Manifest filtered = IndexFilter.filter(source, PlatformFilter.of("linux/amd64", "linux/arm64"));

    byte[] golden = resource("golden-filtered-index.json");
    assertThat(filtered.bytes()).isEqualTo(golden);
    assertThat(filtered.digest()).isEqualTo(Digest.parse(
        "sha256:13a724d7dbd262d94eb54fb42039e5805218c9004ad87020371e046c2e61bd2a"));
    assertThat(filtered.digest()).isNotEqualTo(source.digest());
    assertThat(filtered.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    // amd64, arm64/v8 and the amd64 attestation stay; arm/v7 and its attestation go
    assertThat(filtered.manifests()).extracting(d -> d.digest().toString())
        .containsExactly(A, B, D);
    // same input, same bytes: a second run (or another machine) gets the same digest
    assertThat(IndexFilter.filter(source, PlatformFilter.of("linux/arm64", "linux/amd64")).bytes()).isEqualTo(golden);
  }

  @Test
  void everyEntryMatchingReturnsTheSourceUnchanged() throws IOException {
    Manifest source = Manifest.parse(resource("buildx-index.json"), Optional.of(MediaType.OCI_INDEX));
    Manifest same = IndexFilter.filter(source, PlatformFilter.of("linux/amd64", "linux/arm64", "linux/arm"));
    assertThat(same).isSameAs(source);
    assertThat(IndexFilter.filter(source, PlatformFilter.all())).isSameAs(source);
  }

  @Test
  void singlePlatformManifestsPassUntouched() {
    Manifest image = TestImages.ociImage(1, dev.ocync.oci.Platform.parse("linux/s390x"), 1, 16).manifest();
    assertThat(IndexFilter.filter(image, PlatformFilter.of("linux/amd64"))).isSameAs(image);
  }

  @Test
  void noMatchNamesTheFilterTheIndexAndThePlatformsTheSourceHas() throws IOException {
    Manifest source = Manifest.parse(resource("buildx-index.json"), Optional.of(MediaType.OCI_INDEX));
    assertThatThrownBy(() -> IndexFilter.filter(source, PlatformFilter.of("linux/s390x", "windows/amd64")))
        .isInstanceOf(NoMatchingPlatformException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("platform filter [linux/s390x,windows/amd64] matched no manifests in index " + source.digest()
            + " (source has: linux/amd64, linux/arm64/v8, linux/arm/v7, unknown/unknown)")
        .satisfies(e -> assertThat(((NoMatchingPlatformException) e).sourcePlatforms())
            .containsExactly("linux/amd64", "linux/arm64/v8", "linux/arm/v7", "unknown/unknown"));
  }

  @Test
  void asksForAttestationsOnlyNeverMatchesBecauseTheyFollowTheirSubject() throws IOException {
    Manifest source = Manifest.parse(resource("buildx-index.json"), Optional.of(MediaType.OCI_INDEX));
    assertThatThrownBy(() -> IndexFilter.filter(source, PlatformFilter.of("unknown/unknown")))
        .isInstanceOf(NoMatchingPlatformException.class);
  }

  @Test
  void keepsEveryUnknownFieldKeyOrderAndEscapeOfTheSource() {
    // compact, odd key order, Go's HTML escapes, vendor fields, urls/data/artifactType/subject
    String kept = "{\"digest\":\"" + A + "\",\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"size\":10,"
        + "\"urls\":[\"https://example.com/a?x=1\\u0026y=2\"],\"data\":\"e30=\",\"artifactType\":\"x/y\","
        + "\"annotations\":{\"z\":\"1\",\"a\":\"\\u003cb\\u003e\"},\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
        + "\"os.features\":[\"f\"]},\"x-vendor\":{\"n\":1.50e3}}";
    String dropped = "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + B + "\",\"size\":11,"
        + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}";
    String noPlatform = "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + C + "\",\"size\":12}";
    String head = "{\"schemaVersion\":2,\"x-first\":[1,{\"manifests\":[]}],\"mediaType\":\"" + MediaType.OCI_INDEX
        + "\",\"artifactType\":\"application/vnd.example\",\"manifests\":[";
    String tail = "],\"subject\":{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + D
        + "\",\"size\":5},\"annotations\":{\"k\":\"v\"},\"x-last\":true}";
    Manifest source = index(head + dropped + "," + kept + "," + noPlatform + tail);

    Manifest filtered = IndexFilter.filter(source, PlatformFilter.of("LINUX/AMD64"));
    assertThat(utf8(filtered)).isEqualTo(head + kept + tail);
    Descriptor entry = filtered.manifests().get(0);
    assertThat(entry.urls()).containsExactly("https://example.com/a?x=1&y=2");
    assertThat(filtered.subject()).map(d -> d.digest().toString()).contains(D);
  }

  @Test
  void keepsTheSeparatorStyleOfAPrettyPrintedDockerManifestList() {
    String e1 = "{\n         \"mediaType\": \"" + MediaType.DOCKER_MANIFEST + "\",\n         \"size\": 1,\n"
        + "         \"digest\": \"" + A + "\",\n         \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}\n      }";
    String e2 = e1.replace(A, B).replace("amd64", "arm64");
    String e3 = e1.replace(A, C).replace("amd64", "ppc64le");
    String list = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"" + MediaType.DOCKER_MANIFEST_LIST + "\",\n"
        + "   \"manifests\": [\n      %s\n   ]\n}";
    Manifest source = index(String.format(list, e1 + ",\n      " + e2 + ",\n      " + e3));

    assertThat(utf8(IndexFilter.filter(source, PlatformFilter.of("linux/arm64", "linux/ppc64le"))))
        .isEqualTo(String.format(list, e2 + ",\n      " + e3));
    assertThat(utf8(IndexFilter.filter(source, PlatformFilter.of("linux/amd64", "linux/ppc64le"))))
        .isEqualTo(String.format(list, e1 + ",\n      " + e3));
    Manifest last = IndexFilter.filter(source, PlatformFilter.of("linux/ppc64le"));
    assertThat(utf8(last)).isEqualTo(String.format(list, e3));
    assertThat(last.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST_LIST);
  }

  @Test
  void dropsUnknownPlatformsAndAttestationsOfDroppedEntries() {
    String amd = entry(A, "{\"os\":\"linux\",\"architecture\":\"amd64\"}", "");
    String unknownOs = entry(B, "{\"os\":\"unknown\",\"architecture\":\"amd64\"}", "");
    String attestationOfB = entry(C, "{\"os\":\"unknown\",\"architecture\":\"unknown\"}",
        ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\""
            + B + "\"}");
    // an attestation follows its subject even without a platform
    String attestationOfA = entry(D, null,
        ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\""
            + A + "\"}");
    Manifest source = index("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + attestationOfA + "," + amd + "," + unknownOs + "," + attestationOfB + "]}");
    Manifest filtered = IndexFilter.filter(source, PlatformFilter.of("linux/amd64"));
    assertThat(filtered.manifests()).extracting(d -> d.digest().toString()).containsExactly(D, A);
  }

  private static String entry(String digest, String platform, String extra) {
    return "{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":3"
        + (platform == null ? "" : ",\"platform\":" + platform) + extra + "}";
  }

  @Test
  void anEmptyIndexPassesUnchanged() {
    Manifest empty = index("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":[]}");
    assertThat(IndexFilter.filter(empty, PlatformFilter.of("linux/amd64"))).isSameAs(empty);
  }

  @Test
  void refusesAnIndexWhoseBytesHaveTwoManifestsArrays() {
    // Jackson's tree keeps the last duplicate; cutting the first would push an index we never checked
    String amd = entry(A, "{\"os\":\"linux\",\"architecture\":\"amd64\"}", "");
    String arm = entry(B, "{\"os\":\"linux\",\"architecture\":\"arm64\"}", "");
    String twice = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":["
        + amd + "],\"manifests\":[" + amd + "," + arm + "]}");
    // refused here, or by Manifest.parse once it refuses duplicate keys itself
    assertThatThrownBy(() -> IndexFilter.filter(index(twice), PlatformFilter.of("linux/amd64")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifests");
  }
}
