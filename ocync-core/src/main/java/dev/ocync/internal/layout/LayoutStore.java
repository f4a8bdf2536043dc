package dev.ocync.internal.layout;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Read access to the files of a layout, wherever they are (a directory, a tar file, staged writes
 * over a tar file). Paths are relative to the layout root and use {@code /}; callers only pass
 * names they built themselves ({@code oci-layout}, {@code index.json}, {@code blobs/<alg>/<hex>}
 * from a parsed digest).
 */
interface LayoutStore {
  /** Where the layout lives, for messages. */
  String location();

  /** Whether there is nothing at all at the location (no directory, no file). */
  boolean absent() throws IOException;

  /** What to say when something is read from a location that does not exist. */
  String absentMessage();

  /** Whether the location exists but holds nothing. */
  boolean empty() throws IOException;

  /** Opens a regular file of the layout, or empty if there is none. */
  Optional<InputStream> open(String path) throws IOException;

  /** The size of the regular file at {@code path}, or empty if there is none. */
  OptionalLong size(String path) throws IOException;

  /** Whether a regular file exists at {@code path}. */
  default boolean isFile(String path) throws IOException {
    return size(path).isPresent();
  }
}
