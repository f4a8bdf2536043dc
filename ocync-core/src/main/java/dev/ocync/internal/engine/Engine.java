package dev.ocync.internal.engine;

import dev.ocync.Mapping;
import dev.ocync.Registry;
import dev.ocync.SyncReport;
import dev.ocync.internal.cache.TransferCache;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mirror engine of one {@code Syncer}: its threads (or the host's executor), the registries it
 * opened on demand, and the adaptive limit of each registry, all kept between runs so a syncer run
 * on a schedule reuses connections and tokens. Each run gets fresh transfer state. Thread-safe.
 */
public final class Engine implements Closeable {
  private final EngineSettings settings;
  private final ExecutorService own;
  private final Executor executor;
  private final ScheduledExecutorService timer;
  private final Map<String, Registry> opened = new ConcurrentHashMap<>();
  private final Map<String, Limiter> limiters = new ConcurrentHashMap<>();
  /** The registry each host was reached through, for its limits. */
  private final Map<String, Registry> used = new ConcurrentHashMap<>();
  /** Opened with the first run, kept between runs (so a scheduled syncer stays warm), persisted after each. */
  private TransferCache cache;
  /** A new referrer stage for each run; tests put their own. */
  private volatile java.util.function.Supplier<ReferrerStage> referrers = ReferrerSync::new;
  /** Guards {@link #closed} and {@link #running}; close() waits on it for running work. */
  private final Object state = new Object();
  private boolean closed;
  private int running;

  /** An engine with these settings; it starts its own threads unless the settings bring an executor. */
  public Engine(EngineSettings settings) {
    this.settings = settings;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "ocync-" + n.incrementAndGet());
      // A syncer someone forgot to close must not keep the JVM alive.
      t.setDaemon(true);
      return t;
    };
    this.own = settings.executor().isPresent() ? null : Executors.newFixedThreadPool(settings.threads(), threads);
    this.executor = settings.executor().isPresent() ? settings.executor().get() : own;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ocync-timer");
      t.setDaemon(true);
      return t;
    });
  }

  EngineSettings settings() {
    return settings;
  }

  Executor executor() {
    return executor;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  /** Where referrers join; the referrer components plug in here. */
  void referrers(ReferrerStage stage) {
    this.referrers = () -> stage;
  }

  /** The transfer cache: the file under the cache directory, else one in memory for this engine's life. */
  synchronized TransferCache cache() {
    if (cache == null) {
      cache = settings.cacheDirectory().map(d -> TransferCache.open(d, settings.cacheTtl()))
          .orElseGet(() -> TransferCache.inMemory(settings.cacheTtl()));
    }
    return cache;
  }

  /**
   * The adaptive limit of blob transfers towards one registry (or one repository given as it is),
   * capped by the registry's {@link Registry#maxConcurrent()} where set, else by the syncer's
   * blobs per registry.
   */
  Limiter limiter(String group) {
    return limiters.computeIfAbsent(group, g -> new Limiter(g, registryOf(g).flatMap(r -> {
      java.util.OptionalInt n = r.maxConcurrent();
      return n.isPresent() ? Optional.of(n.getAsInt()) : Optional.empty();
    }).orElse(settings.blobsPerRegistry()), true));
  }

  /** Whether images from this side are compared by HEAD before their manifest is fetched. */
  boolean headFirst(Side side) {
    return registryOf(side.group()).map(Registry::headFirst).orElse(true);
  }

  /** The registry the engine uses for a group (a registry host), if it is one. */
  private Optional<Registry> registryOf(String group) {
    Registry r = used.get(group);
    return Optional.ofNullable(r != null ? r : settings.registries().get(group));
  }

  /** A new run; the caller must {@link #exit()} once it is over. */
  Run newRun() {
    enter();
    return new Run(this, settings, new GuardedListener(settings.listener()), referrers.get());
  }

  /** A running set of mappings: the report future never fails; cancel it with {@link Running#cancel()}. */
  public Running start(List<Mapping> mappings) {
    Run run = newRun();
    CompletableFuture<SyncReport> report;
    try {
      report = run.run(mappings);
    } catch (RuntimeException | Error e) {
      exit();
      throw e;
    }
    report.whenComplete((r, e) -> exit());
    return new Running(report, run::cancel, run::drain);
  }

  /** A started run: its report, how to cancel it and how to drain it. */
  public record Running(CompletableFuture<SyncReport> report, Runnable cancel,
      java.util.function.Consumer<java.time.Duration> drain) {}

  /** The endpoint as the engine moves content: its repository and group (registry host). */
  Side side(Mapping.Endpoint e) {
    if (e.repository().isPresent()) {
      return Side.of(e.repository().get(), e.name());
    }
    String host = e.host().orElseThrow();
    Registry registry = e.registry().orElseGet(() -> registry(host));
    // a mapping's own registry object brings its limits too
    used.putIfAbsent(host, registry);
    return new Side(registry.repository(e.path().orElseThrow()), host, e.name());
  }

  /** The configured registry for {@code host}, else one opened now and kept for the engine's life. */
  Registry registry(String host) {
    return registry(host, Optional.empty());
  }

  /**
   * As {@link #registry(String)}, where an explicit {@code http} or {@code https} scheme (from a
   * location such as {@code https://127.0.0.1:5443/app}) decides plain HTTP or TLS, keeping the
   * configured registry's other settings (CA, credentials, timeouts).
   */
  Registry registry(String host, Optional<String> scheme) {
    Registry configured = settings.registries().get(host);
    Optional<Boolean> plain = scheme.map("http"::equals);
    if (configured != null && plain.map(p -> p == configured.plainHttp()).orElse(true)) {
      return configured;
    }
    // Only running work gets here, and close() waits for it before it closes these.
    return opened.computeIfAbsent(scheme.map(s -> s + "://").orElse("") + host, key -> {
      Registry.Builder b = configured != null ? configured.newBuilder()
          : Registry.builder(host).credentials(settings.credentials());
      plain.ifPresent(b::plainHttp);
      return b.build();
    });
  }

  /** Admits work unless the engine is closed; close() then waits for it. */
  void enter() {
    synchronized (state) {
      if (closed) {
        throw new IllegalStateException("the syncer is closed");
      }
      running++;
    }
  }

  void exit() {
    synchronized (state) {
      running--;
      state.notifyAll();
    }
  }

  /**
   * Refuses new work, waits for running work to finish, then stops the engine's own threads (never
   * a host's executor) and closes the registries opened on demand. Interrupted, it stops its
   * threads at once instead.
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
      timer.shutdownNow();
      synchronized (this) {
        if (cache != null) {
          cache.close();
        }
      }
      if (own != null) {
        own.shutdown();
        if (!own.awaitTermination(30, TimeUnit.SECONDS)) {
          own.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      if (own != null) {
        own.shutdownNow();
      }
      timer.shutdownNow();
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
