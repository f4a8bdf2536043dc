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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The read side of an OCI layout, shared by the directory and the archive: tags from
 * {@code index.json}, manifests and blobs from {@code blobs/}. Thread-safe.
 *
 * <p>{@code index.json} is parsed once per open, on first use, and kept; a writer of this layout
 * hands over the index it wrote ({@link #indexChanged}). Changes other processes make to
 * {@code index.json} after that are not seen by reads (writes always start from the file on disk,
 * under the layout's lock). A 56 MB {@code index.json} is thus parsed once, not on every lookup.
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

  /** How many tags a "no such tag" message lists. */
  private static final int TAGS_SHOWN = 20;

  /** What a manifest listed in {@code index.json} says about referrers. */
  private record ReferrerInfo(Optional<Digest> subject, Descriptor descriptor) {}

  /** The parsed {@code index.json}: its entries in file order and lookups over them. */
  record IndexView(List<Descriptor> entries, Map<String, Descriptor> byRefName, Set<String> repeatedRefNames,
      Map<Digest, Descriptor> byDigest) {
    static final IndexView EMPTY = of(List.of());

    static IndexView of(List<Descriptor> entries) {
      Map<String, Descriptor> byRefName = new HashMap<>();
      Set<String> repeated = new HashSet<>();
      Map<Digest, Descriptor> byDigest = new HashMap<>();
      for (Descriptor d : entries) {
        String ref = d.annotations().get(LayoutFormat.REF_NAME);
        // The last entry of a name wins, as other layout tools resolve it.
        if (ref != null && byRefName.put(ref, d) != null) {
          repeated.add(ref);
        }
        byDigest.putIfAbsent(d.digest(), d);
      }
      return new IndexView(List.copyOf(entries), Map.copyOf(byRefName), Set.copyOf(repeated), Map.copyOf(byDigest));
    }
  }

  private final LayoutStore store;
  private final boolean verifyBlobs;
  private volatile boolean present;
  private volatile IndexView index;
  private final Map<Digest, ReferrerInfo> referrerInfo = new ConcurrentHashMap<>();
  /** Blobs whose content was hashed and found right (with {@code verifyBlobs}). */
  private final Set<Digest> verified = ConcurrentHashMap.newKeySet();

  LayoutReader(LayoutStore store, boolean verifyBlobs) {
    this.store = store;
    this.verifyBlobs = verifyBlobs;
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

  /** The parsed {@code index.json}, read on first use; empty while the layout has none. */
  IndexView indexView() throws IOException {
    IndexView v = index;
    if (v != null) {
      return v;
    }
    if (status() != Status.PRESENT) {
      return IndexView.EMPTY; // not kept: the layout may be created later
    }
    synchronized (this) {
      if (index == null) {
        Optional<InputStream> in = store.open(LayoutFormat.INDEX);
        if (in.isEmpty()) {
          return IndexView.EMPTY;
        }
        byte[] bytes;
        try (InputStream s = in.get()) {
          bytes = LayoutFormat.readLimited(s, LayoutFormat.MAX_INDEX_BYTES, LayoutFormat.INDEX, store.location());
        }
        index = IndexView.of(parseIndex(bytes, store.location()));
      }
      return index;
    }
  }

  /** The entries of an {@code index.json}. */
  static List<Descriptor> parseIndex(byte[] bytes, String location) throws RegistryException {
    try {
      return Manifest.parse(bytes, Optional.of(MediaType.OCI_INDEX)).manifests();
    } catch (IllegalArgumentException e) {
      throw new RegistryException("index.json is not a valid OCI image index: " + e.getMessage(),
          RegistryException.Context.of(location), e);
    }
  }

  /** Replaces the kept index with the one a writer of this layout just wrote. */
  void indexChanged(List<Descriptor> entries) {
    synchronized (this) {
      index = IndexView.of(entries);
    }
  }

  /** The entries of {@code index.json} in file order; empty when the layout has none yet. */
  List<Descriptor> index() throws IOException {
    return indexView().entries();
  }

  /** The last {@code index.json} entry named {@code refName}. */
  Optional<Descriptor> taggedEntry(String refName) throws IOException {
    return Optional.ofNullable(indexView().byRefName().get(refName));
  }

  /** Resolves a digest, or a tag given as its full {@code ref.name}. */
  Optional<Descriptor> resolve(String reference) throws IOException {
    if (status() != Status.PRESENT) {
      return Optional.empty();
    }
    if (!isDigest(reference)) {
      return taggedEntry(reference);
    }
    Digest digest = Digest.parse(reference);
    if (!store.isFile(LayoutFormat.blobPath(digest))) {
      return Optional.empty();
    }
    Descriptor listed = indexView().byDigest().get(digest);
    if (listed != null) {
      return Optional.of(listed);
    }
    // Not listed (a child of an index, pushed by digest): the media type is in the manifest.
    try {
      return Optional.of(readManifest(digest, Optional.empty(), -1, reference).descriptor());
    } catch (NotFoundException e) {
      return Optional.empty(); // a blob that is not a manifest, or gone meanwhile
    }
  }

  /**
   * Fetches a manifest by digest, or by tag given as its {@code ref.name}; {@code shown} is the tag
   * as the caller knows it and {@code tags} lists the tags to offer when it is not there.
   */
  Manifest fetchManifest(String reference, String shown, TagLister tags) throws IOException {
    Status status = status();
    if (status == Status.ABSENT) {
      throw new NotFoundException(store.absentMessage(), context().reference(shown));
    }
    if (!isDigest(reference)) {
      Optional<Descriptor> entry = taggedEntry(reference);
      if (entry.isEmpty()) {
        List<String> all = tags.list();
        String known = all.isEmpty() ? "it has no tagged manifest"
            : "its tags are " + all.stream().limit(TAGS_SHOWN).collect(Collectors.joining(", "))
                + (all.size() > TAGS_SHOWN ? " and " + (all.size() - TAGS_SHOWN) + " more" : "");
        throw new NotFoundException("no manifest tagged \"" + shown + "\" in the layout; " + known,
            context().reference(shown));
      }
      Descriptor e = entry.get();
      return readManifest(e.digest(), Optional.of(e.mediaType()), e.size(), shown);
    }
    Digest digest = Digest.parse(reference);
    Descriptor listed = indexView().byDigest().get(digest);
    return listed == null ? readManifest(digest, Optional.empty(), -1, reference)
        : readManifest(digest, Optional.of(listed.mediaType()), listed.size(), reference);
  }

  /** The tags of one view of the layout, for messages. */
  interface TagLister {
    List<String> list() throws IOException;
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
      String reason = "blob " + digest + " is not a manifest ocync can read: " + e.getMessage();
      // Not in index.json, so nothing says it is a manifest (a layer, a config): there is no such
      // manifest, as resolve says and a registry answers. A listed one is a broken manifest.
      throw mediaType.isEmpty() ? new NotFoundException(reason, ctx, e) : new RegistryException(reason, ctx, e);
    }
  }

  /** Every {@code ref.name} in {@code index.json}, once each, in file order. */
  List<String> refNames() throws IOException {
    if (status() == Status.ABSENT) {
      throw new NotFoundException(store.absentMessage(), context());
    }
    Set<String> names = new LinkedHashSet<>();
    for (Descriptor d : index()) {
      String name = d.annotations().get(LayoutFormat.REF_NAME);
      if (name != null) {
        names.add(name);
      }
    }
    return new ArrayList<>(names);
  }

  /**
   * Referrers of {@code subject}, found as on a registry without the referrers API: the index
   * named {@code fallbackRefName} (the {@code <alg>-<hex>} tag) lists them. Also found: untagged
   * {@code index.json} entries with that subject, which older ocync versions and ORAS write.
   * Tagged entries are not opened for this (a large layout would have every manifest read).
   */
  List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType, String fallbackRefName)
      throws IOException {
    Map<Digest, Descriptor> out = new LinkedHashMap<>();
    IndexView view = indexView();
    for (Descriptor entry : view.entries()) {
      if (out.containsKey(entry.digest()) || !MediaType.isManifest(entry.mediaType())
          || entry.annotations().containsKey(LayoutFormat.REF_NAME)) {
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
    Descriptor fallback = view.byRefName().get(fallbackRefName);
    if (fallback != null) {
      Manifest index = readManifest(fallback.digest(), Optional.of(fallback.mediaType()), fallback.size(),
          fallbackRefName);
      if (!index.mediaType().equals(MediaType.OCI_INDEX)) {
        throw new RegistryException("the referrers tag " + fallbackRefName + " holds a " + index.mediaType()
            + ", not an OCI index", context().reference(fallbackRefName));
      }
      for (Descriptor d : index.manifests()) {
        if (artifactType.isEmpty() || artifactType.equals(d.artifactType())) {
          out.putIfAbsent(d.digest(), d);
        }
      }
    }
    return new ArrayList<>(out.values());
  }

  /** The referrers fallback tag of {@code subject}: {@code <alg>-<hex>}. */
  static String fallbackTag(Digest subject) {
    return subject.algorithm().id() + "-" + subject.encoded();
  }

  /** As the referrers API describes a referrer: artifactType falls back to the config media type. */
  private static Descriptor referrerDescriptor(Manifest m) {
    Descriptor.Builder b = Descriptor.builder().mediaType(m.mediaType()).digest(m.digest()).size(m.size())
        .annotations(m.annotations());
    m.artifactType().or(() -> m.config().map(Descriptor::mediaType)).ifPresent(b::artifactType);
    return b.build();
  }

  /**
   * Whether the blob is here with its declared size: a truncated or overwritten file is not
   * trusted, so it is written again. With {@code verifyBlobs}, its content is also hashed (once
   * per open).
   */
  boolean hasBlob(Descriptor blob) throws IOException {
    if (status() != Status.PRESENT) {
      return false;
    }
    OptionalLong size = store.size(LayoutFormat.blobPath(blob.digest()));
    if (size.isEmpty() || size.getAsLong() != blob.size()) {
      return false;
    }
    return !verifyBlobs || verified.contains(blob.digest()) || verify(blob.digest());
  }

  private boolean verify(Digest digest) throws IOException {
    Optional<InputStream> in = store.open(LayoutFormat.blobPath(digest));
    if (in.isEmpty()) {
      return false;
    }
    Digest.Digester d = digest.newDigester();
    try (InputStream s = in.get()) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = s.read(buffer)) != -1) {
        d.update(buffer, 0, n);
      }
    }
    if (!d.digest().equals(digest)) {
      return false;
    }
    verified.add(digest);
    return true;
  }

  InputStream openBlob(Digest digest) throws IOException {
    Optional<InputStream> in = status() == Status.PRESENT ? store.open(LayoutFormat.blobPath(digest)) : Optional.empty();
    return in.orElseThrow(() -> new NotFoundException(
        "blob is not in the layout (no " + LayoutFormat.blobPath(digest) + ")", context().reference(digest.toString())));
  }

  /**
   * Descriptors of what {@code manifest} references that is not here: blobs, then child manifests.
   * Foreign (non-distributable) layers are excused by the rule the copy engine skips them by.
   */
  List<Descriptor> missingReferences(Manifest manifest) throws IOException {
    List<Descriptor> missing = new ArrayList<>();
    for (Descriptor d : manifest.blobs()) {
      if (!LayoutFormat.isForeign(d) && !hasBlob(d)) {
        missing.add(d);
      }
    }
    for (Descriptor d : manifest.manifests()) {
      if (!store.isFile(LayoutFormat.blobPath(d.digest()))) {
        missing.add(d);
      }
    }
    return missing;
  }

  /**
   * Whether pushing {@code manifest} named {@code refName} would change nothing: it is stored and
   * the name already names it alone.
   */
  boolean isCurrent(Manifest manifest, Optional<String> refName) throws IOException {
    if (!hasBlob(Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size()))) {
      return false;
    }
    if (refName.isEmpty()) {
      return true;
    }
    IndexView view = indexView();
    Descriptor tagged = view.byRefName().get(refName.get());
    return tagged != null && !view.repeatedRefNames().contains(refName.get())
        && tagged.digest().equals(manifest.digest()) && tagged.mediaType().equals(manifest.mediaType());
  }

  /**
   * A reference that parses as a digest is one; anything else is a tag. Tags in a layout are
   * free-form {@code ref.name} values and may contain {@code :} (bundles write full names).
   */
  static boolean isDigest(String reference) {
    return Digest.isDigest(reference);
  }
}
