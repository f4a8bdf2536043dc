package dev.ocync.internal.engine;

import dev.ocync.SyncListener.BlobOutcome;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run-wide blob dedupe: one future per (target registry, repository, digest), so a blob shared by
 * many images, tags and mappings is read from its source once and uploaded once per target
 * registry; later repositories of that registry mount it from one that already has it. Waiting for
 * another image's blob is composition on its future, never a blocked thread. A failed entry is
 * removed, so the next image that needs the blob tries again.
 */
final class BlobScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(BlobScheduler.class);

  /** How a blob came to be at a target repository, as one image counts it. */
  enum Outcome {
    COPIED, MOUNTED, PRESENT, FOREIGN,
    /** Another image of this run moved it to this repository. */
    SHARED
  }

  // equals and hashCode written out: a record's generated ones link an invokedynamic on first
  // use, which costs a short CLI run milliseconds (issue 9)
  private record Key(String group, String repository, Digest digest) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && group.equals(k.group) && repository.equals(k.repository) && digest.equals(k.digest);
    }

    @Override
    public int hashCode() {
      return (group.hashCode() * 31 + repository.hashCode()) * 31 + digest.hashCode();
    }
  }

  private record GroupKey(String group, Digest digest) {
    @Override
    public boolean equals(Object o) {
      return o instanceof GroupKey k && group.equals(k.group) && digest.equals(k.digest);
    }

    @Override
    public int hashCode() {
      return group.hashCode() * 31 + digest.hashCode();
    }
  }

  private static final class Entry {
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    final ImageTask owner;
    final AtomicInteger waiters = new AtomicInteger();

    Entry(ImageTask owner) {
      this.owner = owner;
    }
  }

  /** Which repositories of one target registry have a blob, and the upload under way there. */
  private static final class Group {
    final CopyOnWriteArrayList<Side> holders = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> uploading;
  }

  private final Run run;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final Map<GroupKey, Group> groups = new ConcurrentHashMap<>();

  BlobScheduler(Run run) {
    this.run = run;
  }

  /** The blob at {@code target}, moved by this call or by whichever image asked first. */
  CompletableFuture<Outcome> ensure(ImageTask task, Side source, Side target, Descriptor blob) {
    Key key = new Key(target.group(), target.name(), blob.digest());
    Entry mine = new Entry(task);
    Entry first = entries.putIfAbsent(key, mine);
    if (first != null) {
      first.waiters.incrementAndGet();
      return first.done.thenApply(o -> Outcome.SHARED);
    }
    mine.done.whenComplete((o, e) -> {
      if (e != null) {
        entries.remove(key, mine);
      }
    });
    run.track(mine.done);
    Group group = groups.computeIfAbsent(new GroupKey(target.group(), blob.digest()), k -> new Group());
    start(mine, group, source, target, blob).whenComplete((o, e) -> {
      if (e == null) {
        group.holders.addIfAbsent(target);
        if (o != Outcome.FOREIGN) {
          run.recordBlob(target, blob.digest());
          run.listener().blobDone(target.repo().location(), blob, switch (o) {
            case COPIED -> BlobOutcome.COPIED;
            case MOUNTED -> BlobOutcome.MOUNTED;
            default -> BlobOutcome.PRESENT;
          });
        }
        mine.done.complete(o);
      } else {
        mine.done.completeExceptionally(Retry.unwrap(e));
      }
    });
    return mine.done;
  }

  private CompletableFuture<Outcome> start(Entry entry, Group group, Side source, Side target, Descriptor blob) {
    if (entry.owner.usesCache() && run.cachedBlob(target, blob.digest())) {
      LOG.debug("blob {} is at {} as the transfer cache knows", blob.digest(), target.name());
      entry.owner.cacheHit();
      return CompletableFuture.completedFuture(Outcome.PRESENT);
    }
    Optional<Side> holder = holder(group, target);
    if (holder.isPresent()) {
      return mountOrTransfer(entry, holder.get(), source, target, blob);
    }
    CompletableFuture<Void> other;
    CompletableFuture<Void> ours = null;
    synchronized (group) {
      other = group.uploading;
      if (other == null || other.isCompletedExceptionally()) {
        ours = new CompletableFuture<>();
        group.uploading = ours;
        other = null;
      }
    }
    if (other != null) {
      // Another repository of this registry is uploading it: mount from there once it has it.
      return other.handle((v, e) -> holder(group, target))
          .thenCompose(h -> h.isPresent() ? mountOrTransfer(entry, h.get(), source, target, blob)
              : transfer(entry, source, target, blob));
    }
    CompletableFuture<Void> upload = ours;
    return transfer(entry, source, target, blob).whenComplete((o, e) -> {
      if (e == null) {
        group.holders.addIfAbsent(target);
        upload.complete(null);
      } else {
        upload.completeExceptionally(e);
      }
    });
  }

  private static Optional<Side> holder(Group group, Side target) {
    return group.holders.stream().filter(s -> !s.name().equals(target.name())).findFirst();
  }

  private CompletableFuture<Outcome> mountOrTransfer(Entry entry, Side from, Side source, Side target,
      Descriptor blob) {
    if (run.dryRun()) {
      return CompletableFuture.completedFuture(Outcome.MOUNTED);
    }
    return run.blocking(() -> target.repo().mountBlob(blob, from.repo()))
        .handle((mounted, e) -> {
          if (e == null && mounted) {
            LOG.debug("mounted blob {} into {} from {}", blob.digest(), target.name(), from.name());
            return CompletableFuture.completedFuture(Outcome.MOUNTED);
          }
          return transfer(entry, source, target, blob);
        }).thenCompose(f -> f);
  }

  /** Moves the blob from the source with retries, within both registries' limits. */
  private CompletableFuture<Outcome> transfer(Entry entry, Side source, Side target, Descriptor blob) {
    if (!entry.owner.stages() || run.dryRun() || isForeign(blob)) {
      return transfer(entry, source, target, blob, Optional.empty());
    }
    // several target registries: stage the blob once, unless this target has it already
    return run.retried("looking up blob " + blob.digest() + " at " + target.name(),
            () -> !run.isNewRepository(target) && target.repo().hasBlob(blob))
        .thenCompose(present -> present ? CompletableFuture.completedFuture(Outcome.PRESENT)
            : run.staged(source, blob).thenCompose(file -> transfer(entry, source, target, blob, file)));
  }

  private CompletableFuture<Outcome> transfer(Entry entry, Side source, Side target, Descriptor blob,
      Optional<Path> staged) {
    String what = "blob " + blob.digest() + " from " + source.name() + " to " + target.name();
    return run.retry().async(what, () -> run.limited(source, target,
        () -> transferOnce(entry, source, target, blob, staged)),
        // a blob that failed verification is fetched again, never committed
        e -> e instanceof DigestMismatchException || Retry.isTransient(e));
  }

  private Outcome transferOnce(Entry entry, Side source, Side target, Descriptor blob, Optional<Path> staged)
      throws IOException {
    if (entry.owner.failed() && entry.waiters.get() == 0) {
      throw new Retry.Cancelled("blob " + blob.digest() + ": its image failed");
    }
    // in a repository this run found new, only this run's uploads are there (and the scheduler knows those)
    if (staged.isEmpty() && !run.isNewRepository(target) && target.repo().hasBlob(blob)) {
      LOG.debug("blob {} is already at {}", blob.digest(), target.name());
      return Outcome.PRESENT;
    }
    if (isForeign(blob) && !source.repo().hasBlob(blob)) {
      // Like skopeo: a foreign layer lives at its URLs, not in the source; the manifest keeps them.
      LOG.debug("foreign blob {} is not at {}; skipped", blob.digest(), source.name());
      return Outcome.FOREIGN;
    }
    if (run.dryRun()) {
      return Outcome.COPIED;
    }
    if (target.repo().mountBlob(blob, source.repo())) {
      LOG.debug("mounted blob {} from {}", blob.digest(), source.name());
      return Outcome.MOUNTED;
    }
    InputStream opened = staged.isPresent() ? Files.newInputStream(staged.get()) : source.repo().openBlob(blob);
    try (InputStream raw = run.guard(opened, entry.owner)) {
      VerifyingInputStream in = new VerifyingInputStream(raw, blob,
          staged.map(p -> "the staging file of " + source.repo().location()).orElse(source.repo().location()));
      try {
        target.repo().pushBlob(blob, in);
      } catch (IOException | RuntimeException e) {
        run.checkCancelled("upload of blob " + blob.digest());
        // The target may wrap the stream's exception in one of its own; report the mismatch itself.
        Optional<DigestMismatchException> mismatch = in.failure();
        if (mismatch.isPresent() && mismatch.get() != e) {
          mismatch.get().addSuppressed(e);
          throw mismatch.get();
        }
        throw e;
      }
      in.verifyConsumed();
    }
    LOG.debug("copied blob {} ({} bytes) to {}", blob.digest(), blob.size(), target.name());
    return Outcome.COPIED;
  }

  /** Forgets what this run knows of these blobs at {@code target}, so the next ask checks again. */
  void forget(Side target, java.util.Collection<Digest> digests) {
    for (Digest d : digests) {
      entries.remove(new Key(target.group(), target.name(), d));
      Group g = groups.get(new GroupKey(target.group(), d));
      if (g != null) {
        g.holders.remove(target);
      }
    }
  }

  /** Foreign or non-distributable layers, by media type or by their URLs. */
  static boolean isForeign(Descriptor blob) {
    String mt = blob.mediaType();
    return !blob.urls().isEmpty() || MediaType.DOCKER_FOREIGN_LAYER.equals(mt)
        || mt.startsWith("application/vnd.oci.image.layer.nondistributable.");
  }

  /** The registry that answered 429, when {@code e} is such an answer. */
  static Optional<String> throttledBy(Throwable e) {
    return e != null && Retry.unwrap(e) instanceof RegistryException r && r.status().orElse(0) == 429
        ? Optional.of(r.registry()) : Optional.empty();
  }
}
