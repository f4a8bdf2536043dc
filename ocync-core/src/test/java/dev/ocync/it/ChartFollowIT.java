package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.HelmRepository;
import dev.ocync.ImageFollow;
import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.SchemaCheck;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.HelmCli;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, images of a chart: a chart made by the real helm binary, served from a classic
 * repository on loopback, names three images that live in a real distribution registry (by tag,
 * by digest only, and by tag and digest, in values.yaml and in the artifacthub.io/images
 * annotation). One mapping with images followed mirrors chart and images into another real
 * registry and into an OCI layout bundle with the upstream digests, pushes a relocated chart that
 * {@code helm pull} and {@code helm template} accept, and a second run changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class ChartFollowIT {
  @TempDir static Path tmp;
  private RegistryServer upstream;
  private RegistryServer mirror;
  private MockWebServer charts;
  private HelmCli helm;
  private Path repoDir;
  private final TestImages.Image controller = TestImages.multiArch(801, 2048);
  private final TestImages.Image webhook = TestImages.ociImage(811, Platform.parse("linux/amd64"), 2, 4096);
  private final TestImages.Image cainjector = TestImages.ociImage(821, Platform.parse("linux/amd64"), 1, 1024);

  @BeforeAll
  void setUp() throws Exception {
    upstream = RegistryServer.plain();
    mirror = RegistryServer.plain();
    try (Registry up = Registry.of(upstream.host())) {
      controller.pushTo(up.repository("jetstack/controller"), Optional.of("v1.0"));
      webhook.pushTo(up.repository("jetstack/webhook"), Optional.empty());
      cainjector.pushTo(up.repository("jetstack/cainjector"), Optional.of("v1.0"));
    }
    helm = HelmCli.find(tmp.resolve("helm-home"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    repoDir = Files.createDirectories(tmp.resolve("repo"));
    helm.ok(work, "create", "op");
    String up = upstream.host();
    String values = Files.readString(work.resolve("op/values.yaml"))
        .replace("repository: nginx", "repository: " + up + "/jetstack/controller")
        .replace("tag: \"\"", "tag: \"v1.0\"")
        + "\n# the webhook, pinned by digest\nwebhook:\n  image: " + up + "/jetstack/webhook@"
        + webhook.manifest().digest() + "\n";
    Files.writeString(work.resolve("op/values.yaml"), values);
    Files.writeString(work.resolve("op/templates/webhook.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n"
        + "  name: webhook\nspec:\n  containers:\n    - name: webhook\n      image: {{ .Values.webhook.image | quote }}\n");
    Files.writeString(work.resolve("op/Chart.yaml"), Files.readString(work.resolve("op/Chart.yaml"))
        + "annotations:\n  artifacthub.io/images: |\n    - name: cainjector\n      image: " + up
        + "/jetstack/cainjector:v1.0@" + cainjector.manifest().digest() + "\n");
    helm.ok(work, "package", "op", "-d", repoDir.toString());
    helm.ok(repoDir, "repo", "index", ".");

    charts = new MockWebServer();
    charts.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Path f = repoDir.resolve(request.getUrl().encodedPath().substring(1));
        try {
          if (!f.normalize().startsWith(repoDir) || !Files.isRegularFile(f)) {
            return new MockResponse.Builder().code(404).build();
          }
          return new MockResponse.Builder().code(200).body(new Buffer().write(Files.readAllBytes(f))).build();
        } catch (IOException e) {
          return new MockResponse.Builder().code(500).build();
        }
      }
    });
    charts.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterAll
  void tearDown() throws IOException {
    if (charts != null) {
      charts.close();
    }
    Checks.closeAll(upstream, mirror);
  }

  private HelmRepository repository() {
    return HelmRepository.builder("http://127.0.0.1:" + charts.getPort() + "/").build();
  }

  @Test
  void chartAndItsImagesGoToARegistryAndABundleARelocatedChartRendersTheMirrorAndASecondRunChangesNothing()
      throws Exception {
    Path bundleDir = tmp.resolve("bundle");
    String chartShown;
    String relocatedDigest;
    try (HelmRepository repo = repository(); OciLayout.Bundle bundle = OciLayout.directoryBundle(bundleDir);
        Syncer syncer = Syncer.builder().build()) {
      Mapping m = Mapping.builder().source(repo.repository("op")).target(mirror.host(), "charts/op")
          .target(bundle.repository("charts/op")).tags("0.1.0")
          .followImages(ImageFollow.builder().relocate(true).build()).build();
      SyncReport first = syncer.run(List.of(m));
      assertThat(first.succeeded()).as(first.toString()).isTrue();
      SchemaCheck.assertValid(first.toJson());
      // the chart at two targets, then three images at each of them
      assertThat(first.images()).hasSize(8);
      assertThat(first.images()).allSatisfy(r -> assertThat(r.status()).isEqualTo(ImageResult.Status.SYNCED));
      chartShown = first.images().get(0).source();
      List<ImageResult> followed = first.images().subList(2, 8);
      assertThat(followed).allSatisfy(r -> assertThat(r.charts()).containsExactly(chartShown));
      assertThat(first.images().get(0).charts()).isEmpty();

      String m0 = mirror.host();
      assertThat(followed.stream().map(ImageResult::target).collect(Collectors.toList())).containsExactlyInAnyOrder(
          m0 + "/charts/jetstack/controller:v1.0", m0 + "/charts/jetstack/webhook@" + webhook.manifest().digest(),
          m0 + "/charts/jetstack/cainjector:v1.0", bundle.location() + ":charts/jetstack/controller:v1.0",
          bundle.location() + ":charts/jetstack/webhook@" + webhook.manifest().digest(),
          bundle.location() + ":charts/jetstack/cainjector:v1.0");
      // byte for byte the upstream manifests, at the registry and in the bundle
      Checks.assertImageAt(mirror, "charts/jetstack/controller", "v1.0", controller);
      Checks.assertImageAt(mirror, "charts/jetstack/cainjector", "v1.0", cainjector);
      assertThat(mirror.manifest("charts/jetstack/webhook", webhook.manifest().digest().toString()))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(webhook.manifest().bytes()));
      assertThat(mirror.tags("charts/jetstack/webhook")).isEmpty();
      Repository inBundle = bundle.repository("charts/jetstack/controller");
      assertThat(inBundle.fetchManifest("v1.0").bytes()).isEqualTo(controller.manifest().bytes());
      assertThat(bundle.repository("charts/jetstack/webhook").fetchManifest(webhook.manifest().digest().toString())
          .bytes()).isEqualTo(webhook.manifest().bytes());

      // the chart report: every image with where it was found, and the relocation at the registry
      assertThat(first.charts()).hasSize(1);
      SyncReport.ChartReport c = first.charts().get(0);
      assertThat(c.chart()).isEqualTo(chartShown);
      assertThat(c.images()).extracting(SyncReport.ChartImage::reference).containsExactlyInAnyOrder(
          upstream.host() + "/jetstack/controller:v1.0", upstream.host() + "/jetstack/webhook@"
              + webhook.manifest().digest(),
          upstream.host() + "/jetstack/cainjector:v1.0@" + cainjector.manifest().digest());
      assertThat(c.images()).allSatisfy(i -> assertThat(i.foundIn()).isNotEmpty());
      assertThat(c.relocations()).hasSize(1);
      SyncReport.Relocation r = c.relocations().get(0);
      assertThat(r.target()).isEqualTo(m0 + "/charts/relocated/op:0.1.0");
      assertThat(r.originalDigest()).isEqualTo(first.images().get(0).sourceDigest().orElseThrow());
      assertThat(r.relocatedDigest()).isNotEqualTo(r.originalDigest());
      assertThat(r.rewrites()).extracting(SyncReport.Rewrite::to).containsExactlyInAnyOrder(
          m0 + "/charts/jetstack/controller:v1.0", m0 + "/charts/jetstack/webhook@" + webhook.manifest().digest());
      relocatedDigest = r.relocatedDigest().toString();

      SyncReport second = syncer.run(List.of(m));
      assertThat(second.succeeded()).as(second.toString()).isTrue();
      assertThat(second.images()).hasSize(8)
          .allSatisfy(x -> assertThat(x.status()).as(x.toString()).isEqualTo(ImageResult.Status.SKIPPED));
      assertThat(second.stats().blobsCopied()).isZero();
      assertThat(second.charts().get(0).relocations().get(0).relocatedDigest().toString()).isEqualTo(relocatedDigest);
    }
    // the untouched chart and the relocated one, each pulled back by helm
    Path out = Files.createDirectories(tmp.resolve("pulled"));
    helm.ok(out, "pull", "oci://" + mirror.host() + "/charts/relocated/op", "--version", "0.1.0", "--plain-http",
        "-d", out.toString());
    String rendered = helm.ok(out, "template", "rel", out.resolve("op-0.1.0.tgz").toString());
    assertThat(rendered).contains("image: \"" + mirror.host() + "/charts/jetstack/controller:v1.0\"")
        .contains("image: \"" + mirror.host() + "/charts/jetstack/webhook@" + webhook.manifest().digest() + "\"")
        .doesNotContain(upstream.host());
    Path original = Files.createDirectories(tmp.resolve("original"));
    helm.ok(original, "pull", "oci://" + mirror.host() + "/charts/op", "--version", "0.1.0", "--plain-http",
        "-d", original.toString());
    assertThat(Files.readAllBytes(original.resolve("op-0.1.0.tgz"))).isEqualTo(Files.readAllBytes(
        repoDir.resolve("op-0.1.0.tgz")));
  }

  @Test
  void aDryRunShowsTheImagesAndWritesNothing() throws Exception {
    try (RegistryServer fresh = RegistryServer.plain(); HelmRepository repo = repository();
        Syncer syncer = Syncer.builder().dryRun(true).build()) {
      Mapping m = Mapping.builder().source(repo.repository("op")).target(fresh.host(), "op").tags("0.1.0")
          .followImages(ImageFollow.builder().prefix("mirror").keepRegistryHost(true).relocate(true).build())
          .build();
      SyncReport report = syncer.run(List.of(m));
      assertThat(report.succeeded()).as(report.toString()).isTrue();
      assertThat(report.images()).hasSize(4)
          .allSatisfy(x -> assertThat(x.status()).isEqualTo(ImageResult.Status.SYNCED));
      String hostSegment = upstream.host().replace(':', '_');
      assertThat(report.images().get(1).target())
          .startsWith(fresh.host() + "/mirror/" + hostSegment + "/jetstack/");
      assertThat(report.charts().get(0).images()).hasSize(3);
      assertThat(report.charts().get(0).relocations()).hasSize(1);
      assertThat(fresh.requests()).noneMatch(q -> q.method().equals("PUT") || q.method().equals("POST")
          || q.method().equals("PATCH"));
    }
  }
}
