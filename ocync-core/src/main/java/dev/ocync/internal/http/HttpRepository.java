package dev.ocync.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Reference;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import dev.ocync.spi.Repository;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One repository on a registry, over the OCI distribution API. Thread-safe: it holds only its
 * name and the shared {@link RegistryClient}.
 *
 * <p>Blob uploads: {@code POST /blobs/uploads/}, then by default one streaming
 * {@code PUT <location>&digest=} carrying the whole blob. Chunked {@code PATCH} uploads are used
 * instead when that is known before the body is sent: the POST response announced
 * {@code OCI-Chunk-Min-Length}, or an earlier monolithic PUT to this registry was refused with
 * 413 or 416. A refused monolithic PUT itself cannot be replayed in chunks, because the caller's
 * stream has been consumed; it fails, and the engine's retry goes chunked.
 */
final class HttpRepository implements Repository {
  private static final Logger log = LoggerFactory.getLogger(HttpRepository.class);
  private static final Pattern LINK_NEXT = Pattern.compile("<([^>]*)>[^,]*?rel=\"?next\"?", Pattern.CASE_INSENSITIVE);
  private static final int TAG_PAGE_SIZE = 1000;
  private static final int MAX_TAG_PAGE_BYTES = 16 * 1024 * 1024;
  /** Every manifest type ocync copies, plus schema 1 so that it can be recognised and refused clearly. */
  static final String MANIFEST_ACCEPT;

  static {
    List<String> accept = new ArrayList<>(MediaType.MANIFEST_TYPES);
    accept.add(MediaType.DOCKER_SCHEMA1_SIGNED);
    accept.add(MediaType.DOCKER_SCHEMA1);
    MANIFEST_ACCEPT = String.join(", ", accept);
  }

  private final RegistryClient client;
  private final String name;
  private final Set<String> pull;
  private final Set<String> push;

  HttpRepository(RegistryClient client, String name) {
    this.client = client;
    this.name = name;
    this.pull = Set.of("repository:" + name + ":pull");
    this.push = Set.of("repository:" + name + ":pull,push");
  }

  String name() {
    return name;
  }

  @Override
  public String location() {
    return client.host() + "/" + name;
  }

  private Context context() {
    return Context.of(client.host()).repository(name);
  }

  private URI uri(String pathAfterName) throws IOException {
    return client.base(context()).resolve("/v2/" + name + "/" + pathAfterName);
  }

  /**
   * A small body (manifest, tag page, referrers list) up to {@code cap} bytes; a body that does not
   * arrive within the body timeout, or breaks off, is a (transient) RegistryException saying so.
   */
  private static byte[] readBody(Response r, int cap, String what, Context ctx, String tooLarge)
      throws RegistryException {
    Optional<byte[]> body;
    try {
      body = r.readBody(cap);
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      String why = e instanceof Response.BodyTimeoutException ? e.getMessage()
          : e instanceof java.net.SocketTimeoutException ? "the response body from " + r.answeredBy()
              + " stopped arriving (read timeout)"
          : "the response body from " + r.answeredBy() + " broke off (" + e.getClass().getSimpleName() + ")";
      throw new RegistryException(what + " failed: " + why, ctx, e);
    }
    return body.orElseThrow(() -> new RegistryException(tooLarge, ctx.status(r.code())));
  }

  private RegistryClient.Call call(String method, URI uri, Set<String> scopes, Map<String, String> headers,
      Optional<HttpEntity> body, Context ctx, String what) {
    return new RegistryClient.Call(method, uri, scopes, headers, body, ctx, what);
  }

  private static String checkReference(String reference) {
    if (Digest.isDigest(reference) || Reference.isTag(reference)) {
      return reference;
    }
    throw new IllegalArgumentException("invalid reference \"" + reference
        + "\": expected a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a digest (sha256:<hex>)");
  }

