package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.engine.Copier;
import dev.ocync.internal.engine.Engine;
import dev.ocync.internal.engine.EngineSettings;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Mirrors images, indexes and artifacts between endpoints, verifying every byte: many
 * {@link Mapping}s at once with {@link #run(List)}, or one image with {@link #copy}. Everything a
 * run needs hangs off its {@code Syncer}: two of them in one JVM share nothing mutable. Reusable
 * and thread-safe: a host calling {@code run} on a schedule reuses the registries' connections and
 * tokens. Close it when done to release the registries and threads it opened.
 *
 * <pre>{@code
 * try (Syncer syncer = Syncer.builder().credentials(CredentialProvider.defaults()).build()) {
 *   SyncReport report = syncer.run(List.of(Mapping.builder()
 *       .source("docker.io", "library/alpine").target("127.0.0.1:5000", "mirror/alpine")
 *       .tags("3.20").build()));
 *   System.out.println(report);
 *   CopyResult r = syncer.copy("oci:./image:1.0", "oci-archive:/tmp/image.tar:1.0");
 * }
 * }</pre>
 */
public final class Syncer implements Closeable {
  private final EngineSettings settings;
  private final Copier copier;

  private Syncer(Builder b) {
    this.settings = new EngineSettings(b.credentials, b.registries, b.concurrency, b.imagesInFlight,
        b.blobsPerRegistry, b.retry, b.listener, b.dryRun, Optional.ofNullable(b.executor),
        Optional.ofNullable(b.cacheDirectory), b.cacheTtl, b.stagingLimit, b.verifyTargets);
    this.copier = new Copier(settings);
  }

  /** A builder with anonymous credentials and default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Copies one image by tag or digest between two locations, with every child of an index. Blobs
   * and child manifests already at the target are skipped; if the target tag already names the
   * same manifest nothing is done and the result says {@link CopyResult#unchanged() unchanged}.
   *
   * <p>Locations, as skopeo spells them: {@code oci:DIR[:TAG]} or {@code oci:DIR@sha256:...}
   * (layout directory), {@code oci-archive:FILE[:TAG]} (layout tar), or a registry reference,
   * optionally prefixed {@code docker://} ({@code ghcr.io/org/app:1.0},
   * {@code 127.0.0.1:5000/app@sha256:...}). For layouts, the tag is what follows the last
   * {@code :} when that is a valid tag without {@code /}. A source layout without a tag must hold
   * exactly one tag; a registry source without one means {@code latest}. A target without a tag
   * gets the source's tag, or none (stored by digest) when the source was given by digest alone; a
   * target cannot name a digest.
   *
   * <p>Registries configured with {@link Builder#registry} are used for their host; others are
   * opened on demand with {@link #credentials()} and kept until {@link #close()}. Layouts and
   * archives are opened for this copy and closed after it (closing an archive writes it).
   *
   * @throws IllegalArgumentException if a location does not parse (naming it and the accepted
   *     forms), or a source layout without a tag holds no or several tags
   * @throws dev.ocync.spi.RegistryException if the copy fails, naming source, target and
   *     reference; no manifest of the failed copy is left at the target
   */
  public CopyResult copy(String source, String target) throws IOException {
    return CopyResult.of(
        copier.copy(Objects.requireNonNull(source, "source"), Objects.requireNonNull(target, "target")));
  }

  /**
   * Copies the manifest {@code reference} (a tag or digest) from {@code source} to {@code target},
   * tagging it {@code tag} there, or storing it by digest only when {@code tag} is empty. The
   * repositories stay open; the caller closes them.
   *
   * @throws IllegalArgumentException if {@code reference} is neither a tag nor a digest, or
   *     {@code tag} is not a valid tag
   * @throws dev.ocync.spi.RegistryException if the copy fails; see {@link #copy(String, String)}
   */
  public CopyResult copy(Repository source, String reference, Repository target, Optional<String> tag)
      throws IOException {
    return CopyResult.of(copier.copy(Objects.requireNonNull(source, "source"),
        Objects.requireNonNull(reference, "reference"), Objects.requireNonNull(target, "target"),
        Objects.requireNonNull(tag, "tag")));
  }

  /**
   * Runs the mappings and returns what happened. Endpoint failures never throw: a broken image, a
   * tag listing that failed or too few tags are in the report, and the other images go on. Images
   * of all mappings share one transfer state: each unique blob is read from its source once and
   * uploaded once per target registry, later repositories of that registry mount it. Unchanged
   * tags are skipped by comparing the source's and the target's HEAD digests, without a manifest
   * GET. Interrupting the calling thread cancels the run; see {@link SyncRun}.
   *
   * <p><b>Warm runs.</b> The transfer cache (in memory for the syncer's life, or in
   * {@link Builder#cacheDirectory}) remembers, per source tag, platform filter and target
   * repository, the source digest and the digest ocync wrote there. Every run still asks the source
   * for each tag's digest (one HEAD: a tag moved upstream is always seen) and asks the source for
   * the image's referrers (one request where the registry has the referrers API or a
   * {@code sha256-<hex>} tag, plus cosign's legacy tags unless the mapping's tag listing already
   * shows which exist), so a signature added upstream arrives. When the source digest equals the
   * cached one, the image is skipped as {@code CACHED} without a manifest GET and without asking
   * the target, within the cache TTL of the last time ocync wrote or checked that tag there; see
   * {@link Builder#verifyTargets} to ask the target every run. Blob presence from the cache is a
   * hint too: a manifest refused for a missing blob forgets the image's entries and retries it once
   * without the cache.
   *
   * <p>A source repository that the run sends to several target registries (as targets of one
   * mapping, or of several mappings with that source) has each blob read once into a staging file
   * on disk and uploaded to every target from there, within {@link Builder#stagingLimit(long)};
   * beyond it, and for sources going to one target registry, blobs stream straight from source to
   * target.
   *
   * @throws IllegalArgumentException for an empty list
   * @throws IllegalStateException if the syncer is closed
   */
  public SyncReport run(List<Mapping> mappings) {
    return start(mappings).await();
  }

  /** Starts the mappings and returns at once; see {@link #run(List)}. */
  public SyncRun start(List<Mapping> mappings) {
    List<Mapping> list = List.copyOf(Objects.requireNonNull(mappings, "mappings"));
    if (list.isEmpty()) {
      throw new IllegalArgumentException("no mappings to run");
    }
    Engine.Running running = copier.engine().start(list);
    return new SyncRun(running.report(), running.cancel(), running.drain());
  }

  /** Where credentials come from for registries this syncer opens itself. */
  public CredentialProvider credentials() {
    return settings.credentials();
  }

  /** Registries configured explicitly, by host; others are opened on demand with default settings. */
  public Map<String, Registry> registries() {
    return settings.registries();
  }

  /** Threads of the syncer's own pool: how many requests run at once when no executor is given. */
  public int concurrency() {
    return settings.threads();
  }

  /** Images (each at one target) moving at once. */
  public int imagesInFlight() {
    return settings.imagesInFlight();
  }

  /** The most blob transfers at once towards one registry; the adaptive limit stays at or below it. */
  public int blobsInFlightPerRegistry() {
    return settings.blobsPerRegistry();
  }

  /** How transient failures are retried. */
  public RetryPolicy retryPolicy() {
    return settings.retry();
  }

  /** Whether runs of this syncer are dry runs: no write request anywhere. */
  public boolean dryRun() {
    return settings.dryRun();
  }

  /**
   * Waits for running copies, stops the syncer's threads and closes the registries it opened
   * itself (not the ones handed to the builder). A closed syncer refuses to copy.
   */
  @Override
  public void close() throws IOException {
    copier.close();
  }

  /** Builds a {@link Syncer}. Setters validate eagerly. */
  public static final class Builder {
    /** The default of {@link #concurrency(int)}: threads of the syncer's own pool. */
    public static final int DEFAULT_CONCURRENCY = 8;

    private CredentialProvider credentials = CredentialProvider.anonymous();
    private final Map<String, Registry> registries = new LinkedHashMap<>();
    private int concurrency = DEFAULT_CONCURRENCY;
    private int imagesInFlight = 8;
    private int blobsPerRegistry = 6;
    private RetryPolicy retry = RetryPolicy.defaults();
    private SyncListener listener = SyncListener.NONE;
    private boolean dryRun;
    private Executor executor;
    private Path cacheDirectory;
    private Duration cacheTtl = Duration.ofDays(7);
    private long stagingLimit = 1L << 30;
    private boolean verifyTargets;

    private Builder() {}

    /** Credentials for registries opened on demand; anonymous by default. */
    public Builder credentials(CredentialProvider provider) {
      this.credentials = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Use this registry (its TLS, auth, timeouts) for references to its host. */
    public Builder registry(Registry registry) {
      Objects.requireNonNull(registry, "registry");
      registries.put(registry.host(), registry);
      return this;
    }

    /**
     * Threads of the syncer's own pool, 1 to 64; 8 by default: how many requests (blob transfers
     * included) run at once across all registries. Unused with {@link #executor}.
     */
    public Builder concurrency(int n) {
      this.concurrency = range("concurrency", n, 64);
      return this;
    }

    /** Images (each at one target) moving at once, 1 to 1024; 8 by default. */
    public Builder imagesInFlight(int n) {
      this.imagesInFlight = range("imagesInFlight", n, 1024);
      return this;
    }

    /**
     * The most blob transfers at once towards one registry, 1 to 256; 6 by default. The limit
     * adapts: it halves when the registry answers 429 and grows back on success, never above this.
     */
    public Builder blobsInFlightPerRegistry(int n) {
      this.blobsPerRegistry = range("blobsInFlightPerRegistry", n, 256);
      return this;
    }

    private static int range(String what, int n, int max) {
      if (n < 1 || n > max) {
        throw new IllegalArgumentException(what + " must be 1 to " + max + ", got " + n);
      }
      return n;
    }

    /** How transient failures are retried; {@link RetryPolicy#defaults()} by default. */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retry = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Who hears about the runs; combine several with {@link SyncListener#and}. */
    public Builder listener(SyncListener l) {
      this.listener = Objects.requireNonNull(l, "listener");
      return this;
    }

    /**
     * Dry runs: tags are listed and selected, HEADs and manifest GETs tell what would move, and no
     * write request is sent anywhere (no upload, mount or manifest push). {@code copy} is a dry run
     * too.
     */
    public Builder dryRun(boolean dry) {
      this.dryRun = dry;
      return this;
    }

    /**
     * Run blocking work on the host's executor instead of the syncer's own threads. The syncer
     * never shuts it down. It must be able to run at least two tasks at once.
     */
    public Builder executor(Executor hostExecutor) {
      this.executor = Objects.requireNonNull(hostExecutor, "executor");
      return this;
    }

    /**
     * Where the transfer cache is kept between runs and processes (and staging files, see
     * {@link #stagingLimit}). None by default: the cache then lives in memory for the syncer's
     * life. The cache remembers which blobs each target registry repository has, so a warm run
     * skips those HEADs; it is a hint, and a manifest a target refuses for such a blob makes the
     * image's entries forgotten and the image retried once without it.
     */
    public Builder cacheDirectory(Path dir) {
      this.cacheDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * How many bytes of blobs one run may stage on disk, 0 (never) to 1 TiB; 1 GiB by default. A
     * source repository the run sends to several target registries (or repositories given as they
     * are), from one mapping or several, has each blob read once into a staging file (under the
     * cache directory, else the system temporary directory), verified, and uploaded to every target
     * from there; the files are deleted when the run ends. Beyond the limit, blobs are streamed
     * from the source once per target registry. A source going to one target registry always streams.
     */
    public Builder stagingLimit(long bytes) {
      if (bytes < 0 || bytes > (1L << 40)) {
        throw new IllegalArgumentException("stagingLimit must be 0 to 1 TiB, got " + bytes);
      }
      this.stagingLimit = bytes;
      return this;
    }

    /** How old a cache file may be before it is ignored, 0 (never ignored) to 365 days; 7 days by default. */
    public Builder cacheTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException("cacheTtl must be 0 to 365 days, got " + ttl);
      }
      this.cacheTtl = ttl;
      return this;
    }

    /**
     * Whether a warm run HEADs a target tag the transfer cache already knows, every run; false by
     * default. By default a tag whose source digest still matches what ocync wrote or checked at
     * that target within the {@link #cacheTtl cache TTL} is skipped ({@code CACHED}) without asking
     * the target; once the TTL has passed since the last real check, the target is asked again.
     * Set this when something else may delete or move tags at the targets and the mirror must put
     * them back at the next run rather than within the TTL: it costs one HEAD per tag and target.
     * A cache TTL of zero (entries never expire) implies it. The TTL also bounds what the in-memory
     * cache of a syncer without a cache directory trusts.
     */
    public Builder verifyTargets(boolean verify) {
      this.verifyTargets = verify;
      return this;
    }

    /** Builds the syncer. */
    public Syncer build() {
      return new Syncer(this);
    }
  }

  @Override
  public String toString() {
    List<String> hosts = new ArrayList<>(settings.registries().keySet());
    return "Syncer{registries=" + hosts + ", concurrency=" + settings.threads() + ", imagesInFlight="
        + settings.imagesInFlight() + ", blobsInFlightPerRegistry=" + settings.blobsPerRegistry()
        + (settings.dryRun() ? ", dryRun" : "") + "}";
  }
}
