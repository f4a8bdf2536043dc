package dev.ocync.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.internal.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A manifest as stored: its raw bytes, media type and digest, with a parsed view of what it
 * references. The bytes are what travels; ocync never re-serializes a manifest it copies, so the
 * digest is preserved.
 *
 * <p>Understood: OCI image manifest and index, Docker schema 2 manifest and manifest list.
 * Unknown JSON fields are tolerated. Docker schema 1 is rejected, because its digest is not over
 * its bytes. So are manifests that other clients could read differently from ocync: a key that
 * appears twice, or a key that is a field of the spec in another case ({@code "Layers"},
 * {@code "Digest"}), because Go clients match keys case-insensitively and would see blobs ocync
 * never copied. An index entry whose platform has an empty {@code os} or {@code architecture} has
 * an unknown platform ({@link Descriptor#platform()} is empty), as skopeo treats it.
 *
 * <pre>{@code
 * Manifest m = Manifest.parse(bytes, "application/vnd.oci.image.index.v1+json");
 * for (Descriptor child : m.manifests()) { ... }
 * }</pre>
 */
public final class Manifest {
  // The fields the image spec and Docker schema 2 define, per level: keys matching one of these
  // case-insensitively must match it exactly (Go's encoding/json folds case, including the
  // Unicode folds of s and k that equalsIgnoreCase also knows).
  private static final Set<String> MANIFEST_FIELDS = Set.of("schemaVersion", "mediaType", "artifactType",
      "config", "layers", "manifests", "subject", "annotations");
  private static final Set<String> DESCRIPTOR_FIELDS = Set.of("mediaType", "digest", "size", "urls",
      "annotations", "data", "platform", "artifactType");
  private static final Set<String> PLATFORM_FIELDS = Set.of("architecture", "os", "os.version", "os.features",
      "variant", "features");

  private final byte[] bytes;
  private final String mediaType;
  private final Digest digest;
  private final List<Descriptor> manifests;
  private final Optional<Descriptor> config;
  private final List<Descriptor> layers;
  private final Optional<Descriptor> subject;
  private final Optional<String> artifactType;
  private final Map<String, String> annotations;

  private Manifest(byte[] bytes, String mediaType, Digest digest, List<Descriptor> manifests,
      Optional<Descriptor> config, List<Descriptor> layers, Optional<Descriptor> subject,
      Optional<String> artifactType, Map<String, String> annotations) {
    this.bytes = bytes;
    this.mediaType = mediaType;
    this.digest = digest;
    this.manifests = List.copyOf(manifests);
    this.config = config;
    this.layers = List.copyOf(layers);
    this.subject = subject;
    this.artifactType = artifactType;
    this.annotations = Map.copyOf(annotations);
  }

  /**
   * Parses manifest bytes, with the sha256 digest of the bytes.
   *
   * @param contentType the {@code Content-Type} the bytes came with, or empty when unknown; it must
   *     agree with the {@code mediaType} field when both are present
   * @throws IllegalArgumentException if the bytes are not a manifest ocync can copy
   */
  public static Manifest parse(byte[] bytes, Optional<String> contentType) {
    return parse(bytes, contentType, Digest.Algorithm.SHA256);
  }

  /** Parses manifest bytes of a known content type. */
  public static Manifest parse(byte[] bytes, String contentType) {
    return parse(bytes, Optional.of(contentType));
  }

  /**
   * Parses manifest bytes and checks them against {@code expected}.
   *
   * @throws IllegalArgumentException if the bytes do not hash to {@code expected} or are not a manifest
   */
  public static Manifest parse(byte[] bytes, Optional<String> contentType, Digest expected) {
    Manifest m = parse(bytes, contentType, expected.algorithm());
    if (!m.digest.equals(expected)) {
      throw new IllegalArgumentException(
          "manifest digest mismatch: expected " + expected + ", content hashes to " + m.digest);
    }
    return m;
  }

  private static Manifest parse(byte[] bytes, Optional<String> contentType, Digest.Algorithm algorithm) {
    Objects.requireNonNull(bytes, "bytes");
    byte[] copy = bytes.clone();
    Digest digest = Digest.of(algorithm, copy);
    JsonNode root;
    try {
      root = Json.read(Json.STRICT_KEYS, copy);
    } catch (JsonProcessingException e) {
      if (e.getOriginalMessage().startsWith("Duplicate field")) {
        // Go clients keep the last value and Jackson would too, but another reader may keep the first
        throw new IllegalArgumentException("manifest " + digest + " has a key twice ("
            + e.getOriginalMessage() + "); ocync refuses it because clients disagree on which value counts", e);
      }
      throw new IllegalArgumentException("manifest " + digest + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("manifest " + digest + " could not be read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("manifest " + digest + " is not a JSON object");
    }
    checkFieldCase(root, MANIFEST_FIELDS, "manifest " + digest);
    Optional<String> declared = text(root, "mediaType");
    Optional<String> header = contentType.map(MediaType::essence).filter(s -> !s.isEmpty());
    JsonNode schemaVersion = root.get("schemaVersion");
    if ((schemaVersion != null && schemaVersion.asInt() == 1)
        || header.filter(MediaType::isSchema1).isPresent()) {
      throw new IllegalArgumentException("manifest " + digest
          + " is Docker schema 1, which ocync does not copy (its digest is not over its bytes); "
          + "push the image again with a current client to get schema 2 or OCI");
    }
    String mediaType;
    if (declared.isPresent()) {
      mediaType = declared.get();
      if (header.isPresent() && !header.get().equals(mediaType) && MediaType.isManifest(header.get())) {
        throw new IllegalArgumentException("manifest " + digest + " declares mediaType " + mediaType
            + " but was served as " + header.get());
      }
    } else if (header.filter(MediaType::isManifest).isPresent()) {
      mediaType = header.get();
    } else if (root.has("manifests")) {
      mediaType = MediaType.OCI_INDEX;
    } else if (root.has("config") || root.has("layers")) {
      mediaType = MediaType.OCI_MANIFEST;
    } else {
      throw new IllegalArgumentException("manifest " + digest + " has no mediaType and no manifests, config or layers"
          + header.map(h -> " (served as " + h + ")").orElse(""));
    }
    if (!MediaType.isManifest(mediaType)) {
      throw new IllegalArgumentException("manifest " + digest + " has unsupported media type " + mediaType
          + "; ocync copies " + String.join(", ", MediaType.MANIFEST_TYPES));
    }
    String where = "manifest " + digest;
    List<Descriptor> manifests = new ArrayList<>();
    List<Descriptor> layers = new ArrayList<>();
    Optional<Descriptor> config = Optional.empty();
    if (MediaType.isIndex(mediaType)) {
      for (JsonNode n : array(root, "manifests", where)) {
        manifests.add(descriptor(n, where + " manifests[]"));
      }
    } else {
      JsonNode c = root.get("config");
      if (c == null || c.isNull()) {
        throw new IllegalArgumentException(where + " is an image manifest without a config descriptor");
      }
      config = Optional.of(descriptor(c, where + " config"));
      for (JsonNode n : array(root, "layers", where)) {
        layers.add(descriptor(n, where + " layers[]"));
      }
    }
    JsonNode s = root.get("subject");
    Optional<Descriptor> subject =
        s == null || s.isNull() ? Optional.empty() : Optional.of(descriptor(s, where + " subject"));
    return new Manifest(copy, mediaType, digest, manifests, config, layers, subject,
        text(root, "artifactType"), annotations(root, where));
  }

  private static Descriptor descriptor(JsonNode n, String where) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(where + " is not a descriptor object");
    }
    checkFieldCase(n, DESCRIPTOR_FIELDS, where);
    String mt = text(n, "mediaType")
        .orElseThrow(() -> new IllegalArgumentException(where + " has no mediaType"));
    String d = text(n, "digest").orElseThrow(() -> new IllegalArgumentException(where + " has no digest"));
    JsonNode size = n.get("size");
    if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
      throw new IllegalArgumentException(where + " " + d + " has no valid size");
    }
    Digest digest;
    try {
      digest = Digest.parse(d);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    Descriptor.Builder b = Descriptor.builder().mediaType(mt).digest(digest).size(size.asLong())
        .annotations(annotations(n, where));
    text(n, "artifactType").ifPresent(b::artifactType);
    JsonNode urls = n.get("urls");
    if (urls != null && urls.isArray()) {
      List<String> list = new ArrayList<>();
      urls.forEach(u -> list.add(u.asText()));
      b.urls(list);
    }
    JsonNode p = n.get("platform");
    if (p != null && p.isObject()) {
      checkFieldCase(p, PLATFORM_FIELDS, where + " " + d + " platform");
      List<String> features = new ArrayList<>();
      JsonNode f = p.get("os.features");
      if (f != null && f.isArray()) {
        f.forEach(x -> features.add(x.asText()));
      }
      String os = text(p, "os").orElse("");
      String architecture = text(p, "architecture").orElse("");
      // {"os":"","architecture":""} is met in the wild (skopeo copies it): an entry of unknown
      // platform, like one without "platform", rather than an unreadable index
      if (!os.isEmpty() && !architecture.isEmpty()) {
        b.platform(Platform.of(os, architecture, text(p, "variant"), text(p, "os.version"), features));
      }
    }
    return b.build();
  }

  /** Refuses a key that a Go client would take for one of {@code fields} but ocync would not. */
  private static void checkFieldCase(JsonNode object, Set<String> fields, String where) {
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      String key = e.getKey();
      if (fields.contains(key)) {
        continue;
      }
      for (String field : fields) {
        if (field.equalsIgnoreCase(key)) {
          String both = object.has(field) ? "has both \"" + field + "\" and \"" + key + "\"" : "has the key \"" + key + "\"";
          throw new IllegalArgumentException(where + " " + both + ": Go clients read \"" + key + "\" as \"" + field
              + "\" (they ignore case), ocync does not; refusing a manifest that clients would read differently");
        }
      }
    }
  }

  private static Iterable<JsonNode> array(JsonNode root, String field, String where) {
    JsonNode a = root.get(field);
    if (a == null || a.isNull()) {
      return List.of();
    }
    if (!a.isArray()) {
      throw new IllegalArgumentException(where + ": \"" + field + "\" is not an array");
    }
    return a;
  }

  private static Optional<String> text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isTextual() ? Optional.empty() : Optional.of(v.asText());
  }

  private static Map<String, String> annotations(JsonNode n, String where) {
    JsonNode a = n.get("annotations");
    if (a == null || a.isNull()) {
      return Map.of();
    }
    if (!a.isObject()) {
      throw new IllegalArgumentException(where + ": annotations is not an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : a.properties()) {
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** A copy of the raw bytes, exactly as stored. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Size of the raw bytes. */
  public int size() {
    return bytes.length;
  }

  /** The manifest's media type. */
  public String mediaType() {
    return mediaType;
  }

  /** Digest of the raw bytes. */
  public Digest digest() {
    return digest;
  }

  /** A descriptor for this manifest. */
  public Descriptor descriptor() {
    Descriptor.Builder b = Descriptor.builder().mediaType(mediaType).digest(digest).size(bytes.length);
    artifactType.ifPresent(b::artifactType);
    if (!annotations.isEmpty()) {
      b.annotations(annotations);
    }
    return b.build();
  }

  /** Whether this is an index (OCI index or Docker manifest list). */
  public boolean isIndex() {
    return MediaType.isIndex(mediaType);
  }

  /** The child manifests of an index; empty for an image manifest. */
  public List<Descriptor> manifests() {
    return manifests;
  }

  /** The config descriptor of an image manifest; empty for an index. */
  public Optional<Descriptor> config() {
    return config;
  }

  /** The layers of an image manifest; empty for an index. */
  public List<Descriptor> layers() {
    return layers;
  }

  /** Config then layers: every blob an image manifest references. Empty for an index. */
  public List<Descriptor> blobs() {
    List<Descriptor> out = new ArrayList<>(layers.size() + 1);
    config.ifPresent(out::add);
    out.addAll(layers);
    return out;
  }

  /** The manifest this one refers to (signatures, SBOMs, attestations). */
  public Optional<Descriptor> subject() {
    return subject;
  }

  /** The artifact type, or for an image manifest without one, nothing. */
  public Optional<String> artifactType() {
    return artifactType;
  }

  /** Top-level annotations. */
  public Map<String, String> annotations() {
    return annotations;
  }

  /** Equal when the bytes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Manifest m && m.digest.equals(digest) && m.mediaType.equals(mediaType);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return mediaType + " " + digest + " (" + bytes.length + " bytes)";
  }
}