  // ---------------------------------------------------------------- manifests

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    checkReference(reference);
    Context ctx = context().reference(reference);
    String what = "resolving manifest " + reference;
    Map<String, String> headers = Map.of("Accept", MANIFEST_ACCEPT);
    try (Response r = client.send(call("HEAD", uri("manifests/" + reference), pull, headers, Optional.empty(),
        ctx, what))) {
      if (r.code() == 404) {
        return Optional.empty();
      }
      if (r.code() != 200) {
        throw ErrorResponses.toException(r, what, ctx, client.redactor());
      }
      Optional<String> type = r.header("Content-Type").map(MediaType::essence);
      if (type.filter(MediaType::isSchema1).isPresent()) {
        throw schema1(ctx);
      }
      Optional<Digest> digest = r.header("Docker-Content-Digest").filter(Digest::isDigest).map(Digest::parse);
      OptionalLong size = r.contentLength();
      if (digest.isPresent() && size.isPresent() && type.filter(MediaType::isManifest).isPresent()) {
        if (Digest.isDigest(reference) && !digest.get().equals(Digest.parse(reference))) {
          throw new DigestMismatchException("registry says manifest " + reference + " has digest " + digest.get(),
              ctx, Digest.parse(reference), digest.get());
        }
        return Optional.of(Descriptor.of(type.get(), digest.get(), size.getAsLong()));
      }
    }
    // HEAD did not say enough (no digest, type or length): fetch it, which also verifies it
    try {
      return Optional.of(fetchManifest(reference).descriptor());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    checkReference(reference);
    Context ctx = context().reference(reference);
    String what = "fetching manifest " + reference;
    int cap = client.settings().maxManifestBytes();
    try (Response r = client.send(call("GET", uri("manifests/" + reference), pull,
        Map.of("Accept", MANIFEST_ACCEPT), Optional.empty(), ctx, what))) {
      if (r.code() != 200) {
        throw ErrorResponses.toException(r, what, ctx, client.redactor());
      }
      Optional<String> type = r.header("Content-Type");
      if (type.map(MediaType::essence).filter(MediaType::isSchema1).isPresent()) {
        r.abort();
        throw schema1(ctx);
      }
      if (type.map(MediaType::essence).filter(t -> t.equals("text/html")).isPresent()) {
        // a proxy's or portal's page answered in the registry's place; its JSON parse error would mislead
        r.abort();
        throw new RegistryException("fetching manifest " + reference + " failed: the server answered HTTP "
            + r.code() + " with an HTML page, not a manifest (a proxy or login page in front of the registry?)",
            ctx.status(r.code()));
      }
      byte[] bytes = readBody(r, cap, what, ctx, "manifest " + reference
          + " is larger than the limit of " + cap + " bytes (maxManifestBytes)"
          + r.contentLength().stream().mapToObj(n -> "; it has " + n + " bytes").findFirst().orElse(""));
      Optional<Digest> expected = Digest.isDigest(reference) ? Optional.of(Digest.parse(reference)) : Optional.empty();
      if (expected.isPresent()) {
        verify(bytes, expected.get(), "requested", ctx);
      }
      Optional<Digest> header = r.header("Docker-Content-Digest").filter(Digest::isDigest).map(Digest::parse);
      if (header.isPresent()) {
        verify(bytes, header.get(), "Docker-Content-Digest", ctx);
      }
      Manifest m;
      try {
        Optional<String> ct = type.filter(t -> !t.isBlank());
        Optional<Digest> known = expected.or(() -> header);
        m = known.isPresent() ? Manifest.parse(bytes, ct, known.get()) : Manifest.parse(bytes, ct);
      } catch (IllegalArgumentException e) {
        throw new RegistryException("manifest " + reference + " cannot be read: " + e.getMessage(), ctx, e);
      }
      return m;
    }
  }

  private static void verify(byte[] bytes, Digest expected, String source, Context ctx) throws DigestMismatchException {
    Digest actual = Digest.of(expected.algorithm(), bytes);
    if (!actual.equals(expected)) {
      throw new DigestMismatchException("manifest bytes hash to " + actual + " but the " + source + " digest is "
          + expected, ctx, expected, actual);
    }
  }

