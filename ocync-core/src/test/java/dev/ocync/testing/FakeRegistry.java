package dev.ocync.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.Registry;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import okio.ByteString;

/**
 * An in-memory registry speaking the OCI distribution API on a {@link MockWebServer} bound to
 * 127.0.0.1, for protocol tests. It stores blobs and manifests per repository, checks digests and
 * referential integrity like CNCF distribution 2.8, records every request, and has switches that
 * inject the behaviours real registries show:
 *
 * <ul>
 *   <li>{@link #requireBearer}: a token service at {@code /token} on the same server, scoped tokens,
 *       {@code insufficient_scope} challenges; {@link #acceptIdentityToken}, {@link #tokenPostUnsupported}.
 *   <li>{@link #requireBasic}: a {@code Basic} challenge, as htpasswd-protected distribution.
 *   <li>{@link #redirectBlobs}: blob GETs answer 307 to a second server (a "CDN" on another port).
 *   <li>{@link #tagPageSize}: {@code Link} pagination of the tag list.
 *   <li>{@link #mountMode}: cross-repository mount answers 201, or always 202.
 *   <li>{@link #chunkedOnly}: uploads must be chunked; every PATCH moves the session to a new
 *       {@code Location} and stale ones are refused; {@code OCI-Chunk-Min-Length} is announced.
 *   <li>{@link #referrersApi}: the referrers API, or a plain-text 404 like distribution 2.8.
 *   <li>{@link #corruptBlob}: serve other bytes for a blob; {@link #inject}: any canned response.
 * </ul>
 *
 * <pre>{@code
 * try (FakeRegistry fake = FakeRegistry.start(); Registry reg = fake.registry().build()) {
 *   fake.requireBearer("bot", "s3cret");
 *   ...
 * }
 * }</pre>
 */
