package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ocync.OciLayout;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Platform;
import dev.ocync.testing.HelmCli;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: {@code java -jar ocync.jar serve} as a user runs it, on a free loopback port, over a
 * config with a classic chart repository (served by the test), an OCI layout and an OCI archive:
 * {@code helm pull} gets the repository's exact archive, skopeo the bundles' digests, wrong
 * credentials 401, a write 405, and SIGTERM stops it with exit code 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
class ServeCommandIT {
  private static final Pattern READY = Pattern.compile("ocync serve: ready on (http://127\\.0\\.0\\.1:(\\d+))");
  private static final String USER = "bot";
  private static final String PASSWORD = "serve-s3cret";

  @TempDir
  static Path tmp;
  private HttpServer files;
  private JarProcess process;
  private String url;
  private int port;
  private HelmCli helm;
  private Path repo;
  private String layoutIndex;
  private String archiveImage;

  @BeforeAll
  void start() throws Exception {
    helm = HelmCli.find(tmp.resolve("helm-home"));
    repo = Files.createDirectories(tmp.resolve("repo"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    helm.ok(work, "create", "demo");
    Files.writeString(work.resolve("demo/Chart.yaml"), "apiVersion: v2\nname: demo\ndescription: test chart\n"
        + "type: application\nversion: 1.2.0\nappVersion: \"1.0\"\n");
    helm.ok(work, "package", "demo", "-d", repo.toString());
    helm.ok(repo, "repo", "index", ".");
    files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    files.createContext("/charts/", x -> {
      Path f = repo.resolve(x.getRequestURI().getPath().substring("/charts/".length())).normalize();
      byte[] body = f.startsWith(repo) && Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
      x.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
      if (body != null) {
        try (OutputStream out = x.getResponseBody()) {
          out.write(body);
        }
      }
      x.close();
    });
    files.start();

    Path layout = tmp.resolve("layout");
    TestImages.Image index = TestImages.multiArch(31, 2048);
    try (OciLayout.Bundle b = OciLayout.directoryBundle(layout)) {
      index.pushTo(b.repository("apps/web"), Optional.of("1.0"));
    }
    layoutIndex = index.manifest().digest().toString();
    Path archive = tmp.resolve("bundle.tar");
    TestImages.Image image = TestImages.ociImage(32, Platform.parse("linux/amd64"), 2, 4096);
    try (OciLayout.Bundle b = OciLayout.archiveBundle(archive)) {
      image.pushTo(b.repository("apps/api"), Optional.of("2.0"));
    }
    archiveImage = image.manifest().digest().toString();

    Path htpasswd = tmp.resolve("htpasswd");
    Process h = new ProcessBuilder("htpasswd", "-Bbn", USER, PASSWORD).redirectErrorStream(true).start();
    String entry = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(h.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Files.writeString(htpasswd, entry + "\n");
    Path cfg = Files.writeString(tmp.resolve("ocync.yaml"), "registries:\n"
        + "  charts: {type: helm, url: http://127.0.0.1:" + files.getAddress().getPort() + "/charts}\n"
        + "  airgap: {type: oci-layout, path: " + layout + "}\n"
        + "  bundle: {type: oci-archive, path: " + archive + "}\n"
        + "  hub: {url: https://registry.example}\n"
        + "mappings: []\n");

    process = JarProcess.start("serve", "-c", cfg.toString(), "--listen", "127.0.0.1:0", "--htpasswd",
        htpasswd.toString(), "--cache-dir", tmp.resolve("cache").toString());
    Optional<String> readyLine = process.awaitLine(l -> READY.matcher(l).find(), Duration.ofSeconds(60));
    assertThat(readyLine).as("ready line; output so far:\n%s", (Object) output()).isPresent();
    Matcher m = READY.matcher(readyLine.get());
    assertThat(m.find()).isTrue();
    url = m.group(1);
    port = Integer.parseInt(m.group(2));
  }

  @AfterAll
  void stop() {
    if (process != null) {
      process.close();
    }
    if (files != null) {
      files.stop(0);
    }
  }

  private String output() {
    return process.output();
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", List.of(cmd), out).isZero();
    return out;
  }

  private int status(String method, String path, Optional<String> password) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url + path).toURL().openConnection();
    c.setRequestMethod(method);
    password.ifPresent(p -> c.setRequestProperty("Authorization", "Basic "
        + Base64.getEncoder().encodeToString((USER + ":" + p).getBytes(StandardCharsets.UTF_8))));
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  @Test
  void helmPullGetsTheRepositorysExactArchive() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("pulled"));
    helm.ok(out, "pull", "oci://127.0.0.1:" + port + "/charts/demo", "--version", "1.2.0", "--plain-http",
        "--username", USER, "--password", PASSWORD);
    assertThat(out.resolve("demo-1.2.0.tgz")).hasSameBinaryContentAs(repo.resolve("demo-1.2.0.tgz"));
    // the verified archive went to the cache directory under its digest
    Digest d = Digest.sha256(Files.readAllBytes(repo.resolve("demo-1.2.0.tgz")));
    assertThat(tmp.resolve("cache").resolve("sha256-" + d.encoded() + ".tgz")).isRegularFile();
    assertThat(output()).contains(" GET /v2/charts/demo/blobs/" + d + " 200 ");
  }