  private static RegistryException schema1(Context ctx) {
    return new RegistryException("the manifest is Docker schema 1, which ocync does not copy (its digest is not "
        + "over its bytes); push the image again with a current client to get schema 2 or OCI", ctx);
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    String reference = tag.map(HttpRepository::checkReference).orElse(manifest.digest().toString());
    Context ctx = context().reference(reference);
    int cap = client.settings().maxManifestBytes();
    if (manifest.size() > cap) {
      throw new RegistryException("manifest " + manifest.digest() + " has " + manifest.size()
          + " bytes, more than the limit of " + cap + " bytes (maxManifestBytes); not pushed", ctx);
    }
    String what = "pushing manifest " + manifest.digest();
    HttpEntity body = new ByteArrayEntity(manifest.bytes(), ContentType.create(manifest.mediaType()));
    try (Response r = client.send(call("PUT", uri("manifests/" + reference), push, Map.of(), Optional.of(body),
        ctx, what))) {
      if (r.code() / 100 != 2) {
        throw ErrorResponses.toException(r, what, ctx, client.redactor());
      }
      if (manifest.subject().isPresent() && r.header("OCI-Subject").isPresent()) {
        client.referrersApi(true); // the spec's sign that the registry indexed the referrer itself
      }
      Optional<String> returned = r.header("Docker-Content-Digest").filter(Digest::isDigest);
      if (returned.isPresent() && !Digest.parse(returned.get()).equals(manifest.digest())
          && Digest.parse(returned.get()).algorithm() == manifest.digest().algorithm()) {
        throw new DigestMismatchException("registry stored manifest " + manifest.digest() + " under digest "
            + returned.get(), ctx, manifest.digest(), Digest.parse(returned.get()));
      }
    }
  }

