package dev.ocync;

import dev.ocync.oci.Digest;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.RegistryException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What happened to one image at one target in a {@link Syncer#run} (one per image and target).
 * In a {@linkplain SyncReport#dryRun() dry run}, {@code SYNCED} means "would be transferred" and
 * the counts say what would move.
 *
 * @param source the full source reference, registry host included ({@code docker.io/library/nginx:1.27})
 * @param target the full target reference ({@code 127.0.0.1:5000/mirror/nginx:1.27}, or {@code @digest})
 * @param tag the tag written at the target, empty when stored by digest
 * @param status what happened
 * @param skipReason why it was skipped, for {@link Status#SKIPPED}
 * @param failure the stage and error, for {@link Status#FAILED}
 * @param sourceDigest the source manifest's digest, once known
 * @param targetDigest the digest the target holds for it; differs from the source's only where a
 *     platform filter wrote a new index ({@link #filtered()})
 * @param replacedDigest what the target tag named before, when this run moved it to another manifest
 * @param started false for an image a cancelled run never started
 * @param bytes bytes of blobs uploaded (or that would be, in a dry run)
 * @param blobsCopied blobs uploaded
 * @param blobsSkipped blobs the target already had (or that this run had already moved there)
 * @param blobsMounted blobs made present by a cross-repository mount
 * @param manifestsCopied manifests pushed, the top one included
 * @param referrersCopied referrers (signatures, SBOMs, attestations) copied with it
 * @param duration wall time from start to finish
 * @param charts for an image followed from Helm charts ({@link Mapping.Builder#followImages}), the
 *     chart versions that named it ({@code charts.example.com/cert-manager:v1.14.5}); empty for an
 *     image a mapping selected itself
 */
public record ImageResult(String source, String target, Optional<String> tag, Status status,
    Optional<SkipReason> skipReason, Optional<Failure> failure, Optional<Digest> sourceDigest,
    Optional<Digest> targetDigest, Optional<Digest> replacedDigest, boolean started, long bytes, int blobsCopied,
    int blobsSkipped, int blobsMounted, int manifestsCopied, int referrersCopied, Duration duration,
    java.util.List<String> charts) {

  /** What happened to an image. */
  public enum Status {
    /** Transferred (or, in a dry run, would be). */
    SYNCED,
    /** Nothing to do; see {@link SkipReason}. */
    SKIPPED,
    /** Failed; see {@link Failure}. Other images are not affected. */
    FAILED,
    /** The run was cancelled before this image finished; nothing of it was tagged at the target. */
    CANCELLED
  }

  /** Why an image was skipped. */
  public enum SkipReason {
    /** The target tag already names the source's manifest (compared by HEAD, no manifest GET). */
    DIGEST_MATCH,
    /** An {@code immutable_tags} tag already present at the target. */
    IMMUTABLE_TAG,
    /** The transfer cache knew both sides to be equal. */
    CACHED
  }

  /** Where an image failed. */
  public enum Stage {
    /** Resolving or fetching the source manifest or a child, or no platform matched. */
    MANIFEST_PULL,
    /** Asking the target what it has. */
    TARGET_CHECK,
    /** Moving a blob. */
    BLOB_TRANSFER,
    /** Pushing a manifest. */
    MANIFEST_PUSH,
    /** Copying referrers; the image itself was pushed. */
    ARTIFACT_SYNC,
    /** {@code requireArtifacts} is set and the image has no accepted referrer. */
    REQUIRED_ARTIFACTS_MISSING
  }

  /**
   * A failure: the stage and the error, whose message names the endpoint, repository and reference.
   *
   * @param stage where it failed
   * @param error the error; {@link RegistryException#status()} has the HTTP status when one came
   */
  public record Failure(Stage stage, RegistryException error) {
    /** A failure; both are required. */
    public Failure {
      Objects.requireNonNull(stage, "stage");
      Objects.requireNonNull(error, "error");
    }

    /** The error's message. */
    public String message() {
      return error.getMessage();
    }

    /** The HTTP status of the failed response, when there was one. */
    public OptionalInt httpStatus() {
      return error.status();
    }

    /** The registry (or layout path) where it failed. */
    public String registry() {
      return error.registry();
    }

    /**
     * Whether it is an authentication or authorization failure: HTTP 401 or 403 from the registry
     * or its token service, or credentials that could not be looked up (a credential helper that
     * failed); see {@link #isAuthentication(RegistryException)}.
     */
    public boolean authentication() {
      return isAuthentication(error);
    }

    /**
     * Whether {@code e} is an authentication or authorization failure: an
     * {@link AuthenticationException} anywhere in its cause chain, or HTTP 401 or 403.
     */
    public static boolean isAuthentication(RegistryException e) {
      int status = e.status().orElse(0);
      if (status == 401 || status == 403) {
        return true;
      }
      int depth = 0;
      for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
        if (t instanceof AuthenticationException) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return stage + ": " + error.getMessage();
    }
  }

  /** A result; the engine builds these. A skip reason goes with SKIPPED only, a failure with FAILED only. */
  public ImageResult {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(skipReason, "skipReason");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(sourceDigest, "sourceDigest");
    Objects.requireNonNull(targetDigest, "targetDigest");
    Objects.requireNonNull(replacedDigest, "replacedDigest");
    Objects.requireNonNull(duration, "duration");
    charts = java.util.List.copyOf(charts);
    if ((status == Status.SKIPPED) != skipReason.isPresent() || (status == Status.FAILED) != failure.isPresent()) {
      throw new IllegalArgumentException("a skip reason goes with SKIPPED and a failure with FAILED, got " + status);
    }
  }

  /** A result of an image a mapping selected itself (no {@link #charts()}); the engine builds these. */
  public ImageResult(String source, String target, Optional<String> tag, Status status,
      Optional<SkipReason> skipReason, Optional<Failure> failure, Optional<Digest> sourceDigest,
      Optional<Digest> targetDigest, Optional<Digest> replacedDigest, boolean started, long bytes, int blobsCopied,
      int blobsSkipped, int blobsMounted, int manifestsCopied, int referrersCopied, Duration duration) {
    this(source, target, tag, status, skipReason, failure, sourceDigest, targetDigest, replacedDigest, started, bytes,
        blobsCopied, blobsSkipped, blobsMounted, manifestsCopied, referrersCopied, duration, java.util.List.of());
  }

  /** This result, as an image followed from the chart versions {@code charts}. */
  public ImageResult withCharts(java.util.List<String> charts) {
    return new ImageResult(source, target, tag, status, skipReason, failure, sourceDigest, targetDigest,
        replacedDigest, started, bytes, blobsCopied, blobsSkipped, blobsMounted, manifestsCopied, referrersCopied,
        duration, charts);
  }

  /** Whether the target holds a manifest other than the source's (a platform filter wrote a new index). */
  public boolean filtered() {
    return sourceDigest.isPresent() && targetDigest.isPresent() && !sourceDigest.equals(targetDigest);
  }

  /** This image's counts, for totals. */
  public SyncStats stats() {
    return SyncStats.of(this);
  }

  /** One line: {@code SYNCED src -> dst sha256:... (3 blobs, 1.2 MiB)}, or the skip reason or failure. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(status).append(' ').append(source).append(" -> ").append(target);
    targetDigest.or(() -> sourceDigest).ifPresent(d -> sb.append("  ").append(d));
    skipReason.ifPresent(r -> sb.append(" (").append(r).append(')'));
    if (status == Status.SYNCED) {
      sb.append(" (").append(blobsCopied).append(" blobs copied, ").append(blobsMounted).append(" mounted, ")
          .append(blobsSkipped).append(" present, ").append(CopyResult.humanBytes(bytes)).append(')');
    }
    replacedDigest.ifPresent(d -> sb.append("; tag moved from ").append(d));
    failure.ifPresent(f -> sb.append(" at ").append(f.stage()).append(": ").append(f.error().getMessage()));
    if (status == Status.CANCELLED && !started) {
      sb.append(" (not started)");
    }
    if (!charts.isEmpty()) {
      sb.append(" (named by ").append(String.join(", ", charts)).append(')');
    }
    return sb.toString();
  }
}
