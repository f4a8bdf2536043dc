package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.ImageFollow;
import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.OciLayout;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestCharts;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine following the images of Helm charts: what is copied, once, and what is refused. */
class ChartFollowTest {
  private FakeRegistry upstream;
  private FakeRegistry mirror;
  private final MemoryRepository charts = new MemoryRepository("mem://charts/op");
  private final TestImages.Image app = TestImages.ociImage(901, Platform.parse("linux/amd64"), 2, 512);
  private final TestImages.Image other = TestImages.ociImage(911, Platform.parse("linux/amd64"), 1, 512);

  @BeforeEach
  void start() throws IOException {
    upstream = FakeRegistry.start();
    mirror = FakeRegistry.start();
    upstream.putImage("team/app", app, Optional.of("v1"));
    upstream.putImage("team/other", other, Optional.of("v2"));
  }

  @AfterEach
  void stop() throws IOException {
    for (dev.ocync.Registry r : registries) {
      r.close();
    }
    upstream.close();
    mirror.close();
  }

  /** A chart version in {@code charts}, as helm push shapes it, whose values.yaml is {@code values}. */
  private void chart(String version, String values) throws IOException {
    chart(version, TestCharts.chartYaml("op", version), values);
  }

  private void chart(String version, String chartYaml, String values) throws IOException {
    byte[] tgz = TestCharts.tgz(List.of(TestCharts.Item.file("op/Chart.yaml", chartYaml),
        TestCharts.Item.file("op/values.yaml", values)));
    Descriptor layer = Descriptor.of(MediaType.HELM_CHART, Digest.sha256(tgz), tgz.length);
    HelmArtifact a = HelmArtifact.of(ChartTools.metadata(tgz), layer, Optional.empty(), Instant.EPOCH);
    charts.pushBlob(a.configDescriptor(), new ByteArrayInputStream(a.config()));
    charts.pushBlob(layer, new ByteArrayInputStream(tgz));
    charts.pushManifest(a.manifest(), Optional.of(version));
  }

  private final List<dev.ocync.Registry> registries = new java.util.ArrayList<>();

  private Syncer syncer() {
    Syncer.Builder b = Syncer.builder();
    for (FakeRegistry f : List.of(upstream, mirror)) {
      dev.ocync.Registry r = f.registry().build();
      registries.add(r);
      b.registry(r);
    }
    return b.build();
  }

  private Mapping.Builder mapping(String... versions) {
    return Mapping.builder().source(charts).target(mirror.host(), "charts/op").tags(versions);
  }

  private static long gets(FakeRegistry f, String path) {
    return f.requests().stream().map(RecordedRequest::getUrl)
        .filter(u -> u.encodedPath().equals(path)).count();
  }