public final class FakeRegistry extends Dispatcher implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ROUTE =
      Pattern.compile("^/v2/(.+)/(manifests|blobs/uploads|blobs|tags/list|referrers)(?:/(.*))?$");
  private static final int MAX_MANIFEST = 4 * 1024 * 1024;

  /** How the registry authenticates requests. */
  public enum Auth { NONE, BASIC, BEARER }

  /** How cross-repository mounts are answered. */
  public enum MountMode { MOUNT, ALWAYS_202 }

  private record Stored(byte[] bytes, String mediaType) {}

  private static final class Upload {
    final String repo;
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    String state = UUID.randomUUID().toString();

    Upload(String repo) {
      this.repo = repo;
    }
  }

  private record Injection(Predicate<RecordedRequest> when, MockResponse response, boolean once) {}

  private final MockWebServer server = new MockWebServer();
  private MockWebServer cdn;
  private final Map<String, Map<String, byte[]>> blobs = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Stored>> manifests = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> tags = new ConcurrentHashMap<>();
  private final Map<String, Upload> uploads = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> issuedTokens = new ConcurrentHashMap<>();
  private final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> cdnRequests = new CopyOnWriteArrayList<>();
  private final List<String> deletedUploads = new CopyOnWriteArrayList<>();
  private final List<Injection> injections = new CopyOnWriteArrayList<>();
  private final AtomicInteger tokenCounter = new AtomicInteger();

  private volatile Auth auth = Auth.NONE;
  private volatile String user;
  private volatile String password;
  private volatile String identityToken;
  private volatile boolean tokenPostUnsupported;
  private volatile long tokenExpiresIn = 300;
  private volatile boolean redirectBlobs;
  private volatile int tagPageSize;
  private volatile MountMode mountMode = MountMode.MOUNT;
  private volatile long chunkMinLength;
  private volatile boolean chunkedOnly;
  private volatile boolean referrersApi = true;
  private volatile boolean absoluteLocations;

  private FakeRegistry() {}

  /** A fake registry listening on 127.0.0.1 on a free port. */
  public static FakeRegistry start() throws IOException {
    FakeRegistry f = new FakeRegistry();
    f.server.setDispatcher(f);
    f.server.start(InetAddress.getByName("127.0.0.1"), 0);
    return f;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String host() {
    return "127.0.0.1:" + server.getPort();
  }

  /** A registry builder for this fake: plain HTTP, said explicitly (a loopback host alone tries HTTPS first). */
  public Registry.Builder registry() {
    return Registry.builder("http://" + host());
  }

  /** The underlying server. */
  public MockWebServer server() {
    return server;
  }

  // ------------------------------------------------------------ switches

  /** Requests need a bearer token from {@code /token}; the token service wants these credentials. */
  public FakeRegistry requireBearer(String username, String pass) {
    this.auth = Auth.BEARER;
    this.user = username;
    this.password = pass;
    return this;
  }

  /** Requests need a bearer token; the token service hands them out anonymously. */
  public FakeRegistry requireAnonymousBearer() {
    this.auth = Auth.BEARER;
    this.user = null;
    this.password = null;
    return this;
  }

  /** Requests need HTTP Basic with these credentials. */
  public FakeRegistry requireBasic(String username, String pass) {
    this.auth = Auth.BASIC;
    this.user = username;
    this.password = pass;
    return this;
  }

  /** The token service also accepts this OAuth2 refresh token (POST grant_type=refresh_token). */
  public FakeRegistry acceptIdentityToken(String token) {
    this.identityToken = token;
    return this;
  }

  /** The token service answers 404 to POST, as services that only speak the Docker GET flow. */
  public FakeRegistry tokenPostUnsupported(boolean unsupported) {
    this.tokenPostUnsupported = unsupported;
    return this;
  }

  /** The {@code expires_in} of issued tokens, in seconds. */
  public FakeRegistry tokenExpiresIn(long seconds) {
    this.tokenExpiresIn = seconds;
    return this;
  }

  /** Forgets every issued token: clients holding one get 401 next time. */
  public void revokeTokens() {
    issuedTokens.clear();
  }

  /** Blob GETs answer 307 to a second server on another port, which serves the bytes. */
  public FakeRegistry redirectBlobs(boolean redirect) throws IOException {
    this.redirectBlobs = redirect;
    if (redirect && cdn == null) {
      cdn = new MockWebServer();
      cdn.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          cdnRequests.add(request);
          String d = request.getUrl().encodedPath().substring("/cdn/".length());
          for (Map<String, byte[]> repo : blobs.values()) {
            byte[] b = repo.get(d);
            if (b != null) {
              return new MockResponse.Builder().code(200).body(new Buffer().write(served(d, b))).build();
            }
          }
          return new MockResponse.Builder().code(404).build();
        }
      });
      cdn.start(InetAddress.getByName("127.0.0.1"), 0);
    }
    return this;
  }

  /** Tag lists are paginated with {@code Link} headers, this many tags per page (0: no pagination). */
  public FakeRegistry tagPageSize(int size) {
    this.tagPageSize = size;
    return this;
  }

  /** How mounts are answered. */
  public FakeRegistry mountMode(MountMode mode) {
    this.mountMode = mode;
    return this;
  }

  /**
   * Uploads must be chunked: POST announces {@code OCI-Chunk-Min-Length: minLength}, a PUT that
   * carries blob bytes is refused with 413, each PATCH moves the session to a new Location.
   */
  public FakeRegistry chunkedOnly(long minLength) {
    this.chunkedOnly = true;
    this.chunkMinLength = minLength;
    return this;
  }

  /** Like {@link #chunkedOnly} but without announcing a minimum chunk length. */
  public FakeRegistry refuseMonolithicUploads() {
    this.chunkedOnly = true;
    this.chunkMinLength = 0;
    return this;
  }

  /** Whether the referrers API exists (else a plain-text 404, like distribution 2.8). */
  public FakeRegistry referrersApi(boolean supported) {
    this.referrersApi = supported;
    return this;
  }

  /** Upload Locations are absolute URLs instead of paths. */
  public FakeRegistry absoluteLocations(boolean absolute) {
    this.absoluteLocations = absolute;
    return this;
  }

  /** Serves {@code bytes} instead of the stored content of blob {@code digest}. */
  public FakeRegistry corruptBlob(Digest digest, byte[] bytes) {
    corrupt.put(digest.toString(), bytes.clone());
    return this;
  }

  /** Answers requests matching {@code when} with {@code response}, once or always. */
  public FakeRegistry inject(Predicate<RecordedRequest> when, MockResponse response, boolean once) {
    injections.add(new Injection(when, response, once));
    return this;
  }

  // ------------------------------------------------------------ inspection and seeding

  /** Every request to the registry (not the CDN), in order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** Requests with this method whose path contains {@code pathPart}. */
  public List<RecordedRequest> requests(String method, String pathPart) {
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r : requests) {
      if (r.getMethod().equals(method) && r.getUrl().encodedPath().contains(pathPart)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Requests to the token service. */
  public List<RecordedRequest> tokenRequests() {
    return requests.stream().filter(r -> r.getUrl().encodedPath().equals("/token")).toList();
  }

  /** Requests the redirect target received. */
  public List<RecordedRequest> cdnRequests() {
    return List.copyOf(cdnRequests);
  }

  /** Upload session ids that were DELETEd. */
  public List<String> deletedUploads() {
    return List.copyOf(deletedUploads);
  }

  /** Upload sessions still open. */
  public int openUploads() {
    return uploads.size();
  }

  /** The blob's bytes in {@code repo}, if committed. */
  public Optional<byte[]> blob(String repo, Digest digest) {
    return Optional.ofNullable(blobs.getOrDefault(repo, Map.of()).get(digest.toString())).map(byte[]::clone);
  }

  /** Digests of the blobs committed in {@code repo}. */
  public Set<String> blobDigests(String repo) {
    return Set.copyOf(blobs.getOrDefault(repo, Map.of()).keySet());
  }

  /** The manifest stored in {@code repo} under a tag or digest. */
  public Optional<byte[]> manifest(String repo, String reference) {
    Map<String, Stored> m = manifests.getOrDefault(repo, Map.of());
    String d = tags.getOrDefault(repo, Map.of()).getOrDefault(reference, reference);
    return Optional.ofNullable(m.get(d)).map(s -> s.bytes.clone());
  }

  /** Number of manifests stored in {@code repo}. */
  public int manifestCount(String repo) {
    return manifests.getOrDefault(repo, Map.of()).size();
  }

  /** Stores a blob directly. */
  public void putBlob(String repo, byte[] bytes) {
    blobs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(Digest.sha256(bytes).toString(), bytes.clone());
  }

  /** Stores a manifest directly, with no checks (for schema 1 and other oddities), tagged if given. */
  public void putManifest(String repo, Optional<String> tag, byte[] bytes, String mediaType) {
    String d = Digest.sha256(bytes).toString();
    manifests.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(d, new Stored(bytes.clone(), mediaType));
    tag.ifPresent(t -> tags.computeIfAbsent(repo, k -> Collections.synchronizedMap(new LinkedHashMap<>())).put(t, d));
  }

  /** Stores an image (blobs, children, manifest) directly. */
  public void putImage(String repo, TestImages.Image image, Optional<String> tag) {
    for (TestImages.Blob b : image.allBlobs()) {
      putBlob(repo, b.bytes());
    }
    for (TestImages.Image c : image.children()) {
      putImage(repo, c, Optional.empty());
    }
    putManifest(repo, tag, image.manifest().bytes(), image.manifest().mediaType());
  }

  @Override
  public void close() {
    server.close();
    if (cdn != null) {
      cdn.close();
    }
  }

  // ------------------------------------------------------------ dispatch

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    requests.add(request);
    for (Injection i : injections) {
      if (i.when.test(request)) {
        if (i.once) {
          injections.remove(i);
        }
        return i.response;
      }
    }
    MockResponse response;
    try {
      response = route(request);
    } catch (RuntimeException e) {
      response = error(500, "UNKNOWN", "fake registry failed: " + e);
    }
    if (request.getMethod().equals("HEAD") && response.getBody() != null && response.getCode() >= 400) {
      // a HEAD response has no body; sending one would corrupt the connection for the next request
      return new MockResponse.Builder().code(response.getCode()).headers(response.getHeaders())
          .setHeader("Content-Length", 0).build();
    }
    return response;
  }

  private MockResponse route(RecordedRequest req) {
    String path = req.getUrl().encodedPath();
    String method = req.getMethod();
    if (path.equals("/token")) {
      return token(req);
    }
    if (path.equals("/v2/") || path.equals("/v2")) {
      Optional<MockResponse> denied = authorize(req, null, false);
      return denied.orElseGet(() -> json(200, "{}"));
    }
    Matcher m = ROUTE.matcher(path);
    if (!m.matches()) {
      return new MockResponse.Builder().code(404).addHeader("Content-Type", "text/plain")
          .body("404 page not found").build();
    }
    String repo = m.group(1);
    String kind = m.group(2);
    String rest = m.group(3) == null ? "" : m.group(3);
    if (kind.equals("referrers") && !referrersApi) {
      return new MockResponse.Builder().code(404).addHeader("Content-Type", "text/plain")
          .body("404 page not found").build();
    }
    boolean write = !(method.equals("GET") || method.equals("HEAD"));
    Optional<MockResponse> denied = authorize(req, repo, write);
    if (denied.isPresent()) {
      return denied.get();
    }
    return switch (kind) {
      case "manifests" -> manifest(req, repo, rest);
      case "blobs" -> blob(req, repo, rest);
      case "blobs/uploads" -> upload(req, repo, rest);
      case "tags/list" -> tagList(req, repo);
      case "referrers" -> referrers(req, repo, rest);
      default -> error(404, "UNSUPPORTED", "no route");
    };
  }

  // ------------------------------------------------------------ auth

  private Optional<MockResponse> authorize(RecordedRequest req, String repo, boolean write) {
    String authz = req.getHeaders().get("Authorization");
    switch (auth) {
      case NONE:
        return Optional.empty();
      case BASIC:
        if (authz != null && authz.equals(basic(user, password))) {
          return Optional.empty();
        }
        return Optional.of(new MockResponse.Builder().code(401)
            .addHeader("WWW-Authenticate", "Basic realm=\"fake registry\"")
            .addHeader("Content-Type", "application/json")
            .body("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}").build());
      case BEARER:
      default:
        String scope = repo == null ? null : "repository:" + repo + ":" + (write ? "pull,push" : "pull");
        Set<String> granted = authz != null && authz.startsWith("Bearer ")
            ? issuedTokens.get(authz.substring(7)) : null;
        if (granted == null) {
          return Optional.of(bearerChallenge(scope, false));
        }
        if (repo != null && !allows(granted, repo, write ? "push" : "pull")) {
          return Optional.of(bearerChallenge(scope, true));
        }
        return Optional.empty();
    }
  }

  private static boolean allows(Set<String> granted, String repo, String action) {
    for (String s : granted) {
      String[] p = s.split(":");
      if (p.length == 3 && p[0].equals("repository") && p[1].equals(repo)
          && List.of(p[2].split(",")).contains(action)) {
        return true;
      }
    }
    return false;
  }

  private MockResponse bearerChallenge(String scope, boolean insufficient) {
    String c = "Bearer realm=\"http://" + host() + "/token\",service=\"fake-registry\""
        + (scope == null ? "" : ",scope=\"" + scope + "\"")
        + (insufficient ? ",error=\"insufficient_scope\"" : "");
    return new MockResponse.Builder().code(401).addHeader("WWW-Authenticate", c)
        .addHeader("Content-Type", "application/json")
        .body("{\"errors\":[{\"code\":\"" + (insufficient ? "DENIED" : "UNAUTHORIZED")
            + "\",\"message\":\"authentication required\"}]}").build();
  }

  private MockResponse token(RecordedRequest req) {
    List<String> scopes;
    if (req.getMethod().equals("POST")) {
      if (tokenPostUnsupported) {
        return new MockResponse.Builder().code(404).body("not found").build();
      }
      Map<String, String> form = form(req.getBody() == null ? "" : req.getBody().utf8());
      if (!"refresh_token".equals(form.get("grant_type")) || identityToken == null
          || !identityToken.equals(form.get("refresh_token")) || form.get("client_id") == null) {
        return json(401, "{\"error\":\"invalid_grant\"}");
      }
      scopes = form.containsKey("scope") ? List.of(form.get("scope").split(" ")) : List.of();
    } else {
      String authz = req.getHeaders().get("Authorization");
      boolean ok = user == null && identityToken == null
          || authz != null && user != null && authz.equals(basic(user, password))
          || authz != null && identityToken != null && decodedPassword(authz).equals(identityToken);
      if (!ok) {
        return json(401, "{\"details\":\"incorrect username or password\"}");
      }
      scopes = req.getUrl().queryParameterValues("scope").stream().filter(s -> s != null).toList();
    }
    String t = "fake-token-" + tokenCounter.incrementAndGet();
    issuedTokens.put(t, new HashSet<>(scopes));
    ObjectNode body = JSON.createObjectNode();
    body.put(req.getMethod().equals("POST") ? "access_token" : "token", t);
    body.put("expires_in", tokenExpiresIn);
    body.put("issued_at", Instant.now().toString());
    return json(200, body.toString());
  }

  private static String decodedPassword(String authz) {
    if (!authz.startsWith("Basic ")) {
      return "";
    }
    String up = new String(Base64.getDecoder().decode(authz.substring(6)), StandardCharsets.UTF_8);
    int colon = up.indexOf(':');
    return colon < 0 ? "" : up.substring(colon + 1);
  }

  private static String basic(String u, String p) {
    return "Basic " + Base64.getEncoder().encodeToString((u + ":" + p).getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String kv : body.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(java.net.URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  // ------------------------------------------------------------ manifests

  private MockResponse manifest(RecordedRequest req, String repo, String ref) {
    Map<String, Stored> store = manifests.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
    Map<String, String> repoTags = tags.computeIfAbsent(repo, k -> Collections.synchronizedMap(new LinkedHashMap<>()));
    switch (req.getMethod()) {
      case "GET":
      case "HEAD": {
        String d = Digest.isDigest(ref) ? ref : repoTags.get(ref);
        Stored s = d == null ? null : store.get(d);
        if (s == null) {
          return error(404, "MANIFEST_UNKNOWN", "manifest unknown", req);
        }
        String accept = String.join(",", req.getHeaders().values("Accept"));
        if (s.mediaType.startsWith("application/vnd.oci.") && !accept.contains(s.mediaType)) {
          return error(404, "MANIFEST_UNKNOWN", "OCI manifest found, but accept header does not support OCI manifests",
              req);
        }
        MockResponse.Builder b = new MockResponse.Builder().code(200)
            .addHeader("Docker-Content-Digest", d)
            .addHeader("Content-Type", s.mediaType);
        if (req.getMethod().equals("HEAD")) {
          return b.setHeader("Content-Length", s.bytes.length).build();
        }
        return b.body(new Buffer().write(s.bytes)).build();
      }
      case "PUT": {
        byte[] body = bytes(req);
        if (body.length > MAX_MANIFEST) {
          return error(400, "MANIFEST_INVALID", "manifest invalid", req);
        }
        String digest = Digest.sha256(body).toString();
        if (Digest.isDigest(ref) && !ref.equals(digest)) {
          return error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", req);
        }
        String type = Optional.ofNullable(req.getHeaders().get("Content-Type")).orElse("");
        Manifest m;
        try {
          m = Manifest.parse(body, type);
        } catch (IllegalArgumentException e) {
          return error(400, "MANIFEST_INVALID", "manifest invalid: " + e.getMessage(), req);
        }
        Map<String, byte[]> repoBlobs = blobs.getOrDefault(repo, Map.of());
        for (Descriptor b : m.blobs()) {
          if (!repoBlobs.containsKey(b.digest().toString())) {
            return error(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry: " + b.digest(), req);
          }
        }
        for (Descriptor c : m.manifests()) {
          if (!store.containsKey(c.digest().toString())) {
            return error(400, "MANIFEST_BLOB_UNKNOWN", "manifest unknown to registry: " + c.digest(), req);
          }
        }
        store.put(digest, new Stored(body, type));
        if (!Digest.isDigest(ref)) {
          repoTags.put(ref, digest);
        }
        MockResponse.Builder created = new MockResponse.Builder().code(201).addHeader("Docker-Content-Digest", digest)
            .addHeader("Location", "/v2/" + repo + "/manifests/" + digest);
        if (referrersApi && m.subject().isPresent()) {
          created.addHeader("OCI-Subject", m.subject().get().digest().toString());
        }
        return created.build();
      }
      default:
        return error(405, "UNSUPPORTED", "method not allowed", req);
    }
  }

  // ------------------------------------------------------------ blobs

  private byte[] served(String digest, byte[] stored) {
    return corrupt.getOrDefault(digest, stored);
  }

  private MockResponse blob(RecordedRequest req, String repo, String digest) {
    byte[] b = blobs.getOrDefault(repo, Map.of()).get(digest);
    if (b == null) {
      return error(404, "BLOB_UNKNOWN", "blob unknown to registry", req);
    }
    if (req.getMethod().equals("HEAD")) {
      return new MockResponse.Builder().code(200).setHeader("Content-Length", b.length)
          .addHeader("Docker-Content-Digest", digest).addHeader("Content-Type", "application/octet-stream").build();
    }
    if (!req.getMethod().equals("GET")) {
      return error(405, "UNSUPPORTED", "method not allowed", req);
    }
    if (redirectBlobs) {
      return new MockResponse.Builder().code(307)
          .addHeader("Location", "http://127.0.0.1:" + cdn.getPort() + "/cdn/" + digest + "?X-Signature=abc").build();
    }
    return new MockResponse.Builder().code(200).addHeader("Docker-Content-Digest", digest)
        .body(new Buffer().write(served(digest, b))).build();
  }

  private MockResponse upload(RecordedRequest req, String repo, String id) {
    String method = req.getMethod();
    if (method.equals("POST") && id.isEmpty()) {
      String mount = req.getUrl().queryParameter("mount");
      String from = req.getUrl().queryParameter("from");
      if (mount != null && from != null && mountMode == MountMode.MOUNT
          && blobs.getOrDefault(from, Map.of()).containsKey(mount) && mayPull(req, from)) {
        blobs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(mount, blobs.get(from).get(mount));
        return new MockResponse.Builder().code(201).addHeader("Docker-Content-Digest", mount)
            .addHeader("Location", "/v2/" + repo + "/blobs/" + mount).build();
      }
      String newId = UUID.randomUUID().toString();
      Upload u = new Upload(repo);
      uploads.put(newId, u);
      MockResponse.Builder b = new MockResponse.Builder().code(202)
          .addHeader("Location", location(repo, newId, u))
          .addHeader("Docker-Upload-UUID", newId)
          .addHeader("Range", "0-0");
      if (chunkMinLength > 0) {
        b.addHeader("OCI-Chunk-Min-Length", chunkMinLength);
      }
      return b.build();
    }
    Upload u = uploads.get(id);
    if (u == null || !u.repo.equals(repo)) {
      return error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", req);
    }
    if (method.equals("DELETE")) {
      uploads.remove(id);
      deletedUploads.add(id);
      return new MockResponse.Builder().code(204).build();
    }
    if (!u.state.equals(req.getUrl().queryParameter("_state"))) {
      // what distribution does with a Location that an earlier PATCH superseded
      return error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry (stale location)", req);
    }
    if (req.getFailure() != null) {
      return error(400, "BLOB_UPLOAD_INVALID", "request body was cut short", req);
    }
    byte[] body = bytes(req);
    String declared = req.getHeaders().get("Content-Length");
    if (declared != null && Long.parseLong(declared) != body.length) {
      return error(400, "BLOB_UPLOAD_INVALID", "request body was cut short", req);
    }
    switch (method) {
      case "GET":
        return new MockResponse.Builder().code(204).addHeader("Location", location(repo, id, u))
            .addHeader("Range", "0-" + Math.max(0, u.data.size() - 1)).build();
      case "PATCH": {
        String range = req.getHeaders().get("Content-Range");
        if (range != null) {
          long start = Long.parseLong(range.substring(0, range.indexOf('-')));
          if (start != u.data.size()) {
            return error(416, "BLOB_UPLOAD_INVALID", "range not satisfiable", req);
          }
        }
        u.data.write(body, 0, body.length);
        u.state = UUID.randomUUID().toString();
        return new MockResponse.Builder().code(202).addHeader("Location", location(repo, id, u))
            .addHeader("Range", "0-" + (u.data.size() - 1)).addHeader("Docker-Upload-UUID", id).build();
      }
      case "PUT": {
        if (chunkedOnly && body.length > 0) {
          return error(413, "SIZE_INVALID", "request entity too large: upload in chunks", req);
        }
        u.data.write(body, 0, body.length);
        byte[] data = u.data.toByteArray();
        String digest = req.getUrl().queryParameter("digest");
        if (digest == null || !Digest.isDigest(digest) || !Digest.parse(digest).matches(data)) {
          return error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", req);
        }
        uploads.remove(id);
        blobs.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(digest, data);
        return new MockResponse.Builder().code(201).addHeader("Docker-Content-Digest", digest)
            .addHeader("Location", "/v2/" + repo + "/blobs/" + digest).build();
      }
      default:
        return error(405, "UNSUPPORTED", "method not allowed", req);
    }
  }

  private boolean mayPull(RecordedRequest req, String from) {
    if (auth != Auth.BEARER) {
      return true;
    }
    String authz = req.getHeaders().get("Authorization");
    Set<String> granted = authz != null && authz.startsWith("Bearer ") ? issuedTokens.get(authz.substring(7)) : null;
    return granted != null && allows(granted, from, "pull");
  }

  private String location(String repo, String id, Upload u) {
    String path = "/v2/" + repo + "/blobs/uploads/" + id + "?_state=" + u.state;
    return absoluteLocations ? "http://" + host() + path : path;
  }

  // ------------------------------------------------------------ tags and referrers

  private MockResponse tagList(RecordedRequest req, String repo) {
    Map<String, String> repoTags = tags.get(repo);
    if (repoTags == null && !manifests.containsKey(repo)) {
      return error(404, "NAME_UNKNOWN", "repository name not known to registry", req);
    }
    List<String> all;
    synchronized (repoTags == null ? new Object() : repoTags) {
      all = repoTags == null ? List.of() : new ArrayList<>(repoTags.keySet());
    }
    List<String> page = all;
    String link = null;
    if (tagPageSize > 0) {
      String last = req.getUrl().queryParameter("last");
      int start = last == null ? 0 : all.indexOf(last) + 1;
      int end = Math.min(all.size(), start + tagPageSize);
      page = all.subList(start, end);
      if (end < all.size()) {
        link = "</v2/" + repo + "/tags/list?n=" + tagPageSize + "&last=" + all.get(end - 1) + ">; rel=\"next\"";
      }
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("name", repo);
    ArrayNode arr = body.putArray("tags");
    page.forEach(arr::add);
    MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
        .body(body.toString());
    if (link != null) {
      b.addHeader("Link", link);
    }
    return b.build();
  }

  private MockResponse referrers(RecordedRequest req, String repo, String subject) {
    String artifactType = req.getUrl().queryParameter("artifactType");
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaType.OCI_INDEX);
    ArrayNode list = index.putArray("manifests");
    for (Stored s : manifests.getOrDefault(repo, Map.of()).values()) {
      Manifest m;
      try {
        m = Manifest.parse(s.bytes, s.mediaType);
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (m.subject().isEmpty() || !m.subject().get().digest().toString().equals(subject)) {
        continue;
      }
      String type = m.artifactType().orElse(m.config().map(Descriptor::mediaType).orElse(""));
      if (artifactType != null && !artifactType.equals(type)) {
        continue;
      }
      ObjectNode d = list.addObject();
      d.put("mediaType", m.mediaType());
      d.put("digest", m.digest().toString());
      d.put("size", m.size());
      d.put("artifactType", type);
    }
    MockResponse.Builder b = new MockResponse.Builder().code(200).addHeader("Content-Type", MediaType.OCI_INDEX)
        .body(index.toString());
    if (artifactType != null) {
      b.addHeader("OCI-Filters-Applied", "artifactType");
    }
    return b.build();
  }

  // ------------------------------------------------------------ helpers

  private static byte[] bytes(RecordedRequest req) {
    ByteString b = req.getBody();
    return b == null ? new byte[0] : b.toByteArray();
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
  }

  /** An OCI error response. */
  public static MockResponse error(int code, String errorCode, String message) {
    ObjectNode e = JSON.createObjectNode();
    ObjectNode err = e.putArray("errors").addObject();
    err.put("code", errorCode);
    err.put("message", message);
    err.putNull("detail");
    return json(code, e.toString());
  }

  private static MockResponse error(int code, String errorCode, String message, RecordedRequest req) {
    if (req.getMethod().equals("HEAD")) {
      return new MockResponse.Builder().code(code).build();
    }
    return error(code, errorCode, message);
  }
}
