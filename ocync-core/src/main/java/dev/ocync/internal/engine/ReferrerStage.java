package dev.ocync.internal.engine;

import dev.ocync.ArtifactPolicy;
import dev.ocync.spi.Repository;
import dev.ocync.oci.Digest;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The seam where referrers (signatures, SBOMs, attestations) join the engine: called once per
 * image and target after the subject is at the target (pushed, or found unchanged), never before.
 * The engine reports a failed future as {@code ARTIFACT_SYNC} (or {@code REQUIRED_ARTIFACTS_MISSING}
 * when the exception says so) without undoing the image.
 */
interface ReferrerStage {
  /** What to copy referrers of. */
  record Subject(Repository source, Repository target, Digest sourceDigest, Digest targetDigest,
      Optional<ArtifactPolicy> policy, boolean dryRun) {}

  /** Copies the subject's referrers; the future holds how many were copied. */
  CompletableFuture<Integer> copy(Subject subject);

  /** Copies nothing: until the referrer components are wired in, and for {@code Syncer.copy}. */
  ReferrerStage NONE = s -> CompletableFuture.completedFuture(0);
}
