package dev.ocync.internal.layout;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * One open layout (a directory or an archive) under any number of {@link LayoutView}s: the views
 * of a bundle share its index and, for an archive, its one writer. Names here are full
 * {@code org.opencontainers.image.ref.name} values; views map tags to them.
 */
interface LayoutBase extends Closeable {
  /** Where the layout lives, for messages: {@code oci:/dir} or {@code oci-archive:/file.tar}. */
  String location();

  LayoutReader reader();

  /** Stores a blob, verify-then-commit. */
  void pushBlob(Descriptor blob, InputStream content) throws IOException;

  /**
   * Stores a manifest; with a name, {@code index.json} then names it. Without one, only the blob is
   * written: {@code index.json} never changes for an untagged push, so nothing of a copy that
   * fails before its tagged top manifest reaches it.
   */
  void pushManifest(Manifest manifest, Optional<String> refName) throws IOException;
}
