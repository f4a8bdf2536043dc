package dev.ocync.internal.engine;

import dev.ocync.ArtifactPolicy;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.spi.RegistryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The referrer stage of a run: {@link Referrers} finds what travels with an image (recursively,
 * for index children too, filtered by the mapping's {@link ArtifactPolicy}, legacy cosign tags
 * included), each referrer is copied after its subject through the run's transfers (a referrer
 * already at the target costs one HEAD), and {@link FallbackIndex} keeps the tag-schema index at a
 * target without the referrers API. One per run, so index updates of one subject are serialized.
 */
final class ReferrerSync implements ReferrerStage {
  private final FallbackIndex fallback = new FallbackIndex();

  /** The image has no accepted referrer, and the mapping requires one. */
  static final class RequiredArtifactsMissing extends RegistryException {
    private static final long serialVersionUID = 1L;

    RequiredArtifactsMissing(String reason, Context context) {
      super(reason, context);
    }
  }

  @Override
  public CompletableFuture<Integer> copy(Subject s) {
    ArtifactPolicy policy = s.policy().orElseGet(ArtifactPolicy::defaults);
    if (!policy.enabled()) {
      return CompletableFuture.completedFuture(0);
    }
    Transfers t = s.transfers();
    List<Descriptor> children = s.subjectManifest().map(m -> m.manifests()).orElse(List.of());
    Referrers.Request plain = Referrers.Request.of(s.sourceSubject(), policy::accepts).withChildren(children);
    CompletableFuture<Referrers.Request> asked;
    if (s.sourceTags().isEmpty()) {
      asked = CompletableFuture.completedFuture(plain);
    } else if (!s.registrySource()) {
      asked = CompletableFuture.completedFuture(plain.withSourceTags(s.sourceTags().get()));
    } else {
      // a registry without the API has referrers only where its listing shows a tag-schema index
      asked = t.sourceKeepsIndex().thenApply(keeps -> keeps ? plain.withSourceTags(s.sourceTags().get())
          : plain.withTagSchemaTags(s.sourceTags().get()));
    }
    return asked.thenCompose(request -> discover(s, policy, t, request));
  }

  private CompletableFuture<Integer> discover(Subject s, ArtifactPolicy policy, Transfers t,
      Referrers.Request request) {
    return t.call("looking for referrers of " + s.sourceSubject().digest() + " at " + s.source().location(),
        () -> Referrers.discover(s.source(), request)).thenCompose(plan -> {
          if (policy.requireArtifacts() && plan.referrers().isEmpty()) {
            return CompletableFuture.failedFuture(new RequiredArtifactsMissing("no artifacts found for "
                + s.sourceSubject().digest() + " (require_artifacts is enabled)",
                RegistryException.Context.of(s.source().location()).reference(s.sourceSubject().digest().toString())));
          }
          // one after the other, in plan order: every referrer after its subject
          CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
          for (Referrers.Referrer r : plan.referrers()) {
            chain = chain.thenCompose(v -> t.push(r.manifest(), r.tag()));
          }
          if (s.dryRun()) {
            return chain.thenApply(v -> plan.referrers().size());
          }
          return chain.thenCompose(v -> {
            List<CompletableFuture<FallbackIndex.Decision>> indexes = new ArrayList<>();
            for (Digest subject : plan.subjects()) {
              List<Descriptor> entries = plan.referrersOf(subject).stream().map(Referrers.Referrer::entry).toList();
              Optional<dev.ocync.oci.Manifest> sourceIndex = Optional.ofNullable(plan.sourceIndexes().get(subject));
              indexes.add(t.call("updating the referrers index of " + subject + " at " + s.target().location(),
                  () -> fallback.maintain(s.target(), subject, sourceIndex, entries, s.targetNew())));
            }
            return CompletableFuture.allOf(indexes.toArray(CompletableFuture[]::new));
          }).thenApply(v -> plan.referrers().size());
        });
  }
}
