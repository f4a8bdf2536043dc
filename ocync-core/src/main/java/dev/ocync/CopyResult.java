package dev.ocync;

import dev.ocync.internal.engine.CopyOutcome;
import dev.ocync.internal.text.Decimals;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one {@link Syncer#copy} did: which manifest moved where, what was copied, what was already
 * there, and how long it took. Immutable. {@link #toString()} is a one-line summary for humans:
 *
 * <pre>
 * Copied oci:examples/image:1.0 -&gt; oci-archive:/tmp/x.tar:1.0  sha256:6f1c... (OCI index, 3 manifests, 4 blobs, 1.2 KiB) in 0.2 s
 * </pre>
 */
public final class CopyResult {
  private final String source;
  private final String target;
  private final Digest digest;
  private final String mediaType;
  private final boolean unchanged;
  private final int manifestsCopied;
  private final int manifestsSkipped;
  private final int blobsCopied;
  private final int blobsSkipped;
  private final int blobsMounted;
  private final long bytesCopied;
  private final List<Digest> foreignBlobsSkipped;
  private final Duration duration;
  private final Optional<Digest> replaced;

  private CopyResult(CopyOutcome o) {
    this.source = o.source();
    this.target = o.target();
    this.digest = o.digest();
    this.mediaType = o.mediaType();
    this.unchanged = o.unchanged();
    this.manifestsCopied = o.manifestsCopied();
    this.manifestsSkipped = o.manifestsSkipped();
    this.blobsCopied = o.blobsCopied();
    this.blobsSkipped = o.blobsSkipped();
    this.blobsMounted = o.blobsMounted();
    this.bytesCopied = o.bytesCopied();
    this.foreignBlobsSkipped = o.foreignBlobsSkipped();
    this.duration = o.duration();
    this.replaced = o.replaced();
  }

  static CopyResult of(CopyOutcome outcome) {
    return new CopyResult(outcome);
  }

  /** The source with the reference read, for example {@code oci:examples/image:1.0}. */
  public String source() {
    return source;
  }

  /** The target with the tag written, or {@code @digest} when stored by digest only. */
  public String target() {
    return target;
  }

  /** Digest of the top manifest, the same at source and target. */
  public Digest digest() {
    return digest;
  }

  /** Media type of the top manifest (an index, a manifest list or an image manifest). */
  public String mediaType() {
    return mediaType;
  }

  /** Whether the target already had this manifest under this tag, so nothing was done. */
  public boolean unchanged() {
    return unchanged;
  }

  /** Manifests pushed to the target, the top one included. */
  public int manifestsCopied() {
    return manifestsCopied;
  }

  /** Manifests the target already had (their blobs and children were not looked at). */
  public int manifestsSkipped() {
    return manifestsSkipped;
  }

  /** Blobs uploaded to the target. */
  public int blobsCopied() {
    return blobsCopied;
  }

  /** Blobs the target already had. */
  public int blobsSkipped() {
    return blobsSkipped;
  }

  /** Blobs made present at the target by a cross-repository mount, without moving bytes. */
  public int blobsMounted() {
    return blobsMounted;
  }

  /** Bytes of blobs uploaded to the target (mounted and present blobs not counted). */
  public long bytesCopied() {
    return bytesCopied;
  }

  /**
   * Foreign or non-distributable layers the source did not have and that were left out, as skopeo
   * does: they stay referenced by the manifest and are fetched from their URLs by whoever pulls it.
   */
  public List<Digest> foreignBlobsSkipped() {
    return foreignBlobsSkipped;
  }

  /**
   * What the target tag named before this copy moved it to another manifest; empty when the tag
   * was new, already right, or not given. A tag that moves is said in {@link #toString()}.
   */
  public Optional<Digest> replaced() {
    return replaced;
  }

  /** Wall time of the copy. */
  public Duration duration() {
    return duration;
  }

  /**
   * One line: {@code Copied SRC -> DST  DIGEST (KIND, N manifests, N blobs, SIZE) in T s}, or
   * {@code Unchanged SRC -> DST  DIGEST (KIND, already present)}; a moved tag adds
   * {@code ; tag moved from DIGEST}.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(unchanged ? "Unchanged " : "Copied ").append(source).append(" -> ")
        .append(target).append("  ").append(digest).append(" (").append(kind(mediaType));
    if (unchanged) {
      sb.append(", already present");
    } else {
      sb.append(", ").append(plural(manifestsCopied, "manifest")).append(", ").append(plural(blobsCopied, "blob"))
          .append(", ").append(humanBytes(bytesCopied));
      if (blobsSkipped > 0 || manifestsSkipped > 0) {
        sb.append("; already present: ");
        if (manifestsSkipped > 0) {
          sb.append(plural(manifestsSkipped, "manifest")).append(blobsSkipped > 0 ? ", " : "");
        }
        if (blobsSkipped > 0) {
          sb.append(plural(blobsSkipped, "blob"));
        }
      }
      if (blobsMounted > 0) {
        sb.append("; mounted: ").append(plural(blobsMounted, "blob"));
      }
      if (!foreignBlobsSkipped.isEmpty()) {
        sb.append("; foreign layers skipped: ").append(foreignBlobsSkipped.size());
      }
    }
    sb.append(") in ").append(Decimals.oneDecimal(duration.toMillis() / 1000.0)).append(" s");
    replaced.ifPresent(d -> sb.append("; tag moved from ").append(d));
    return sb.toString();
  }

  private static String kind(String mediaType) {
    switch (mediaType) {
      case MediaType.OCI_INDEX:
        return "OCI index";
      case MediaType.OCI_MANIFEST:
        return "OCI manifest";
      case MediaType.DOCKER_MANIFEST_LIST:
        return "Docker manifest list";
      case MediaType.DOCKER_MANIFEST:
        return "Docker manifest";
      default:
        return mediaType;
    }
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  /** {@code 512 B}, {@code 12.3 KiB}, {@code 4.0 MiB}, ... */
  static String humanBytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return Decimals.oneDecimal(v) + " " + units[i];
  }
}
