package dev.ocync.internal.engine;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncListener;
import dev.ocync.SyncReport;
import dev.ocync.TagSelector;
import dev.ocync.internal.cache.TransferCache;
import dev.ocync.internal.helm.ChartSource;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.FilterInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One run of the engine: its mappings, the blob scheduler shared by all their images, the
 * memoised source lookups, and cancellation. Made by {@link Engine}; used once.
 */
final class Run {
  private static final Logger LOG = LoggerFactory.getLogger(Run.class);
  private static final long PROGRESS_STEP = 1 << 20;

  private final Engine engine;
  private final boolean dryRun;
  private final SyncListener listener;
  private final Retry retry;
  private final BlobScheduler blobs = new BlobScheduler(this);
  private final ChartFollow charts = new ChartFollow(this);
  private final ReferrerStage referrers;
  private final Limiter images;
  private final Instant started = Instant.now();
  private final long startNanos = System.nanoTime();

  private volatile boolean cancelled;
  /** Set by {@link #drain}: no image or mapping starts any more; those running go on until the deadline. */
  private volatile boolean draining;
  private volatile java.util.concurrent.ScheduledFuture<?> drainTimer;
  private volatile boolean finished;
  private final Set<CompletableFuture<Void>> delays = ConcurrentHashMap.newKeySet();
  private final Set<InputStream> streams = ConcurrentHashMap.newKeySet();
  private final Set<Runnable> exchanges = ConcurrentHashMap.newKeySet();
  private final Queue<CompletableFuture<?>> tracked = new ConcurrentLinkedQueue<>();
  private final Map<List<Object>, CompletableFuture<Descriptor>> resolved = new ConcurrentHashMap<>();
  private final Map<List<Object>, CompletableFuture<Manifest>> manifests = new ConcurrentHashMap<>();
  private final Map<List<Object>, CompletableFuture<Set<String>>> targetTags = new ConcurrentHashMap<>();
  private final Map<Mapping.Endpoint, Side> sides = new ConcurrentHashMap<>();
  /** Source repositories' tags, where a mapping listed them: the referrer stage asks less of those. */
  private final Map<Repository, CompletableFuture<Optional<Set<String>>>> sourceTags = new ConcurrentHashMap<>();
  /** Classic chart repositories whose index.yaml this run has revalidated (once each, conditionally). */
  private final Map<ChartSource, CompletableFuture<Void>> chartIndexes = new ConcurrentHashMap<>();
  private final boolean verifyTargets;
  private final Map<String, CompletableFuture<Boolean>> keepsIndex = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Optional<Set<String>>>> targetListings = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> targetGroups = new ConcurrentHashMap<>();
  private final Map<List<Object>, Descriptor> pushedManifests = new ConcurrentHashMap<>();
  private final Map<List<Object>, CompletableFuture<Optional<Path>>> stages = new ConcurrentHashMap<>();
  private final long stagingLimit;
  private final Optional<Path> cacheDirectory;
  private final AtomicLong stagedBytes = new AtomicLong();
  private Path stagingDirectory;

  Run(Engine engine, EngineSettings settings, SyncListener listener, ReferrerStage referrers) {
    this.engine = engine;
    this.dryRun = settings.dryRun();
    this.listener = listener;
    this.referrers = referrers;
    this.images = new Limiter("images", settings.imagesInFlight(), false);
    this.stagingLimit = settings.stagingLimit();
    this.cacheDirectory = settings.cacheDirectory();
    // a cache whose entries never expire would trust a target tag forever
    this.verifyTargets = settings.verifyTargets() || settings.cacheTtl().isZero();
    this.retry = new Retry(settings.retry(), d -> Thread.sleep(d.toMillis()), this::after, listener);
  }

  boolean dryRun() {
    return dryRun;
  }

  SyncListener listener() {
    return listener;
  }

  Retry retry() {
    return retry;
  }

  BlobScheduler blobs() {
    return blobs;
  }

  ReferrerStage referrers() {
    return referrers;
  }

  boolean cancelled() {
    return cancelled;
  }

