package dev.ocync.internal.helm;

import dev.ocync.oci.Digest;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Blob bytes held in memory, bounded by their total size: the least recently used go first, and a
 * blob larger than the whole bound is never held (it is served and dropped).
 */
final class BlobMemory {
  private final long maxBytes;
  private final LinkedHashMap<Digest, byte[]> blobs = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  BlobMemory(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  synchronized Optional<byte[]> get(Digest digest) {
    return Optional.ofNullable(blobs.get(digest));
  }

  synchronized void put(Digest digest, byte[] content) {
    if (content.length > maxBytes) {
      return;
    }
    byte[] old = blobs.put(digest, content);
    bytes += content.length - (old == null ? 0 : old.length);
    Iterator<Map.Entry<Digest, byte[]>> it = blobs.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<Digest, byte[]> eldest = it.next();
      bytes -= eldest.getValue().length;
      it.remove();
    }
  }

  /** Bytes held now. */
  synchronized long size() {
    return bytes;
  }

  synchronized void clear() {
    blobs.clear();
    bytes = 0;
  }
}
