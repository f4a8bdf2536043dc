package dev.ocync;

/**
 * Counts of a run, or of part of one; add them with {@link #plus}. Immutable.
 *
 * @param images image results (one per image and target)
 * @param synced images transferred
 * @param skipped images skipped as unchanged
 * @param failed images that failed
 * @param cancelled images cancelled or not started
 * @param bytes bytes of blobs uploaded
 * @param blobsCopied blobs uploaded
 * @param blobsSkipped blobs already present
 * @param blobsMounted blobs mounted from another repository
 * @param manifestsCopied manifests pushed
 * @param referrersCopied referrers copied
 */
public record SyncStats(int images, int synced, int skipped, int failed, int cancelled, long bytes, int blobsCopied,
    int blobsSkipped, int blobsMounted, int manifestsCopied, int referrersCopied) {
  /** All zero. */
  public static final SyncStats ZERO = new SyncStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /** The counts of one image result. */
  public static SyncStats of(ImageResult r) {
    return new SyncStats(1, r.status() == ImageResult.Status.SYNCED ? 1 : 0,
        r.status() == ImageResult.Status.SKIPPED ? 1 : 0, r.status() == ImageResult.Status.FAILED ? 1 : 0,
        r.status() == ImageResult.Status.CANCELLED ? 1 : 0, r.bytes(), r.blobsCopied(), r.blobsSkipped(),
        r.blobsMounted(), r.manifestsCopied(), r.referrersCopied());
  }

  /** The sum of this and {@code other}. */
  public SyncStats plus(SyncStats other) {
    return new SyncStats(images + other.images, synced + other.synced, skipped + other.skipped,
        failed + other.failed, cancelled + other.cancelled, bytes + other.bytes, blobsCopied + other.blobsCopied,
        blobsSkipped + other.blobsSkipped, blobsMounted + other.blobsMounted, manifestsCopied + other.manifestsCopied,
        referrersCopied + other.referrersCopied);
  }
}
