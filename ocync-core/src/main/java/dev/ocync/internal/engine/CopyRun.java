package dev.ocync.internal.engine;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of one manifest tree, from start to result. Three phases:
 *
 * <ol>
 *   <li>discover: fetch the manifest and, recursively, the children the target lacks (in parallel
 *       per index), verifying each child against its index entry; blob transfers start as soon as
 *       their image manifest is known;
 *   <li>transfer: wait for every blob (each digest moved once per run, however many children share it);
 *   <li>push: manifests children first, siblings in parallel, the top one last with its tag.
 * </ol>
 *
 * <p>No manifest is pushed before every blob of the whole tree is at the target, so a failing copy
 * leaves at most content-addressed blobs behind, never a manifest. Work runs on the syncer's
 * executor; only the calling thread waits, so a small pool cannot deadlock on itself.
 */
final class CopyRun {
  private static final Logger LOG = LoggerFactory.getLogger(Copier.class);

  private final Repository source;
  private final String reference;
  private final Repository target;
  private final Optional<String> tag;
  private final String sourceName;
  private final String targetName;
  private final Executor executor;
  private final Retry retry;

  private final Map<Digest, CompletableFuture<Void>> blobs = new ConcurrentHashMap<>();
  private final Queue<CompletableFuture<?>> inFlight = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  /** Manifests discovered, by digest; touched only by the calling thread. */
  private final Map<Digest, Node> nodes = new HashMap<>();

  private final AtomicInteger manifestsCopied = new AtomicInteger();
  private final AtomicInteger manifestsSkipped = new AtomicInteger();
  private final AtomicInteger blobsCopied = new AtomicInteger();
  private final AtomicInteger blobsSkipped = new AtomicInteger();
  private final AtomicInteger blobsMounted = new AtomicInteger();
  private final AtomicLong bytesCopied = new AtomicLong();
  private final Queue<Digest> foreignSkipped = new ConcurrentLinkedQueue<>();

  /** A manifest to push and the children that must be pushed before it. */
  private static final class Node {
    final Manifest manifest;
    final List<Node> children = new ArrayList<>();

    Node(Manifest manifest) {
      this.manifest = manifest;
    }
  }

  /**
   * @param sourceName the source without reference, for reports ({@code oci:dir}, {@code ghcr.io/org/app})
   * @param targetName the target without tag, for reports
   */
  CopyRun(Repository source, String reference, Repository target, Optional<String> tag, String sourceName,
      String targetName, Executor executor, Retry retry) {
    this.source = source;
    this.reference = reference;
    this.target = target;
    this.tag = tag;
    this.sourceName = sourceName;
    this.targetName = targetName;
    this.executor = executor;
    this.retry = retry;
  }

  CopyOutcome run() throws IOException {
    long start = System.nanoTime();
    String sourceShown = sourceName + (Digest.isDigest(reference) ? "@" : ":") + reference;
    try {
      Optional<Descriptor> resolved = retry.run(() -> source.resolve(reference));
      Descriptor top = resolved.isPresent() ? resolved.get() : resolveByFetching();
      String targetRef = tag.orElse(top.digest().toString());
      Optional<Descriptor> there = retry.run(() -> target.resolve(targetRef));
      if (there.isPresent() && there.get().digest().equals(top.digest())) {
        manifestsSkipped.incrementAndGet();
        LOG.debug("{} is already at {} as {}", top.digest(), target.location(), targetRef);
        return outcome(sourceShown, top.digest(), top.mediaType(), true, start);
      }
      Manifest manifest = fetch(top, "manifest " + reference);
      Node root;
      if (tag.isPresent() && retry.run(() -> target.resolve(top.digest().toString())).isPresent()) {
        // Present by digest under another tag or none: its tree is complete there; only tag it.
        root = new Node(manifest);
      } else {
        root = discover(manifest);
      }
      awaitBlobs();
      push(root);
      return outcome(sourceShown, manifest.digest(), manifest.mediaType(), false, start);
    } catch (IOException | RuntimeException e) {
      failure.compareAndSet(null, unwrap(e));
      awaitQuietly();
      throw wrap(failure.get(), sourceShown);
    } catch (Error e) {
      failure.compareAndSet(null, e);
      awaitQuietly();
      throw e;
    }
  }

  /**
   * A reference that does not resolve: fetching it lets the endpoint say why in its own terms
   * (registry and repository apart, the server's error code), and covers an endpoint whose cheap
   * resolve missed what a fetch finds.
   */
  private Descriptor resolveByFetching() throws IOException {
    Manifest m = retry.run(() -> source.fetchManifest(reference));
    return m.descriptor();
  }

  private String targetShown(Digest digest) {
    return targetName + tag.map(t -> ":" + t).orElse("@" + digest);
  }

