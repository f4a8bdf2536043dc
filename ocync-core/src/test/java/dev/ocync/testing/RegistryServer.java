package dev.ocync.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real CNCF distribution registry ({@code /usr/bin/docker-registry}, Debian's 2.8 package) on a
 * free loopback port, for integration tests: plain HTTP, with htpasswd basic auth, or with TLS
 * from a CA made at start-up. Everything it writes lives in a temp directory that {@link #close()}
 * deletes, after killing the process.
 *
 * <pre>{@code
 * try (RegistryServer registry = RegistryServer.plain()) {
 *   Registry r = Registry.of(registry.host());
 * }
 * }</pre>
 *
 * <p>The registry's stdout and stderr, including its access log, go to {@link #logFile()};
 * {@link #requests()} parses the access log so tests can count requests.
 */
public final class RegistryServer implements AutoCloseable {
  private static final Path BINARY = Path.of("/usr/bin/docker-registry");
  /**
   * The registry runs under {@code timeout}, so a JVM killed before it could close the registry
   * leaves no process behind for longer than this. No test class needs one for this long.
   */
  private static final Duration MAX_LIFETIME = Duration.ofMinutes(20);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int START_ATTEMPTS = 5;
  /** The combined log format line the registry writes per request: {@code "GET /v2/ HTTP/1.1" 200 2}. */
  private static final Pattern ACCESS_LINE =
      Pattern.compile("\"([A-Z]+) (\\S+) HTTP/[0-9.]+\" ([0-9]{3}) ");

  /** One request from the access log. */
  public record Request(String method, String path, int status) {}

  private final Path dir;
  private final Optional<String> username;
  private final Optional<String> password;
  private final boolean tls;
  private final Path log;
  private final Path caCertificate;
  private final Path caCertificateDir;
  private Optional<String> remote = Optional.empty();
  private Process process;
  private Thread shutdownHook;
  private int port;
  private SSLSocketFactory sslSocketFactory;

  private RegistryServer(Optional<String> username, Optional<String> password, boolean tls) throws IOException {
    this.username = username;
    this.password = password;
    this.tls = tls;
    this.dir = Files.createTempDirectory("ocync-registry-");
    this.log = dir.resolve("registry.log");
    this.caCertificateDir = dir.resolve("certs.d");
    this.caCertificate = caCertificateDir.resolve("ca.crt");
  }

  /** A registry on plain HTTP with no auth. */
  public static RegistryServer plain() throws IOException {
    return start(new RegistryServer(Optional.empty(), Optional.empty(), false));
  }

  /** A registry on plain HTTP that requires {@code username}/{@code password} (htpasswd, bcrypt). */
  public static RegistryServer htpasswd(String username, String password) throws IOException {
    return start(new RegistryServer(Optional.of(username), Optional.of(password), false));
  }

  /**
   * A registry on plain HTTP with no auth in pull-through cache mode ({@code proxy.remoteurl}) in
   * front of {@code remoteUrl}: what it serves it fetches there once and then keeps.
   */
  public static RegistryServer pullThrough(String remoteUrl) throws IOException {
    RegistryServer server = new RegistryServer(Optional.empty(), Optional.empty(), false);
    server.remote = Optional.of(remoteUrl);
    return start(server);
  }

  /** A registry on HTTPS with a certificate for {@code 127.0.0.1} and {@code localhost} from a fresh CA. */
  public static RegistryServer tls() throws IOException {
    return start(new RegistryServer(Optional.empty(), Optional.empty(), true));
  }

  private static RegistryServer start(RegistryServer server) throws IOException {
    try {
      server.start();
      return server;
    } catch (IOException | RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  private void start() throws IOException {
    Files.createDirectories(dir.resolve("storage"));
    if (username.isPresent()) {
      writeHtpasswd();
    }
    if (tls) {
      makeCertificates();
    }
    if (tls) {
      sslSocketFactory = sslContextTrusting(caCertificate).getSocketFactory();
    }
    IOException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      port = freePort();
      Path config = dir.resolve("config.yml");
      Files.writeString(config, config(port));
      Files.deleteIfExists(log);
      ProcessBuilder pb = new ProcessBuilder("timeout", "--kill-after=10s", MAX_LIFETIME.toSeconds() + "s",
          BINARY.toString(), "serve", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      Process started = process;
      shutdownHook = new Thread(() -> kill(started), "kill-registry-" + port);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      try {
        awaitReady();
        return;
      } catch (IOException e) {
        last = e;
        boolean portTaken = logText().contains("address already in use");
        stopProcess();
        if (!portTaken) {
          throw e;
        }
      }
    }
    throw last;
  }

  private String config(int port) {
    StringBuilder sb = new StringBuilder()
        .append("version: 0.1\n")
        .append("log:\n")
        .append("  level: info\n")
        .append("  formatter: text\n")
        .append("  accesslog:\n")
        .append("    disabled: false\n")
        .append("storage:\n")
        .append("  filesystem:\n")
        .append("    rootdirectory: ").append(dir.resolve("storage")).append('\n')
        .append("  delete:\n")
        .append("    enabled: true\n")
        .append("  maintenance:\n")
        .append("    uploadpurging:\n")
        .append("      enabled: false\n")
        .append("http:\n")
        .append("  addr: 127.0.0.1:").append(port).append('\n')
        .append("  secret: ocync-integration-test\n");
    if (tls) {
      sb.append("  tls:\n")
          .append("    certificate: ").append(dir.resolve("server.crt")).append('\n')
          .append("    key: ").append(dir.resolve("server.key")).append('\n');
    }
    if (username.isPresent()) {
      sb.append("auth:\n")
          .append("  htpasswd:\n")
          .append("    realm: ocync-test\n")
          .append("    path: ").append(dir.resolve("htpasswd")).append('\n');
    }
    remote.ifPresent(url -> sb.append("proxy:\n").append("  remoteurl: ").append(url).append('\n'));
    return sb.toString();
  }

  private static int freePort() throws IOException {
    // The port is free when we close the socket; another process may take it before the registry
    // binds, which start() detects from the log and retries with a new port.
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private void writeHtpasswd() throws IOException {
    String out = run(List.of("htpasswd", "-Bbn", username.orElseThrow(), password.orElseThrow()));
    Files.writeString(dir.resolve("htpasswd"), out.strip() + "\n");
  }

  private void makeCertificates() throws IOException {
    Files.createDirectories(caCertificateDir);
    Path caKey = dir.resolve("ca.key");
    Path serverKey = dir.resolve("server.key");
    Path csr = dir.resolve("server.csr");
    Path ext = dir.resolve("server.ext");
    // EC keys: generating them takes milliseconds, RSA keys can take seconds on a busy machine.
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", caKey.toString(), "-out", caCertificate.toString(), "-days", "2",
        "-subj", "/CN=ocync test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
    run(List.of("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", serverKey.toString(), "-out", csr.toString(), "-subj", "/CN=localhost"));
    Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        + "basicConstraints=CA:FALSE\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\n"
        + "extendedKeyUsage=serverAuth\n");
    run(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCertificate.toString(),
        "-CAkey", caKey.toString(), "-CAcreateserial", "-CAserial", dir.resolve("ca.srl").toString(), "-out", dir.resolve("server.crt").toString(),
        "-days", "2", "-extfile", ext.toString()));
  }

  private String run(List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(command.get(0) + " timed out");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + command.get(0), e);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      // the htpasswd command line carries the password: name only the program
      throw new IOException(command.get(0) + " failed with exit code " + p.exitValue() + ": " + text);
    }
    return text;
  }

  private static SSLContext sslContextTrusting(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      ks.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot load test CA " + pem, e);
    }
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException lastError = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited with code " + process.exitValue()
            + " before answering on " + url() + "; log tail:\n" + logTail(40));
      }
      try {
        int status = send("/v2/", Map.of(), false, 2000).status();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException e) {
        lastError = e;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the registry", e);
      }
    }
    throw new IOException("docker-registry did not answer " + url() + "/v2/ within " + START_TIMEOUT
        + (lastError == null ? "" : " (last error: " + lastError + ")") + "; log tail:\n" + logTail(40));
  }

  /** {@code 127.0.0.1:PORT}, the registry as named in references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The port the registry listens on. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} or {@code https://127.0.0.1:PORT}. */
  public String url() {
    return (tls ? "https://" : "http://") + host();
  }

  /** Whether the registry speaks HTTPS. */
  public boolean isTls() {
    return tls;
  }

  /** The CA certificate (PEM) that signed the server's certificate. Only for {@link #tls()}. */
  public Path caCertificate() {
    requireTls();
    return caCertificate;
  }

  /** A directory holding only {@code ca.crt}, as skopeo's {@code --cert-dir} wants it. Only for {@link #tls()}. */
  public Path caCertificateDir() {
    requireTls();
    return caCertificateDir;
  }

  private void requireTls() {
    if (!tls) {
      throw new IllegalStateException("registry " + host() + " does not use TLS");
    }
  }

  /** The user the registry accepts, for {@link #htpasswd}. */
  public Optional<String> username() {
    return username;
  }

  /** The password the registry accepts, for {@link #htpasswd}. */
  public Optional<String> password() {
    return password;
  }

  /** Where the registry's output and access log go. */
  public Path logFile() {
    return log;
  }

  /** The registry's storage root, for tests that look at what was written. */
  public Path storageDirectory() {
    return dir.resolve("storage");
  }

  /** The last {@code lines} lines of the registry's log. */
  public String logTail(int lines) {
    List<String> all = logText().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  /** Every request in the access log so far, in order. */
  public List<Request> requests() {
    List<Request> out = new ArrayList<>();
    for (String line : logText().lines().toList()) {
      Matcher m = ACCESS_LINE.matcher(line);
      if (m.find()) {
        out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
      }
    }
    return out;
  }

  /** How many requests in the access log so far match {@code filter}. */
  public long requestCount(Predicate<Request> filter) {
    return requests().stream().filter(filter).count();
  }

  /**
   * Waits until the access log holds at least {@code count} requests. The registry writes its
   * access log line after the response, so a client can see the response first.
   */
  public List<Request> awaitRequests(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Request> r = requests();
    while (r.size() < count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      r = requests();
    }
    return r;
  }

  /**
   * Every request the registry has logged up to now. The registry writes an access-log line only
   * after it has answered, so this sends a marker request of its own and waits for its line; the
   * marker is not in the result.
   */
  public List<Request> requestsSoFar() throws IOException {
    String marker = "/v2/?ocync-log-mark=" + System.nanoTime();
    send(marker, Map.of(), true, 10_000);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      List<Request> r = requests();
      for (int i = r.size() - 1; i >= 0; i--) {
        if (r.get(i).path().equals(marker)) {
          List<Request> before = new ArrayList<>(r.subList(0, i));
          before.removeIf(x -> x.path().startsWith("/v2/?ocync-log-mark="));
          return before;
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for the access log", e);
      }
    }
    throw new IOException("the access log of " + host() + " never showed the marker request " + marker);
  }

  // --- A small client of our own, so assertions do not depend on the code under test. ---

  /** A response from {@link #get}; header names are case-insensitive. */
  public record Response(int status, Map<String, List<String>> headers, byte[] body) {
    /** The body as UTF-8 text. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The first value of a header. */
    public Optional<String> header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
  }

  /**
   * {@code GET path} (for example {@code /v2/_catalog}) with this registry's credentials and CA.
   * {@code headers} are name, value pairs.
   */
  public Response get(String path, String... headers) throws IOException {
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    return send(path, h, true, 30_000);
  }

  private Response send(String path, Map<String, String> headers, boolean authenticate, int timeoutMillis)
      throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url() + path).toURL().openConnection();
    try {
      if (c instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(sslSocketFactory);
      }
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      headers.forEach(c::setRequestProperty);
      if (authenticate && username.isPresent()) {
        String token = Base64.getEncoder().encodeToString(
            (username.get() + ":" + password.orElseThrow()).getBytes(StandardCharsets.UTF_8));
        c.setRequestProperty("Authorization", "Basic " + token);
      }
      int status = c.getResponseCode();
      byte[] body;
      try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
        body = in == null ? new byte[0] : in.readAllBytes();
      }
      Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      c.getHeaderFields().forEach((k, v) -> {
        if (k != null) {
          h.put(k, List.copyOf(v));
        }
      });
      return new Response(status, h, body);
    } finally {
      c.disconnect();
    }
  }

  /** Every manifest media type this fixture asks for: the registry hides OCI manifests otherwise. */
  private static final String ACCEPT = String.join(", ",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json");

  /** The manifest bytes stored under a tag or digest, or empty if the registry answers 404. */
  public Optional<byte[]> manifest(String repository, String reference) throws IOException {
    Response r = get("/v2/" + repository + "/manifests/" + reference, "Accept", ACCEPT);
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw new IOException("GET manifest " + repository + ":" + reference + " at " + host() + " answered "
          + r.status() + ": " + r.text());
    }
    return Optional.of(r.body());
  }

  /** The blob's bytes, or empty if the registry answers 404. */
  public Optional<byte[]> blob(String repository, String digest) throws IOException {
    Response r = get("/v2/" + repository + "/blobs/" + digest);
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw new IOException("GET blob " + repository + "@" + digest + " at " + host() + " answered "
          + r.status() + ": " + r.text());
    }
    return Optional.of(r.body());
  }

  /** The repository's tags; empty when the repository does not exist. */
  public List<String> tags(String repository) throws IOException {
    Response r = get("/v2/" + repository + "/tags/list");
    if (r.status() == 404) {
      return List.of();
    }
    if (r.status() != 200) {
      throw new IOException("GET tags of " + repository + " at " + host() + " answered " + r.status() + ": "
          + r.text());
    }
    // {"name":"x","tags":["a","b"]} or "tags":null; a tiny parse keeps this fixture free of JSON libraries
    Matcher m = Pattern.compile("\"tags\"\\s*:\\s*\\[([^\\]]*)]").matcher(r.text());
    List<String> tags = new ArrayList<>();
    if (m.find()) {
      Matcher t = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
      while (t.find()) {
        tags.add(t.group(1));
      }
    }
    return tags;
  }

  /** Kills {@code p} (timeout) and the registry under it, without waiting. */
  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private void stopProcess() {
    Process p = process;
    process = null;
    if (p != null) {
      // SIGTERM to timeout, which passes it on to the registry
      p.destroy();
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          kill(p);
          p.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        kill(p);
        Thread.currentThread().interrupt();
      }
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs anyway
      }
      shutdownHook = null;
    }
  }

  /** Whether the registry process is running. */
  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Kills the registry and deletes its directory. */
  @Override
  public void close() {
    stopProcess();
    deleteRecursively(dir);
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  @Override
  public String toString() {
    return "RegistryServer{" + url() + (username.isPresent() ? ", htpasswd" : "") + "}";
  }
}
