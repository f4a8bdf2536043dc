package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.HelmRepository;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.Repository;
import dev.ocync.testing.HelmCli;
import dev.ocync.testing.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
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
 * The bar of the Helm endpoint: for charts made with the real {@code helm} (several versions,
 * {@code +build}, a {@code v} prefix, a prerelease, a signed {@code .prov}, dependencies, an
 * apiVersion v1 chart with requirements.yaml, a description with {@code <}, {@code &} and Unicode
 * white space), served as a classic repository with basic auth and relative and absolute URLs,
 * the manifest and config bytes ocync presents equal what {@code helm push} writes to a real
 * registry for the same archive with its mtime set to the index {@code created}; and what ocync
 * copies into a registry, {@code helm pull} and {@code helm show chart} accept.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(600)
class HelmPushIT {
  private static final String USER = "chartbot";
  private static final String PASSWORD = "s3cret-chart-pass";

  @TempDir static Path tmp;
  private HelmCli helm;
  private RegistryServer registry;
  private MockWebServer server;
  private Path repoDir;
  private final List<String[]> versions = new ArrayList<>(); // {chart, version, file}
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private boolean signed;

  @BeforeAll
  void setUp() throws Exception {
    helm = HelmCli.find(tmp.resolve("helm-home"));
    registry = RegistryServer.plain();
    repoDir = Files.createDirectories(tmp.resolve("repo"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String auth = request.getHeaders().get("Authorization");
        authorizations.add(String.valueOf(auth));
        String expected = "Basic " + Base64.getEncoder().encodeToString(
            (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
          return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", "Basic realm=\"charts\"").build();
        }
        String path = request.getUrl().encodedPath();
        if (!path.startsWith("/repo/")) {
          return new MockResponse.Builder().code(404).build();
        }
        Path f = repoDir.resolve(path.substring("/repo/".length()));
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
    server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);

    signed = makeSigningKey(work);
    helm.ok(work, "create", "demo");
    for (String v : List.of("1.0.0", "1.1.0+build.7", "v2.0.0", "2.1.0-rc.1")) {
      Files.writeString(work.resolve("demo/Chart.yaml"), "apiVersion: v2\n"
          + "name: demo\n"
          + "description: \"A demo <chart> & friends:\\u2003em space,\\u00a0nbsp, tab\\there\"\n"
          + "type: application\n"
          + "version: " + v + "\n"
          + "appVersion: \"1.16.0\"\n"
          + "home: https://example.com/demo?a=1&b=2\n"
          + "sources:\n  - https://github.com/example/demo\n  - https://mirror.example.com/demo\n"
          + "keywords: [demo, \"web<app>\"]\n"
          + "maintainers:\n  - name: Jane Doe\n    email: jane@example.com\n  - email: nobody@example.com\n"
          + "  - name: Only Name\n    url: https://example.com/only\n"
          + "annotations:\n  org.opencontainers.image.title: ignored-title\n"
          + "  org.opencontainers.image.url: https://override.example.com\n"
          + "  artifacthub.io/license: Apache-2.0\n  zeta: \"<z & z>\"\n");
      package_(work, "demo", v, signed && v.equals("1.0.0"));
    }
    // a chart with a vendored dependency
    helm.ok(work, "create", "parent");
    Files.createDirectories(work.resolve("parent/charts"));
    Files.copy(repoDir.resolve("demo-1.0.0.tgz"), work.resolve("parent/charts/demo-1.0.0.tgz"));
    Files.writeString(work.resolve("parent/Chart.yaml"), "apiVersion: v2\nname: parent\nversion: 0.3.0\n"
        + "description: Parent with a dependency\n"
        + "annotations:\n  org.opencontainers.image.created: \"2021-03-04T05:06:07Z\"\n"
        + "dependencies:\n  - name: demo\n    version: 1.0.0\n    repository: \"\"\n    condition: demo.enabled\n"
        + "    tags: [front]\n    alias: child\n    import-values:\n      - child: data\n        parent: imported\n");
    package_(work, "parent", "0.3.0", false);
    // apiVersion v1 with requirements.yaml
    helm.ok(work, "create", "legacy");
    Files.createDirectories(work.resolve("legacy/charts"));
    Files.copy(repoDir.resolve("demo-1.0.0.tgz"), work.resolve("legacy/charts/demo-1.0.0.tgz"));
    Files.writeString(work.resolve("legacy/Chart.yaml"), "apiVersion: v1\nname: legacy\nversion: 0.1.0\n"
        + "description: Old style\nappVersion: \"0.9\"\ndeprecated: true\nkubeVersion: \">=1.20.0-0\"\n"
        + "icon: https://example.com/icon.png\ncondition: legacy.enabled\ntags: backend\n");
    Files.writeString(work.resolve("legacy/requirements.yaml"),
        "dependencies:\n  - name: demo\n    version: \"~1.0.0\"\n    repository: https://charts.example.com/\n");
    package_(work, "legacy", "0.1.0", false);

    helm.ok(repoDir, "repo", "index", ".");
    // one absolute URL, as repositories hosting archives elsewhere write them
    Path index = repoDir.resolve("index.yaml");
    String text = Files.readString(index);
    assertThat(text).contains("- parent-0.3.0.tgz");
    Files.writeString(index, text.replace("- parent-0.3.0.tgz",
        "- http://127.0.0.1:" + server.getPort() + "/repo/parent-0.3.0.tgz"));
  }

  private boolean makeSigningKey(Path work) throws Exception {
    Path gnupg = Files.createDirectories(tmp.resolve("gnupg"));
    Files.setPosixFilePermissions(gnupg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    if (!run(work, gnupg, "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
        "--quick-gen-key", "Ocync Test <test@ocync.dev>", "rsa2048", "sign", "never")) {
      return false;
    }
    return run(work, gnupg, "sh", "-c", "gpg --batch --pinentry-mode loopback --passphrase '' "
        + "--export-secret-keys > " + tmp.resolve("secring.gpg"));
  }

  private static boolean run(Path dir, Path gnupg, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("GNUPGHOME", gnupg.toString());
    Process p = pb.start();
    p.getInputStream().readAllBytes();
    return p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES) && p.exitValue() == 0;
  }

  private void package_(Path work, String chart, String version, boolean sign) throws IOException {
    List<String> args = new ArrayList<>(List.of("package", chart, "-d", repoDir.toString()));
    if (sign) {
      args.addAll(List.of("--sign", "--key", "Ocync Test", "--keyring", tmp.resolve("secring.gpg").toString()));
    }
    helm.ok(work, args.toArray(String[]::new));
    versions.add(new String[] {chart, version, chart + "-" + version + ".tgz"});
  }

  @AfterAll
  void tearDown() throws IOException {
    if (server != null) {
      server.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private HelmRepository endpoint() {
    return HelmRepository.builder("http://127.0.0.1:" + server.getPort() + "/repo")
        .credentials(CredentialProvider.basic("127.0.0.1:" + server.getPort(), USER, PASSWORD))
        .build();
  }

  @Test
  void manifestsAndConfigsAreThoseHelmPushWrites() throws Exception {
    assertThat(signed).as("gpg made a signing key, so one version has a .prov").isTrue();
    assertThat(Files.exists(repoDir.resolve("demo-1.0.0.tgz.prov"))).isTrue();
    ChartIndex index = ChartIndex.parse(Files.readAllBytes(repoDir.resolve("index.yaml")), "index.yaml");
    try (HelmRepository charts = endpoint(); Syncer syncer = Syncer.builder().build();
        Registry target = Registry.of(registry.host())) {
      assertThat(charts.charts()).containsExactlyInAnyOrder("demo", "parent", "legacy");
      assertThat(charts.repository("demo").listTags())
          .containsExactlyInAnyOrder("1.0.0", "1.1.0_build.7", "v2.0.0", "2.1.0-rc.1");
      for (String[] cv : versions) {
        String chart = cv[0];
        String version = cv[1];
        String tag = version.replace('+', '_');
        ChartIndex.Entry entry = index.entries().get(chart).stream()
            .filter(e -> e.version().equals(version)).findFirst().orElseThrow();
        Path tgz = repoDir.resolve(cv[2]);
        Files.setLastModifiedTime(tgz, FileTime.from(entry.created().orElseThrow()));
        helm.ok(tmp, "push", tgz.toString(), "oci://" + registry.host() + "/pushed", "--plain-http");
        byte[] pushed = registry.manifest("pushed/" + chart, tag).orElseThrow();

        Repository source = charts.repository(chart);
        Manifest ours = source.fetchManifest(tag);
        assertThat(new String(ours.bytes(), StandardCharsets.UTF_8))
            .as("manifest of %s %s", chart, version).isEqualTo(new String(pushed, StandardCharsets.UTF_8));
        Manifest theirs = Manifest.parse(pushed, MediaType.OCI_MANIFEST);
        byte[] theirConfig = registry.blob("pushed/" + chart, theirs.config().orElseThrow().digest().toString())
            .orElseThrow();
        byte[] ourConfig = source.openBlob(ours.config().orElseThrow()).readAllBytes();
        assertThat(new String(ourConfig, StandardCharsets.UTF_8)).as("config of %s %s", chart, version)
            .isEqualTo(new String(theirConfig, StandardCharsets.UTF_8));
        assertThat(ours.layers()).anySatisfy(l -> assertThat(l.digest().encoded()).isEqualTo(
            entry.digest().orElseThrow()));
        assertThat(ours.layers()).hasSize(version.equals("1.0.0") && chart.equals("demo") ? 2 : 1);
        if (chart.equals("parent")) {
          // a Chart.yaml annotation overrides created, as Helm lets it
          assertThat(ours.annotations()).containsEntry("org.opencontainers.image.created", "2021-03-04T05:06:07Z");
        }

        CopyResult first = syncer.copy(source, tag, target.repository("mirror/" + chart), Optional.of(tag));
        assertThat(first.digest()).isEqualTo(ours.digest());
        assertThat(registry.manifest("mirror/" + chart, tag)).hasValueSatisfying(b -> assertThat(b).isEqualTo(pushed));
        // a second run is a no-op: same digest, already there
        CopyResult again = syncer.copy(source, tag, target.repository("mirror/" + chart), Optional.of(tag));
        assertThat(again.unchanged()).as("second copy of %s %s changes nothing", chart, version).isTrue();
        assertThat(again.digest()).isEqualTo(first.digest());
        // into an OCI layout, as for an air gap, with the same bytes
        Path layout = tmp.resolve("layout");
        try (Repository dir = OciLayout.directory(layout)) {
          syncer.copy(source, tag, dir, Optional.of(chart + "-" + tag));
          assertThat(dir.fetchManifest(chart + "-" + tag).bytes()).isEqualTo(pushed);
          assertThat(dir.openBlob(theirs.config().orElseThrow()).readAllBytes()).isEqualTo(theirConfig);
        }
        String ref = "oci://" + registry.host() + "/mirror/" + chart;
        Path out = Files.createDirectories(tmp.resolve("pulled-" + chart + "-" + tag));
        helm.ok(out, "pull", ref, "--version", version, "--plain-http", "-d", out.toString());
        try (Stream<Path> files = Files.list(out)) {
          assertThat(files.map(p -> p.getFileName().toString())).contains(chart + "-" + version + ".tgz");
        }
        assertThat(helm.ok(tmp, "show", "chart", ref, "--version", version, "--plain-http"))
            .contains("version: " + version).contains("name: " + chart);
      }
      assertThat(charts.warnings()).isEmpty();
    }
    // credentials went to the repository's own origin only, and every request had them
    assertThat(authorizations).isNotEmpty().allSatisfy(a -> assertThat(a).startsWith("Basic "));
  }

  @Test
  void aSecondEndpointPresentsTheSameDigests() throws Exception {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    try (HelmRepository a = endpoint()) {
      for (String[] cv : versions) {
        first.add(a.repository(cv[0]).fetchManifest(cv[1].replace('+', '_')).digest().toString());
      }
    }
    try (HelmRepository b = endpoint()) {
      for (String[] cv : versions) {
        second.add(b.repository(cv[0]).resolve(cv[1].replace('+', '_')).orElseThrow().digest().toString());
      }
    }
    assertThat(second).isEqualTo(first).doesNotHaveDuplicates();
  }
}
