package dev.ocync.internal.layout;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read side of an OCI layout, shared by the directory and the archive: tags from
 * {@code index.json}, manifests and blobs from {@code blobs/}. Thread-safe; it keeps no state but
 * caches of content-addressed facts (which never go stale).
 */
final class LayoutReader {
  /** What is at the location. */
  enum Status {
    /** Nothing: no directory or file. */
    ABSENT,
    /** An empty directory or archive: a layout to be. */
    EMPTY,
    /** A layout with a valid {@code oci-layout}. */
    PRESENT
  }

  /** What a manifest listed in {@code index.json} says about referrers. */
  private record ReferrerInfo(Optional<Digest> subject, Descriptor descriptor) {}

  private final LayoutStore store;
  private volatile boolean present;
  private final Map<Digest, ReferrerInfo> referrerInfo = new ConcurrentHashMap<>();

  LayoutReader(LayoutStore store) {
    this.store = store;
  }

  String location() {
    return store.location();
  }

  RegistryException.Context context() {
    return RegistryException.Context.of(store.location());
  }

  /**
   * What is at the location. Fails if there is content but no valid {@code oci-layout}: ocync
   * neither reads nor writes into something that is not a layout.
   */
  Status status() throws IOException {
    if (present) {
      return Status.PRESENT;
    }
    if (store.absent()) {
      return Status.ABSENT;
    }
    Optional<InputStream> in = store.open(LayoutFormat.OCI_LAYOUT);
    if (in.isEmpty()) {
      if (store.empty()) {
        return Status.EMPTY;
      }
      // A concurrent first write creates oci-layout before anything else: if content appeared
      // between the two checks above, oci-layout is there now.
      in = store.open(LayoutFormat.OCI_LAYOUT);
      if (in.isEmpty()) {
        throw new RegistryException("not an OCI image layout: there is content but no oci-layout file", context());
      }
    }
    byte[] content;
    try (InputStream s = in.get()) {
      content = LayoutFormat.readLimited(s, 64 * 1024, LayoutFormat.OCI_LAYOUT, store.location());
    }
    LayoutFormat.checkOciLayout(content, store.location());
    present = true;
    return Status.PRESENT;
  }

  /** The entries of {@code index.json} in file order; empty when the layout has none yet. */
  List<Descriptor> index() throws IOException {
    if (status() != Status.PRESENT) {
      return List.of();
    }
    Optional<InputStream> in = store.open(LayoutFormat.INDEX);
    if (in.isEmpty()) {
      return List.of();
    }
    byte[] bytes;
    try (InputStream s = in.get()) {
      bytes = LayoutFormat.readLimited(s, LayoutFormat.MAX_INDEX_BYTES, LayoutFormat.INDEX, store.location());
    }
    try {
      return Manifest.parse(bytes, Optional.of(MediaType.OCI_INDEX)).manifests();
    } catch (IllegalArgumentException e) {
      throw new RegistryException("index.json is not a valid OCI image index: " + e.getMessage(), context(), e);
    }
  }

  /** The last {@code index.json} entry tagged {@code tag}, as other layout tools resolve it. */
  Optional<Descriptor> taggedEntry(String tag) throws IOException {
    Descriptor found = null;
    for (Descriptor d : index()) {
      if (tag.equals(d.annotations().get(LayoutFormat.REF_NAME))) {
        found = d;
      }
    }
    return Optional.ofNullable(found);
  }

  Optional<Descriptor> resolve(String reference) throws IOException {
    if (status() != Status.PRESENT) {
      return Optional.empty();
    }
    if (!isDigest(reference)) {
      return taggedEntry(reference);
    }
    Digest digest = parseDigest(reference);
    if (!store.isFile(LayoutFormat.blobPath(digest))) {
      return Optional.empty();
    }
    for (Descriptor d : index()) {
      if (d.digest().equals(digest)) {
        return Optional.of(d);
      }
    }
    // Not listed (a child of an index, pushed by digest): the media type is in the manifest.
    try {
      return Optional.of(readManifest(digest, Optional.empty(), -1, reference).descriptor());
    } catch (RegistryException e) {
      if (e instanceof NotFoundException || e instanceof DigestMismatchException) {
        throw e;
      }
      return Optional.empty(); // a blob that is not a manifest
    }
  }

  Manifest fetchManifest(String reference) throws IOException {
    Status status = status();
    if (status == Status.ABSENT) {
      throw new NotFoundException("OCI layout does not exist", context().reference(reference));
    }
    if (!isDigest(reference)) {
      Descriptor entry = taggedEntry(reference).orElseThrow(() -> new NotFoundException(
          "no manifest tagged \"" + reference + "\" in index.json", context().reference(reference)));
      return readManifest(entry.digest(), Optional.of(entry.mediaType()), entry.size(), reference);
    }
    Digest digest = parseDigest(reference);
    Optional<String> mediaType = Optional.empty();
    long size = -1;
    for (Descriptor d : index()) {
      if (d.digest().equals(digest)) {
        mediaType = Optional.of(d.mediaType());
        size = d.size();
        break;
      }
    }
    return readManifest(digest, mediaType, size, reference);
  }