  @Test
  void skopeoReadsTheBundlesWithTheirDigests() throws Exception {
    String creds = USER + ":" + PASSWORD;
    String raw = run("skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "--creds", creds,
        "docker://127.0.0.1:" + port + "/airgap/apps/web:1.0");
    assertThat(Digest.sha256(raw.getBytes(StandardCharsets.UTF_8)).toString()).isEqualTo(layoutIndex);
    String inspected = run("skopeo", "--insecure-policy", "inspect", "--tls-verify=false", "--creds", creds,
        "docker://127.0.0.1:" + port + "/bundle/apps/api:2.0");
    assertThat(new ObjectMapper().readTree(inspected).path("Digest").asText()).isEqualTo(archiveImage);
    Path copied = tmp.resolve("copied");
    // the test images' layers are uncompressed: without these flags skopeo would compress them
    run("skopeo", "--insecure-policy", "copy", "--preserve-digests", "--dest-oci-accept-uncompressed-layers",
        "--src-tls-verify=false", "--src-creds", creds,
        "docker://127.0.0.1:" + port + "/bundle/apps/api:2.0", "oci:" + copied + ":api");
    JsonNode index = new ObjectMapper().readTree(Files.readString(copied.resolve("index.json")));
    assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(archiveImage);
  }

  @Test
  void refusalsHealthAndTheAccessLog() throws Exception {
    assertThat(status("GET", "/v2/", Optional.of("wrong"))).isEqualTo(401);
    assertThat(status("GET", "/v2/", Optional.empty())).isEqualTo(401);
    assertThat(status("GET", "/v2/", Optional.of(PASSWORD))).isEqualTo(200);
    assertThat(status("PUT", "/v2/airgap/apps/web/manifests/2.0", Optional.of(PASSWORD))).isEqualTo(405);
    assertThat(status("DELETE", "/v2/bundle/apps/api/manifests/2.0", Optional.of(PASSWORD))).isEqualTo(405);
    assertThat(status("GET", "/healthz", Optional.empty())).isEqualTo(200);
    // the registry-type entry is not served
    assertThat(status("GET", "/v2/hub/library/alpine/tags/list", Optional.of(PASSWORD))).isEqualTo(404);
    String log = awaitOutput("GET /healthz 200");
    assertThat(log).contains("127.0.0.1 PUT /v2/airgap/apps/web/manifests/2.0 405 ")
        .contains("127.0.0.1 GET /v2/ 401 ").doesNotContain(PASSWORD).doesNotContain("jetty-12");
  }

  private String awaitOutput(String text) throws InterruptedException {
    process.awaitLine(l -> l.contains(text), Duration.ofSeconds(5));
    return output();
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void sigtermStopsItPromptlyWithExitCodeZero() throws Exception {
    assertThat(process.terminate(Duration.ofSeconds(30))).as(output()).isZero();
    assertThat(output()).contains("stopping: letting requests in flight finish").doesNotContain("\tat ");
  }
}