  private CopyOutcome outcome(String sourceShown, Digest digest, String mediaType, boolean unchanged, long start) {
    List<Digest> foreign = new ArrayList<>(new LinkedHashSet<>(foreignSkipped));
    return new CopyOutcome(sourceShown, targetShown(digest), digest, mediaType, unchanged, manifestsCopied.get(),
        manifestsSkipped.get(), blobsCopied.get(), blobsSkipped.get(), blobsMounted.get(), bytesCopied.get(),
        foreign, Duration.ofNanos(System.nanoTime() - start));
  }

  /** Fetches a manifest by digest and checks it is the one its descriptor names. */
  private Manifest fetch(Descriptor d, String what) throws IOException {
    Manifest m = retry.run(() -> source.fetchManifest(d.digest().toString()));
    if (!m.digest().equals(d.digest()) || m.size() != d.size()) {
      throw new DigestMismatchException(what + " fetched from " + source.location() + " as " + d.digest() + " ("
          + d.size() + " bytes) hashes to " + m.digest() + " (" + m.size() + " bytes)",
          RegistryException.Context.of(source.location()).reference(d.digest().toString()), d.digest(), m.digest());
    }
    return m;
  }

  private Node discover(Manifest manifest) throws IOException {
    Node node = new Node(manifest);
    nodes.put(manifest.digest(), node);
    if (!manifest.isIndex()) {
      manifest.blobs().forEach(this::transfer);
      return node;
    }
    Map<Digest, CompletableFuture<Optional<Manifest>>> children = new java.util.LinkedHashMap<>();
    for (Descriptor child : manifest.manifests()) {
      Node known = nodes.get(child.digest());
      if (known != null) {
        if (!node.children.contains(known)) {
          node.children.add(known);
        }
        continue;
      }
      children.computeIfAbsent(child.digest(), k -> submit(() -> fetchChild(child, manifest.digest())));
    }
    for (CompletableFuture<Optional<Manifest>> f : children.values()) {
      Optional<Manifest> child = await(f);
      if (child.isPresent()) {
        Node known = nodes.get(child.get().digest());
        node.children.add(known != null ? known : discover(child.get()));
      }
    }
    return node;
  }

  /** The child manifest, or empty if the target has it (and so, by invariant 3, its whole tree). */
  private Optional<Manifest> fetchChild(Descriptor child, Digest index) throws IOException {
    if (retry.run(() -> target.resolve(child.digest().toString())).isPresent()) {
      manifestsSkipped.incrementAndGet();
      LOG.debug("manifest {} is already at {}", child.digest(), target.location());
      return Optional.empty();
    }
    return Optional.of(fetch(child, "child manifest of index " + index));
  }

  /** Starts moving a blob unless this run already moves it. */
  private void transfer(Descriptor blob) {
    blobs.computeIfAbsent(blob.digest(), k -> submit(() -> {
      retry.run(() -> transferOnce(blob));
      return null;
    }));
  }

