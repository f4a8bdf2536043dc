package dev.ocync.internal.engine;

import dev.ocync.ArtifactPolicy;
import dev.ocync.ImageResult;
import dev.ocync.ImageResult.Stage;
import dev.ocync.ImageResult.Status;
import dev.ocync.PlatformFilter;
import dev.ocync.internal.cache.TransferCache;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One image to one target, from source HEAD to result, as a chain of futures:
 *
 * <ol>
 *   <li>source HEAD vs target HEAD: equal digests skip the image with no manifest GET;
 *   <li>discover: fetch the manifest and, recursively, the children the target lacks, verifying
 *       each against its index entry; blob transfers start as soon as their image manifest is known
 *       (through the run's {@link BlobScheduler}, so other images share them);
 *   <li>push, once every blob of the whole tree is there: children first (siblings in parallel),
 *       the top manifest last with its tag; then the referrer stage.
 * </ol>
 *
 * <p>No manifest is pushed before every blob of the tree is at the target, so a failing image
 * leaves at most content-addressed blobs behind, never a tag. Nothing here blocks a pool thread
 * on another task: every wait is composition.
 */
final class ImageTask {
  private static final Logger LOG = LoggerFactory.getLogger(ImageTask.class);
  /** Far above any real image; a deeper chain of indexes is refused, naming it. */
  static final int MAX_INDEX_DEPTH = 16;

  /**
   * What one image did, with what {@code Syncer.copy} needs beyond the public result.
   *
   * @param error the failure as {@code Syncer.copy} throws it (a RegistryException or an Error)
   */
  record Outcome(ImageResult result, String mediaType, boolean unchanged, int manifestsSkipped,
      List<Digest> foreignBlobsSkipped, Optional<Throwable> error) {}

  /** A manifest to push and the children that must be pushed before it. */
  private static final class Node {
    final Manifest manifest;
    final List<Node> children = new ArrayList<>();

    Node(Manifest manifest) {
      this.manifest = manifest;
    }
  }

  private final Run run;
  private final Side source;
  private final String reference;
  private final Side target;
  private final Optional<String> tag;
  private final Optional<PlatformFilter> platforms;
  private final Optional<ArtifactPolicy> artifacts;
  private final boolean referrers;
  private final boolean stages;
  private final boolean useCache;
  /** Whether this task tells the listener it started: a retry without the cache is the same image. */
  private final boolean announce;
  private volatile boolean announced;
  private volatile String startedAs;
  private final String sourceShown;

  private final Queue<CompletableFuture<?>> inFlight = new ConcurrentLinkedQueue<>();
  private final Queue<CompletableFuture<BlobScheduler.Outcome>> blobs = new ConcurrentLinkedQueue<>();
  private final Map<Digest, CompletableFuture<Optional<Node>>> discovered = new ConcurrentHashMap<>();
  private final java.util.Set<Digest> seenBlobs = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicInteger manifestsCopied = new AtomicInteger();
  private final AtomicInteger manifestsSkipped = new AtomicInteger();
  private final AtomicInteger blobsCopied = new AtomicInteger();
  private final AtomicInteger blobsSkipped = new AtomicInteger();
  private final AtomicInteger blobsMounted = new AtomicInteger();
  private final AtomicInteger cacheHits = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final Queue<Digest> foreign = new ConcurrentLinkedQueue<>();
  private volatile Descriptor sourceTop;
  private volatile Digest targetTop;
  /** The top manifest as pushed (filtered where a filter applied), once fetched. */
  private volatile Manifest topManifest;
  private volatile Digest replaced;
  private volatile String mediaType = "";
  private volatile int referrersCopied;
  private volatile ImageResult.SkipReason skipReason = ImageResult.SkipReason.DIGEST_MATCH;
  /** Whether this run saw the tag at the target (pushed or HEADed), so the cache may learn it again. */
  private volatile boolean seenAtTarget;
  private long startNanos;

  ImageTask(Run run, Side source, String reference, Side target, Optional<String> tag,
      Optional<PlatformFilter> platforms, Optional<ArtifactPolicy> artifacts, boolean referrers, boolean stages) {
    this(run, source, reference, target, tag, platforms, artifacts, referrers, stages, true, true);
  }

  private ImageTask(Run run, Side source, String reference, Side target, Optional<String> tag,
      Optional<PlatformFilter> platforms, Optional<ArtifactPolicy> artifacts, boolean referrers, boolean stages,
      boolean useCache, boolean announce) {
    this.useCache = useCache;
    this.announce = announce;
    this.run = run;
    this.source = source;
    this.reference = reference;
    this.target = target;
    this.tag = tag;
    this.platforms = platforms;
    this.artifacts = artifacts;
    this.referrers = referrers;
    this.stages = stages;
    this.sourceShown = source.name() + (Digest.isDigest(reference) ? "@" : ":") + reference;
  }

  String sourceShown() {
    return sourceShown;
  }

  /** The target as {@code imageStarted} named it: progress events use the same name. */
  String targetShownAtStart() {
    String t = startedAs;
    return t != null ? t : targetShown();
  }

  String targetShown() {
    Digest d = targetTop != null ? targetTop : sourceTop != null ? sourceTop.digest() : null;
    return target.name() + tag.map(t -> ":" + t).orElse(d == null ? "" : "@" + d);
  }

  /** The same image again, trusting no transfer-cache hint. */
  ImageTask withoutCache() {
    ImageTask again = new ImageTask(run, source, reference, target, tag, platforms, artifacts, referrers, stages,
        false, false);
    // its start was announced by the first attempt: the listener sees one image, one finish
    again.announced = announced;
    again.startedAs = startedAs;
    return again;
  }

  /** Whether blob presence may be taken from the transfer cache. */
  boolean usesCache() {
    return useCache;
  }

  Side target() {
    return target;
  }

  /** Every blob of the image's tree that this run looked at. */
  java.util.Set<Digest> blobDigests() {
    return java.util.Set.copyOf(seenBlobs);
  }

  /**
   * Whether the target refused a manifest for a missing blob that this image took as present from
   * the transfer cache: then it is retried once without the cache.
   */
  boolean refusedDespiteCache(Outcome o) {
    return useCache && o.result().status() == Status.FAILED
        && o.result().failure().get().stage() == Stage.MANIFEST_PUSH && cacheHits.get() > 0
        && failure.get() instanceof StageFailure sf && sf.getCause() instanceof RegistryException re
        && saysReferenceMissing(re);
  }

  /** The transfer cache's key for this image's tag at its target, for a tag between registries. */
  Optional<TransferCache.TagKey> tagKey() {
    return tag.flatMap(t -> run.tagKey(source, t, platforms, target));
  }

  /** Counts a blob this image took as present from the transfer cache. */
  void cacheHit() {
    cacheHits.incrementAndGet();
  }

  /** Whether its blobs go through a staging file (its mapping has several target registries). */
  boolean stages() {
    return stages;
  }

  /** Whether this image failed: its blobs no one else waits for are not started. */
  boolean failed() {
    return failure.get() != null;
  }

  /**
   * Tells the listener the image finished, once its final outcome is known (after a retry without
   * the cache, if any); an image whose start was never announced gets no finish either.
   */
  Outcome announceFinished(Outcome o) {
    if (announced) {
      run.listener().imageFinished(o.result());
    }
    return o;
  }

  /** An image the run never started (cancelled first, or skipped without touching the source). */
  Outcome notRun(Status status, Optional<ImageResult.SkipReason> reason) {
    ImageResult r = new ImageResult(sourceShown, targetShown(), tag, status, reason, Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), false, 0, 0, 0, 0, 0, 0, Duration.ZERO);
    return new Outcome(r, "", status == Status.SKIPPED, 0, List.of(), Optional.empty());
  }

  /** An image whose run broke outside its own stages (a refused executor): failed, with the cause. */
  Outcome crashed(Throwable e) {
    failure.compareAndSet(null, StageFailure.of(Stage.MANIFEST_PULL, e));
    return finish(Status.FAILED);
  }

  /** Runs the image; the future never fails, it holds the outcome. */
  CompletableFuture<Outcome> start() {
    startNanos = System.nanoTime();
    if (announce) {
      announced = true;
      startedAs = targetShown();
      run.listener().imageStarted(sourceShown, startedAs);
    }
    CompletableFuture<Status> work;
    try {
      work = begin();
    } catch (RuntimeException e) {
      work = CompletableFuture.failedFuture(e);
    }
    return work.handle((status, e) -> {
      if (e != null) {
        failure.compareAndSet(null, Retry.unwrap(e));
      }
      // Nothing of this image may still write once its result is out.
      return settle().thenApply(v -> status);
    }).thenCompose(f -> f).handle((status, e) -> finish(status));
  }

  /** Completes when every future this image started has, including those started meanwhile. */
  private CompletableFuture<Void> settle() {
    return Run.settle(inFlight);
  }

  /**
   * Source first where the transfer cache knows the tag at the target (a warm run: one source HEAD
   * decides). Otherwise the target first: where it lacks the tag (a cold run, answered by the
   * repository's listing), one GET at the source gives the digest and the bytes, with no source HEAD.
   */
  private CompletableFuture<Status> begin() {
    boolean cached = useCache && tagKey().flatMap(run::cachedTag).isPresent();
    if (tag.isEmpty() || Digest.isDigest(reference) || cached) {
      return stage(Stage.MANIFEST_PULL, run.resolveSource(source, reference)).thenCompose(this::afterResolve);
    }
    return unstagedTargetLookup(tag.get()).handle((there, e) -> {
      if (e != null) {
        // the target cannot be asked: a source that lacks the image says so first, as it would
        // have had the source been asked first
        return stage(Stage.MANIFEST_PULL, run.resolveSource(source, reference))
            .thenCompose(top -> stage(Stage.TARGET_CHECK, CompletableFuture.<Status>failedFuture(e)));
      }
      if (there.isPresent()) {
        return stage(Stage.MANIFEST_PULL, run.resolveSource(source, reference))
            .thenCompose(top -> compare(resolvedAs(top), Optional.empty(), there));
      }
      return stage(Stage.MANIFEST_PULL, run.fetchSource(source, reference))
          .thenCompose(m -> transferAndPush(resolvedAs(m.descriptor()), there));
    }).thenCompose(f -> f);
  }

  private Descriptor resolvedAs(Descriptor top) {
    sourceTop = top;
    mediaType = top.mediaType();
    return top;
  }

  private CompletableFuture<Status> afterResolve(Descriptor top) {
    resolvedAs(top);
    String targetRef = tag.orElse(top.digest().toString());
    // the cache: this tag was at the target as written from this very source digest
    Optional<TransferCache.TagSnapshot> known = useCache
        ? tagKey().flatMap(run::cachedTag).filter(k -> k.source().equals(top.digest())) : Optional.empty();
    if (known.isPresent() && !run.verifyTargets()) {
      // trusted within the cache TTL of the last real check; not refreshed here, so it ages out
      targetTop = known.get().target();
      skipReason = ImageResult.SkipReason.CACHED;
      manifestsSkipped.incrementAndGet();
      LOG.debug("{} is at {} as {} by the transfer cache", top.digest(), target.name(), targetRef);
      return referrerStage().thenApply(v -> Status.SKIPPED);
    }
    return targetLookup(targetRef).thenCompose(there -> compare(top, known, there));
  }

  /** The source's top manifest against what the target has under the tag (or digest). */
  private CompletableFuture<Status> compare(Descriptor top, Optional<TransferCache.TagSnapshot> known,
      Optional<Descriptor> there) {
    String targetRef = tag.orElse(top.digest().toString());
    if (known.isPresent() && there.isPresent() && there.get().digest().equals(known.get().target())
        && !known.get().target().equals(top.digest())) {
      // the filtered index ocync wrote from this source digest: no manifest GET to compute it again
      targetTop = known.get().target();
      seenAtTarget = true;
      skipReason = ImageResult.SkipReason.CACHED;
      manifestsSkipped.incrementAndGet();
      return referrerStage().thenApply(v -> Status.SKIPPED);
    }
    if (there.isPresent() && there.get().digest().equals(top.digest())) {
      seenAtTarget = true;
      targetTop = top.digest();
      manifestsSkipped.incrementAndGet();
      LOG.debug("{} is already at {} as {}", top.digest(), target.name(), targetRef);
      return referrerStage().thenApply(v -> Status.SKIPPED);
    }
    if (tag.isPresent() && there.isPresent()) {
      replaced = there.get().digest();
    }
    return transferAndPush(top, there);
  }

  private CompletableFuture<Status> transferAndPush(Descriptor top, Optional<Descriptor> there) {
    CompletableFuture<Manifest> fetched = stage(Stage.MANIFEST_PULL,
        run.sourceManifest(source, top, "manifest " + reference)).thenApply(this::filterPlatforms);
    return fetched.thenCompose(m -> {
      if (there.isPresent() && there.get().digest().equals(m.digest())) {
        // a filtered index already at the target: same source, same filter, same bytes
        targetTop = m.digest();
        seenAtTarget = true;
        replaced = null;
        manifestsSkipped.incrementAndGet();
        return referrerStage().thenApply(v -> Status.SKIPPED);
      }
      return transferAndPush(m);
    });
  }

  private CompletableFuture<Status> transferAndPush(Manifest fetched) {
    CompletableFuture<Node> root = CompletableFuture.completedFuture(fetched).thenCompose(m -> {
      targetTop = m.digest();
      topManifest = m;
      mediaType = m.mediaType();
      if (tag.isEmpty()) {
        return discover(m, List.of());
      }
      return targetLookup(m.digest().toString()).thenCompose(present -> present.isPresent()
              // present by digest under another tag or none: its tree is complete there; only tag it
              ? CompletableFuture.completedFuture(new Node(m))
              : discover(m, List.of()));
    });
    return root.thenCompose(r -> allBlobs().thenApply(v -> r))
        .thenCompose(this::push)
        .thenCompose(v -> {
          seenAtTarget = true;
          return referrerStage();
        })
        .thenApply(v -> Status.SYNCED);
  }

  /**
   * What the target has under {@code ref}. A lookup that fails (after its retries) counts as "not
   * there", with a warning, as the Rust ocync does: the push that follows says whether the target
   * really is broken. Refused credentials and failures that never pass (an untrusted certificate)
   * fail the image at once, naming the registry, and so does a cancelled run.
   */
  private CompletableFuture<Optional<Descriptor>> targetLookup(String ref) {
    return stage(Stage.TARGET_CHECK, unstagedTargetLookup(ref));
  }

  /** {@link #targetLookup} without marking the image failed when it fails. */
  private CompletableFuture<Optional<Descriptor>> unstagedTargetLookup(String ref) {
    if (Digest.isDigest(ref)) {
      Optional<Descriptor> mine = run.pushed(target, Digest.parse(ref));
      if (mine.isPresent()) {
        return CompletableFuture.completedFuture(mine);
      }
    }
    String what = "looking up " + ref + " at " + target.name();
    boolean byDigest = Digest.isDigest(ref);
    return run.targetListing(target).thenCompose(listed -> {
      // a new repository has nothing but what this run wrote; a listed one lacks every tag not listed
      if (listed.isPresent() && (listed.get().isEmpty() || !byDigest && !listed.get().contains(ref))) {
        return CompletableFuture.completedFuture(Optional.<Descriptor>empty());
      }
      return retried(what, () -> target.repo().resolve(ref));
    }).handle((there, e) -> {
      if (e == null) {
        return there;
      }
      Throwable cause = Retry.unwrap(e);
      if (cause instanceof AuthenticationException || Retry.isInterruption(cause) || !(cause instanceof IOException io)
          || Retry.isPermanent(io)) {
        throw e instanceof java.util.concurrent.CompletionException ce ? ce
            : new java.util.concurrent.CompletionException(cause);
      }
      LOG.warn("{} failed, taking it as not there: {}", what, cause.getMessage());
      return Optional.<Descriptor>empty();
    });
  }

  /** Platform filtering of an index: {@link IndexFilter} writes the new index, or says nothing matched. */
  private Manifest filterPlatforms(Manifest m) {
    if (platforms.isEmpty()) {
      return m;
    }
    try {
      Manifest filtered = IndexFilter.filter(m, platforms.get());
      if (!filtered.digest().equals(m.digest())) {
        LOG.info("filtered index {} of {}: {} of {} manifests kept, as {}", m.digest(), sourceShown,
            filtered.manifests().size(), m.manifests().size(), filtered.digest());
      }
      return filtered;
    } catch (IllegalArgumentException e) {
      throw new StageFailure(Stage.MANIFEST_PULL, new RegistryException(e.getMessage(),
          RegistryException.Context.of(source.repo().location()).reference(reference), e));
    }
  }

  private CompletableFuture<Node> discover(Manifest manifest, List<Digest> chain) {
    if (chain.size() >= MAX_INDEX_DEPTH) {
      List<String> names = new ArrayList<>();
      chain.forEach(d -> names.add(d.toString()));
      names.add(manifest.digest().toString());
      return CompletableFuture.failedFuture(new StageFailure(Stage.MANIFEST_PULL, new RegistryException(
          "indexes nested deeper than " + MAX_INDEX_DEPTH + " levels: " + String.join(" -> ", names),
          RegistryException.Context.of(source.repo().location()).reference(reference))));
    }
    Node node = new Node(manifest);
    if (!manifest.isIndex()) {
      manifest.blobs().forEach(this::transfer);
      return CompletableFuture.completedFuture(node);
    }
    List<Digest> below = new ArrayList<>(chain);
    below.add(manifest.digest());
    Map<Digest, CompletableFuture<Optional<Node>>> children = new LinkedHashMap<>();
    for (Descriptor child : manifest.manifests()) {
      children.computeIfAbsent(child.digest(), k -> child(child, manifest.digest(), below));
    }
    return CompletableFuture.allOf(children.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      for (CompletableFuture<Optional<Node>> f : children.values()) {
        f.join().ifPresent(node.children::add);
      }
      return node;
    });
  }

  /** A child's subtree, or empty if the target has it (and so, by invariant 3, its whole tree). */
  private CompletableFuture<Optional<Node>> child(Descriptor child, Digest index, List<Digest> chain) {
    CompletableFuture<Optional<Node>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<Node>> known = discovered.putIfAbsent(child.digest(), mine);
    if (known != null) {
      return known;
    }
    if (failed()) {
      mine.completeExceptionally(new Retry.Cancelled("image failed"));
      return mine;
    }
    targetLookup(child.digest().toString()).thenCompose(there -> {
          if (there.isPresent()) {
            manifestsSkipped.incrementAndGet();
            LOG.debug("manifest {} is already at {}", child.digest(), target.name());
            return CompletableFuture.completedFuture(Optional.<Node>empty());
          }
          return stage(Stage.MANIFEST_PULL, run.sourceManifest(source, child, "child manifest of index " + index))
              .thenCompose(m -> discover(m, chain)).thenApply(Optional::of);
        }).whenComplete((n, e) -> {
          if (e != null) {
            mine.completeExceptionally(e);
          } else {
            mine.complete(n);
          }
        });
    return mine;
  }

  private void transfer(Descriptor blob) {
    if (!seenBlobs.add(blob.digest())) {
      return;
    }
    CompletableFuture<BlobScheduler.Outcome> f = run.blobs().ensure(this, source, target, blob)
        .whenComplete((o, e) -> {
          if (e != null) {
            return;
          }
          switch (o) {
            case COPIED -> {
              blobsCopied.incrementAndGet();
              bytes.addAndGet(blob.size());
            }
            case MOUNTED -> blobsMounted.incrementAndGet();
            case FOREIGN -> foreign.add(blob.digest());
            default -> blobsSkipped.incrementAndGet();
          }
        });
    CompletableFuture<BlobScheduler.Outcome> staged = stage(Stage.BLOB_TRANSFER, f);
    blobs.add(staged);
    inFlight.add(staged);
  }

  private CompletableFuture<Void> allBlobs() {
    return CompletableFuture.allOf(blobs.toArray(CompletableFuture[]::new));
  }

  /** Pushes the tree: children first (siblings in parallel), then the top manifest with the tag. */
  private CompletableFuture<Void> push(Node root) {
    Map<Digest, CompletableFuture<Void>> pushed = new HashMap<>();
    List<CompletableFuture<Void>> children = new ArrayList<>();
    for (Node c : root.children) {
      children.add(pushTree(c, pushed));
    }
    return CompletableFuture.allOf(children.toArray(CompletableFuture[]::new))
        .thenCompose(v -> pushManifest(root.manifest, tag));
  }

  private CompletableFuture<Void> pushTree(Node node, Map<Digest, CompletableFuture<Void>> pushed) {
    CompletableFuture<Void> f = pushed.get(node.manifest.digest());
    if (f == null) {
      List<CompletableFuture<Void>> children = new ArrayList<>();
      for (Node c : node.children) {
        children.add(pushTree(c, pushed));
      }
      f = CompletableFuture.allOf(children.toArray(CompletableFuture[]::new))
          .thenCompose(v -> pushManifest(node.manifest, Optional.empty()));
      pushed.put(node.manifest.digest(), f);
      inFlight.add(f);
    }
    return f;
  }

  private CompletableFuture<Void> pushManifest(Manifest m, Optional<String> withTag) {
    return pushManifest(m, withTag, Stage.MANIFEST_PUSH);
  }

  private CompletableFuture<Void> pushManifest(Manifest m, Optional<String> withTag, Stage as) {
    if (run.dryRun()) {
      manifestsCopied.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }
    String what = "manifest " + m.digest() + withTag.map(t -> " as " + t).orElse("") + " to " + target.name();
    return stage(as, retried(what, () -> {
      if (failed()) {
        throw new Retry.Cancelled("image failed elsewhere");
      }
      run.checkCancelled(what);
      try {
        target.repo().pushManifest(m, withTag);
      } catch (RegistryException e) {
        if (saysReferenceMissing(e) && referencesPresent(m)) {
          // The target answers HEAD for everything the manifest references, yet says something is
          // missing: it is racing another writer of the same blob (distribution rewrites a blob's
          // link file in place on every upload). That passes; try again.
          throw new ReferenceRace(e);
        }
        throw e;
      }
      manifestsCopied.incrementAndGet();
      run.pushed(target, m.descriptor());
      LOG.debug("pushed manifest {} ({}){}", m.digest(), m.mediaType(), withTag.map(t -> " as " + t).orElse(""));
      return null;
    }));
  }

  private CompletableFuture<Void> referrerStage() {
    if (!referrers) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Optional<java.util.Set<String>>> tags = artifacts.orElseGet(ArtifactPolicy::defaults).enabled()
        ? run.sourceTags(source) : CompletableFuture.completedFuture(Optional.empty());
    inFlight.add(tags);
    CompletableFuture<Integer> f = tags.thenCompose(listed -> {
      ReferrerStage.Subject s = new ReferrerStage.Subject(source.repo(), target.repo(), sourceTop,
          targetTop, Optional.ofNullable(topManifest), artifacts, run.dryRun(), transfers(), listed,
          source.path().isPresent(), run.isNewRepository(target));
      try {
        return run.referrers().copy(s);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    });
    return f.handle((n, e) -> {
      if (e != null) {
        Throwable cause = Retry.unwrap(e);
        StageFailure sf = cause instanceof ReferrerSync.RequiredArtifactsMissing
            ? new StageFailure(Stage.REQUIRED_ARTIFACTS_MISSING, cause) : StageFailure.of(Stage.ARTIFACT_SYNC, cause);
        failure.compareAndSet(null, sf);
        throw sf;
      }
      referrersCopied = n;
      return (Void) null;
    });
  }

  /** How the referrer stage moves content: through this image's transfers, limits and retries. */
  private ReferrerStage.Transfers transfers() {
    return new ReferrerStage.Transfers() {
      @Override
      public CompletableFuture<Void> push(Manifest m, Optional<String> withTag) {
        String ref = withTag.orElse(m.digest().toString());
        // in a repository this run found new, a referrer is there only if this run pushed it
        CompletableFuture<Optional<Descriptor>> lookup = run.isNewRepository(target)
            ? CompletableFuture.completedFuture(run.pushed(target, m.digest()).filter(d -> withTag.isEmpty()))
            : retried("looking up " + ref + " at " + target.name(), () -> target.repo().resolve(ref));
        return stage(Stage.ARTIFACT_SYNC, lookup).thenCompose(there -> {
              if (there.isPresent() && there.get().digest().equals(m.digest())) {
                return CompletableFuture.completedFuture(null);
              }
              List<CompletableFuture<BlobScheduler.Outcome>> fs = new ArrayList<>();
              for (Descriptor b : m.blobs()) {
                fs.add(stage(Stage.ARTIFACT_SYNC, run.blobs().ensure(ImageTask.this, source, target, b)));
              }
              inFlight.addAll(fs);
              return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new))
                  .thenCompose(v -> pushManifest(m, withTag, Stage.ARTIFACT_SYNC));
            });
      }

      @Override
      public <T> CompletableFuture<T> call(String what, Retry.Attempt<T> work) {
        return retried(what, work);
      }

      @Override
      public CompletableFuture<Boolean> sourceKeepsIndex() {
        return run.keepsReferrersIndex(source);
      }
    };
  }

  private static boolean saysReferenceMissing(RegistryException e) {
    return e.status().orElse(0) == 400 && e.errorCode().filter(c -> c.equals("MANIFEST_BLOB_UNKNOWN")
        || c.equals("BLOB_UNKNOWN") || c.equals("MANIFEST_UNKNOWN") || c.equals("DIGEST_INVALID")).isPresent();
  }

  private boolean referencesPresent(Manifest m) throws IOException {
    for (Descriptor b : m.blobs()) {
      if (!target.repo().hasBlob(b) && !foreign.contains(b.digest())) {
        return false;
      }
    }
    for (Descriptor c : m.manifests()) {
      if (target.repo().resolve(c.digest().toString()).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** A manifest refused for a reference the target does have: transient, so retried. */
  private static final class ReferenceRace extends RegistryException {
    private static final long serialVersionUID = 1L;

    ReferenceRace(RegistryException cause) {
      super(cause.reason(), cause.context(), cause);
    }

    @Override
    public boolean isTransient() {
      return true;
    }
  }

  private <T> CompletableFuture<T> retried(String what, Retry.Attempt<T> attempt) {
    CompletableFuture<T> f = run.retried(what, attempt);
    inFlight.add(f);
    return f;
  }

  /** Tags a failure of {@code f} with {@code stage} (unless tagged already) and marks this image failed. */
  private <T> CompletableFuture<T> stage(Stage stage, CompletableFuture<T> f) {
    return f.handle((v, e) -> {
      if (e != null) {
        StageFailure s = StageFailure.of(stage, e);
        failure.compareAndSet(null, s);
        throw s;
      }
      return v;
    });
  }

  private Outcome finish(Status done) {
    Throwable t = failure.get();
    Status status = t == null ? done : isCancellation(t) ? Status.CANCELLED : Status.FAILED;
    Optional<ImageResult.Failure> failed = Optional.empty();
    Optional<Throwable> error = Optional.empty();
    if (status == Status.FAILED) {
      Stage stage = t instanceof StageFailure s ? s.stage() : Stage.MANIFEST_PULL;
      Throwable cause = t instanceof StageFailure ? t.getCause() : t;
      if (cause instanceof Error err) {
        error = Optional.of(err);
        failed = Optional.of(new ImageResult.Failure(stage, new RegistryException(sourceShown + " -> "
            + targetShown() + " failed: " + err, RegistryException.Context.of(source.repo().location()), err)));
      } else {
        IOException wrapped = wrap(cause);
        error = Optional.of(wrapped);
        RegistryException re = wrapped instanceof RegistryException r ? r
            : new RegistryException(wrapped.getMessage(), RegistryException.Context.of(source.repo().location()),
                wrapped);
        failed = Optional.of(new ImageResult.Failure(stage, re));
      }
    } else if (status == Status.CANCELLED) {
      error = Optional.of(new InterruptedIOException("cancelled while copying " + sourceShown));
    }
    Optional<ImageResult.SkipReason> skip = status == Status.SKIPPED ? Optional.of(skipReason) : Optional.empty();
    if ((status == Status.SYNCED || status == Status.SKIPPED) && seenAtTarget && sourceTop != null
        && targetTop != null && !run.dryRun()) {
      Digest src = sourceTop.digest();
      Digest dst = targetTop;
      tagKey().ifPresent(k -> run.recordTag(k, new TransferCache.TagSnapshot(src, dst)));
    }
    ImageResult r = new ImageResult(sourceShown, targetShown(), tag, status, skip, failed,
        Optional.ofNullable(sourceTop).map(Descriptor::digest), Optional.ofNullable(targetTop),
        Optional.ofNullable(replaced).filter(d -> status == Status.SYNCED), true, bytes.get(), blobsCopied.get(),
        blobsSkipped.get(), blobsMounted.get(), manifestsCopied.get(), referrersCopied,
        Duration.ofNanos(System.nanoTime() - startNanos));
    return new Outcome(r, mediaType, status == Status.SKIPPED, manifestsSkipped.get(),
        new ArrayList<>(new LinkedHashSet<>(foreign)), error);
  }

  private static boolean isCancellation(Throwable t) {
    Throwable c = t instanceof StageFailure ? t.getCause() : t;
    return c instanceof java.util.concurrent.CancellationException || Retry.isInterruption(c);
  }

  /** The failure, as a RegistryException naming source, target and reference; the type is kept. */
  private IOException wrap(Throwable t) {
    String detail = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
    RegistryException.Context ctx = RegistryException.Context.of(source.repo().location()).reference(reference);
    if (t instanceof RegistryException r) {
      // Keep the endpoint where it failed (the target, say), said once; the reference stays the
      // image the caller asked for, and the reason names the blob or child that failed.
      detail = r.reason() + r.reference().filter(x -> !x.equals(reference)).map(x -> " [" + x + "]").orElse("");
      ctx = r.context().reference(reference);
    }
    String reason = "copy " + sourceShown + " -> " + target.name() + tag.map(x -> ":" + x).orElse("") + " failed: "
        + detail;
    if (t instanceof DigestMismatchException d) {
      DigestMismatchException e = new DigestMismatchException(reason, ctx, d.expected(), d.actual());
      e.addSuppressed(d);
      return e;
    }
    if (t instanceof NotFoundException) {
      return new NotFoundException(reason, ctx, t);
    }
    if (t instanceof AuthenticationException) {
      return new AuthenticationException(reason, ctx, t);
    }
    return new RegistryException(reason, ctx, t);
  }

  @Override
  public String toString() {
    return "ImageTask{" + sourceShown + " -> " + target.name() + tag.map(t -> ":" + t).orElse("") + "}";
  }
}