  // ---------------------------------------------------------------- blobs

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    Context ctx = context().reference(blob.digest().toString());
    String what = "checking blob " + blob.digest();
    try (Response r = client.send(call("HEAD", uri("blobs/" + blob.digest()), pull, Map.of(), Optional.empty(),
        ctx, what))) {
      if (r.code() == 200) {
        return true;
      }
      if (r.code() == 404) {
        return false;
      }
      throw ErrorResponses.toException(r, what, ctx, client.redactor());
    }
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    Context ctx = context().reference(blob.digest().toString());
    String what = "fetching blob " + blob.digest();
    Response r = client.send(call("GET", uri("blobs/" + blob.digest()), pull, Map.of(), Optional.empty(), ctx,
        what));
    if (r.code() != 200) {
      try {
        throw ErrorResponses.toException(r, what, ctx, client.redactor());
      } finally {
        r.close();
      }
    }
    try {
      return new ResponseStream(r);
    } catch (IOException | RuntimeException e) {
      r.close(); // no stream to hand out, so nobody else would release the connection
      throw e;
    }
  }

  /** The blob body; closing it before the end drops the connection rather than draining a large blob. */
  private static final class ResponseStream extends FilterInputStream {
    private final Response response;
    private boolean eof;

    ResponseStream(Response response) throws IOException {
      super(response.body());
      this.response = response;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      eof |= b == -1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      eof |= n == -1;
      return n;
    }

    @Override
    public void close() {
      if (eof) {
        response.close();
      } else {
        response.abort();
      }
    }
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    Context ctx = context().reference(blob.digest().toString());
    String what = "uploading blob " + blob.digest();
    URI location;
    OptionalLong minChunk;
    try (Response r = client.send(call("POST", uri("blobs/uploads/"), push, Map.of(), Optional.empty(), ctx,
        "starting upload of blob " + blob.digest()))) {
      if (r.code() == 201) {
        return; // some registries dedupe on POST; the blob is there
      }
      if (r.code() != 202) {
        throw ErrorResponses.toException(r, "starting upload of blob " + blob.digest(), ctx, client.redactor());
      }
      location = uploadLocation(r, ctx);
      minChunk = longHeader(r, "OCI-Chunk-Min-Length");
    }
    boolean chunked = client.chunkedUploads() || minChunk.isPresent();
    URI[] current = {location};
    boolean committed = false;
    try {
      if (chunked) {
        int size = (int) Math.min(Integer.MAX_VALUE - 8,
            Math.max(client.chunkSize(), minChunk.orElse(0)));
        uploadChunked(blob, content, current, size, ctx, what);
      } else {
        uploadMonolithic(blob, content, current[0], ctx, what);
      }
      committed = true;
    } finally {
      if (!committed) {
        cancelUpload(current[0], ctx);
      }
    }
  }

  private void uploadMonolithic(Descriptor blob, InputStream content, URI location, Context ctx, String what)
      throws IOException {
    BlobUploadEntity body = new BlobUploadEntity(blob, content, ctx);
    try (Response r = client.send(call("PUT", withDigest(location, blob.digest()), push,
        Map.of(), Optional.of(body), ctx, what))) {
      if (r.code() == 201 || r.code() == 204 || r.code() == 200) {
        return;
      }
      if (r.code() == 413 || r.code() == 416) {
        client.useChunkedUploads();
        RegistryException e = ErrorResponses.toException(r, what, ctx, client.redactor());
        throw new RegistryException(e.reason() + "; the registry refused a single-request upload, so later"
            + " uploads to " + client.host() + " use chunked uploads", ctx.status(r.code()), e);
      }
      throw uploadFailure(r, what, ctx, blob);
    }
  }

  private void uploadChunked(Descriptor blob, InputStream content, URI[] location, int chunkSize, Context ctx,
      String what) throws IOException {
    Digest.Digester digester = blob.digest().newDigester();
    byte[] chunk = new byte[(int) Math.min(chunkSize, Math.max(1, blob.size()))];
    long offset = 0;
    while (true) {
      int n = content.readNBytes(chunk, 0, chunk.length);
      if (n > 0) {
        if (offset + n > blob.size()) {
          throw new DigestMismatchException("blob content has more than " + blob.size()
              + " bytes; the upload was aborted", ctx, blob.digest(), blob.digest());
        }
        digester.update(chunk, 0, n);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Range", offset + "-" + (offset + n - 1));
        HttpEntity body = new ByteArrayEntity(chunk, 0, n, ContentType.APPLICATION_OCTET_STREAM);
        try (Response r = client.send(call("PATCH", location[0], push, headers, Optional.of(body), ctx, what))) {
          if (r.code() != 202 && r.code() != 204) {
            throw uploadFailure(r, what, ctx, blob);
          }
          // the session moves with every chunk: only the newest Location is valid
          location[0] = uploadLocation(r, ctx);
        }
        offset += n;
      }
      if (n < chunk.length) {
        break; // end of stream reached: the source has verified itself
      }
    }
    if (offset != blob.size()) {
      throw new DigestMismatchException("blob content has only " + offset + " bytes, expected " + blob.size()
          + "; the upload was aborted", ctx, blob.digest(), blob.digest());
    }
    Digest actual = digester.digest();
    if (!actual.equals(blob.digest())) {
      throw new DigestMismatchException("blob content hashes to " + actual + ", not " + blob.digest()
          + "; the upload was aborted", ctx, blob.digest(), actual);
    }
    HttpEntity empty = new ByteArrayEntity(new byte[0], ContentType.APPLICATION_OCTET_STREAM);
    try (Response r = client.send(call("PUT", withDigest(location[0], blob.digest()), push, Map.of(),
        Optional.of(empty), ctx, what))) {
      if (r.code() != 201 && r.code() != 204 && r.code() != 200) {
        throw uploadFailure(r, what, ctx, blob);
      }
    }
  }

  private RegistryException uploadFailure(Response r, String what, Context ctx, Descriptor blob) {
    RegistryException e = ErrorResponses.toException(r, what, ctx, client.redactor());
    if (e.errorCode().filter(c -> c.equals("DIGEST_INVALID") || c.equals("SIZE_INVALID")).isPresent()) {
      // the registry hashed what it received and it was not this blob
      return new DigestMismatchException(e.reason(), ctx.status(r.code()).errorCode(e.errorCode().get()),
          blob.digest(), blob.digest());
    }
    return e;
  }

  /** Abandons an upload session so the registry can free it; failures are only logged. */
  private void cancelUpload(URI location, Context ctx) {
    try (Response r = client.send(call("DELETE", location, push, Map.of(), Optional.empty(), ctx,
        "cancelling upload"))) {
      log.debug("cancelled upload session in {}: HTTP {}", location(), r.code());
    } catch (IOException | RuntimeException e) {
      log.debug("cancelling upload session in {} failed: {}", location(), e.toString());
    }
  }

  private URI uploadLocation(Response r, Context ctx) throws RegistryException {
    String loc = r.header("Location").orElseThrow(() -> new RegistryException(
        "registry answered the upload request without a Location header", ctx.status(r.code())));
    return client.resolve(r.uri(), loc, ctx);
  }

  private static URI withDigest(URI location, Digest digest) {
    String s = location.toString();
    String sep = location.getRawQuery() == null ? "?" : (s.endsWith("&") || s.endsWith("?") ? "" : "&");
    return URI.create(s + sep + "digest=" + URLEncoder.encode(digest.toString(), StandardCharsets.UTF_8));
  }

  private static OptionalLong longHeader(Response r, String name) {
    Optional<String> v = r.header(name);
    try {
      return v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v.get()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public boolean mountBlob(Descriptor blob, Repository source) throws IOException {
    if (!(source instanceof HttpRepository from) || !from.client.sameRegistry(client) || from.name.equals(name)) {
      return false;
    }
    Context ctx = context().reference(blob.digest().toString());
    Set<String> scopes = new TreeSet<>(push);
    scopes.add("repository:" + from.name + ":pull");
    URI uri = URI.create(uri("blobs/uploads/") + "?mount=" + URLEncoder.encode(blob.digest().toString(),
        StandardCharsets.UTF_8) + "&from=" + URLEncoder.encode(from.name, StandardCharsets.UTF_8));
    try (Response r = client.send(call("POST", uri, scopes, Map.of(), Optional.empty(), ctx,
        "mounting blob " + blob.digest() + " from " + from.name))) {
      if (r.code() == 201) {
        return true;
      }
      if (r.code() == 202) {
        // the registry opened an upload session instead; the caller uploads in a session of its own
        Optional<String> loc = r.header("Location");
        if (loc.isPresent()) {
          URI session = client.resolve(r.uri(), loc.get(), ctx);
          r.close();
          cancelUpload(session, ctx);
        }
        return false;
      }
      log.debug("mount of {} from {} into {} failed: HTTP {}", blob.digest(), from.name, name, r.code());
      return false;
    } catch (RegistryException e) {
      log.debug("mount of {} from {} into {} failed: {}", blob.digest(), from.name, name, e.getMessage());
      return false;
    }
  }

  // ---------------------------------------------------------------- tags and referrers

  @Override
  public List<String> listTags() throws IOException {
    Context ctx = context();
    String what = "listing tags";
    List<String> tags = new ArrayList<>();
    URI next = URI.create(uri("tags/list") + "?n=" + TAG_PAGE_SIZE);
    boolean first = true;
    Set<URI> seen = new HashSet<>();
    int maxPages = client.settings().maxTagPages();
    int maxTags = client.settings().maxTags();
    while (next != null) {
      if (!seen.add(next)) {
        throw new RegistryException(what + " failed: the registry's pagination loops", ctx);
      }
      if (seen.size() > maxPages) {
        throw new RegistryException(what + " failed: the registry sent more than " + maxPages
            + " pages (" + tags.size() + " tags so far); raise maxTagPages if this repository really has that many", ctx);
      }
      try (Response r = client.send(call("GET", next, pull, Map.of("Accept", "application/json"),
          Optional.empty(), ctx, what))) {
        if (first && r.code() == 400) {
          // a registry that refuses n=1000 still lists its tags without it
          first = false;
          next = uri("tags/list");
          continue;
        }
        first = false;
        if (r.code() != 200) {
          throw ErrorResponses.toException(r, what, ctx, client.redactor());
        }
        byte[] body = readBody(r, MAX_TAG_PAGE_BYTES, what, ctx,
            what + " failed: a page is larger than " + MAX_TAG_PAGE_BYTES + " bytes");
        JsonNode root = readJson(body, what, ctx);
        JsonNode t = root.get("tags");
        if (t != null && t.isArray()) {
          for (JsonNode x : t) {
            if (tags.size() == maxTags) {
              throw new RegistryException(what + " failed: the registry listed more than " + maxTags
                  + " tags; raise maxTags if this repository really has that many", ctx);
            }
            tags.add(x.asText());
          }
        }
        next = nextLink(client, r, ctx);
      }
    }
    return tags;
  }

  // package-private for the fuzz target (dev.ocync.internal.http.FuzzBridge)
  static URI nextLink(RegistryClient client, Response r, Context ctx) throws RegistryException {
    for (String link : r.headers("Link")) {
      Matcher m = LINK_NEXT.matcher(link);
      if (m.find()) {
        return client.resolve(r.uri(), m.group(1), ctx);
      }
    }
    return null;
  }

  private static JsonNode readJson(byte[] body, String what, Context ctx) throws RegistryException {
    try {
      JsonNode root = Json.read(body);
      if (root != null && root.isObject()) {
        return root;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new RegistryException(what + " failed: the registry did not return a JSON object", ctx);
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    if (client.referrersApi().orElse(true)) {
      Optional<List<Descriptor>> viaApi = referrersApi(subject, artifactType);
      if (viaApi.isPresent()) {
        return viaApi.get();
      }
    }
    return referrersTag(subject, artifactType);
  }

  /**
   * From what the registry has shown, else by asking the referrers endpoint about the empty
   * descriptor's digest: a registry with the API must answer 200 for any subject. A repository that
   * does not exist yet decides nothing (false now, asked again next time).
   */
  @Override
  public boolean keepsReferrersIndex() throws IOException {
    Optional<Boolean> known = client.referrersApi();
    if (known.isEmpty()) {
      referrersApi(Digest.sha256("{}".getBytes(StandardCharsets.UTF_8)), Optional.empty());
      known = client.referrersApi();
    }
    return known.orElse(false);
  }

  /** The referrers API; empty when this registry does not have it. */
  private Optional<List<Descriptor>> referrersApi(Digest subject, Optional<String> artifactType)
      throws IOException {
    Context ctx = context().reference(subject.toString());
    String what = "listing referrers of " + subject;
    URI next = URI.create(uri("referrers/" + subject) + artifactType
        .map(t -> "?artifactType=" + URLEncoder.encode(t, StandardCharsets.UTF_8)).orElse(""));
    List<Descriptor> out = new ArrayList<>();
    boolean filtered = true;
    Set<URI> seen = new HashSet<>();
    int maxPages = client.settings().maxTagPages();
    while (next != null) {
      if (!seen.add(next)) {
        throw new RegistryException(what + " failed: the registry's pagination loops", ctx);
      }
      if (seen.size() > maxPages) {
        throw new RegistryException(what + " failed: the registry sent more than " + maxPages + " pages", ctx);
      }
      try (Response r = client.send(call("GET", next, pull, Map.of("Accept", MediaType.OCI_INDEX),
          Optional.empty(), ctx, what))) {
        Optional<String> type = r.header("Content-Type").map(MediaType::essence);
        if (r.code() == 404 || r.code() == 400 || r.code() == 405 || r.code() == 406
            || (r.code() == 200 && !type.equals(Optional.of(MediaType.OCI_INDEX)))) {
          RegistryException e = r.code() == 200 ? null : ErrorResponses.toException(r, what, ctx, client.redactor());
          // NAME_UNKNOWN is about the repository, not the API: decide nothing about the registry
          if (e == null || e.errorCode().filter(c -> c.equals("NAME_UNKNOWN")).isEmpty()) {
            client.referrersApi(false);
          }
          return Optional.empty();
        }
        if (r.code() != 200) {
          throw ErrorResponses.toException(r, what, ctx, client.redactor());
        }
        client.referrersApi(true);
        int cap = client.settings().maxManifestBytes();
        byte[] body = readBody(r, cap, what, ctx, what + " failed: the response is larger than " + cap + " bytes");
        try {
          out.addAll(Manifest.parse(body, MediaType.OCI_INDEX).manifests());
          if (out.size() > client.settings().maxTags()) {
            throw new RegistryException(what + " failed: the registry listed more than "
                + client.settings().maxTags() + " referrers", ctx);
          }
        } catch (IllegalArgumentException e) {
          throw new RegistryException(what + " failed: " + e.getMessage(), ctx, e);
        }
        filtered &= r.headers("OCI-Filters-Applied").stream()
            .anyMatch(h -> List.of(h.split(",")).stream().anyMatch(f -> f.trim().equals("artifactType")));
        next = nextLink(client, r, ctx);
      }
    }
    return Optional.of(filter(out, filtered ? Optional.empty() : artifactType));
  }

  /** The referrers tag schema: an index tagged {@code <alg>-<hex>} lists the referrers. */
  private List<Descriptor> referrersTag(Digest subject, Optional<String> artifactType) throws IOException {
    String tag = subject.algorithm().id() + "-" + subject.encoded();
    Manifest index;
    try {
      index = fetchManifest(tag);
    } catch (NotFoundException e) {
      return List.of();
    }
    if (!index.mediaType().equals(MediaType.OCI_INDEX)) {
      throw new RegistryException("the referrers tag " + tag + " holds a " + index.mediaType()
          + ", not an OCI index", context().reference(tag));
    }
    return filter(index.manifests(), artifactType);
  }

  private static List<Descriptor> filter(List<Descriptor> referrers, Optional<String> artifactType) {
    if (artifactType.isEmpty()) {
      return List.copyOf(referrers);
    }
    List<Descriptor> out = new ArrayList<>();
    for (Descriptor d : referrers) {
      if (d.artifactType().equals(artifactType)) {
        out.add(d);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "HttpRepository{" + location() + "}";
  }
}
