package dev.ocync.internal.engine;

import dev.ocync.ArtifactPolicy;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The seam where referrers (signatures, SBOMs, attestations) join the engine: called once per
 * image and target after the subject is at the target (pushed, or found unchanged), never before.
 * A failed future makes the image {@code FAILED} at {@code ARTIFACT_SYNC} (the image itself stays
 * pushed); the future's value is how many referrers were copied.
 *
 * <p>The stage moves content through {@link Transfers}, so referrer blobs share the run's dedupe,
 * limits, retries and cancellation, and nothing it pushes is ever pushed before its blobs.
 */
interface ReferrerStage {
  /** What the engine lends the stage to move content for one image and target. */
  interface Transfers {
    /**
     * The manifest's blobs to the target (deduplicated run-wide), then the manifest, by digest or
     * with {@code tag} (a legacy cosign tag, a tag-schema fallback index); nothing but a HEAD when
     * the target already has it under that reference. Fails unless all of it arrived; in a dry run
     * nothing is written.
     */
    CompletableFuture<Void> push(Manifest manifest, Optional<String> tag);

    /** Blocking work (a referrer listing, a manifest GET) on the engine's threads, retried while transient. */
    <T> CompletableFuture<T> call(String what, Retry.Attempt<T> work);

    /**
     * Whether the source keeps the referrers index itself (has the referrers API), asked once per
     * source registry and run however many images ask at once; true where the question failed.
     */
    CompletableFuture<Boolean> sourceKeepsIndex();
  }

  /**
   * What to copy referrers of.
   *
   * @param subjectManifest the subject as fetched from the source, when this run fetched it (not
   *     for an image skipped as unchanged): its children are the index children whose referrers come too
   * @param sourceTags the source repository's tags, when the run listed them: legacy cosign tags
   *     and, at a registry without the referrers API, tag-schema indexes not among them are not asked for
   * @param registrySource whether the source is a registry, which finds referrers through its API or
   *     else the tag schema only (a layout may find them otherwise)
   * @param targetNew whether the target repository had no tags when this run began writing there:
   *     then nothing is there that this run did not push, and the target's tag-schema index is not read
   */
  record Subject(Repository source, Repository target, Descriptor sourceSubject, Digest targetDigest,
      Optional<Manifest> subjectManifest, Optional<ArtifactPolicy> policy, boolean dryRun, Transfers transfers,
      Optional<Set<String>> sourceTags, boolean registrySource, boolean targetNew) {
    /** The subject's digest at the source. */
    Digest sourceDigest() {
      return sourceSubject.digest();
    }
  }

  /** Copies the subject's referrers; the future holds how many were copied. */
  CompletableFuture<Integer> copy(Subject subject);

  /** Copies nothing: for {@code Syncer.copy}, and for tests of the engine alone. */
  ReferrerStage NONE = s -> CompletableFuture.completedFuture(0);
}
