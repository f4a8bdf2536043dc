package dev.ocync.internal.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.OciServer;
import dev.ocync.internal.engine.VerifyingInputStream;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Reference;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pull side of the distribution API over the configured routes; every write is refused. */
final class RegistryHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryHandler.class);
  private static final Pattern CONTENT = Pattern.compile("(.+)/(manifests|blobs|referrers)/([^/]+)");
  private static final Pattern TAGS = Pattern.compile("(.+)/tags/list");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");
  private static final int MAX_PAGE = 1000;
  private static final int MAX_CATALOGS = 10_000;
  private static final int BUFFER = 64 * 1024;

  private final ServeSettings settings;
  private final List<Map.Entry<String, OciServer.Route>> routes;
  private final Semaphore opens;
  private final Map<String, BlobCatalog> catalogs = new ConcurrentHashMap<>();

  RegistryHandler(ServeSettings settings) {
    this.settings = settings;
    List<Map.Entry<String, OciServer.Route>> sorted = new ArrayList<>(settings.routes().entrySet());
    sorted.sort(Comparator.comparingInt((Map.Entry<String, OciServer.Route> e) -> e.getKey().length()).reversed());
    this.routes = List.copyOf(sorted);
    this.opens = new Semaphore(settings.maxConcurrentOpens(), true);
  }

  /** An answer that ends the request with an OCI error body. */
  private static final class Refusal extends Exception {
    final int status;
    final String code;

    Refusal(int status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** Per request: the exchange plus what the access log needs. */
  private final class Exchange {
    final Request request;
    final Response response;
    final String method;
    final String path;
    final long start = System.nanoTime();
    int status = 200;
    long bytes;

    Exchange(Request request, Response response) {
      this.request = request;
      this.response = response;
      this.method = request.getMethod();
      this.path = request.getHttpURI().getPath() == null ? "/" : request.getHttpURI().getPath();
    }

    boolean head() {
      return method.equals("HEAD");
    }

    void status(int s) {
      status = s;
      response.setStatus(s);
    }

    void header(String name, String value) {
      response.getHeaders().put(name, value);
    }

    void body(String contentType, byte[] content) throws IOException {
      header("Content-Type", contentType);
      response.getHeaders().put("Content-Length", Long.toString(content.length));
      if (!head()) {
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
          out.write(content);
        }
        bytes = content.length;
      }
    }

    Optional<String> query(String name) {
      String q = request.getHttpURI().getQuery();
      if (q == null) {
        return Optional.empty();
      }
      for (String pair : q.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        if (key.equals(name)) {
          try {
            return Optional.of(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
          } catch (IllegalArgumentException e) {
            return Optional.of("\u0000"); // fails every later check
          }
        }
      }
      return Optional.empty();
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange x = new Exchange(request, response);
    x.header("Docker-Distribution-API-Version", "registry/2.0");
    Throwable failure = null;
    try {
      try {
        serve(x);
      } catch (Refusal r) {
        refuse(x, r);
      } catch (Exception e) {
        if (response.isCommitted()) {
          throw e;
        }
        response.reset(); // no digest, range or length of the content that failed
        x.header("Docker-Distribution-API-Version", "registry/2.0");
        if (e instanceof ChartRoutes.Busy) {
          x.header("Retry-After", "1");
          refuse(x, new Refusal(429, "TOOMANYREQUESTS", "too many chart repository fetches in flight; retry later"));
        } else {
          LOG.warn("{} {} failed: {}", x.method, x.path, e.toString());
          refuse(x, new Refusal(500, "UNKNOWN", "the server could not read this content from its endpoint"));
        }
      }
    } catch (Throwable t) {
      // After the status line went out (a blob whose bytes turned out wrong), failing the callback
      // aborts the connection, so the client sees a truncated body and never a complete wrong one.
      x.status = -1;
      failure = t;
    }
    log(x); // once the outcome is known: an aborted blob is logged with status -1
    if (failure == null) {
      callback.succeeded();
    } else {
      callback.failed(failure);
    }
    return true;
  }

  private void refuse(Exchange x, Refusal r) throws IOException {
    x.status(r.status);
    ObjectNode error = Json.object();
    error.put("code", r.code);
    error.put("message", r.getMessage());
    error.putObject("detail");
    ObjectNode root = Json.object();
    root.putArray("errors").add(error);
    x.body("application/json", Json.bytes(root));
  }

  private void log(Exchange x) {
    if (settings.accessListeners().isEmpty()) {
      return;
    }
    OciServer.Access access = new OciServer.Access(x.method, x.path, x.status, x.bytes,
        Duration.ofNanos(System.nanoTime() - x.start), Request.getRemoteAddr(x.request));
    for (OciServer.AccessListener l : settings.accessListeners()) {
      try {
        l.served(access);
      } catch (RuntimeException e) {
        LOG.warn("access listener {} threw: {}", l, e.toString());
      }
    }
  }

  private void serve(Exchange x) throws Refusal, IOException {
    String path = x.path;
    if (path.indexOf('%') >= 0 || path.contains("//") || path.contains("/./") || path.contains("/../")
        || path.endsWith("/.") || path.endsWith("/..") || path.indexOf('\\') >= 0) {
      throw new Refusal(400, "NAME_INVALID", "the path is refused: no encoded characters, empty, . or .. segments");
    }
    if (path.equals("/healthz") && (x.method.equals("GET") || x.method.equals("HEAD"))) {
      // unauthenticated on purpose: probes carry no credentials, and it tells nothing but "up"
      x.body("text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (!path.equals("/v2") && !path.startsWith("/v2/")) {
      throw new Refusal(404, "NAME_UNKNOWN", "only the distribution API under /v2/ is served");
    }
    if (settings.auth().isPresent()
        && !settings.auth().get().allows(Optional.ofNullable(x.request.getHeaders().get("Authorization")))) {
      x.header("WWW-Authenticate", settings.auth().get().challenge());
      throw new Refusal(401, "UNAUTHORIZED", "authentication required");
    }
    if (!x.method.equals("GET") && !x.method.equals("HEAD")) {
      x.header("Allow", "GET, HEAD");
      throw new Refusal(405, "UNSUPPORTED", "this registry is read-only: " + x.method + " is not supported");
    }
    String rest = path.length() <= 4 ? "" : path.substring(4);
    if (rest.isEmpty()) {
      x.body("application/json", "{}".getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (rest.equals("_catalog")) {
      catalog(x);
      return;
    }
    Matcher tags = TAGS.matcher(rest);
    if (tags.matches()) {
      String name = tags.group(1);
      tagList(x, name, repository(name));
      return;
    }
    Matcher m = CONTENT.matcher(rest);
    if (!m.matches()) {
      throw new Refusal(404, "NAME_UNKNOWN", "no such endpoint in the distribution API");
    }
    String name = m.group(1);
    Repository repo = repository(name);
    switch (m.group(2)) {
      case "manifests" -> manifest(x, name, repo, m.group(3));
      case "blobs" -> blob(x, name, repo, digest(m.group(3)));
      default -> referrers(x, repo, digest(m.group(3)));
    }
  }

  private Repository repository(String name) throws Refusal, IOException {
    if (!ServeSettings.isRepositoryName(name)) {
      throw new Refusal(400, "NAME_INVALID", "invalid repository name: lowercase path components separated by /");
    }
    for (Map.Entry<String, OciServer.Route> route : routes) {
      String prefix = route.getKey();
      String inner;
      if (prefix.isEmpty()) {
        inner = name;
      } else if (name.equals(prefix)) {
        inner = "";
      } else if (name.startsWith(prefix + "/")) {
        inner = name.substring(prefix.length() + 1);
      } else {
        continue;
      }
      Optional<Repository> repo;
      try {
        repo = route.getValue().repository(inner);
      } catch (IllegalArgumentException e) {
        throw new Refusal(400, "NAME_INVALID", "invalid repository name for this route");
      }
      if (repo.isPresent()) {
        return repo.get();
      }
    }
    throw new Refusal(404, "NAME_UNKNOWN", "repository name not known to registry");
  }

  private static Digest digest(String value) throws Refusal {
    try {
      return Digest.parse(value);
    } catch (IllegalArgumentException e) {
      throw new Refusal(400, "DIGEST_INVALID", "invalid digest: expected sha256:<64 hex> or sha512:<128 hex>");
    }
  }

  private void acquire(Exchange x) throws Refusal, IOException {
    try {
      if (!opens.tryAcquire(settings.openWait().toMillis(), TimeUnit.MILLISECONDS)) {
        x.header("Retry-After", "1");
        throw new Refusal(429, "TOOMANYREQUESTS", "too many requests in flight; retry later");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to read from the endpoint", e);
    }
  }

  private void manifest(Exchange x, String name, Repository repo, String reference) throws Refusal, IOException {
    Optional<Digest> byDigest = Optional.empty();
    if (reference.indexOf(':') >= 0) {
      byDigest = Optional.of(digest(reference));
    } else if (!Reference.isTag(reference)) {
      throw new Refusal(400, "TAG_INVALID", "invalid tag: expected [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    }
    Manifest manifest;
    acquire(x);
    try {
      manifest = repo.fetchManifest(reference);
    } catch (NotFoundException e) {
      throw new Refusal(404, "MANIFEST_UNKNOWN", "manifest unknown to registry");
    } catch (IllegalArgumentException e) {
      LOG.error("manifest {} of {} from {} is unusable: {}", reference, name, repo.location(), e.getMessage());
      throw new Refusal(502, "MANIFEST_INVALID", "the endpoint holds no valid manifest for this reference");
    } finally {
      opens.release();
    }
    byte[] bytes = manifest.bytes();
    Digest served = Digest.of(byDigest.map(Digest::algorithm).orElse(Digest.Algorithm.SHA256), bytes);
    if (byDigest.isPresent() && !served.equals(byDigest.get())) {
      LOG.error("manifest {} of {} from {} hashes to {}: not served", reference, name, repo.location(), served);
      throw new Refusal(502, "MANIFEST_INVALID", "the endpoint's manifest does not match the requested digest");
    }
    if (!accepts(x, manifest.mediaType())) {
      throw new Refusal(404, "MANIFEST_UNKNOWN", "OCI " + (manifest.isIndex() ? "index" : "manifest")
          + " found, but accept header does not support OCI " + (manifest.isIndex() ? "indexes" : "manifests"));
    }
    catalog(name).learn(manifest);
    x.header("Docker-Content-Digest", served.toString());
    x.header("ETag", "\"" + served + "\"");
    x.body(manifest.mediaType(), bytes);
  }

  /** As distribution does: OCI types only to clients that say they take them; Docker types to anyone. */
  private static boolean accepts(Exchange x, String mediaType) {
    if (!mediaType.equals(MediaType.OCI_MANIFEST) && !mediaType.equals(MediaType.OCI_INDEX)) {
      return true;
    }
    for (String header : x.request.getHeaders().getValuesList("Accept")) {
      for (String part : header.split(",")) {
        String essence = MediaType.essence(part.strip());
        if (essence.equals(mediaType) || essence.equals("*/*")) {
          return true;
        }
      }
    }
    return false;
  }

  private BlobCatalog catalog(String name) {
    if (catalogs.size() >= MAX_CATALOGS && !catalogs.containsKey(name)) {
      catalogs.clear(); // a cache of sizes: losing it costs a walk, never correctness
    }
    return catalogs.computeIfAbsent(name, n -> new BlobCatalog());
  }

  private void blob(Exchange x, String name, Repository repo, Digest digest) throws Refusal, IOException {
    Optional<Descriptor> found = catalog(name).find(digest, repo);
    if (found.isEmpty() || !repo.hasBlob(found.get())) {
      throw new Refusal(404, "BLOB_UNKNOWN", "blob unknown to registry");
    }
    Descriptor blob = found.get();
    long size = blob.size();
    long first = 0;
    long last = size - 1;
    Optional<String> range = Optional.ofNullable(x.request.getHeaders().get("Range"));
    boolean partial = false;
    if (range.isPresent()) {
      Matcher r = RANGE.matcher(range.get().strip());
      if (r.matches() && !(r.group(1).isEmpty() && r.group(2).isEmpty())) {
        partial = true;
        if (r.group(1).isEmpty()) {
          long suffix = Long.parseLong(r.group(2));
          first = Math.max(0, size - suffix);
          if (suffix == 0) {
            first = size; // unsatisfiable
          }
        } else {
          first = Long.parseLong(r.group(1));
          if (!r.group(2).isEmpty()) {
            last = Math.min(last, Long.parseLong(r.group(2)));
            if (Long.parseLong(r.group(2)) < first) {
              first = size;
            }
          }
        }
        if (first >= size) {
          x.header("Content-Range", "bytes */" + size);
          throw new Refusal(416, "BLOB_UNKNOWN", "requested range not satisfiable for a blob of " + size + " bytes");
        }
      }
      // several ranges, or another unit: serve the whole blob, which RFC 9110 allows
    }
    x.header("Docker-Content-Digest", digest.toString());
    x.header("Accept-Ranges", "bytes");
    x.header("ETag", "\"" + digest + "\"");
    x.header("Content-Type", "application/octet-stream");
    long length = last - first + 1;
    x.response.getHeaders().put("Content-Length", Long.toString(length));
    if (partial) {
      x.status(206);
      x.header("Content-Range", "bytes " + first + "-" + last + "/" + size);
    }
    if (x.head()) {
      return;
    }
    acquire(x);
    try (InputStream in = new VerifyingInputStream(repo.openBlob(blob), blob, repo.location());
        OutputStream out = Content.Sink.asOutputStream(x.response)) {
      x.bytes = copyVerified(in, out, first, last);
    } catch (NotFoundException e) {
      if (!x.response.isCommitted()) {
        x.response.getHeaders().remove("Content-Range");
        throw new Refusal(404, "BLOB_UNKNOWN", "blob unknown to registry");
      }
      throw e;
    } catch (IOException e) {
      if (e instanceof dev.ocync.spi.DigestMismatchException) {
        LOG.error("blob {} of {} from {} does not match its digest; response aborted: {}", digest, name,
            repo.location(), e.getMessage());
      }
      throw e;
    } finally {
      opens.release();
    }
  }

  /**
   * Writes bytes {@code first..last} of a verifying stream, holding the last one back until the
   * whole blob was read and verified, so a mismatch anywhere leaves the body short.
   */
  private static long copyVerified(InputStream in, OutputStream out, long first, long last) throws IOException {
    byte[] buf = new byte[BUFFER];
    long pos = 0;
    long written = 0;
    int held = -1;
    int n;
    while ((n = in.read(buf, 0, buf.length)) >= 0) {
      long from = Math.max(pos, first);
      long to = Math.min(pos + n - 1, last); // inclusive
      if (from <= to) {
        long end = to == last ? to - 1 : to;
        if (end >= from) {
          out.write(buf, (int) (from - pos), (int) (end - from + 1));
          written += end - from + 1;
        }
        if (to == last) {
          held = buf[(int) (last - pos)] & 0xff;
        }
      }
      pos += n;
    }
    if (held >= 0) {
      out.write(held);
      written++;
    }
    return written;
  }

  private void tagList(Exchange x, String name, Repository repo) throws Refusal, IOException {
    List<String> tags;
    acquire(x);
    try {
      tags = new ArrayList<>(new TreeSet<>(repo.listTags()));
    } finally {
      opens.release();
    }
    List<String> page = page(x, tags, "/v2/" + name + "/tags/list");
    ObjectNode root = Json.object();
    root.put("name", name);
    ArrayNode a = root.putArray("tags");
    page.forEach(a::add);
    x.body("application/json", Json.bytes(root));
  }

  private void catalog(Exchange x) throws Refusal, IOException {
    TreeSet<String> names = new TreeSet<>();
    for (Map.Entry<String, OciServer.Route> route : routes) {
      Optional<List<String>> listed = route.getValue().names();
      for (String n : listed.orElse(List.of())) {
        String full = route.getKey().isEmpty() ? n : n.isEmpty() ? route.getKey() : route.getKey() + "/" + n;
        if (ServeSettings.isRepositoryName(full)) {
          names.add(full);
        }
      }
    }
    List<String> page = page(x, new ArrayList<>(names), "/v2/_catalog");
    ObjectNode root = Json.object();
    ArrayNode a = root.putArray("repositories");
    page.forEach(a::add);
    x.body("application/json", Json.bytes(root));
  }

  /** {@code n}/{@code last} pagination over a sorted list, with a {@code Link} to the next page. */
  private static List<String> page(Exchange x, List<String> sorted, String base) throws Refusal {
    Optional<String> last = x.query("last");
    Optional<String> nParam = x.query("n");
    int n = MAX_PAGE;
    boolean asked = nParam.isPresent();
    if (asked) {
      try {
        n = Integer.parseInt(nParam.get());
      } catch (NumberFormatException e) {
        throw new Refusal(400, "PAGINATION_NUMBER_INVALID", "n must be a number from 0 to " + MAX_PAGE);
      }
      if (n < 0 || n > MAX_PAGE) {
        throw new Refusal(400, "PAGINATION_NUMBER_INVALID", "n must be a number from 0 to " + MAX_PAGE);
      }
    }
    int from = 0;
    if (last.isPresent()) {
      while (from < sorted.size() && sorted.get(from).compareTo(last.get()) <= 0) {
        from++;
      }
    }
    if (!asked && last.isEmpty()) {
      return sorted; // the whole list, as clients that do not page expect
    }
    int to = Math.min(sorted.size(), from + n);
    List<String> page = sorted.subList(from, to);
    if (to < sorted.size() && !page.isEmpty()) {
      x.header("Link", "<" + base + "?n=" + n + "&last="
          + java.net.URLEncoder.encode(page.get(page.size() - 1), StandardCharsets.UTF_8) + ">; rel=\"next\"");
    }
    return page;
  }

  private void referrers(Exchange x, Repository repo, Digest subject) throws Refusal, IOException {
    Optional<String> artifactType = x.query("artifactType").filter(s -> !s.isEmpty());
    List<Descriptor> found;
    acquire(x);
    try {
      found = repo.listReferrers(subject, artifactType);
    } finally {
      opens.release();
    }
    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaType.OCI_INDEX);
    ArrayNode manifests = root.putArray("manifests");
    for (Descriptor d : found) {
      if (artifactType.isPresent() && !artifactType.equals(d.artifactType())) {
        continue;
      }
      ObjectNode o = manifests.addObject();
      o.put("mediaType", d.mediaType());
      o.put("digest", d.digest().toString());
      o.put("size", d.size());
      d.artifactType().ifPresent(t -> o.put("artifactType", t));
      if (!d.annotations().isEmpty()) {
        ObjectNode ann = o.putObject("annotations");
        d.annotations().forEach(ann::put);
      }
    }
    if (artifactType.isPresent()) {
      x.header("OCI-Filters-Applied", "artifactType");
    }
    x.body(MediaType.OCI_INDEX, Json.bytes(root));
  }
}
