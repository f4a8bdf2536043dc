package dev.ocync.internal.layout;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An OCI image layout in a tar file ({@code oci-archive:} in skopeo's terms) as a
 * {@link Repository}.
 *
 * <p>Reading goes straight to the tar: its table of contents is read and validated once (names
 * and links must stay inside the archive), then files are read in place. The first write that
 * changes something extracts the archive into a staging layout directory next to the file and
 * from then on everything goes through that directory. {@link #close()} writes the staging layout
 * as a reproducible tar to a temporary file next to the target and renames it over the target, so
 * the target is either the old archive or the complete new one. Existing content is kept. The
 * file is rewritten only if {@code index.json} changed (a tagged manifest or a referrer was
 * pushed): a copy that failed before its top manifest, having pushed only blobs and untagged
 * children, leaves the file as it was, or not created.
 */
public final class LayoutArchiveRepository implements Repository {
  private final Path file;
  private final String location;
  private final LayoutReader tarReader;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile TarIndex tar; // set once, under lock
  private volatile LayoutRepository staging;
  private volatile boolean closed;
  /**
   * Whether a push changed index.json; only then is the file rewritten, so blobs and untagged
   * children of a copy that failed halfway never land in the archive.
   */
  private volatile boolean written;

  private LayoutArchiveRepository(Path file) {
    this.file = file;
    this.location = "oci-archive:" + file;
    this.tarReader = new LayoutReader(new ArchiveStore());
  }

  /** The archive {@code path}, which need not exist yet. */
  public static Repository open(Path path) {
    return new LayoutArchiveRepository(path.toAbsolutePath().normalize());
  }

  @Override
  public String location() {
    return location;
  }

  /** Where reads go: the staging directory once something was written, else the tar. */
  private LayoutReader reader() {
    checkOpen();
    LayoutRepository s = staging;
    return s != null ? s.reader() : tarReader;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(location + " is closed");
    }
  }

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    return reader().resolve(Objects.requireNonNull(reference, "reference"));
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    return reader().fetchManifest(Objects.requireNonNull(reference, "reference"));
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return reader().hasBlob(blob.digest());
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return reader().openBlob(blob.digest());
  }

  @Override
  public List<String> listTags() throws IOException {
    return reader().listTags();
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    return reader().listReferrers(Objects.requireNonNull(subject, "subject"), artifactType);
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    Objects.requireNonNull(blob, "blob");
    Objects.requireNonNull(content, "content");
    if (reader().hasBlob(blob.digest())) {
      return;
    }
    staging().pushBlob(blob, content);
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(tag, "tag");
    LayoutReader r = reader();
    // Checked against the tar before staging, so a refused push does not cost an extraction.
    LayoutRepository.checkPushable(r, manifest, tag, location);
    if (r.isCurrent(manifest, tag)) {
      return;
    }
    staging().pushManifest(manifest, tag);
    if (tag.isPresent() || manifest.subject().isPresent()) {
      written = true;
    }
  }

  /** The staging layout, created on the first write from the archive's content. */
  private LayoutRepository staging() throws IOException {
    LayoutRepository s = staging;
    if (s != null) {
      return s;
    }
    try {
      return createStaging();
    } catch (FileSystemException e) {
      throw LayoutFormat.writeFailure(e, location);
    }
  }

  private LayoutRepository createStaging() throws IOException {
    lock.lock();
    try {
      checkOpen();
      if (staging != null) {
        return staging;
      }
      tarReader.status(); // an archive that is not a layout is not written into
      Path parent = file.getParent();
      Files.createDirectories(parent);
      Path dir = Files.createTempDirectory(parent, "." + file.getFileName() + LayoutFormat.TEMP_PREFIX);
      try {
        TarIndex index = tarIndex();
        if (index != null) {
          extract(index, dir);
        }
        staging = LayoutRepository.staging(dir, location);
        staging.reader().status();
      } catch (IOException | RuntimeException e) {
        staging = null;
        deleteTree(dir);
        throw e;
      }
      return staging;
    } finally {
      lock.unlock();
    }
  }

  /** Copies the archive's files (validated names only, links as copies) into {@code dir}. */
  private static void extract(TarIndex index, Path dir) throws IOException {
    for (String d : index.directories()) {
      Files.createDirectories(inside(dir, d));
    }
    for (Map.Entry<String, TarIndex.Entry> e : index.files().entrySet()) {
      Path target = inside(dir, e.getKey());
      Files.createDirectories(target.getParent());
      try (InputStream in = index.open(e.getKey()).orElseThrow();
          OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        in.transferTo(out);
      }
    }
  }

  private static Path inside(Path dir, String name) throws IOException {
    Path p = dir.resolve(name).normalize();
    if (!p.startsWith(dir) || p.equals(dir)) {
      throw new IOException("archive entry " + name + " does not name a file inside " + dir);
    }
    return p;
  }

  /** The tar's table of contents, read on first use; null when the file does not exist. */
  private TarIndex tarIndex() throws IOException {
    TarIndex t = tar;
    if (t != null) {
      return t;
    }
    lock.lock();
    try {
      checkOpen();
      if (tar == null && Files.exists(file)) {
        if (!Files.isRegularFile(file)) {
          throw new RegistryException("not an OCI layout archive: " + file + " is not a regular file",
              RegistryException.Context.of(location));
        }
        tar = TarIndex.open(file, location);
      }
      return tar;
    } finally {
      lock.unlock();
    }
  }

  /** Writes the staged layout over the target, if anything was written; always cleans up. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      LayoutRepository s = staging;
      try {
        // The staging directory holds everything by now; release the old file before replacing it.
        if (tar != null) {
          tar.close();
        }
        if (s != null && written) {
          // Through a symbolic link, replace the file it leads to, not the link.
          Path out = Files.isSymbolicLink(file) && Files.exists(file) ? file.toRealPath() : file;
          Path temp = out.resolveSibling("." + out.getFileName() + LayoutFormat.TEMP_PREFIX + UUID.randomUUID()
              + ".tmp");
          boolean committed = false;
          try {
            TarWriter.write(s.root(), temp);
            LayoutRepository.moveIntoPlace(temp, out);
            committed = true;
          } catch (FileSystemException e) {
            throw LayoutFormat.writeFailure(e, location);
          } finally {
            if (!committed) {
              Files.deleteIfExists(temp);
            }
          }
        }
      } finally {
        if (s != null) {
          deleteTree(s.root());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  @Override
  public String toString() {
    return location;
  }

  /** The tar as a {@link LayoutStore}. */
  private final class ArchiveStore implements LayoutStore {
    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean absent() throws IOException {
      return tarIndex() == null;
    }

    @Override
    public boolean empty() throws IOException {
      TarIndex t = tarIndex();
      return t == null || t.isEmpty();
    }

    @Override
    public Optional<InputStream> open(String path) throws IOException {
      TarIndex t = tarIndex();
      return t == null ? Optional.empty() : t.open(path);
    }

    @Override
    public boolean isFile(String path) throws IOException {
      TarIndex t = tarIndex();
      return t != null && t.isFile(path);
    }
  }
}