  private Manifest readManifest(Digest digest, Optional<String> mediaType, long size, String reference)
      throws IOException {
    RegistryException.Context ctx = context().reference(reference);
    String path = LayoutFormat.blobPath(digest);
    Optional<InputStream> in = status() == Status.PRESENT ? store.open(path) : Optional.empty();
    if (in.isEmpty()) {
      throw new NotFoundException("manifest " + digest + " is not in the layout (no " + path + ")", ctx);
    }
    byte[] bytes;
    try (InputStream s = in.get()) {
      bytes = LayoutFormat.readLimited(s, LayoutFormat.MAX_MANIFEST_BYTES, path, store.location());
    }
    Digest actual = Digest.of(digest.algorithm(), bytes);
    if (!actual.equals(digest)) {
      throw new DigestMismatchException("manifest blob " + path + " does not match its digest: expected " + digest
          + ", content hashes to " + actual, ctx, digest, actual);
    }
    if (size >= 0 && size != bytes.length) {
      throw new DigestMismatchException("manifest " + digest + " is " + bytes.length
          + " bytes but index.json says " + size, ctx, digest, actual);
    }
    try {
      return Manifest.parse(bytes, mediaType.filter(MediaType::isManifest), digest);
    } catch (IllegalArgumentException e) {
      throw new RegistryException("blob " + digest + " is not a manifest ocync can read: " + e.getMessage(), ctx, e);
    }
  }

  List<String> listTags() throws IOException {
    if (status() == Status.ABSENT) {
      throw new NotFoundException("OCI layout does not exist", context());
    }
    Set<String> tags = new LinkedHashSet<>();
    for (Descriptor d : index()) {
      String tag = d.annotations().get(LayoutFormat.REF_NAME);
      if (tag != null) {
        tags.add(tag);
      }
    }
    return new ArrayList<>(tags);
  }

  /**
   * Referrers among the manifests listed in {@code index.json}. A manifest stored only as a blob
   * (not listed) is not found: ocync lists every referrer it writes, as ORAS does.
   */
  List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    Map<Digest, Descriptor> out = new LinkedHashMap<>();
    for (Descriptor entry : index()) {
      if (out.containsKey(entry.digest()) || !MediaType.isManifest(entry.mediaType())) {
        continue;
      }
      ReferrerInfo info = referrerInfo.get(entry.digest());
      if (info == null) {
        Manifest m;
        try {
          m = readManifest(entry.digest(), Optional.of(entry.mediaType()), entry.size(), entry.digest().toString());
        } catch (NotFoundException e) {
          continue; // the image-spec allows listed blobs to be missing
        }
        info = new ReferrerInfo(m.subject().map(Descriptor::digest), referrerDescriptor(m));
        referrerInfo.put(entry.digest(), info);
      }
      if (info.subject().filter(subject::equals).isPresent()
          && (artifactType.isEmpty() || artifactType.equals(info.descriptor().artifactType()))) {
        out.put(entry.digest(), info.descriptor());
      }
    }
    return new ArrayList<>(out.values());
  }

  /** As the referrers API describes a referrer: artifactType falls back to the config media type. */
  private static Descriptor referrerDescriptor(Manifest m) {
    Descriptor.Builder b = Descriptor.builder().mediaType(m.mediaType()).digest(m.digest()).size(m.size())
        .annotations(m.annotations());
    m.artifactType().or(() -> m.config().map(Descriptor::mediaType)).ifPresent(b::artifactType);
    return b.build();
  }

  boolean hasBlob(Digest digest) throws IOException {
    return status() == Status.PRESENT && store.isFile(LayoutFormat.blobPath(digest));
  }

  InputStream openBlob(Digest digest) throws IOException {
    Optional<InputStream> in = status() == Status.PRESENT ? store.open(LayoutFormat.blobPath(digest)) : Optional.empty();
    return in.orElseThrow(() -> new NotFoundException(
        "blob is not in the layout (no " + LayoutFormat.blobPath(digest) + ")", context().reference(digest.toString())));
  }

  /** Descriptors of what {@code manifest} references that is not here: blobs, then child manifests. */
  List<Descriptor> missingReferences(Manifest manifest) throws IOException {
    List<Descriptor> missing = new ArrayList<>();
    for (Descriptor d : manifest.blobs()) {
      // Foreign (non-distributable) layers are fetched from their urls, not stored with the image.
      if (d.urls().isEmpty() && !hasBlob(d.digest())) {
        missing.add(d);
      }
    }
    for (Descriptor d : manifest.manifests()) {
      if (!hasBlob(d.digest())) {
        missing.add(d);
      }
    }
    return missing;
  }

  /**
   * Whether pushing {@code manifest} with {@code tag} would change nothing: it is stored, the tag
   * already names it alone, and a referrer is already listed.
   */
  boolean isCurrent(Manifest manifest, Optional<String> tag) throws IOException {
    if (!hasBlob(manifest.digest())) {
      return false;
    }
    List<Descriptor> index = index();
    if (tag.isPresent()) {
      List<Descriptor> tagged = index.stream()
          .filter(d -> tag.get().equals(d.annotations().get(LayoutFormat.REF_NAME))).toList();
      return tagged.size() == 1 && tagged.get(0).digest().equals(manifest.digest())
          && tagged.get(0).mediaType().equals(manifest.mediaType());
    }
    return manifest.subject().isEmpty() || index.stream().anyMatch(d -> d.digest().equals(manifest.digest()));
  }

  /**
   * A reference that parses as a digest is one; anything else is a tag. Tags in a layout are
   * free-form {@code ref.name} values and may contain {@code :} (some tools write full names).
   */
  static boolean isDigest(String reference) {
    return Digest.isDigest(reference);
  }

  private static Digest parseDigest(String reference) {
    return Digest.parse(reference);
  }
}
