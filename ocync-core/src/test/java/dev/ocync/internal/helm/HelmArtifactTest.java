package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.HelmRepository;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.testing.TestCharts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure parts: Go's JSON, Helm's sanitizing, config and annotation rules, URL resolution. */
class HelmArtifactTest {

  private static ChartMetadata meta(String yaml) {
    ChartMetadata m = ChartMetadata.of(HelmYaml.parse(yaml.getBytes(StandardCharsets.UTF_8), "Chart.yaml"));
    m.validate();
    return m;
  }

  @Test
  void stringsAreEscapedAsGoEscapesThem() {
    assertThat(new GoJson().string("a<b>&c\u2028\u2029\"\\\n\r\t\b\f\u0001\u007f é 😀").toString())
        .isEqualTo("\"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\\"\\\\\\n\\r\\t\\b\\f\\u0001\u007f é 😀\"");
    assertThat(new GoJson().string("x\ud800y").toString()).isEqualTo("\"x\\ufffdy\"");
  }

  @Test
  void mapKeysAreSortedByTheirUtf8Bytes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("\uff5e", "fullwidth tilde"); // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16
    m.put("😀", "emoji");
    m.put("b", "2");
    m.put("a", "1");
    assertThat(new GoJson().value(m).toString())
        .isEqualTo("{\"a\":\"1\",\"b\":\"2\",\"\uff5e\":\"fullwidth tilde\",\"😀\":\"emoji\"}");
  }

  @Test
  void sanitizingTurnsUnicodeSpaceIntoSpacesAndDropsTheUnprintable() {
    assertThat(ChartMetadata.sanitize("a\u2003b\u00a0c\td\u3000e\u200bf\u0007g\u00adh"))
        .isEqualTo("a b c d efgh");
  }

  @Test
  void configHasHelmsFieldOrderOmitsEmptyFieldsAndAlwaysWritesDependencyNameAndRepository() {
    ChartMetadata m = meta("Type: application\nversion: 1.0.0\nname: x\napiVersion: v2\nunknown: 1\n"
        + "description: \"a\\u2003<b>\"\nkeywords: []\nmaintainers: [{email: e@x}]\n"
        + "dependencies: [{name: d, alias: dd, enabled: true, import-values: [child, {parent: p, child: c}]}]\n");
    assertThat(new String(m.configJson(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"x\",\"version\":\"1.0.0\","
        + "\"description\":\"a \\u003cb\\u003e\",\"maintainers\":[{\"email\":\"e@x\"}],\"apiVersion\":\"v2\","
        + "\"dependencies\":[{\"name\":\"d\",\"repository\":\"\",\"enabled\":true,"
        + "\"import-values\":[\"child\",{\"child\":\"c\",\"parent\":\"p\"}],\"alias\":\"dd\"}],\"type\":\"application\"}");
  }

  @Test
  void validationFollowsHelm() {
    assertThatThrownBy(() -> meta("apiVersion: v2\nname: x\nversion: one\n")).hasMessageContaining("version \"one\"");
    assertThatThrownBy(() -> meta("apiVersion: v2\nname: ../x\nversion: 1.0.0\n")).hasMessageContaining("name");
    assertThatThrownBy(() -> meta("apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a}, {name: a}]\n"))
        .hasMessageContaining("more than one dependency");
    assertThatThrownBy(() -> meta("apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, alias: a.b}]\n"))
        .hasMessageContaining("alias");
    assertThat(meta("apiVersion: v2\nname: x\nversion: v1.2\n").version).isEqualTo("v1.2");
  }

  @Test
  void annotationsFollowHelmsRules() {
    ChartMetadata m = meta("apiVersion: v2\nname: x\nversion: 1.0.0\ndescription: \"  \"\nhome: h\n"
        + "sources: [s1, s2]\nmaintainers: [{name: A, email: a@x}, {email: b@x}, {name: C}]\n"
        + "annotations: {org.opencontainers.image.title: no, org.opencontainers.image.version: no,"
        + " org.opencontainers.image.created: \"2020-02-02T00:00:00Z\", extra: \"\"}\n");
    assertThat(HelmArtifact.annotations(m, Instant.parse("2024-10-08T21:09:15.987Z"))).containsExactlyInAnyOrderEntriesOf(
        Map.of("org.opencontainers.image.title", "x", "org.opencontainers.image.version", "1.0.0",
            "org.opencontainers.image.url", "h", "org.opencontainers.image.source", "s1",
            "org.opencontainers.image.authors", "A (a@x),  (b@x), C",
            "org.opencontainers.image.created", "2020-02-02T00:00:00Z", "extra", ""));
    assertThat(HelmArtifact.created(Instant.parse("2024-10-08T21:09:15.987Z"))).isEqualTo("2024-10-08T21:09:15Z");
  }

  @Test
  void layersAreSortedByDigestAndTheManifestHasNoMediaTypeField() {
    ChartMetadata m = meta("apiVersion: v2\nname: x\nversion: 1.0.0\n");
    Descriptor chart = Descriptor.of(MediaType.HELM_CHART, Digest.parse("sha256:" + "f".repeat(64)), 10);
    Descriptor prov = Descriptor.of(MediaType.HELM_PROVENANCE, Digest.parse("sha256:" + "0".repeat(64)), 5);
    HelmArtifact a = HelmArtifact.of(m, chart, Optional.of(prov), HelmArtifact.FALLBACK_CREATED);
    assertThat(a.manifest().layers()).containsExactly(prov, chart);
    assertThat(new String(a.manifest().bytes(), StandardCharsets.UTF_8)).startsWith("{\"schemaVersion\":2,\"config\":")
        .doesNotContain("\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"")
        .endsWith(",\"annotations\":{\"org.opencontainers.image.created\":\"1970-01-01T00:00:00Z\","
            + "\"org.opencontainers.image.title\":\"x\",\"org.opencontainers.image.version\":\"1.0.0\"}}");
  }

  @Test
  void chartUrlsResolveAsHelmResolvesThem() {
    ChartSource s = new ChartSource(settings("https://charts.example.com/stable?token=t1"));
    assertThat(s.resolve("x-1.0.0.tgz")).hasToString("https://charts.example.com/stable/x-1.0.0.tgz?token=t1");
    assertThat(s.resolve("../other/x.tgz")).hasToString("https://charts.example.com/other/x.tgz?token=t1");
    assertThat(s.resolve("/root/x.tgz")).hasToString("https://charts.example.com/root/x.tgz?token=t1");
    assertThat(s.resolve("https://cdn.example.net/x.tgz?sig=1")).hasToString("https://cdn.example.net/x.tgz?sig=1");
    assertThat(new ChartSource(settings("https://h/a/")).resolve("index.yaml")).hasToString("https://h/a/index.yaml");
    assertThat(ChartSource.tag("1.0.0+build.7")).isEqualTo("1.0.0_build.7");
    assertThat(ChartSource.tag("v2.0.0")).isEqualTo("v2.0.0");
    s.close();
  }

  @Test
  void archivesEscapingTheChartFolderOrWithoutChartYamlAreRefused() {
    assertThatThrownBy(() -> ChartArchive.read(TestCharts.tgz(List.of(TestCharts.Item.file("Chart.yaml", "x"))),
        ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE)).hasMessageContaining("not in the chart folder");
    assertThatThrownBy(() -> ChartArchive.read(TestCharts.tgz(List.of(
        TestCharts.Item.file("a/Chart.yaml", "x"), TestCharts.Item.file("b/values.yaml", "y"))),
        ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE)).hasMessageContaining("outside the chart folder \"a\"");
    assertThatThrownBy(() -> ChartArchive.read(TestCharts.tgz(List.of(TestCharts.Item.file("a/values.yaml", "y"))),
        ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE)).hasMessageContaining("Chart.yaml is missing");
    assertThatThrownBy(() -> ChartArchive.read(TestCharts.chart("a", "1.0.0",
        TestCharts.Item.file("a/one", new byte[600]), TestCharts.Item.file("a/two", new byte[600])), 1000, 800))
        .hasMessageContaining("decompressed content is over the limit of 1000 bytes");
    assertThatThrownBy(() -> ChartArchive.read("not gzip".getBytes(StandardCharsets.UTF_8), 1, 1))
        .hasMessageContaining("not a gzip archive");
    TestCharts.Item hard = new TestCharts.Item("a/h", new byte[0], "a/Chart.yaml", true);
    assertThatThrownBy(() -> ChartArchive.read(TestCharts.chart("a", "1.0.0", hard),
        ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE)).hasMessageContaining("hard link");
  }

  private static HelmSettings settings(String url) {
    dev.ocync.internal.http.HttpOptions http = new dev.ocync.internal.http.HttpOptions("test");
    http.noProxy();
    return new HelmSettings(URI.create(url), dev.ocync.auth.CredentialProvider.anonymous(),
        http.settings(dev.ocync.internal.http.HttpSettings.Scheme.HTTPS, 1024, 1, 1, 1), false, false,
        HelmRepository.DEFAULT_MAX_INDEX_BYTES, HelmRepository.DEFAULT_MAX_ARCHIVE_BYTES);
  }
}
