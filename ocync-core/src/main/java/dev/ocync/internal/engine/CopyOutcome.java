package dev.ocync.internal.engine;

import dev.ocync.oci.Digest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one copy did, as the engine counted it; {@code dev.ocync.CopyResult} is its public face.
 *
 * @param bytesCopied bytes of blobs uploaded to the target (mounted and present blobs not counted)
 * @param foreignBlobsSkipped foreign or non-distributable layers the source did not have
 * @param replaced what the target tag named before, when the copy moved it to another manifest
 */
public record CopyOutcome(String source, String target, Digest digest, String mediaType, boolean unchanged,
    int manifestsCopied, int manifestsSkipped, int blobsCopied, int blobsSkipped, int blobsMounted,
    long bytesCopied, List<Digest> foreignBlobsSkipped, Duration duration, Optional<Digest> replaced) {
  public CopyOutcome {
    foreignBlobsSkipped = List.copyOf(foreignBlobsSkipped);
  }
}
