package dev.ocync.internal.layout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * An OCI image layout directory, read and written in place.
 *
 * <p>Blobs (manifests included) are streamed into a temporary file in {@code blobs/<alg>/},
 * hashed on the way, and renamed into place only when digest and size match. {@code index.json}
 * is rewritten through a temporary file and an atomic rename; entries and fields ocync did not
 * write are kept. A tagged manifest gets an entry with the tag in
 * {@code org.opencontainers.image.ref.name} (replacing the entry that had that tag); an untagged
 * manifest (a child of an index, a referrer, an image copied by digest) is stored as a blob only,
 * as skopeo does, so a copy that fails before its top manifest leaves {@code index.json} as it
 * was. Referrers are found through the {@code <alg>-<hex>} fallback tag, as on a registry without
 * the referrers API.
 *
 * <p>Any number of instances, in this process or others, may write one directory at once: creating
 * the layout and rewriting {@code index.json} happen under an exclusive lock on the file
 * {@value LayoutFormat#LOCK} in the layout (kept there, opened without following links; layout
 * readers ignore it, archives leave it out), and each rewrite starts from the {@code index.json}
 * on disk. Temporary files of interrupted runs ({@code .ocync-*.tmp}) older than
 * {@link LayoutFormat#STALE_AGE} are removed by the first write of a later run; a JVM stopped by
 * SIGTERM removes its own.
 */
public final class LayoutRepository implements LayoutBase {
  private final Path root;
  private final String location;
  private final DirectoryStore store;
  private final LayoutReader reader;
  private final Leftovers leftovers = new Leftovers();
  /** Serializes creating the layout and rewriting index.json within this instance. */
  private final ReentrantLock indexLock = new ReentrantLock();
  /** How long to wait between attempts to take the lock file another instance in this JVM holds. */
  private static final long LOCK_POLL_MILLIS = 2;
  private volatile boolean swept;

  private LayoutRepository(Path root, String location, boolean verifyBlobs) {
    this.root = root;
    this.location = location;
    this.store = new DirectoryStore(root, location);
    this.reader = new LayoutReader(store, verifyBlobs);
  }

  /** The layout in directory {@code path}, which need not exist yet, with plain tags. */
  public static Repository open(Path path) {
    return open(path, false);
  }

  /** The layout in directory {@code path}; {@code verifyBlobs} hashes present blobs before trusting them. */
  public static Repository open(Path path, boolean verifyBlobs) {
    return new LayoutView(base(path, verifyBlobs), Optional.empty(), true);
  }

  static LayoutRepository base(Path path, boolean verifyBlobs) {
    Path root = path.toAbsolutePath().normalize();
    return new LayoutRepository(root, "oci:" + root, verifyBlobs);
  }

  Path root() {
    return root;
  }

  DirectoryStore store() {
    return store;
  }

  @Override
  public LayoutReader reader() {
    return reader;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    if (reader.hasBlob(blob)) {
      return; // content-addressed: what is there (with its size) is this content
    }
    try {
      ensureLayout();
      writeBlob(store, blob, content, leftovers, location);
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> refName) throws IOException {
    checkPushable(reader, manifest, refName, location);
    if (reader.isCurrent(manifest, refName)) {
      return;
    }
    try {
      ensureLayout();
      Descriptor blob = Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size());
      if (!reader.hasBlob(blob)) {
        writeBlob(store, blob, new ByteArrayInputStream(manifest.bytes()), leftovers, location);
      }
      if (refName.isPresent()) {
        updateIndex(manifest, refName.get());
      }
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  /** Checks that everything the manifest references is already in the layout. */
  static void checkPushable(LayoutReader reader, Manifest manifest, Optional<String> refName, String location)
      throws IOException {
    List<Descriptor> missing = reader.missingReferences(manifest);
    if (!missing.isEmpty()) {
      String list = missing.stream().limit(5).map(d -> d.digest() + " (" + d.mediaType() + ")")
          .collect(Collectors.joining(", "));
      throw new RegistryException("manifest " + manifest.digest() + " references content that is not in the layout"
          + " yet; push it first: " + list + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : ""),
          RegistryException.Context.of(location).reference(refName.orElse(manifest.digest().toString())));
    }
  }

  /** Creates the directory, {@code oci-layout} and {@code index.json} on the first write. */
  private void ensureLayout() throws IOException {
    if (reader.status() == LayoutReader.Status.PRESENT) {
      sweepOnce();
      return;
    }
    Files.createDirectories(root);
    indexLock.lock();
    FileLock lock = null;
    try {
      lock = lockFile(root.resolve(LayoutFormat.LOCK), location);
      if (reader.status() != LayoutReader.Status.PRESENT) {
        // oci-layout first: once it exists, concurrent readers see a layout, not a foreign directory.
        writeAtomically(root.resolve(LayoutFormat.OCI_LAYOUT), LayoutFormat.OCI_LAYOUT_CONTENT);
        if (!store.isFile(LayoutFormat.INDEX)) {
          writeAtomically(root.resolve(LayoutFormat.INDEX), IndexTree.bytes(IndexTree.empty()));
        }
        store.createDirectories(LayoutFormat.BLOBS);
        reader.status();
      }
    } finally {
      unlock(lock);
    }
    sweepOnce();
  }

  /** Removes temporary files that interrupted runs left, once per open. */
  private void sweepOnce() throws IOException {
    if (swept) {
      return;
    }
    swept = true;
    java.util.function.Predicate<String> temp = n -> n.startsWith(LayoutFormat.TEMP_PREFIX) && n.endsWith(".tmp");
    Leftovers.sweepStale(root, temp, location);
    Optional<java.nio.file.Path> blobs = store.existing(LayoutFormat.BLOBS);
    if (blobs.isPresent() && Files.isDirectory(blobs.get())) {
      try (java.nio.file.DirectoryStream<Path> algs = Files.newDirectoryStream(blobs.get(),
          p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
        for (Path alg : algs) {
          Leftovers.sweepStale(alg, temp, location);
        }
      }
    }
  }

  /**
   * Takes the exclusive lock on {@code file}, shared with every other writer: other processes
   * through the operating system's lock, other instances in this JVM (where the JDK refuses a
   * second lock on the same file) by polling. The file is opened without following links, so a
   * planted symbolic link cannot make ocync create a file elsewhere. Release with
   * {@code lock.acquiredBy().close()}.
   */
  static FileLock lockFile(Path file, String location) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      if (Files.isSymbolicLink(file)) {
        throw new RegistryException("refusing to use the lock file " + file + ": it is a symbolic link",
            RegistryException.Context.of(location), e);
      }
      throw e instanceof FileSystemException f ? LayoutFormat.writeFailure(f, location) : e;
    }
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

  /**
   * Streams {@code content} into a temporary file in the store's {@code blobs/<alg>/}, verifies it,
   * then renames it into place (over a corrupt file of that name, if there was one).
   */
  static void writeBlob(DirectoryStore store, Descriptor blob, InputStream content, Leftovers leftovers,
      String location) throws IOException {
    Digest expected = blob.digest();
    Path dir = store.createDirectories(LayoutFormat.BLOBS + "/" + expected.algorithm().id());
    Path temp = dir.resolve(LayoutFormat.TEMP_PREFIX + UUID.randomUUID() + ".tmp");
    Digest.Digester digester = expected.newDigester();
    boolean committed = false;
    leftovers.add(temp);
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
      moveIntoPlace(temp, store.root().resolve(LayoutFormat.blobPath(expected)));
      committed = true;
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
      leftovers.done(temp);
    }
  }

  /** Names {@code manifest} {@code refName} in index.json, starting from the file on disk, under the lock. */
  private void updateIndex(Manifest manifest, String refName) throws IOException {
    indexLock.lock();
    FileLock lock = null;
    try {
      lock = lockFile(root.resolve(LayoutFormat.LOCK), location);
      ObjectNode index = readIndexTree();
      if (IndexTree.tag(index, IndexTree.entry(manifest, refName), refName)) {
        byte[] bytes = IndexTree.bytes(index);
        writeAtomically(root.resolve(LayoutFormat.INDEX), bytes);
        reader.indexChanged(IndexTree.entries(bytes, location));
      }
    } finally {
      unlock(lock);
    }
  }

  private ObjectNode readIndexTree() throws IOException {
    Optional<InputStream> in = store.open(LayoutFormat.INDEX);
    if (in.isEmpty()) {
      return IndexTree.empty();
    }
    try (InputStream s = in.get()) {
      return IndexTree.parse(LayoutFormat.readLimited(s, LayoutFormat.MAX_INDEX_BYTES, LayoutFormat.INDEX, location),
          location);
    }
  }

  private void writeAtomically(Path target, byte[] content) throws IOException {
    Path temp = target.resolveSibling(LayoutFormat.TEMP_PREFIX + UUID.randomUUID() + ".tmp");
    boolean committed = false;
    leftovers.add(temp);
    try {
      Files.write(temp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      moveIntoPlace(temp, target);
      committed = true;
    } finally {
      if (!committed) {
        Files.deleteIfExists(temp);
      }
      leftovers.done(temp);
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

  /** Removes the shutdown hook; a directory has nothing else to complete. */
  @Override
  public void close() {
    leftovers.close();
  }

  @Override
  public String toString() {
    return location;
  }
}