  private Void transferOnce(Descriptor blob) throws IOException {
    if (target.hasBlob(blob)) {
      blobsSkipped.incrementAndGet();
      LOG.debug("blob {} is already at {}", blob.digest(), target.location());
      return null;
    }
    if (isForeign(blob) && !source.hasBlob(blob)) {
      // Like skopeo: a foreign layer lives at its URLs, not in the source; the manifest keeps them.
      foreignSkipped.add(blob.digest());
      LOG.debug("foreign blob {} is not at {}; skipped", blob.digest(), source.location());
      return null;
    }
    if (target.mountBlob(blob, source)) {
      blobsMounted.incrementAndGet();
      LOG.debug("mounted blob {} from {}", blob.digest(), source.location());
      return null;
    }
    try (InputStream raw = source.openBlob(blob)) {
      VerifyingInputStream in = new VerifyingInputStream(raw, blob, source.location());
      try {
        target.pushBlob(blob, in);
      } catch (IOException | RuntimeException e) {
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
    blobsCopied.incrementAndGet();
    bytesCopied.addAndGet(blob.size());
    LOG.debug("copied blob {} ({} bytes)", blob.digest(), blob.size());
    return null;
  }

  static boolean isForeign(Descriptor blob) {
    String mt = blob.mediaType();
    return !blob.urls().isEmpty() || MediaType.DOCKER_FOREIGN_LAYER.equals(mt)
        || mt.startsWith("application/vnd.oci.image.layer.nondistributable.");
  }

  private void awaitBlobs() throws IOException {
    for (CompletableFuture<Void> f : List.copyOf(blobs.values())) {
      await(f);
    }
  }

  /** Pushes the tree: children first (siblings in parallel), then the top manifest with the tag. */
  private void push(Node root) throws IOException {
    Map<Digest, CompletableFuture<Void>> pushed = new HashMap<>();
    List<CompletableFuture<Void>> children = new ArrayList<>();
    for (Node c : root.children) {
      children.add(pushChild(c, pushed));
    }
    await(CompletableFuture.allOf(children.toArray(CompletableFuture[]::new)));
    pushManifest(root.manifest, tag);
  }

  private CompletableFuture<Void> pushChild(Node node, Map<Digest, CompletableFuture<Void>> pushed) {
    CompletableFuture<Void> f = pushed.get(node.manifest.digest());
    if (f == null) {
      List<CompletableFuture<Void>> children = new ArrayList<>();
      for (Node c : node.children) {
        children.add(pushChild(c, pushed));
      }
      f = CompletableFuture.allOf(children.toArray(CompletableFuture[]::new))
          .thenComposeAsync(v -> submit(() -> {
            pushManifest(node.manifest, Optional.empty());
            return null;
          }), executor);
      pushed.put(node.manifest.digest(), f);
      track(f);
    }
    return f;
  }

  private void pushManifest(Manifest m, Optional<String> withTag) throws IOException {
    if (failure.get() != null) {
      throw new CancellationException("copy failed elsewhere");
    }
    retry.run(() -> {
      try {
        target.pushManifest(m, withTag);
      } catch (RegistryException e) {
        if (saysReferenceMissing(e) && referencesPresent(m)) {
          // The target answers HEAD for everything the manifest references, yet says something is
          // missing: it is racing another writer of the same blob (distribution rewrites a blob's
          // link file in place on every upload). That passes; try again.
          throw new ReferenceRace(e);
        }
        throw e;
      }
      return null;
    });
    manifestsCopied.incrementAndGet();
    LOG.debug("pushed manifest {} ({}){}", m.digest(), m.mediaType(), withTag.map(t -> " as " + t).orElse(""));
  }

  private static boolean saysReferenceMissing(RegistryException e) {
    return e.status().orElse(0) == 400 && e.errorCode().filter(c -> c.equals("MANIFEST_BLOB_UNKNOWN")
        || c.equals("BLOB_UNKNOWN") || c.equals("MANIFEST_UNKNOWN") || c.equals("DIGEST_INVALID")).isPresent();
  }

  private boolean referencesPresent(Manifest m) throws IOException {
    for (Descriptor b : m.blobs()) {
      if (!target.hasBlob(b) && !foreignSkipped.contains(b.digest())) {
        return false;
      }
    }
    for (Descriptor c : m.manifests()) {
      if (target.resolve(c.digest().toString()).isEmpty()) {
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

  /** Runs work on the executor, unless the run already failed; records the first failure. */
  private <T> CompletableFuture<T> submit(Retry.Attempt<T> work) {
    CompletableFuture<T> f = CompletableFuture.supplyAsync(() -> {
      if (failure.get() != null) {
        throw new CancellationException("copy failed elsewhere");
      }
      try {
        return work.run();
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, executor);
    track(f);
    return f;
  }

  private void track(CompletableFuture<?> f) {
    inFlight.add(f);
    f.whenComplete((v, e) -> {
      Throwable cause = e == null ? null : unwrap(e);
      if (cause != null && !(cause instanceof CancellationException)) {
        failure.compareAndSet(null, cause);
      }
    });
  }

  private <T> T await(CompletableFuture<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException iio = new InterruptedIOException("interrupted while copying " + reference);
      failure.compareAndSet(null, iio);
      throw iio;
    } catch (ExecutionException | CancellationException e) {
      // Report the first failure of the run, not a later one it caused.
      Throwable first = failure.get();
      Throwable cause = first != null ? first : unwrap(e);
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(cause);
    }
  }

  /** Waits for every task of this run, so nothing writes to an endpoint after the copy returned. */
  private void awaitQuietly() {
    boolean interrupted = false;
    for (CompletableFuture<?> f : inFlight) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException | CancellationException e) {
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException || t instanceof UncheckedIOException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The failure, as a RegistryException naming source, target and reference; the type is kept. */
  private IOException wrap(Throwable t, String sourceShown) {
    if (t instanceof Error err) {
      throw err;
    }
    String detail = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
    RegistryException.Context ctx = RegistryException.Context.of(source.location()).reference(reference);
    if (t instanceof RegistryException r) {
      // Keep the endpoint where it failed (the target, say), said once; the reference stays the
      // image the caller asked for, and the reason names the blob or child that failed.
      detail = r.reason() + r.reference().filter(x -> !x.equals(reference)).map(x -> " [" + x + "]").orElse("");
      ctx = r.context().reference(reference);
    }
    String reason = "copy " + sourceShown + " -> " + targetName + tag.map(x -> ":" + x).orElse("") + " failed: "
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
    if (t instanceof InterruptedIOException && t.getClass() == InterruptedIOException.class) {
      return (InterruptedIOException) t;
    }
    return new RegistryException(reason, ctx, t);
  }

  /** For tests and logs. */
  @Override
  public String toString() {
    return "CopyRun{" + sourceName + " " + reference + " -> " + targetName + tag.map(t -> ":" + t).orElse("") + "}";
  }
}
