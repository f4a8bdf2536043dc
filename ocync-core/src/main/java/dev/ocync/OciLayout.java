package dev.ocync;

import dev.ocync.internal.layout.LayoutArchiveRepository;
import dev.ocync.internal.layout.LayoutRepository;
import dev.ocync.spi.Repository;
import java.nio.file.Path;
import java.util.Objects;

/**
 * OCI image layouts on disk, for air-gapped transfer: a directory ({@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) or the same in a tar file. Tags are the
 * {@code org.opencontainers.image.ref.name} annotations of {@code index.json}, as skopeo and
 * other tools write them.
 *
 * <pre>{@code
 * try (Repository bundle = OciLayout.archive(Path.of("mirror.tar"))) {
 *   syncer.copy(registry.repository("library/nginx"), "1.27", bundle, Optional.of("nginx-1.27"));
 * }
 * }</pre>
 *
 * <p>Writes are verify-then-commit: a blob is written to a temporary file and renamed into place
 * only once its digest and size check out. An archive is written to a temporary file and replaces
 * the target file on {@link Repository#close()}; existing content is kept.
 *
 * <p>A tagged manifest gets an {@code index.json} entry carrying the tag (a tag pushed again moves
 * to the new manifest); children of an index are stored as blobs only, as skopeo does; an untagged
 * manifest with a {@code subject} (a signature, an SBOM) gets an entry without a tag, as ORAS does,
 * because {@link Repository#listReferrers} only looks at manifests listed in {@code index.json}.
 * A layout that does not exist yet resolves nothing and has no blobs; fetching from it or listing
 * its tags fails with a {@link dev.ocync.spi.NotFoundException} naming the path. Symbolic links
 * inside a layout, and links or {@code ..} names inside an archive, that lead outside it are
 * refused.
 */
public final class OciLayout {
  private OciLayout() {}

  /**
   * A layout directory, read and written in place. It need not exist yet: the first write creates
   * it. Reading a directory that exists but is not an OCI layout fails with a clear error. Several
   * writers (instances, threads, processes) may write one directory at once: they take turns at
   * {@code index.json} through a lock file in the layout ({@code .ocync-index.lock}, which is not
   * layout content and is left out of archives).
   */
  public static Repository directory(Path dir) {
    return LayoutRepository.open(Objects.requireNonNull(dir, "dir"));
  }

  /**
   * A layout in a tar file ({@code oci-archive:} in skopeo's terms). Readable when it exists;
   * writes are collected in a staging directory next to the file and land in the file,
   * atomically, when the repository is closed. The file is rewritten only if a tagged manifest (or
   * a referrer) was pushed, so a copy that failed halfway leaves it as it was. The tar is
   * reproducible: the same content gives the same bytes. Unlike a directory, an archive has one
   * writer at a time: if two repositories write the same file, the one closed last replaces what
   * the other wrote. Collect into a directory and archive it once when several copies run at once.
   */
  public static Repository archive(Path tarFile) {
    return LayoutArchiveRepository.open(Objects.requireNonNull(tarFile, "tarFile"));
  }
}
