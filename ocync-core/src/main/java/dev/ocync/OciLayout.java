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
 */
public final class OciLayout {
  private OciLayout() {}

  /**
   * A layout directory, read and written in place. It need not exist yet: the first write creates
   * it. Reading a directory that exists but is not an OCI layout fails with a clear error.
   */
  public static Repository directory(Path dir) {
    return LayoutRepository.open(Objects.requireNonNull(dir, "dir"));
  }

  /**
   * A layout in a tar file ({@code oci-archive:} in skopeo's terms). Readable when it exists;
   * writes are collected and land in the file, atomically, when the repository is closed.
   */
  public static Repository archive(Path tarFile) {
    return LayoutArchiveRepository.open(Objects.requireNonNull(tarFile, "tarFile"));
  }
}
