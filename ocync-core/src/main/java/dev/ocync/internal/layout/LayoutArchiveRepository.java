package dev.ocync.internal.layout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OCI image layout in a tar file ({@code oci-archive:} in skopeo's terms).
 *
 * <p>Reading goes straight to the tar: its table of contents is read and validated once (names
 * and links must stay inside the archive), then files are read in place. Writes go to a staging
 * directory next to the file that holds only the new blobs; {@code index.json} changes are kept in
 * memory. {@link #close()} writes a new reproducible tar (the archive's files, the new blobs and
 * the new {@code index.json}) to a temporary file next to the target and renames it over the
 * target, so the target is either the old archive or the complete new one.
 *
 * <p>The file is rewritten only when a copy completed: a tagged manifest was pushed, or (a copy by
 * digest, which tags nothing) untagged manifests were pushed and no manifest push into the archive
 * failed. A copy that failed halfway leaves the file as it was, or not created.
 *
 * <p>Writers of one archive, in any process, take turns: {@code close()} holds an exclusive lock
 * on {@code .<file>.ocync-lock} next to it while it writes, and if the archive changed since this
 * instance read it (another writer closed first), the other writer's content and tags are merged
 * with this one's, so no update is lost. An archive with hard or symbolic links is not written
 * into (an OCI layout never needs them; copying would store the content once per link). Staging
 * directories of killed runs (not locked by a live writer) are removed by the next write; a JVM
 * stopped by SIGTERM removes its own.
 */
public final class LayoutArchiveRepository implements LayoutBase {
  private static final Logger LOG = LoggerFactory.getLogger(LayoutArchiveRepository.class);
  /** The file inside a staging directory its writer keeps locked while it lives. */
  private static final String STAGING_LOCK = ".ocync-staging.lock";
  /** How old an unlocked staging lock file must be before its directory counts as abandoned. */
  private static final java.time.Duration LOCK_GRACE = java.time.Duration.ofMinutes(1);

  private final Path file;
  private final String location;
  private final LayoutReader reader;
  private final ReentrantLock lock = new ReentrantLock();
  private final Leftovers leftovers = new Leftovers();
  private volatile TarIndex tar; // set once, under lock
  private volatile boolean tarRead;
  /** The file as it was when this instance read it; a change by close time means another writer. */
  private Fingerprint seen;
  private volatile Staging staging;
  /** index.json as edited by this instance; null until a name is pushed. Guarded by {@link #edits}. */
  private ObjectNode indexTree;
  /** The name changes this instance made, replayed onto an archive another writer changed. */
  private final List<Edit> edits = new ArrayList<>();
  private volatile boolean untaggedPushed;
  /** Manifests whose push failed (and did not succeed since): a copy that did not complete. */
  private final Set<Digest> failed = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private record Edit(ObjectNode entry, String refName) {}

  private record Fingerprint(Object fileKey, long size, FileTime modified) {
    static final Fingerprint ABSENT = new Fingerprint("absent", -1, FileTime.fromMillis(0));
  }

  /** The staging directory, its store and the lock that tells sweepers it is alive. */
  private record Staging(Path dir, DirectoryStore store, FileLock alive) {}

  private LayoutArchiveRepository(Path file, boolean verifyBlobs) {
    this.file = file;
    this.location = "oci-archive:" + file;
    this.reader = new LayoutReader(new OverlayStore(), verifyBlobs);
  }

  /** The archive {@code path}, which need not exist yet, with plain tags. */
  public static Repository open(Path path) {
    return open(path, false);
  }

  /** The archive {@code path}; {@code verifyBlobs} hashes present blobs before trusting them. */
  public static Repository open(Path path, boolean verifyBlobs) {
    return new LayoutView(base(path, verifyBlobs), Optional.empty(), true);
  }

  static LayoutArchiveRepository base(Path path, boolean verifyBlobs) {
    return new LayoutArchiveRepository(path.toAbsolutePath().normalize(), verifyBlobs);
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public LayoutReader reader() {
    checkOpen();
    return reader;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(location + " is closed");
    }
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    if (reader().hasBlob(blob)) {
      return;
    }
    Staging s = staging();
    try {
      LayoutRepository.writeBlob(s.store(), blob, content, leftovers, location);
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> refName) throws IOException {
    try {
      LayoutReader r = reader();
      // Checked against the tar before staging, so a refused push does not cost a staging directory.
      LayoutRepository.checkPushable(r, manifest, refName, location);
      if (!r.isCurrent(manifest, refName)) {
        Staging s = staging();
        Descriptor blob = Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size());
        if (!r.hasBlob(blob)) {
          LayoutRepository.writeBlob(s.store(), blob, new ByteArrayInputStream(manifest.bytes()), leftovers, location);
        }
        if (refName.isPresent()) {
          name(manifest, refName.get());
        } else {
          untaggedPushed = true;
        }
      }
      failed.remove(manifest.digest());
    } catch (FileSystemException e) {
      failed.add(manifest.digest());
      throw LayoutFormat.writeFailure(e, location);
    } catch (IOException | RuntimeException e) {
      failed.add(manifest.digest());
      throw e;
    }
  }

  private void name(Manifest manifest, String refName) throws IOException {
    synchronized (edits) {
      if (indexTree == null) {
        indexTree = tarIndexTree(tarIndex());
      }
      ObjectNode entry = IndexTree.entry(manifest, refName);
      if (IndexTree.tag(indexTree, entry, refName)) {
        edits.add(new Edit(entry, refName));
        reader.indexChanged(IndexTree.entries(IndexTree.bytes(indexTree), location));
      }
    }
  }

  private ObjectNode tarIndexTree(TarIndex t) throws IOException {
    Optional<InputStream> in = t == null ? Optional.empty() : t.open(LayoutFormat.INDEX);
    if (in.isEmpty()) {
      return IndexTree.empty();
    }
    try (InputStream s = in.get()) {
      return IndexTree.parse(LayoutFormat.readLimited(s, LayoutFormat.MAX_INDEX_BYTES, LayoutFormat.INDEX, location),
          location);
    }
  }

  /** The staging directory, created on the first write. */
  private Staging staging() throws IOException {
    Staging s = staging;
    if (s != null) {
      return s;
    }
    lock.lock();
    try {
      checkOpen();
      if (staging == null) {
        staging = createStaging();
      }
      return staging;
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    } finally {
      lock.unlock();
    }
  }

  private Staging createStaging() throws IOException {
    reader.status(); // an archive that is not a layout is not written into
    TarIndex t = tarIndex();
    if (t != null) {
      checkNoLinks(t);
    }
    Path parent = file.getParent();
    Files.createDirectories(parent);
    String prefix = "." + file.getFileName() + LayoutFormat.TEMP_PREFIX;
    sweepStagings(parent, prefix);
    Path dir = Files.createTempDirectory(parent, prefix);
    leftovers.add(dir);
    FileLock alive = null;
    try {
      alive = LayoutRepository.lockFile(dir.resolve(STAGING_LOCK), location);
      byte[] ociLayout = LayoutFormat.OCI_LAYOUT_CONTENT;
      Optional<InputStream> in = t == null ? Optional.empty() : t.open(LayoutFormat.OCI_LAYOUT);
      if (in.isPresent()) {
        try (InputStream s = in.get()) {
          ociLayout = LayoutFormat.readLimited(s, 64 * 1024, LayoutFormat.OCI_LAYOUT, location);
        }
      }
      Files.write(dir.resolve(LayoutFormat.OCI_LAYOUT), ociLayout);
      Staging s = new Staging(dir, new DirectoryStore(dir, location), alive);
      reader.status();
      return s;
    } catch (IOException | RuntimeException e) {
      if (alive != null) {
        alive.acquiredBy().close();
      }
      Leftovers.deleteTree(dir);
      leftovers.done(dir);
      throw e;
    }
  }

  private void checkNoLinks(TarIndex t) throws RegistryException {
    if (!t.links().isEmpty()) {
      Map.Entry<String, String> first = t.links().entrySet().iterator().next();
      throw new RegistryException("refusing to write into the archive: it has " + t.links().size()
          + " link entries (\"" + first.getKey() + "\" -> \"" + first.getValue() + "\"); an OCI layout never needs"
          + " links, and rewriting the archive would store the content once per link. Write into a new archive",
          RegistryException.Context.of(location));
    }
  }

  /**
   * Removes staging directories of this archive that no live writer holds: their lock file can be
   * locked (the writer was killed), or they have none and are older than the stale age.
   */
  private void sweepStagings(Path parent, String prefix) throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent,
        p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
      for (Path d : dirs) {
        Path lockFile = d.resolve(STAGING_LOCK);
        boolean dead;
        if (Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
          // A writer creates its lock file, then locks it: a fresh unlocked one may be in between.
          dead = false;
          if (Files.getLastModifiedTime(lockFile, LinkOption.NOFOLLOW_LINKS).toInstant()
              .isAfter(Instant.now().minus(LOCK_GRACE))) {
            continue;
          }
          try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
              java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock l = ch.tryLock();
            dead = l != null;
          } catch (OverlappingFileLockException e) {
            // a writer in this JVM has it
          }
        } else {
          FileTime m = Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS);
          dead = m.toInstant().isBefore(Instant.now().minus(LayoutFormat.STALE_AGE));
        }
        if (dead) {
          LOG.debug("removing {}, left by an interrupted write of {}", d, location);
          Leftovers.deleteTree(d);
        }
      }
    } catch (IOException e) {
      LOG.debug("could not sweep staging directories next to {}: {}", file, e.toString());
    }
  }

  /** The tar's table of contents, read on first use; null when the file does not exist. */
  private TarIndex tarIndex() throws IOException {
    if (tarRead) {
      return tar;
    }
    lock.lock();
    try {
      checkOpen();
      if (!tarRead) {
        seen = fingerprint(file);
        if (seen != Fingerprint.ABSENT) {
          if (!Files.isRegularFile(file)) {
            throw new RegistryException("not an OCI layout archive: " + file + " is not a regular file",
                RegistryException.Context.of(location));
          }
          tar = TarIndex.open(file, location);
        }
        tarRead = true;
      }
      return tar;
    } finally {
      lock.unlock();
    }
  }

  private static Fingerprint fingerprint(Path path) throws IOException {
    if (!Files.exists(path)) {
      return Fingerprint.ABSENT; // also when a parent is not a directory: writing then says why
    }
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return new Fingerprint(a.fileKey() == null ? path.toRealPath().toString() : a.fileKey(), a.size(),
          a.lastModifiedTime());
    } catch (NoSuchFileException e) {
      return Fingerprint.ABSENT;
    }
  }

  /** Writes the archive if a copy into it completed; always cleans up. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      Staging s = staging;
      try {
        boolean named;
        synchronized (edits) {
          named = !edits.isEmpty();
        }
        // An interrupted copy by digest did not complete, even if no push failed.
        boolean complete = named || (untaggedPushed && failed.isEmpty() && !Thread.currentThread().isInterrupted());
        if (s != null && complete) {
          writeArchive(s);
        }
      } finally {
        try {
          if (tar != null) {
            tar.close();
          }
        } finally {
          if (s != null) {
            s.alive().acquiredBy().close();
            Leftovers.deleteTree(s.dir());
            leftovers.done(s.dir());
          }
          leftovers.close();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void writeArchive(Staging s) throws IOException {
    // Through a symbolic link, replace the file it leads to, not the link.
    Path out = Files.isSymbolicLink(file) && Files.exists(file) ? file.toRealPath() : file;
    String name = out.getFileName().toString();
    FileLock writers = LayoutRepository.lockFile(out.resolveSibling("." + name + LayoutFormat.TEMP_PREFIX + "lock"),
        location);
    TarIndex current = tar;
    Path temp = null;
    boolean committed = false;
    try {
      // Under the lock nobody else is writing a temporary archive: any there are leftovers.
      try (Stream<Path> siblings = Files.list(out.getParent())) {
        for (Path p : (Iterable<Path>) siblings::iterator) {
          String n = p.getFileName().toString();
          if (n.startsWith("." + name + LayoutFormat.TEMP_PREFIX) && n.endsWith(".tmp")
              && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
          }
        }
      }
      Map<String, TarWriter.Source> files = new HashMap<>();
      addFiles(files, tar);
      ObjectNode index;
      synchronized (edits) {
        index = indexTree != null ? indexTree : tarIndexTree(tar);
      }
      Fingerprint now = fingerprint(out);
      if (!now.equals(seen)) {
        // Another writer replaced the archive since this one read it: start from what it wrote.
        current = now == Fingerprint.ABSENT ? null : TarIndex.open(out, location);
        if (current != null) {
          checkNoLinks(current);
        }
        index = tarIndexTree(current);
        synchronized (edits) {
          for (Edit e : edits) {
            IndexTree.tag(index, e.entry(), e.refName());
          }
        }
        addFiles(files, current);
        LOG.debug("{} changed while this copy ran; merged with what the other writer wrote", location);
      }
      Path blobs = s.dir().resolve(LayoutFormat.BLOBS);
      if (Files.isDirectory(blobs, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> walk = Files.walk(blobs)) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            String n = p.getFileName().toString();
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !n.startsWith(LayoutFormat.TEMP_PREFIX)) {
              files.put(toName(s.dir().relativize(p)), TarWriter.of(p));
            }
          }
        }
      }
      temp = out.resolveSibling("." + name + LayoutFormat.TEMP_PREFIX + UUID.randomUUID() + ".tmp");
      leftovers.add(temp);
      TarWriter.write(temp, Files.readAllBytes(s.dir().resolve(LayoutFormat.OCI_LAYOUT)), IndexTree.bytes(index),
          files);
      keepPermissions(out, temp);
      LayoutRepository.moveIntoPlace(temp, out);
      committed = true;
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    } finally {
      try {
        if (temp != null) {
          if (!committed) {
            Files.deleteIfExists(temp);
          }
          leftovers.done(temp);
        }
        if (current != null && current != tar) {
          current.close();
        }
      } finally {
        writers.acquiredBy().close();
      }
    }
  }

  /** An existing archive keeps its permissions (0600 stays 0600); a new one gets the umask's. */
  private static void keepPermissions(Path existing, Path replacement) throws IOException {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(existing);
      Files.setPosixFilePermissions(replacement, perms);
    } catch (NoSuchFileException | UnsupportedOperationException e) {
      // a new archive, or a file system without POSIX permissions
    }
  }

  private static void addFiles(Map<String, TarWriter.Source> files, TarIndex t) {
    if (t == null) {
      return;
    }
    for (Map.Entry<String, TarIndex.Entry> e : t.files().entrySet()) {
      String n = e.getKey();
      long size = e.getValue().size();
      files.put(n, new TarWriter.Source() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public InputStream open() {
          return t.open(n).orElseThrow();
        }
      });
    }
  }

  private static String toName(Path relative) {
    List<String> parts = new ArrayList<>();
    relative.forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  @Override
  public String toString() {
    return location;
  }

  /** The staged files over the tar's. */
  private final class OverlayStore implements LayoutStore {
    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean absent() throws IOException {
      return staging == null && tarIndex() == null;
    }

    @Override
    public String absentMessage() {
      return "no such archive file: " + file;
    }

    @Override
    public boolean empty() throws IOException {
      TarIndex t = tarIndex();
      return staging == null && (t == null || t.isEmpty());
    }

    @Override
    public Optional<InputStream> open(String path) throws IOException {
      Staging s = staging;
      if (s != null && s.store().isFile(path)) {
        return s.store().open(path);
      }
      TarIndex t = tarIndex();
      return t == null ? Optional.empty() : t.open(path);
    }

    @Override
    public OptionalLong size(String path) throws IOException {
      Staging s = staging;
      if (s != null) {
        OptionalLong staged = s.store().size(path);
        if (staged.isPresent()) {
          return staged;
        }
      }
      TarIndex t = tarIndex();
      TarIndex.Entry e = t == null ? null : t.files().get(path);
      return e == null ? OptionalLong.empty() : OptionalLong.of(e.size());
    }
  }
}
