package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciServer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull side of the distribution API over a memory repository, and every refusal. */
class OciServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACCEPT_ALL = "Accept: " + String.join(", ", MediaType.MANIFEST_TYPES);

  @TempDir Path tmp;

  private final MemoryRepository repo = new MemoryRepository("mem:app");
  private final Image image = TestImages.ociImage(1, Platform.parse("linux/amd64"), 2, 200_000);
  private final Image multi = TestImages.multiArch(10, 1000);
  private final Image docker = TestImages.dockerImage(20, Platform.parse("linux/amd64"), 1, 500);
  private Image signature;
  private Image sbom;
  private OciServer server;
  // written on server threads after each response, read by assertions that iterate it
  private final List<OciServer.Access> log = new CopyOnWriteArrayList<>();

  @BeforeEach
  void fill() throws Exception {
    image.pushTo(repo, Optional.of("v1"));
    multi.pushTo(repo, Optional.of("multi"));
    docker.pushTo(repo, Optional.of("docker"));
    for (int i = 0; i < 5; i++) {
      repo.pushManifest(image.manifest(), Optional.of("t" + i));
    }
    signature = TestImages.referrer(30, image.manifest().descriptor(), "application/vnd.example.signature");
    sbom = TestImages.referrer(31, image.manifest().descriptor(), "application/spdx+json");
    signature.pushTo(repo, Optional.empty());
    sbom.pushTo(repo, Optional.empty());
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private int start(OciServer.Builder b) throws Exception {
    server = b.accessListener(log::add).build().start();
    return server.port();
  }

  private int start() throws Exception {
    return start(OciServer.builder().repository("mirror/app", repo));
  }

  private static JsonNode json(RawHttp.Reply r) throws Exception {
    return JSON.readTree(r.body());
  }

  private static String errorCode(RawHttp.Reply r) throws Exception {
    return json(r).path("errors").path(0).path("code").asText();
  }

  @Test
  void baseEndpointNamesTheApiVersion() throws Exception {
    RawHttp.Reply r = RawHttp.send(start(), "GET", "/v2/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Docker-Distribution-API-Version")).contains("registry/2.0");
  }

  @Test
  void manifestByTagAndDigestCarriesDigestTypeAndLength() throws Exception {
    int port = start();
    byte[] bytes = image.manifest().bytes();
    RawHttp.Reply byTag = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL);
    assertThat(byTag.status()).isEqualTo(200);
    assertThat(byTag.body()).isEqualTo(bytes);
    assertThat(byTag.header("Docker-Content-Digest")).contains(image.manifest().digest().toString());
    assertThat(byTag.header("Content-Type")).contains(MediaType.OCI_MANIFEST);
    assertThat(byTag.header("Content-Length")).contains(Integer.toString(bytes.length));

    RawHttp.Reply byDigest = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/" + image.manifest().digest(),
        ACCEPT_ALL);
    assertThat(byDigest.body()).isEqualTo(bytes);

    RawHttp.Reply head = RawHttp.send(port, "HEAD", "/v2/mirror/app/manifests/multi", ACCEPT_ALL);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("Content-Length")).contains(Integer.toString(multi.manifest().size()));
    assertThat(head.header("Content-Type")).contains(MediaType.OCI_INDEX);
    assertThat(head.header("Docker-Content-Digest")).contains(multi.manifest().digest().toString());
  }

  @Test
  void ociContentNeedsAnAcceptHeaderThatNamesItAsDistributionDoes() throws Exception {
    int port = start();
    RawHttp.Reply none = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/multi");
    assertThat(none.status()).isEqualTo(404);
    assertThat(errorCode(none)).isEqualTo("MANIFEST_UNKNOWN");
    RawHttp.Reply onlyManifest = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/multi",
        "Accept: " + MediaType.OCI_MANIFEST);
    assertThat(onlyManifest.status()).isEqualTo(404);
    RawHttp.Reply index = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/multi",
        "Accept: " + MediaType.OCI_INDEX + ";q=0.9");
    assertThat(index.status()).isEqualTo(200);
    // Docker types are served whatever the client accepts (never converted)
    RawHttp.Reply dockerNone = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/docker");
    assertThat(dockerNone.status()).isEqualTo(200);
    assertThat(dockerNone.header("Content-Type")).contains(MediaType.DOCKER_MANIFEST);
  }

  @Test
  void blobsStreamWithDigestAndAnswerSingleRanges() throws Exception {
    int port = start();
    RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL);
    Blob layer = image.blobs().get(1);
    String path = "/v2/mirror/app/blobs/" + layer.descriptor().digest();
    RawHttp.Reply full = RawHttp.send(port, "GET", path);
    assertThat(full.status()).isEqualTo(200);
    assertThat(full.body()).isEqualTo(layer.bytes());
    assertThat(full.header("Docker-Content-Digest")).contains(layer.descriptor().digest().toString());

    RawHttp.Reply head = RawHttp.send(port, "HEAD", path);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).contains(Long.toString(layer.descriptor().size()));
    assertThat(head.body()).isEmpty();

    RawHttp.Reply range = RawHttp.send(port, "GET", path, "Range: bytes=100-199");
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(layer.bytes(), 100, 200));
    assertThat(range.header("Content-Range")).contains("bytes 100-199/" + layer.bytes().length);

    RawHttp.Reply tail = RawHttp.send(port, "GET", path, "Range: bytes=-10");
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(layer.bytes(), layer.bytes().length - 10,
        layer.bytes().length));
    RawHttp.Reply open = RawHttp.send(port, "GET", path, "Range: bytes=199990-");
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(layer.bytes(), 199990, layer.bytes().length));

    RawHttp.Reply huge = RawHttp.send(port, "GET", path, "Range: bytes=9999999999999999999-");
    assertThat(huge.status()).as("a range past any long is ignored, not a server error").isEqualTo(200);
    assertThat(huge.body()).isEqualTo(layer.bytes());

    RawHttp.Reply beyond = RawHttp.send(port, "GET", path, "Range: bytes=" + layer.bytes().length + "-");
    assertThat(beyond.status()).isEqualTo(416);
    assertThat(beyond.header("Content-Range")).contains("bytes */" + layer.bytes().length);
  }

  @Test
  void aBlobIsFoundWithoutFetchingItsManifestFirst() throws Exception {
    int port = start();
    Blob config = multi.children().get(1).blobs().get(0);
    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/mirror/app/blobs/" + config.descriptor().digest());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(config.bytes());
  }

  @Test
  void tagsPageWithNAndLastAndLink() throws Exception {
    int port = start();
    RawHttp.Reply all = RawHttp.send(port, "GET", "/v2/mirror/app/tags/list");
    assertThat(json(all).path("name").asText()).isEqualTo("mirror/app");
    assertThat(json(all).path("tags").toString()).isEqualTo("[\"docker\",\"multi\",\"t0\",\"t1\",\"t2\",\"t3\",\"t4\",\"v1\"]");
    RawHttp.Reply first = RawHttp.send(port, "GET", "/v2/mirror/app/tags/list?n=3");
    assertThat(json(first).path("tags").toString()).isEqualTo("[\"docker\",\"multi\",\"t0\"]");
    assertThat(first.header("Link")).contains("</v2/mirror/app/tags/list?n=3&last=t0>; rel=\"next\"");
    RawHttp.Reply next = RawHttp.send(port, "GET", "/v2/mirror/app/tags/list?n=3&last=t0");
    assertThat(json(next).path("tags").toString()).isEqualTo("[\"t1\",\"t2\",\"t3\"]");
    RawHttp.Reply end = RawHttp.send(port, "GET", "/v2/mirror/app/tags/list?n=3&last=t3");
    assertThat(json(end).path("tags").toString()).isEqualTo("[\"t4\",\"v1\"]");
    assertThat(end.header("Link")).isEmpty();
    assertThat(RawHttp.send(port, "GET", "/v2/mirror/app/tags/list?n=x").status()).isEqualTo(400);
  }

  @Test
  void catalogListsWhatRoutesCanList() throws Exception {
    MemoryRepository other = new MemoryRepository("mem:other");
    int port = start(OciServer.builder().repository("mirror/app", repo).repository("other", other)
        .lookup("hidden", name -> Optional.empty()));
    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/_catalog");
    assertThat(json(r).path("repositories").toString()).isEqualTo("[\"mirror/app\",\"other\"]");
    RawHttp.Reply page = RawHttp.send(port, "GET", "/v2/_catalog?n=1");
    assertThat(json(page).path("repositories").toString()).isEqualTo("[\"mirror/app\"]");
    assertThat(page.header("Link")).contains("</v2/_catalog?n=1&last=mirror%2Fapp>; rel=\"next\"");
  }

  @Test
  void referrersAreAnIndexFilteredByArtifactType() throws Exception {
    int port = start();
    String path = "/v2/mirror/app/referrers/" + image.manifest().digest();
    RawHttp.Reply all = RawHttp.send(port, "GET", path);
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.header("Content-Type")).contains(MediaType.OCI_INDEX);
    assertThat(json(all).path("manifests")).hasSize(2);
    assertThat(all.header("OCI-Filters-Applied")).isEmpty();
    RawHttp.Reply sig = RawHttp.send(port, "GET", path + "?artifactType=application%2Fvnd.example.signature");
    assertThat(sig.header("OCI-Filters-Applied")).contains("artifactType");
    JsonNode only = json(sig).path("manifests");
    assertThat(only).hasSize(1);
    assertThat(only.path(0).path("digest").asText()).isEqualTo(signature.manifest().digest().toString());
    assertThat(only.path(0).path("artifactType").asText()).isEqualTo("application/vnd.example.signature");
    RawHttp.Reply none = RawHttp.send(port, "GET", "/v2/mirror/app/referrers/" + Digest.sha256(new byte[1]));
    assertThat(none.status()).isEqualTo(200);
    assertThat(json(none).path("manifests")).isEmpty();
  }

  @Test
  void writesAreRefusedAsUnsupported() throws Exception {
    int port = start();
    for (String[] w : List.of(new String[] {"POST", "/v2/mirror/app/blobs/uploads/"},
        new String[] {"PUT", "/v2/mirror/app/manifests/v2"}, new String[] {"PATCH", "/v2/mirror/app/blobs/uploads/x"},
        new String[] {"DELETE", "/v2/mirror/app/manifests/" + image.manifest().digest()})) {
      RawHttp.Reply r = RawHttp.send(port, w[0], w[1]);
      assertThat(r.status()).as("%s %s", w[0], w[1]).isEqualTo(405);
      assertThat(errorCode(r)).isEqualTo("UNSUPPORTED");
    }
    assertThat(repo.manifests()).doesNotContainKey(Digest.sha256(new byte[0]));
    assertThat(repo.tags()).doesNotContainKey("v2");
  }

  @Test
  void unknownAndMalformedNamesAndReferencesGetTheSpecsCodes() throws Exception {
    int port = start();
    record Case(String path, int status, String code) {}
    Digest absent = Digest.sha256("absent".getBytes(StandardCharsets.UTF_8));
    for (Case c : List.of(
        new Case("/v2/nothing/here/manifests/v1", 404, "NAME_UNKNOWN"),
        new Case("/v2/mirror/app/manifests/v9", 404, "MANIFEST_UNKNOWN"),
        new Case("/v2/mirror/app/manifests/" + absent, 404, "MANIFEST_UNKNOWN"),
        new Case("/v2/mirror/app/blobs/" + absent, 404, "BLOB_UNKNOWN"),
        new Case("/v2/Mirror/App/manifests/v1", 400, "NAME_INVALID"),
        new Case("/v2/mirror/app/blobs/sha256:1234", 400, "DIGEST_INVALID"),
        new Case("/v2/mirror/app/manifests/md5:abcd", 400, "DIGEST_INVALID"),
        new Case("/v2/mirror/app/referrers/latest", 400, "DIGEST_INVALID"))) {
      RawHttp.Reply r = RawHttp.send(port, "GET", c.path(), ACCEPT_ALL);
      assertThat(r.status()).as(c.path()).isEqualTo(c.status());
      assertThat(errorCode(r)).as(c.path()).isEqualTo(c.code());
      assertThat(r.header("Content-Type")).as(c.path()).contains("application/json");
    }
  }

  @Test
  void traversalPathsAreRefused() throws Exception {
    Path secret = tmp.resolve("secret");
    Files.writeString(secret, "do not serve");
    int port = start();
    for (String p : List.of("/v2/mirror/../../../etc/passwd/manifests/v1", "/v2/mirror/app/blobs/..%2F..%2Fsecret",
        "/v2/%2e%2e/app/manifests/v1", "/v2/mirror//app/manifests/v1", "/v2/mirror/app/manifests/..")) {
      RawHttp.Reply r = RawHttp.send(port, "GET", p, ACCEPT_ALL);
      assertThat(r.status()).as(p).isBetween(400, 404);
      assertThat(r.text()).as(p).doesNotContain("do not serve").doesNotContain("root:");
    }
  }

  @Test
  void aBearerTokenIsRequiredWhenConfigured() throws Exception {
    int port = start(OciServer.builder().repository("mirror/app", repo).bearerToken("s3cret-token"));
    RawHttp.Reply none = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).contains("Bearer realm=\"ocync\"");
    assertThat(errorCode(none)).isEqualTo("UNAUTHORIZED");
    RawHttp.Reply wrong = RawHttp.send(port, "GET", "/v2/", "Authorization: Bearer s3cret-tokex");
    assertThat(wrong.status()).isEqualTo(401);
    RawHttp.Reply right = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL,
        "Authorization: Bearer s3cret-token");
    assertThat(right.status()).isEqualTo(200);
    assertThat(log).extracting(a -> a.toString()).noneMatch(s -> s.contains("s3cret"));
    assertThat(server.toString()).doesNotContain("s3cret");
  }

  @Test
  void healthzAnswersWithoutCredentialsWhileTheApiWantsThem() throws Exception {
    int port = start(OciServer.builder().repository("mirror/app", repo).bearerToken("s3cret-token"));
    RawHttp.Reply health = RawHttp.send(port, "GET", "/healthz");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.text()).isEqualTo("ok\n");
    assertThat(RawHttp.send(port, "HEAD", "/healthz").status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "POST", "/healthz").status()).isEqualTo(404);
    assertThat(RawHttp.send(port, "GET", "/v2/").status()).isEqualTo(401);
  }

  @Test
  void basicCredentialsAreCheckedAgainstAnHtpasswdFile() throws Exception {
    String sha = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
        .digest("pa55word".getBytes(StandardCharsets.UTF_8)));
    Path file = Files.writeString(tmp.resolve("htpasswd"), "# users\nalice:{SHA}" + sha + "\n");
    int port = start(OciServer.builder().repository("mirror/app", repo).htpasswd(file));
    String good = Base64.getEncoder().encodeToString("alice:pa55word".getBytes(StandardCharsets.UTF_8));
    String bad = Base64.getEncoder().encodeToString("alice:pa55wore".getBytes(StandardCharsets.UTF_8));
    String nobody = Base64.getEncoder().encodeToString("bob:pa55word".getBytes(StandardCharsets.UTF_8));
    assertThat(RawHttp.send(port, "GET", "/v2/", "Authorization: Basic " + good).status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "GET", "/v2/", "Authorization: Basic " + bad).status()).isEqualTo(401);
    assertThat(RawHttp.send(port, "GET", "/v2/", "Authorization: Basic " + nobody).status()).isEqualTo(401);
    RawHttp.Reply none = RawHttp.send(port, "POST", "/v2/mirror/app/blobs/uploads/");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).contains("Basic realm=\"ocync\"");
  }

  @Test
  void bcryptLinesAsDistributionUsesThemAreChecked() throws Exception {
    // written by htpasswd -nbB -C 5 alice pa55word and -C 6 with a long non-ASCII password
    Path file = Files.writeString(tmp.resolve("htpasswd"),
        "alice:$2y$05$gkUlOwcyEv2uIadDv1HTceFWfXzkP.xqkyHLavShJmSSPF563Y4q2\n"
            + "carol:$2y$06$VlS47BChtLlXcWO.9m79z.GtgpsT7Hy4JkK7wca4IaoeKy1xhi.Aa\n");
    int port = start(OciServer.builder().repository("mirror/app", repo).htpasswd(file));
    String carol = "\u00fcn\u00efcode-and-a-very-long-password-that-goes-beyond-seventy-two-bytes-for-sure-yes-it-does";
    for (int i = 0; i < 2; i++) { // the second time from the cache of checked pairs
      assertThat(RawHttp.send(port, "GET", "/v2/", basic("alice", "pa55word")).status()).isEqualTo(200);
    }
    assertThat(RawHttp.send(port, "GET", "/v2/", basic("alice", "pa55wore")).status()).isEqualTo(401);
    assertThat(RawHttp.send(port, "GET", "/v2/", basic("carol", carol)).status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "GET", "/v2/", basic("carol", carol.substring(1))).status()).isEqualTo(401);
  }

  private static String basic(String user, String password) {
    return "Authorization: Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anHtpasswdFileWithAnUnsupportedSchemeIsRefusedByName() throws Exception {
    Path file = Files.writeString(tmp.resolve("htpasswd"), "dave:$apr1$hSkXL2R9$dIAnoQSOgto7ntKpGkKc2.\n");
    assertThatThrownBy(() -> OciServer.builder().htpasswd(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("apr1").hasMessageContaining("line 1");
    Path costly = Files.writeString(tmp.resolve("costly"),
        "alice:$2y$20$gkUlOwcyEv2uIadDv1HTceFWfXzkP.xqkyHLavShJmSSPF563Y4q2\n");
    assertThatThrownBy(() -> OciServer.builder().htpasswd(costly)).hasMessageContaining("cost 20");
  }

  @Test
  void aBlobWhoseBytesAreWrongIsNeverServedWhole() throws Exception {
    Blob layer = image.blobs().get(1);
    byte[] wrong = layer.bytes().clone();
    wrong[wrong.length - 1] ^= 1; // same size, wrong digest: only the last byte tells
    repo.corruptBlob(layer.descriptor().digest(), wrong);
    Blob config = image.blobs().get(0);
    byte[] shortConfig = Arrays.copyOf(config.bytes(), config.bytes().length - 1);
    repo.corruptBlob(config.descriptor().digest(), shortConfig);
    int port = start();
    RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL);

    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/mirror/app/blobs/" + layer.descriptor().digest());
    assertThat(r.truncated()).as("the response is cut short").isTrue();
    assertThat(r.body().length).isLessThan(wrong.length);
    RawHttp.Reply range = RawHttp.send(port, "GET", "/v2/mirror/app/blobs/" + layer.descriptor().digest(),
        "Range: bytes=0-99");
    assertThat(range.truncated()).as("a range of a wrong blob is cut short too").isTrue();
    RawHttp.Reply shortOne = RawHttp.send(port, "GET", "/v2/mirror/app/blobs/" + config.descriptor().digest());
    assertThat(shortOne.truncated()).as("a blob shorter than its descriptor is cut short").isTrue();
    assertThat(log).anyMatch(a -> a.path().endsWith(layer.descriptor().digest().toString()) && a.status() == -1);
  }

  @Test
  void theAccessLogSeesEveryRequest() throws Exception {
    int port = start();
    RawHttp.send(port, "GET", "/v2/mirror/app/manifests/v1", ACCEPT_ALL);
    RawHttp.send(port, "PUT", "/v2/mirror/app/manifests/v1");
    // the entry is written once the answer went out, which the client may see first
    for (int i = 0; i < 500 && log.size() < 2; i++) {
      Thread.sleep(10);
    }
    assertThat(log).extracting(OciServer.Access::method, OciServer.Access::status)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("GET", 200),
            org.assertj.core.groups.Tuple.tuple("PUT", 405));
    OciServer.Access get = log.stream().filter(a -> a.method().equals("GET")).findFirst().orElseThrow();
    assertThat(get.bytes()).isEqualTo(image.manifest().size());
    assertThat(get.path()).isEqualTo("/v2/mirror/app/manifests/v1");
    assertThat(get.client()).isEqualTo("127.0.0.1");
  }

  @Test
  void servesHttpsWithAPemCertificateAndKey() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl missing");
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(), "-out",
        cert.toString()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    int port = start(OciServer.builder().repository("mirror/app", repo).tls(cert, key));
    assertThat(server.url()).isEqualTo("https://127.0.0.1:" + port);
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(cert)) {
      trust.setCertificateEntry("server", java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection)
        new java.net.URL(server.url() + "/v2/mirror/app/manifests/v1").openConnection();
    c.setSSLSocketFactory(ctx.getSocketFactory());
    c.setRequestProperty("Accept", MediaType.OCI_MANIFEST);
    assertThat(c.getResponseCode()).isEqualTo(200);
    try (var in = c.getInputStream()) {
      assertThat(in.readAllBytes()).isEqualTo(image.manifest().bytes());
    }
    Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello");
    OciServer bad = OciServer.builder().repository("a", repo).tls(notPem, key).build();
    assertThatThrownBy(bad::start).isInstanceOf(java.io.IOException.class).hasMessageContaining(notPem.toString())
        .hasMessageContaining("CERTIFICATE");
  }

  @Test
  void oversizedRequestHeadersAreRefused() throws Exception {
    int port = start(OciServer.builder().repository("mirror/app", repo).maxHeaderBytes(4096));
    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/", "X-Padding: " + "a".repeat(8000));
    assertThat(r.status()).isEqualTo(431);
    assertThat(RawHttp.send(port, "GET", "/v2/", "X-Padding: " + "a".repeat(1000)).status()).isEqualTo(200);
  }

  @Test
  void aManifestThatDoesNotMatchItsDigestIsNotServed() throws Exception {
    byte[] other = docker.manifest().bytes();
    dev.ocync.spi.Repository lying = new dev.ocync.internal.engine.ForwardingRepository(repo) {
      @Override
      public dev.ocync.oci.Manifest fetchManifest(String reference) throws java.io.IOException {
        // a broken endpoint: answers every request with the same (wrong) manifest
        return dev.ocync.oci.Manifest.parse(other, MediaType.DOCKER_MANIFEST);
      }
    };
    int port = start(OciServer.builder().repository("mirror/app", lying));
    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/mirror/app/manifests/" + image.manifest().digest(), ACCEPT_ALL);
    assertThat(r.status()).isEqualTo(502);
    assertThat(errorCode(r)).isEqualTo("MANIFEST_INVALID");
    assertThat(r.body()).isNotEqualTo(other);
    assertThat(r.header("Docker-Content-Digest")).isEmpty();
  }

  @Test
  void aBlobThatCannotBeReadBeforeItsFirstByteGetsAnErrorWithoutItsHeaders() throws Exception {
    dev.ocync.spi.Repository failing = new dev.ocync.internal.engine.ForwardingRepository(repo) {
      @Override
      public java.io.InputStream openBlob(dev.ocync.oci.Descriptor blob) throws java.io.IOException {
        throw new java.io.IOException("disk gone");
      }
    };
    int port = start(OciServer.builder().repository("mirror/app", failing));
    Blob layer = image.blobs().get(1);
    RawHttp.Reply r = RawHttp.send(port, "GET", "/v2/mirror/app/blobs/" + layer.descriptor().digest(),
        "Range: bytes=0-9");
    assertThat(r.status()).isEqualTo(500);
    assertThat(errorCode(r)).isEqualTo("UNKNOWN");
    assertThat(r.header("Docker-Content-Digest")).isEmpty();
    assertThat(r.header("Content-Range")).isEmpty();
    assertThat(r.header("Docker-Distribution-API-Version")).contains("registry/2.0");
    assertThat(r.text()).doesNotContain("disk gone");
  }

  @Test
  void builderChecksItsInput() {
    assertThatThrownBy(() -> OciServer.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> OciServer.builder().listen("127.0.0.1", 70000)).hasMessageContaining("70000");
    assertThatThrownBy(() -> OciServer.builder().route("Bad//", name -> Optional.empty()))
        .hasMessageContaining("Bad//");
    assertThatThrownBy(() -> OciServer.builder().repository("a", repo).repository("a", repo))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> OciServer.builder().bearerToken(" ")).isInstanceOf(IllegalArgumentException.class);
  }
}