  /**
   * Keeps an exchange's abort until it is answered. One opened after the cancel is left alone: that
   * is an endpoint cleaning up (deleting an abandoned upload session), and work checks the cancel
   * itself before it starts.
   */
  private Runnable watch(Runnable abort) {
    if (cancelled) {
      return () -> { };
    }
    exchanges.add(abort);
    return () -> exchanges.remove(abort);
  }

  /** Stops the run: waits end, in-flight exchanges and blob streams are aborted, nothing more is pushed. */
  void cancel() {
    cancelled = true;
    for (Runnable abort : List.copyOf(exchanges)) {
      try {
        abort.run();
      } catch (RuntimeException e) {
        // aborting is best effort; the exchange then ends by its own timeout
      }
    }
    for (CompletableFuture<Void> d : List.copyOf(delays)) {
      d.completeExceptionally(new Retry.Cancelled("waiting to retry"));
    }
    for (InputStream in : List.copyOf(streams)) {
      try {
        in.close();
      } catch (IOException | RuntimeException e) {
        // closing is how the transfer is abandoned; its own failure does not matter
      }
    }
  }

  /**
   * Stops starting work: images and mappings not yet started are not, those running may finish
   * until {@code deadline}; then the rest is cancelled as by {@link #cancel()}. Returns at once.
   */
  void drain(Duration deadline) {
    if (deadline.isNegative()) {
      throw new IllegalArgumentException("a drain deadline cannot be negative: " + deadline);
    }
    draining = true;
    if (deadline.isZero() || finished) {
      cancel();
      return;
    }
    try {
      drainTimer = engine.timer().schedule(this::cancel, deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the engine is closing: there is no time left to give
      cancel();
    }
  }

  /** Whether a drain or a cancel stops new work from starting. */
  boolean stopping() {
    return draining || cancelled;
  }

  void checkCancelled(String what) throws Retry.Cancelled {
    if (cancelled) {
      throw new Retry.Cancelled(what);
    }
  }

  /** Keeps the run open until {@code f} is done. */
  void track(CompletableFuture<?> f) {
    tracked.add(f);
  }

  /** Runs blocking work on the engine's executor, unless the run is cancelled. */
  <T> CompletableFuture<T> blocking(Retry.Attempt<T> work) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          checkCancelled("request");
          // a cancel aborts the requests this work has in flight (a HEAD waiting for its answer)
          return dev.ocync.internal.http.Exchanges.watched(this::watch, work::run);
        } catch (IOException e) {
          if (cancelled) {
            Retry.Cancelled c = new Retry.Cancelled("request");
            c.addSuppressed(e);
            throw new CompletionException(c);
          }
          throw new CompletionException(e);
        }
      }, engine.executor());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Blocking work within the adaptive limits of both registries; 429s shrink them, successes grow them. */
  <T> CompletableFuture<T> limited(Side a, Side b, Retry.Attempt<T> work) {
    Limiter first = engine.limiter(a.group().compareTo(b.group()) <= 0 ? a.group() : b.group());
    Limiter second = a.group().equals(b.group()) ? null
        : engine.limiter(a.group().compareTo(b.group()) <= 0 ? b.group() : a.group());
    CompletableFuture<Void> permits = first.acquire();
    if (second != null) {
      permits = permits.thenCompose(v -> second.acquire());
    }
    return permits.thenCompose(v -> blocking(work)).whenComplete((r, e) -> {
      Optional<String> throttled = BlobScheduler.throttledBy(e);
      boolean named = throttled.isPresent() && (throttled.get().equals(a.group()) || throttled.get().equals(b.group()));
      for (Limiter l : second == null ? List.of(first) : List.of(first, second)) {
        // the registry that said 429 slows down; both when the error does not say which
        if (throttled.isPresent() && (!named || l == engine.limiter(throttled.get()))) {
          l.congested();
        } else {
          l.succeeded();
        }
        l.release();
      }
    });
  }

  /** A future completed after {@code d}, or failed at once when the run is cancelled. */
  CompletableFuture<Void> after(Duration d) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (cancelled) {
      f.completeExceptionally(new Retry.Cancelled("waiting to retry"));
      return f;
    }
    delays.add(f);
    f.whenComplete((v, e) -> delays.remove(f));
    engine.timer().schedule(() -> f.complete(null), Math.max(0, d.toNanos()), TimeUnit.NANOSECONDS);
    return f;
  }

  /**
   * The source stream of a blob, abandoned when the run is cancelled, reporting progress as bytes
   * of {@code image} (the image moving it: the first that asked for it, where images share it).
   */
  InputStream guard(InputStream raw, ImageTask image) {
    return guard(raw, image.targetShownAtStart(), Optional.of(image));
  }

  private InputStream guard(InputStream raw, String target, Optional<ImageTask> image) {
    boolean progress = image.isPresent();
    String source = image.map(ImageTask::sourceShown).orElse("");
    streams.add(raw);
    return new FilterInputStream(raw) {
      private long unreported;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        checkCancelled("blob transfer to " + target);
        int n;
        try {
          n = super.read(b, off, len);
        } catch (IOException e) {
          checkCancelled("blob transfer to " + target);
          throw e;
        }
        if (n > 0) {
          unreported += n;
          if (progress && unreported >= PROGRESS_STEP) {
            listener.bytesMoved(source, target, unreported);
            unreported = 0;
          }
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        streams.remove(raw);
        if (progress && unreported > 0) {
          listener.bytesMoved(source, target, unreported);
          unreported = 0;
        }
        super.close();
      }
    };
  }

  /** The source's descriptor for a tag or digest, looked up once per run and shared by every target. */
  CompletableFuture<Descriptor> resolveSource(Side src, String reference) {
    return resolved.computeIfAbsent(List.of(src.repo(), reference), k -> {
      if (!Digest.isDigest(reference) && !engine.headFirst(src)) {
        // head_first off: one GET gives the digest and the manifest the transfer needs anyway
        return retried("fetching " + reference + " from " + src.name(), () -> src.repo().fetchManifest(reference))
            .thenApply(m -> {
              manifests.putIfAbsent(List.of(src.repo(), m.digest()), CompletableFuture.completedFuture(m));
              return m.descriptor();
            });
      }
      String what = "looking up " + reference + " at " + src.name();
      return retried(what, () -> src.repo().resolve(reference)).thenCompose(d -> {
        if (d.isPresent()) {
          return CompletableFuture.completedFuture(d.get());
        }
        // A reference that does not resolve: fetching it lets the endpoint say why in its own terms
        // (registry and repository apart, the server's error code), and covers an endpoint whose
        // cheap resolve missed what a fetch finds.
        return retried("fetching " + reference + " from " + src.name(), () -> src.repo().fetchManifest(reference))
            .thenApply(m -> {
              manifests.putIfAbsent(List.of(src.repo(), m.digest()), CompletableFuture.completedFuture(m));
              return m.descriptor();
            });
      });
    });
  }

  /**
   * The source's manifest for a tag or digest, for an image the target lacks: one GET gives both the
   * digest a HEAD would and the bytes, where a HEAD and then a GET by digest are two requests. Shared
   * with {@link #resolveSource} (either asks the source once per run) and with {@link #sourceManifest}
   * (the bytes are kept by their digest). The bytes are hashed as they arrive and checked against
   * the registry's {@code Docker-Content-Digest}, as any manifest GET by tag is.
   */
  CompletableFuture<Manifest> fetchSource(Side src, String reference) {
    List<Object> key = List.of(src.repo(), reference);
    CompletableFuture<Descriptor> known = resolved.get(key);
    if (known == null) {
      CompletableFuture<Manifest> fetched = new CompletableFuture<>();
      CompletableFuture<Descriptor> mine = fetched.thenApply(Manifest::descriptor);
      known = resolved.putIfAbsent(key, mine);
      if (known == null) {
        retried("fetching " + reference + " from " + src.name(), () -> src.repo().fetchManifest(reference))
            .whenComplete((m, e) -> {
              if (e != null) {
                fetched.completeExceptionally(Retry.unwrap(e));
              } else {
                // kept before anyone learns the digest, so sourceManifest finds the bytes
                manifests.putIfAbsent(List.of(src.repo(), m.digest()), CompletableFuture.completedFuture(m));
                fetched.complete(m);
              }
            });
        return fetched;
      }
    }
    return known.thenCompose(d -> sourceManifest(src, d, "manifest " + reference));
  }

  /** A manifest by digest, fetched once per run and checked against its descriptor. */
  CompletableFuture<Manifest> sourceManifest(Side src, Descriptor d, String what) {
    return manifests.computeIfAbsent(List.of(src.repo(), d.digest()), k -> retried("fetching " + what + " from "
        + src.name(), () -> src.repo().fetchManifest(d.digest().toString())).thenApply(m -> {
          if (!m.digest().equals(d.digest()) || m.size() != d.size()) {
            throw new CompletionException(new DigestMismatchException(what + " fetched from "
                + src.repo().location() + " as " + d.digest() + " (" + d.size() + " bytes) hashes to " + m.digest()
                + " (" + m.size() + " bytes)", RegistryException.Context.of(src.repo().location())
                .reference(d.digest().toString()), d.digest(), m.digest()));
          }
          return m;
        }));
  }

  /** The transfer cache's key for a blob at a registry target; empty for other endpoints. */
  private Optional<TransferCache.BlobKey> blobKey(Side target, Digest digest) {
    if (target.path().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new TransferCache.BlobKey(target.group(), target.path().get(), digest));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether the transfer cache says the blob is at the target (a hint: a refused manifest undoes it). */
  boolean cachedBlob(Side target, Digest digest) {
    return blobKey(target, digest).map(k -> engine.cache().hasBlob(k)).orElse(false);
  }

  /** Remembers that the blob is at the target. */
  void recordBlob(Side target, Digest digest) {
    if (!dryRun) {
      blobKey(target, digest).ifPresent(k -> engine.cache().recordBlob(k));
    }
  }

  /**
   * The transfer cache's key for a tag written from {@code src} to {@code target} under a platform
   * filter; empty unless both ends are registries.
   */
  Optional<TransferCache.TagKey> tagKey(Side src, String tag, Optional<dev.ocync.PlatformFilter> platforms,
      Side target) {
    if (src.path().isEmpty() || target.path().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new TransferCache.TagKey(src.group(), src.path().get(), tag,
          platforms.map(dev.ocync.PlatformFilter::key).orElse(""), target.name()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** What the cache knows of a tag at a target. */
  Optional<TransferCache.TagSnapshot> cachedTag(TransferCache.TagKey key) {
    return engine.cache().tag(key);
  }

  /** Remembers that the target has the tag as {@code snapshot} says, now. */
  void recordTag(TransferCache.TagKey key, TransferCache.TagSnapshot snapshot) {
    if (!dryRun) {
      engine.cache().recordTag(key, snapshot);
    }
  }

  /** Whether a tag the cache knows at a target is HEADed there anyway. */
  boolean verifyTargets() {
    return verifyTargets;
  }

  /**
   * Whether the source registry keeps the referrers index (has the API): asked once per registry
   * and run, however many images ask at once. True when the question fails: then each image asks
   * for its referrers as if the listing could not tell.
   */
  CompletableFuture<Boolean> keepsReferrersIndex(Side src) {
    return keepsIndex.computeIfAbsent(src.group(), g -> retried("asking " + src.name() + " for the referrers API",
        () -> src.repo().keepsReferrersIndex()).exceptionally(e -> true));
  }

  /**
   * The target repository's tags, listed once per repository and run before its first tag lookup,
   * when the transfer cache knows nothing of the repository: one listing answers every tag the target
   * lacks (a cold run), where a HEAD per tag would miss one by one; an empty listing (or 404) says the
   * repository is new, so nothing is there but what this run writes and no manifest or blob there is
   * looked up one by one. Empty when not listed (the cache knows the repository, the endpoint is not
   * a registry, a dry run) or when the listing failed: then every lookup asks the target. Only ever
   * makes the run write more, never less: a tag missing from a stale listing costs a push, never a
   * missing blob.
   */
  CompletableFuture<Optional<Set<String>>> targetListing(Side target) {
    if (target.path().isEmpty() || dryRun) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return targetListings.computeIfAbsent(target.name(), k -> {
      if (engine.cache().knowsRepository(target.group(), target.path().get())) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return retried("listing tags of " + target.name(), () -> Optional.of((Set<String>) Set.copyOf(
          target.repo().listTags()))).exceptionally(e -> {
            if (Retry.unwrap(e) instanceof dev.ocync.spi.NotFoundException) {
              return Optional.of(Set.of());
            }
            LOG.debug("listing tags of {} failed, looking up its tags one by one: {}", target.name(),
                Retry.unwrap(e).getMessage());
            return Optional.empty();
          });
    });
  }

  /** Whether {@link #targetListing} has found the target repository new (no tags). */
  boolean isNewRepository(Side target) {
    CompletableFuture<Optional<Set<String>>> f = targetListings.get(target.name());
    return f != null && f.getNow(Optional.empty()).filter(Set::isEmpty).isPresent();
  }

  /** Remembers a manifest this run pushed to the target: looking it up again there is not needed. */
  void pushed(Side target, Descriptor manifest) {
    pushedManifests.put(List.of(target.name(), manifest.digest()), manifest);
  }

  /** A manifest this run pushed to the target, by digest. */
  Optional<Descriptor> pushed(Side target, Digest digest) {
    return Optional.ofNullable(pushedManifests.get(List.of(target.name(), digest)));
  }

  /**
   * The source repository's tags for the referrer stage: the mapping's listing where it listed
   * them, else listed once per repository and run (also for literal tags: one listing replaces a
   * tag-schema GET and three cosign-tag HEADs per image and child). Empty when the listing fails;
   * then each image asks for its referrers one by one.
   */
  CompletableFuture<Optional<Set<String>>> sourceTags(Side src) {
    return sourceTags.computeIfAbsent(src.repo(), k -> retried("listing tags of " + src.name(),
        () -> Optional.of((Set<String>) Set.copyOf(src.repo().listTags()))).exceptionally(e -> {
          LOG.debug("listing tags of {} for its referrers failed: {}", src.name(), Retry.unwrap(e).getMessage());
          return Optional.empty();
        }));
  }

  /** Starts an image once an image slot is free; a cancelled run does not start it. */
  CompletableFuture<ImageTask.Outcome> submit(ImageTask task) {
    CompletableFuture<ImageTask.Outcome> f = images.acquire().thenComposeAsync(v -> stopping()
        ? CompletableFuture.completedFuture(task.notRun(ImageResult.Status.CANCELLED, Optional.empty()))
        : task.start().thenCompose(o -> {
          if (!task.refusedDespiteCache(o)) {
            return CompletableFuture.completedFuture(task.announceFinished(o));
          }
          // the cache said blobs were there that the target lacks: forget them, try once without it
          task.target().path().ifPresent(path -> engine.cache().invalidateImage(task.target().group(), path,
              task.blobDigests(), task.tagKey()));
          blobs.forget(task.target(), task.blobDigests());
          ImageTask again = task.withoutCache();
          return again.start().thenApply(again::announceFinished);
        }), engine.executor())
        // only a bug or a host executor that refuses work gets here: still one result per image
        .handle((o, e) -> e == null ? o : task.announceFinished(task.crashed(e)));
    f.whenComplete((o, e) -> images.release());
    return f;
  }

  /** One image, for {@code Syncer.copy}: the outcome once nothing of the run is in flight. */
  CompletableFuture<ImageTask.Outcome> single(Side src, String reference, Side dst, Optional<String> tag) {
    ImageTask task = new ImageTask(this, src, reference, dst, tag, Optional.empty(), Optional.empty(), false, false);
    return submit(task).thenCompose(o -> settle().thenApply(v -> o)).whenComplete((o, e) -> deleteStaging());
  }

  private CompletableFuture<Void> settle() {
    return settle(tracked);
  }

  /** Completes when every future in {@code futures} has, including those added meanwhile. */
  static CompletableFuture<Void> settle(Queue<CompletableFuture<?>> futures) {
    CompletableFuture<?>[] now = futures.toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(now).handle((v, e) -> null)
        .thenCompose(v -> futures.size() > now.length ? settle(futures) : CompletableFuture.completedFuture(null));
  }

  /** Blocking work on the executor, retried while it fails transiently. */
  <T> CompletableFuture<T> retried(String what, Retry.Attempt<T> work) {
    return retry.async(what, () -> blocking(work));
  }

  /**
   * The blob read once from the source into a staging file, verified, for a source repository the
   * run sends to several target registries (from one mapping or several); empty when it does not fit
   * in the run's staging limit (then each target streams it from the source). One file per blob
   * digest per run, shared by every target and every source that has it.
   */
  CompletableFuture<Optional<Path>> staged(Side src, Descriptor blob) {
    // by digest alone: the file is verified against it, so any source's copy serves every target
    List<Object> key = List.of(blob.digest());
    CompletableFuture<Optional<Path>> known = stages.get(key);
    if (known != null) {
      return known;
    }
    CompletableFuture<Optional<Path>> mine = new CompletableFuture<>();
    known = stages.putIfAbsent(key, mine);
    if (known != null) {
      return known;
    }
    track(mine);
    if (stagedBytes.addAndGet(blob.size()) > stagingLimit) {
      stagedBytes.addAndGet(-blob.size());
      mine.complete(Optional.empty());
      return mine;
    }
    retry.async("staging blob " + blob.digest() + " from " + src.name(),
        () -> limited(src, src, () -> Optional.of(writeStage(src, blob))),
        e -> e instanceof DigestMismatchException || Retry.isTransient(e)).whenComplete((p, e) -> {
          if (e == null) {
            mine.complete(p);
          } else {
            // the next image that needs it tries again
            stages.remove(key, mine);
            stagedBytes.addAndGet(-blob.size());
            mine.completeExceptionally(Retry.unwrap(e));
          }
        });
    return mine;
  }

  private Path writeStage(Side src, Descriptor blob) throws IOException {
    Path dir = stagingDirectory();
    Path done = dir.resolve(blob.digest().algorithm().id() + "-" + blob.digest().encoded());
    if (Files.exists(done, LinkOption.NOFOLLOW_LINKS)) {
      return done;
    }
    Path tmp = Files.createTempFile(dir, "blob-", ".tmp");
    try {
      try (InputStream raw = guard(src.repo().openBlob(blob), "staging", Optional.empty());
          VerifyingInputStream in = new VerifyingInputStream(raw, blob, src.repo().location())) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        in.verifyConsumed();
      }
      Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
      return done;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private synchronized Path stagingDirectory() throws IOException {
    if (stagingDirectory == null) {
      Path parent = cacheDirectory.map(d -> d.resolve("staging"))
          .orElse(Path.of(System.getProperty("java.io.tmpdir")));
      Files.createDirectories(parent);
      stagingDirectory = Files.createTempDirectory(parent, "ocync-run-");
    }
    return stagingDirectory;
  }

  /** Deletes the run's staging files; they are only for this run. */
  private synchronized void deleteStaging() {
    if (stagingDirectory == null) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.list(stagingDirectory)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(stagingDirectory);
    } catch (IOException e) {
      LOG.warn("could not delete the staging directory {}: {}", stagingDirectory, e.getMessage());
    }
  }

  // ------------------------------------------------------------------ mappings

  /** One mapping's selection, problems and images, filled in as it is planned. */
  private static final class Slot {
    final Mapping mapping;
    final List<String> targets = new ArrayList<>();
    volatile Optional<List<String>> listed = Optional.empty();
    volatile List<String> kept = List.of();
    volatile List<TagSelector.Dropped> dropped = List.of();
    final Queue<SyncReport.Problem> problems = new ConcurrentLinkedQueue<>();
    final List<CompletableFuture<ImageTask.Outcome>> images = new ArrayList<>();

    Slot(Mapping mapping) {
      this.mapping = mapping;
    }
  }

  /** Runs the mappings; the future never fails, it holds the report. */
  CompletableFuture<SyncReport> run(List<Mapping> mappings) {
    listener.runStarted(mappings);
    // which target registries each source repository goes to, over all mappings: a source read for
    // several of them is staged, also when different mappings name the targets
    for (Mapping m : mappings) {
      Set<String> groups = targetGroups.computeIfAbsent(m.source().name(), k -> ConcurrentHashMap.newKeySet());
      for (Mapping.Endpoint t : m.targets()) {
        try {
          groups.add(side(t).group());
        } catch (RuntimeException e) {
          // the mapping's plan reports it
        }
      }
    }
    List<Slot> slots = new ArrayList<>();
    List<CompletableFuture<Void>> plans = new ArrayList<>();
    for (Mapping m : mappings) {
      Slot slot = new Slot(m);
      slots.add(slot);
      CompletableFuture<Void> planned;
      try {
        planned = plan(slot);
      } catch (RuntimeException e) {
        planned = CompletableFuture.failedFuture(e);
      }
      plans.add(planned.exceptionally(e -> {
        Throwable cause = Retry.unwrap(e);
        slot.problems.add(stopping() && Retry.isInterruption(cause)
            ? new SyncReport.Problem(SyncReport.ProblemKind.CANCELLED,
                m.source() + ": the run was cancelled before its tags were chosen")
            : listingFailed(m, cause));
        return null;
      }));
    }
    return CompletableFuture.allOf(plans.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      List<CompletableFuture<ImageTask.Outcome>> all = new ArrayList<>();
      slots.forEach(s -> {
        synchronized (s.images) {
          all.addAll(s.images);
        }
      });
      return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }).thenCompose(v -> settle()).handle((v, e) -> {
      finished = true;
      java.util.concurrent.ScheduledFuture<?> timer = drainTimer;
      if (timer != null) {
        timer.cancel(false);
      }
      deleteStaging();
      if (!dryRun) {
        engine.cache().persist();
      }
      return report(slots);
    });
  }

  private static SyncReport.Problem listingFailed(Mapping m, Throwable cause) {
    String message = m.source() + ": " + cause.getMessage();
    return cause instanceof RegistryException re
        ? SyncReport.Problem.of(SyncReport.ProblemKind.TAG_LISTING_FAILED, message, re)
        : new SyncReport.Problem(SyncReport.ProblemKind.TAG_LISTING_FAILED, message);
  }

  private SyncReport report(List<Slot> slots) {
    List<SyncReport.MappingReport> reports = new ArrayList<>();
    List<ImageResult> results = new ArrayList<>();
    List<SyncReport.ChartReport> chartReports = new ArrayList<>();
    for (Slot s : slots) {
      reports.add(new SyncReport.MappingReport(s.mapping.source().name(), s.targets, s.listed, s.kept, s.dropped,
          List.copyOf(s.problems)));
      synchronized (s.images) {
        for (CompletableFuture<ImageTask.Outcome> f : s.images) {
          results.add(f.join().result());
        }
      }
      results.addAll(charts.images(s.mapping));
      chartReports.addAll(charts.reports(s.mapping));
    }
    // a drain that stopped anything from running is a cancelled run; one that let everything finish is not
    boolean stopped = cancelled || draining && (results.stream().anyMatch(i -> i.status() == ImageResult.Status.CANCELLED)
        || reports.stream().flatMap(m -> m.problems().stream())
            .anyMatch(p -> p.kind() == SyncReport.ProblemKind.CANCELLED));
    SyncReport r = new SyncReport(started, Duration.ofNanos(System.nanoTime() - startNanos), dryRun, stopped,
        reports, results, chartReports);
    listener.runFinished(r);
    return r;
  }

  Side side(Mapping.Endpoint e) {
    return sides.computeIfAbsent(e, engine::side);
  }

  /**
   * A classic chart repository's index.yaml asked for again, once per run and repository, with
   * the validators it sent last time (a 304 keeps what is known), so a syncer run on a schedule
   * sees new chart versions; other sources need nothing.
   */
  private CompletableFuture<Void> freshIndex(Side src) {
    return ChartSource.of(src.repo()).map(c -> chartIndexes.computeIfAbsent(c, k -> retried(
        "fetching index.yaml for " + src.name(), () -> {
          k.refresh();
          return (Void) null;
        }))).orElse(CompletableFuture.completedFuture(null));
  }

  private CompletableFuture<Void> plan(Slot slot) {
    Mapping m = slot.mapping;
    if (stopping()) {
      slot.problems.add(new SyncReport.Problem(SyncReport.ProblemKind.CANCELLED,
          m.source() + ": the run was cancelled before its tags were chosen"));
      return CompletableFuture.completedFuture(null);
    }
    Side src = side(m.source());
    List<Side> targets = new ArrayList<>();
    for (Mapping.Endpoint t : m.targets()) {
      targets.add(side(t));
      slot.targets.add(t.name());
    }
    Optional<TagSelector> selector = m.tagSelector();
    Optional<List<String>> exact = !m.literalTags().isEmpty() ? Optional.of(m.literalTags())
        : selector.flatMap(TagSelector::exactTags);
    CompletableFuture<List<String>> kept;
    if (exact.isPresent()) {
      slot.kept = exact.get();
      kept = freshIndex(src).thenApply(v -> exact.get());
    } else {
      kept = freshIndex(src).thenCompose(v -> retried("listing tags of " + src.name(), () -> src.repo().listTags()))
          .thenApply(listed -> {
            TagSelector.Selection sel = selector.orElseGet(TagSelector::all).select(listed);
            slot.listed = Optional.of(listed);
            sourceTags.putIfAbsent(src.repo(), CompletableFuture.completedFuture(Optional.of(Set.copyOf(listed))));
            slot.kept = sel.kept();
            slot.dropped = sel.dropped();
            return sel.kept();
          });
    }
    // several target registries: read each blob once into a staging file and upload from there
    boolean stage = stagingLimit > 0 && targetGroups.getOrDefault(m.source().name(), Set.of()).size() > 1;
    return kept.thenAccept(tags -> {
      listener.tagsSelected(m, slot.listed.orElse(List.of()), slot.kept, slot.dropped);
      if (selector.isPresent() && exact.isEmpty() && selector.get().minTags().isPresent()
          && tags.size() < selector.get().minTags().getAsInt()) {
        slot.problems.add(new SyncReport.Problem(SyncReport.ProblemKind.TOO_FEW_TAGS, m.source() + ": "
            + tags.size() + " tags kept, fewer than min_tags " + selector.get().minTags().getAsInt()));
        return;
      }
      synchronized (slot.images) {
        for (String tag : tags) {
          int first = slot.images.size();
          for (Side target : targets) {
            ImageTask task = new ImageTask(this, src, tag, target, Optional.of(tag), m.platformFilter(),
                m.artifactPolicy(), true, stage);
            if (stopping()) {
              // chosen after a drain or cancel: not even the immutable-tag listing starts
              slot.images.add(CompletableFuture.completedFuture(task.notRun(ImageResult.Status.CANCELLED,
                  Optional.empty())));
            } else if (selector.isPresent() && selector.get().hasImmutableTags() && selector.get().isImmutable(tag)) {
              slot.images.add(targetTags(target).handle((present, e) -> e == null && present.contains(tag))
                  .thenCompose(present -> present
                      ? CompletableFuture.completedFuture(task.notRun(ImageResult.Status.SKIPPED,
                          Optional.of(ImageResult.SkipReason.IMMUTABLE_TAG)))
                      : submit(task)));
            } else {
              slot.images.add(submit(task));
            }
          }
          if (m.imageFollow().isPresent()) {
            track(charts.chartVersion(m, src, tag, targets, List.copyOf(slot.images.subList(first, slot.images.size()))));
          }
        }
      }
    });
  }

  /** A target's tags, listed once per run (only for immutable tags). */
  private CompletableFuture<Set<String>> targetTags(Side target) {
    return targetTags.computeIfAbsent(List.of(target.repo()), k -> retried("listing tags of " + target.name(),
        () -> (Set<String>) new HashSet<>(target.repo().listTags())));
  }
}
