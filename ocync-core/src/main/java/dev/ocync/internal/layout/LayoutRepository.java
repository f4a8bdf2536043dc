package dev.ocync.internal.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * An OCI image layout directory as a {@link Repository}, read and written in place.
 *
 * <p>Blobs (manifests included) are streamed into a temporary file in {@code blobs/<alg>/},
 * hashed on the way, and renamed into place only when digest and size match. {@code index.json}
 * is rewritten through a temporary file and an atomic rename, one writer at a time per instance;
 * entries and fields ocync did not write are kept. A tagged manifest gets an entry with the tag in
 * {@code org.opencontainers.image.ref.name} (replacing the entry that had that tag); an untagged
 * manifest with a {@code subject} (a referrer) gets an entry without a tag so that
 * {@link #listReferrers} finds it; other untagged manifests (children of an index) are stored as
 * blobs only, as skopeo does.
 *
 * <p>Any number of instances, in this process or others, may write one directory at once: creating
 * the layout and rewriting {@code index.json} happen under an exclusive lock on the file
 * {@value LayoutFormat#LOCK} in the layout (kept there; layout readers ignore it, archives leave
 * it out), and each rewrite starts from the {@code index.json} on disk.
 */
public final class LayoutRepository implements Repository {
  private final Path root;
  private final String location;
  private final DirectoryStore store;
  private final LayoutReader reader;
  /** Serializes creating the layout and rewriting index.json within this instance. */
  private final ReentrantLock indexLock = new ReentrantLock();
  /** How long to wait between attempts to take the lock file another instance in this JVM holds. */
  private static final long LOCK_POLL_MILLIS = 2;

  private LayoutRepository(Path root, String location) {
    this.root = root;
    this.location = location;
    this.store = new DirectoryStore(root, location);
    this.reader = new LayoutReader(store);
  }

  /** The layout in directory {@code path}, which need not exist yet. */
  public static Repository open(Path path) {
    Path root = path.toAbsolutePath().normalize();
    return new LayoutRepository(root, "oci:" + root);
  }

  /** A layout directory that reports itself as {@code location} (the archive it stages). */
  static LayoutRepository staging(Path dir, String location) {
    return new LayoutRepository(dir.toAbsolutePath().normalize(), location);
  }

  Path root() {
    return root;
  }

  LayoutReader reader() {
    return reader;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    return reader.resolve(Objects.requireNonNull(reference, "reference"));
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    return reader.fetchManifest(Objects.requireNonNull(reference, "reference"));
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return reader.hasBlob(blob.digest());
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return reader.openBlob(blob.digest());
  }

  @Override
  public List<String> listTags() throws IOException {
    return reader.listTags();
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    return reader.listReferrers(Objects.requireNonNull(subject, "subject"), artifactType);
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    Objects.requireNonNull(blob, "blob");
    Objects.requireNonNull(content, "content");
    if (reader.hasBlob(blob.digest())) {
      return; // content-addressed: what is there is this content
    }
    try {
      ensureLayout();
      writeBlob(blob, content);
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(tag, "tag");
    checkPushable(reader, manifest, tag, location);
    if (reader.isCurrent(manifest, tag)) {
      return;
    }
    try {
      ensureLayout();
      if (!reader.hasBlob(manifest.digest())) {
        writeBlob(Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size()),
            new ByteArrayInputStream(manifest.bytes()));
      }
      if (tag.isPresent() || manifest.subject().isPresent()) {
        updateIndex(manifest, tag);
      }
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  /** Checks the tag and that everything the manifest references is already in the layout. */
  static void checkPushable(LayoutReader reader, Manifest manifest, Optional<String> tag, String location)
      throws IOException {
    if (tag.isPresent() && (tag.get().isBlank() || Digest.isDigest(tag.get()))) {
      throw new IllegalArgumentException("invalid tag \"" + tag.get() + "\" for " + location
          + ": a tag must be non-blank and not a digest");
    }
    List<Descriptor> missing = reader.missingReferences(manifest);
    if (!missing.isEmpty()) {
      String list = missing.stream().limit(5).map(d -> d.digest() + " (" + d.mediaType() + ")")
          .collect(Collectors.joining(", "));
      throw new RegistryException("manifest " + manifest.digest() + " references content that is not in the layout"
          + " yet; push it first: " + list + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : ""),
          RegistryException.Context.of(location).reference(tag.orElse(manifest.digest().toString())));
    }
  }

  /** Creates the directory, {@code oci-layout} and {@code index.json} on the first write. */
  private void ensureLayout() throws IOException {
    if (reader.status() == LayoutReader.Status.PRESENT) {
      return;
    }
    Files.createDirectories(root);
    indexLock.lock();
    FileLock lock = null;
    try {
      lock = lockLayout();
      if (reader.status() == LayoutReader.Status.PRESENT) {
        return;
      }
      // oci-layout first: once it exists, concurrent readers see a layout, not a foreign directory.
      writeAtomically(root.resolve(LayoutFormat.OCI_LAYOUT), LayoutFormat.OCI_LAYOUT_CONTENT);
      if (!store.isFile(LayoutFormat.INDEX)) {
        writeAtomically(root.resolve(LayoutFormat.INDEX), LayoutFormat.JSON.writeValueAsBytes(emptyIndex()));
      }
      Files.createDirectories(root.resolve(LayoutFormat.BLOBS));
      reader.status();
    } finally {
      unlock(lock);
    }
  }

  /**
   * Takes the exclusive lock on the layout's lock file, shared with every other writer of this
   * directory: other processes through the operating system's lock, other instances in this JVM
   * (where the JDK refuses a second lock on the same file) by polling. Release with {@link #unlock}.
   */
  private FileLock lockLayout() throws IOException {
    FileChannel channel = FileChannel.open(root.resolve(LayoutFormat.LOCK), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      while (true) {
        try {
          FileLock lock = channel.tryLock();
          if (lock != null) {
            return lock;
          }
        } catch (OverlappingFileLockException e) {
          // another instance in this JVM holds it
        }
        Thread.sleep(LOCK_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      channel.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the lock on " + location);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Releases the lock file (closing its channel releases the lock), then this instance's lock. */
  private void unlock(FileLock lock) throws IOException {
    try {
      if (lock != null) {
        lock.acquiredBy().close();
      }
    } finally {
      indexLock.unlock();
    }
  }

  private static ObjectNode emptyIndex() {
    ObjectNode index = LayoutFormat.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaType.OCI_INDEX);
    index.putArray("manifests");
    return index;
  }

  /** Streams {@code content} into a temporary file, verifies it, then renames it into place. */
  private void writeBlob(Descriptor blob, InputStream content) throws IOException {
    Digest expected = blob.digest();
    String dirName = LayoutFormat.BLOBS + "/" + expected.algorithm().id();
    Path dir = root.resolve(dirName);
    Files.createDirectories(dir);
    store.checkInside(dir.toRealPath(), dirName);
    Path temp = dir.resolve(LayoutFormat.TEMP_PREFIX + UUID.randomUUID() + ".tmp");
    Digest.Digester digester = expected.newDigester();
    boolean committed = false;
    try {
      try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        int n;
        while ((n = content.read(buffer)) != -1) {
          digester.update(buffer, 0, n);
          // Past the declared size the content is wrong anyway: keep hashing (to report the
          // actual digest) but stop filling the disk.
          int keep = (int) Math.min(n, blob.size() - written);
          if (keep > 0) {
            out.write(buffer, 0, keep);
            written += keep;
          }
        }
      }
      Digest actual = digester.digest();
      if (!actual.equals(expected) || digester.size() != blob.size()) {
        throw new DigestMismatchException("blob content does not match its descriptor: expected " + expected + " ("
            + blob.size() + " bytes), got " + actual + " (" + digester.size() + " bytes)",
            RegistryException.Context.of(location).reference(expected.toString()), expected, actual);
      }
      moveIntoPlace(temp, root.resolve(LayoutFormat.blobPath(expected)));
      committed = true;
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private void updateIndex(Manifest manifest, Optional<String> tag) throws IOException {
    indexLock.lock();
    FileLock lock = null;
    try {
      lock = lockLayout();
      ObjectNode index = readIndexTree();
      ObjectNode before = index.deepCopy();
      ArrayNode entries = (ArrayNode) index.get("manifests");
      ObjectNode entry = LayoutFormat.JSON.createObjectNode();
      entry.put("mediaType", manifest.mediaType());
      entry.put("digest", manifest.digest().toString());
      entry.put("size", manifest.size());
      manifest.artifactType().ifPresent(t -> entry.put("artifactType", t));
      if (tag.isPresent()) {
        entry.putObject("annotations").put(LayoutFormat.REF_NAME, tag.get());
        List<Integer> same = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
          JsonNode name = entries.get(i).path("annotations").path(LayoutFormat.REF_NAME);
          if (name.isTextual() && name.asText().equals(tag.get())) {
            same.add(i);
          }
        }
        if (same.isEmpty()) {
          entries.add(entry);
        } else {
          // The tag moves: its entry is replaced where it was; duplicates of it go.
          entries.set(same.get(0), entry);
          for (int i = same.size() - 1; i > 0; i--) {
            entries.remove(same.get(i));
          }
        }
      } else {
        String digest = manifest.digest().toString();
        boolean listed = false;
        for (JsonNode e : entries) {
          listed |= digest.equals(e.path("digest").asText());
        }
        if (!listed) {
          entries.add(entry);
        }
      }
      if (!index.equals(before)) {
        writeAtomically(root.resolve(LayoutFormat.INDEX), LayoutFormat.JSON.writeValueAsBytes(index));
      }
    } finally {
      unlock(lock);
    }
  }

  /** index.json as a JSON tree, unknown fields included, with the fields ocync relies on. */
  private ObjectNode readIndexTree() throws IOException {
    Optional<InputStream> in = store.open(LayoutFormat.INDEX);
    if (in.isEmpty()) {
      return emptyIndex();
    }
    JsonNode tree;
    try (InputStream s = in.get()) {
      tree = LayoutFormat.JSON.readTree(LayoutFormat.readLimited(s, LayoutFormat.MAX_INDEX_BYTES,
          LayoutFormat.INDEX, location));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new RegistryException("index.json is not valid JSON: " + e.getOriginalMessage(),
          RegistryException.Context.of(location), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new RegistryException("index.json is not a JSON object", RegistryException.Context.of(location));
    }
    ObjectNode index = (ObjectNode) tree;
    if (!index.has("schemaVersion")) {
      index.put("schemaVersion", 2);
    }
    if (!index.has("mediaType")) {
      index.put("mediaType", MediaType.OCI_INDEX);
    }
    JsonNode manifests = index.get("manifests");
    if (manifests == null || manifests.isNull()) {
      index.putArray("manifests");
    } else if (!manifests.isArray()) {
      throw new RegistryException("index.json: \"manifests\" is not an array", RegistryException.Context.of(location));
    }
    return index;
  }

  private void writeAtomically(Path target, byte[] content) throws IOException {
    Path temp = target.resolveSibling(LayoutFormat.TEMP_PREFIX + UUID.randomUUID() + ".tmp");
    boolean committed = false;
    try {
      Files.write(temp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      moveIntoPlace(temp, target);
      committed = true;
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Renames atomically where the file system can; readers then never see a partial file. */
  static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public String toString() {
    return location;
  }
}