  @Test
  void anImageNamedByTwoChartVersionsIsCopiedOnceAndNamesBoth() throws IOException {
    String ref = upstream.host() + "/team/app:v1";
    chart("1.0.0", "image: " + ref + "\n");
    chart("1.1.0", "main:\n  image: " + ref + "\nsidecar:\n  registry: " + upstream.host()
        + "\n  repository: team/other\n  tag: v2\n");
    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("1.0.0", "1.1.0").followImages(ImageFollow.defaults()).build()));
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(report.images()).extracting(ImageResult::target).containsExactly(
        mirror.host() + "/charts/op:1.0.0", mirror.host() + "/charts/op:1.1.0",
        mirror.host() + "/charts/team/app:v1", mirror.host() + "/charts/team/other:v2");
    ImageResult appResult = report.images().get(2);
    assertThat(appResult.charts()).containsExactly("mem://charts/op:1.0.0", "mem://charts/op:1.1.0");
    assertThat(appResult.targetDigest()).contains(app.manifest().digest());
    assertThat(report.images().get(3).charts()).containsExactly("mem://charts/op:1.1.0");
    // fetched once, by its tag (the target lacked it) or by digest
    assertThat(gets(upstream, "/v2/team/app/manifests/" + app.manifest().digest())
        + gets(upstream, "/v2/team/app/manifests/v1")).isEqualTo(1);
    assertThat(report.charts()).extracting(SyncReport.ChartReport::chart)
        .containsExactly("mem://charts/op:1.0.0", "mem://charts/op:1.1.0");
    assertThat(report.charts().get(1).images()).extracting(SyncReport.ChartImage::foundIn).containsExactly(
        List.of("values.yaml main.image"),
        List.of("values.yaml sidecar {registry, repository, tag}"));
    assertThat(report.toJson()).contains("\"charts\" : [ \"mem://charts/op:1.0.0\", \"mem://charts/op:1.1.0\" ]");
  }

  @Test
  void aTagWithADigestThatDoesNotMatchFailsThatImageOnlyAndAnImageWithoutTagIsNotFollowed() throws IOException {
    Digest wrong = other.manifest().digest();
    chart("1.0.0", "a:\n  image: " + upstream.host() + "/team/app:v1@" + wrong + "\nb:\n  image: "
        + upstream.host() + "/team/other@" + other.manifest().digest() + "\nc:\n  image: "
        + upstream.host() + "/team/app\n");
    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("1.0.0").followImages(ImageFollow.defaults()).build()));
    }
    assertThat(report.succeeded()).isFalse();
    ImageResult pinned = report.images().get(1);
    assertThat(pinned.status()).isEqualTo(ImageResult.Status.FAILED);
    assertThat(pinned.failure().orElseThrow().message()).contains("the tag v1 names " + app.manifest().digest())
        .contains("not the digest the chart pins");
    assertThat(mirror.manifestCount("charts/team/app")).isZero();
    ImageResult byDigest = report.images().get(2);
    assertThat(byDigest.status()).isEqualTo(ImageResult.Status.SYNCED);
    assertThat(byDigest.target()).isEqualTo(mirror.host() + "/charts/team/other@" + other.manifest().digest());
    assertThat(byDigest.tag()).isEmpty();
    assertThat(report.images()).hasSize(3);
    assertThat(report.charts().get(0).images().get(2).notFollowed()).hasValueSatisfying(
        w -> assertThat(w).contains("no tag or digest"));
  }

  @Test
  void anImageWithoutTagTakesTheChartsAppVersionAsHelmCreateChartsRenderIt() throws IOException {
    chart("1.0.0", TestCharts.chartYaml("op", "1.0.0") + "appVersion: v1\n", "image:\n  repository: "
        + upstream.host() + "/team/app\n  tag: \"\"\n");
    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("1.0.0").followImages(ImageFollow.defaults()).build()));
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(report.images().get(1).target()).isEqualTo(mirror.host() + "/charts/team/app:v1");
    assertThat(report.images().get(1).targetDigest()).contains(app.manifest().digest());
    SyncReport.ChartImage image = report.charts().get(0).images().get(0);
    assertThat(image.reference()).isEqualTo(upstream.host() + "/team/app");
    assertThat(image.followedAs()).contains(upstream.host() + "/team/app:v1");
    dev.ocync.SchemaCheck.assertValid(report.toJson());
    assertThat(image.notFollowed()).isEmpty();
  }

  @Test
  void theChartLayerIsReadFromTheSourceOnceForItsCopiesAndItsImages(@TempDir Path dir) throws IOException {
    chart("1.0.0", "image: " + upstream.host() + "/team/app:v1\n");
    SyncReport report;
    try (Syncer s = syncer(); OciLayout.Bundle bundle = OciLayout.directoryBundle(dir)) {
      report = s.run(List.of(mapping("1.0.0").target(bundle.repository("charts/op"))
          .followImages(ImageFollow.defaults()).build()));
    }
    assertThat(report.succeeded()).as(report.toString()).isTrue();
    assertThat(report.images()).hasSize(4);
    // config and chart layer, each once: the chart's two copies and the image discovery share one read
    assertThat(charts.blobReads.get()).isEqualTo(2);
  }

  @Test
  void aRelocatedChartIsPushedOnlyWhenEveryImageArrivedAndNamesTheMirror() throws IOException {
    chart("1.0.0", "a:\n  image: " + upstream.host() + "/team/app:v1\n");
    chart("2.0.0", "a:\n  image: " + upstream.host() + "/team/app:v1\nb:\n  image: " + upstream.host()
        + "/team/missing:v9\n");
    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("1.0.0", "2.0.0").followImages(ImageFollow.builder().relocate(true).build())
          .build()));
    }
    assertThat(report.succeeded()).isFalse();
    SyncReport.ChartReport good = report.charts().get(0);
    assertThat(good.problems()).isEmpty();
    SyncReport.Relocation r = good.relocations().get(0);
    assertThat(r.target()).isEqualTo(mirror.host() + "/charts/relocated/op:1.0.0");
    assertThat(r.rewrites()).containsExactly(new SyncReport.Rewrite("values.yaml", 2, upstream.host() + "/team/app:v1",
        mirror.host() + "/charts/team/app:v1"));
    assertThat(mirror.manifest("charts/relocated/op", "1.0.0")).hasValueSatisfying(b -> assertThat(
        Digest.sha256(b)).isEqualTo(r.relocatedDigest()));
    SyncReport.ChartReport bad = report.charts().get(1);
    assertThat(bad.relocations()).isEmpty();
    assertThat(bad.problems()).singleElement().asString().contains("not relocated for " + mirror.host()
        + "/charts/op: " + upstream.host() + "/team/missing:v9 did not arrive there");
    assertThat(mirror.manifest("charts/relocated/op", "2.0.0")).isEmpty();
    assertThat(report.toString()).contains("CHART mem://charts/op:2.0.0: not relocated");
  }

  @Test
  void aChartVersionThatFailedIsNotFollowedAndAnImageSourceHasNothingToFollow() throws IOException {
    chart("1.0.0", "image: " + upstream.host() + "/team/app:v1\n");
    SyncReport report;
    try (Syncer s = syncer()) {
      report = s.run(List.of(mapping("9.9.9").followImages(ImageFollow.defaults()).build(),
          Mapping.builder().source(upstream.host(), "team/other").target(mirror.host(), "other").tags("v2")
              .followImages(ImageFollow.defaults()).build()));
    }
    assertThat(report.images()).extracting(ImageResult::status)
        .containsExactly(ImageResult.Status.FAILED, ImageResult.Status.SYNCED);
    assertThat(report.charts()).isEmpty();
    assertThat(gets(upstream, "/v2/team/app/manifests/v1")).isZero();
  }

  @Test
  void relocatingIntoBundlesOnlyIsRefusedAtBuild(@TempDir Path dir) throws IOException {
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir.resolve("b"))) {
      ImageFollow relocate = ImageFollow.builder().relocate(true).build();
      assertThatThrownBy(() -> Mapping.builder().source(charts).target(bundle.repository("charts/op"))
          .followImages(relocate).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relocation needs a registry target");
      // a registry beside the bundle takes the relocated chart
      assertThat(Mapping.builder().source(charts).target(bundle.repository("charts/op"))
          .target(mirror.host(), "charts/op").followImages(relocate).build().imageFollow()).contains(relocate);
    }
  }

  @Test
  void followingImagesIntoALayoutOfOneRepositoryIsRefused(@TempDir Path dir) {
    assertThatThrownBy(() -> Mapping.builder().source(charts).target(OciLayout.directory(dir))
        .followImages(ImageFollow.defaults()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds one repository");
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir.resolve("b"))) {
      assertThat(Mapping.builder().source(charts).target(bundle.repository("charts/op"))
          .followImages(ImageFollow.defaults()).build().imageFollow()).contains(ImageFollow.defaults());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
