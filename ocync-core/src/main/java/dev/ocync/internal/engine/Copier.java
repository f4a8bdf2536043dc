package dev.ocync.internal.engine;

import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Reference;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The copy engine behind {@link Syncer#copy}: opens endpoints for locations, runs each copy on the
 * syncer's executor, and owns the registries it opened on demand. One per {@link Syncer}.
 */
public final class Copier implements Closeable {
  /** Blob transfers and other requests are tried this many times when they fail transiently. */
  static final int ATTEMPTS = 3;
  private static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);

  private final Syncer syncer;
  private final ExecutorService executor;
  private final Retry retry;
  private final Map<String, Registry> opened = new ConcurrentHashMap<>();
  /** Guards {@link #closed} and {@link #running}; close() waits on it for running copies. */
  private final Object state = new Object();
  private boolean closed;
  private int running;

  /** A copier for {@code syncer}, with its concurrency. */
  public Copier(Syncer syncer) {
    this(syncer, DEFAULT_BACKOFF);
  }

  /** A copier that waits {@code retryBackoff}, then twice that, between attempts; tests make it short. */
  public Copier(Syncer syncer, Duration retryBackoff) {
    this.syncer = Objects.requireNonNull(syncer, "syncer");
    this.retry = new Retry(ATTEMPTS, Objects.requireNonNull(retryBackoff, "retryBackoff"));
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "ocync-copy-" + n.incrementAndGet());
      // A syncer someone forgot to close must not keep the JVM alive.
      t.setDaemon(true);
      return t;
    };
    this.executor = Executors.newFixedThreadPool(syncer.concurrency(), threads);
  }

  /** Copies between two locations; see {@link Syncer#copy(String, String)}. */
  public CopyOutcome copy(String source, String target) throws IOException {
    Location from = Location.parse(source);
    Location to = Location.parse(target);
    if (to.digest().isPresent()) {
      throw new IllegalArgumentException("invalid target location \"" + target
          + "\": a target cannot name a digest, it gets the source's; give a tag or none");
    }
    enter();
    try {
      return copy(from, to);
    } finally {
      exit();
    }
  }

  private CopyOutcome copy(Location from, Location to) throws IOException {
    Repository src = open(from);
    Repository dst = null;
    CopyOutcome outcome;
    try {
      dst = open(to);
      Optional<String> sourceTag = from.tag();
      String reference;
      if (from.digest().isPresent()) {
        reference = from.digest().get().toString();
      } else if (sourceTag.isPresent()) {
        reference = sourceTag.get();
      } else if (from.kind() == Location.Kind.REGISTRY) {
        sourceTag = from.reference().orElseThrow().tag();
        reference = sourceTag.orElseThrow();
      } else {
        sourceTag = Optional.of(onlyTag(src, from));
        reference = sourceTag.get();
      }
      // A target without a tag takes the source's; a source given by digest alone gives none.
      Optional<String> targetTag =
          to.tag().isPresent() ? to.tag() : from.digest().isPresent() ? from.tag() : Optional.of(reference);
      String sourceName = from.display(Optional.empty(), Optional.empty());
      String targetName = to.display(Optional.empty(), Optional.empty());
      outcome = new CopyRun(src, reference, dst, targetTag, sourceName, targetName, executor, retry).run();
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(dst, e);
      closeQuietly(src, e);
      throw e;
    }
    try {
      src.close();
    } finally {
      // Closing an archive is what writes it: a failure here fails the copy.
      dst.close();
    }
    return outcome;
  }

  /** Copies {@code reference} from one repository to another; see {@link Syncer#copy(Repository, String, Repository, Optional)}. */
  public CopyOutcome copy(Repository source, String reference, Repository target, Optional<String> tag)
      throws IOException {
    if (!Digest.isDigest(reference) && !Reference.isTag(reference)) {
      throw new IllegalArgumentException("invalid reference \"" + reference + "\": expected a tag "
          + "([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a digest (sha256:<64 hex digits>)");
    }
    tag.ifPresent(t -> {
      if (!Reference.isTag(t)) {
        throw new IllegalArgumentException("invalid tag \"" + t + "\": must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      }
    });
    enter();
    try {
      return new CopyRun(source, reference, target, tag, source.location(), target.location(), executor, retry).run();
    } finally {
      exit();
    }
  }

  private static String onlyTag(Repository layout, Location where) throws IOException {
    List<String> tags = layout.listTags();
    if (tags.size() == 1) {
      return tags.get(0);
    }
    throw new IllegalArgumentException("source location \"" + where.text() + "\" names no tag and the layout holds "
        + (tags.isEmpty() ? "no tagged image" : tags.size() + " tags " + String.join(", ", tags))
        + "; add :TAG or @DIGEST");
  }

  private Repository open(Location location) {
    switch (location.kind()) {
      case LAYOUT:
        return OciLayout.directory(location.path().orElseThrow());
      case ARCHIVE:
        return OciLayout.archive(location.path().orElseThrow());
      default:
        Reference r = location.reference().orElseThrow();
        return registry(r.registry(), location.scheme()).repository(r.repository());
    }
  }

  /**
   * The configured registry for {@code host}, else one opened now and kept for the syncer's life.
   * An explicit {@code http://} or {@code https://} in the location decides plain HTTP or TLS,
   * keeping the configured registry's other settings (CA, credentials, timeouts).
   */
  private Registry registry(String host, Optional<String> scheme) {
    Registry configured = syncer.registries().get(host);
    Optional<Boolean> plain = scheme.map("http"::equals);
    if (configured != null && plain.map(p -> p == configured.plainHttp()).orElse(true)) {
      return configured;
    }
    // Only a running copy gets here, and close() waits for running copies before it closes these.
    return opened.computeIfAbsent(scheme.map(s -> s + "://").orElse("") + host, key -> {
      Registry.Builder b = configured != null ? configured.newBuilder()
          : Registry.builder(host).credentials(syncer.credentials());
      plain.ifPresent(b::plainHttp);
      return b.build();
    });
  }

  /** Admits a copy unless the copier is closed; close() then waits for it. */
  private void enter() {
    synchronized (state) {
      if (closed) {
        throw new IllegalStateException("the syncer is closed");
      }
      running++;
    }
  }

  private void exit() {
    synchronized (state) {
      running--;
      state.notifyAll();
    }
  }

  private static void closeQuietly(Closeable c, Throwable into) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      if (into != null) {
        into.addSuppressed(e);
      }
    }
  }

  /**
   * Refuses new copies, waits for running ones to finish (they still need the executor: a copy of
   * an index submits work as it discovers children), then stops the executor and closes the
   * registries opened on demand. Interrupted, it stops the running copies' threads instead.
   */
  @Override
  public void close() throws IOException {
    try {
      synchronized (state) {
        closed = true;
        while (running > 0) {
          state.wait();
        }
      }
      executor.shutdown();
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while closing the syncer");
    }
    IOException first = null;
    for (Registry r : List.copyOf(opened.values())) {
      try {
        r.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (first != null) {
      throw first;
    }
  }
}
