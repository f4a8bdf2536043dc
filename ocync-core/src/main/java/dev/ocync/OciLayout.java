package dev.ocync;

import dev.ocync.internal.layout.LayoutArchiveRepository;
import dev.ocync.internal.layout.LayoutBundle;
import dev.ocync.internal.layout.LayoutRepository;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * OCI image layouts on disk, for air-gapped transfer: a directory ({@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) or the same in a tar file. Tags are the
 * {@code org.opencontainers.image.ref.name} annotations of {@code index.json}.
 *
 * <p>Two ways to address a layout:
 *
 * <ul>
 *   <li>{@link #directory} and {@link #archive}: the layout is one repository and its tags are the
 *       {@code ref.name} values as they are ({@code 1.27}), as {@code skopeo copy ... oci:DIR:1.27}
 *       writes them.
 *   <li>{@link #directoryBundle} and {@link #archiveBundle}: an air-gap bundle holding many
 *       repositories; each image is named {@code <repository>:<tag>} ({@code mirror/app:1.4}),
 *       so {@code skopeo inspect oci-archive:bundle.tar:mirror/app:1.4} reads it, and the bundle
 *       lists its {@link Bundle#repositories()} to mirror them back under the same names.
 * </ul>
 *
 * <pre>{@code
 * try (Repository layout = OciLayout.archive(Path.of("nginx.tar"))) {
 *   syncer.copy(registry.repository("library/nginx"), "1.27", layout, Optional.of("1.27"));
 * }
 * try (OciLayout.Bundle bundle = OciLayout.archiveBundle(Path.of("mirror.tar"))) {
 *   syncer.copy(registry.repository("library/nginx"), "1.27", bundle.repository("library/nginx"),
 *       Optional.of("1.27"));
 * }
 * }</pre>
 *
 * <p>Writes are verify-then-commit: a blob is written to a temporary file and renamed into place
 * only once its digest and size check out. A tagged manifest gets an {@code index.json} entry (a
 * tag pushed again moves to the new manifest); an untagged one (a child of an index, a referrer,
 * an image copied by digest) is stored as a blob only, as skopeo does, so nothing of a failed copy
 * reaches {@code index.json}. Referrers are listed from the {@code <alg>-<hex>} referrers tag (as
 * on a registry without the referrers API) and from untagged {@code index.json} entries with a
 * {@code subject} that other tools write.
 *
 * <p>A blob already present is trusted if its size is the descriptor's (a truncated or foreign
 * file is written again); {@link Option#VERIFY_BLOBS} also hashes it, once per open, before it is
 * trusted. {@code index.json} is read once per open; writers re-read it under the layout's lock.
 * A layout that does not exist yet resolves nothing and has no blobs; fetching from it or listing
 * its tags fails with a {@link dev.ocync.spi.NotFoundException} naming the path. Symbolic links
 * inside a layout, and links or {@code ..} names inside an archive, that lead outside it are
 * refused.
 */
public final class OciLayout {
  private OciLayout() {}

  /** How a layout is opened. */
  public enum Option {
    /**
     * Hash every blob already in the layout before trusting it as present (once per open), instead
     * of only checking its size. Costs a full read of each blob the copy would skip.
     */
    VERIFY_BLOBS
  }

  /**
   * A layout directory as one repository with plain tags, read and written in place. It need not
   * exist yet: the first write creates it. Reading a directory that exists but is not an OCI
   * layout fails with a clear error. Several writers (instances, threads, processes) may write one
   * directory at once: they take turns at {@code index.json} through a lock file in the layout
   * ({@code .ocync-index.lock}, which is not layout content and is left out of archives).
   */
  public static Repository directory(Path dir, Option... options) {
    return LayoutRepository.open(Objects.requireNonNull(dir, "dir"), verify(options));
  }

  /**
   * A layout in a tar file ({@code oci-archive:} in skopeo's terms) as one repository with plain
   * tags. Readable when it exists; new blobs are collected in a staging directory next to the file
   * and land in the file, atomically, when the repository is closed, and only if a copy into it
   * completed (a copy that failed halfway leaves the file as it was). The tar is reproducible: the
   * same content gives the same bytes, and an existing file keeps its permissions. Several writers
   * (threads, processes) may write one archive: each closes under a lock file next to it
   * ({@code .<name>.ocync-lock}) and merges what others wrote meanwhile, so no tag is lost. An
   * archive with link entries is read but not written into.
   */
  public static Repository archive(Path tarFile, Option... options) {
    return LayoutArchiveRepository.open(Objects.requireNonNull(tarFile, "tarFile"), verify(options));
  }

  /**
   * A layout directory as an air-gap bundle of many repositories; see {@link Bundle}. It need not
   * exist yet.
   */
  public static Bundle directoryBundle(Path dir, Option... options) {
    return new Bundle(LayoutBundle.directory(Objects.requireNonNull(dir, "dir"), verify(options)));
  }

  /**
   * A layout archive as an air-gap bundle of many repositories; see {@link Bundle}. All its
   * repositories share one writer, which writes the file once, when the bundle is closed.
   */
  public static Bundle archiveBundle(Path tarFile, Option... options) {
    return new Bundle(LayoutBundle.archive(Objects.requireNonNull(tarFile, "tarFile"), verify(options)));
  }

  private static boolean verify(Option... options) {
    Objects.requireNonNull(options, "options");
    return Set.of(options).contains(Option.VERIFY_BLOBS);
  }

  /**
   * An OCI layout (directory or archive) holding many repositories: each image is named
   * {@code <repository>:<tag>} in {@code org.opencontainers.image.ref.name}, which is how skopeo
   * and other tools address an image in a layout ({@code oci-archive:bundle.tar:mirror/app:1.4}).
   * The repository views share one index and, for an archive, one writer; close the bundle (not
   * the views) when done. Thread-safe.
   */
  public static final class Bundle implements Closeable {
    private final LayoutBundle bundle;

    private Bundle(LayoutBundle bundle) {
      this.bundle = bundle;
    }

    /**
     * The repository {@code name} of the bundle ({@code mirror/app}): its tags are the entries
     * named {@code name:<tag>}; pushing with a tag writes {@code name:<tag>}. Closing the view
     * does nothing.
     *
     * @throws IllegalArgumentException if {@code name} is not a repository path
     */
    public Repository repository(String name) {
      return bundle.repository(name);
    }

    /** The repositories with at least one tag in the bundle, sorted. */
    public List<String> repositories() throws IOException {
      return bundle.repositories();
    }

    /** Where the bundle lives: {@code oci:/dir} or {@code oci-archive:/file.tar}. */
    public String location() {
      return bundle.location();
    }

    /** Releases the layout; an archive is written now if a copy into it completed. */
    @Override
    public void close() throws IOException {
      bundle.close();
    }

    @Override
    public String toString() {
      return bundle.location();
    }
  }
}
