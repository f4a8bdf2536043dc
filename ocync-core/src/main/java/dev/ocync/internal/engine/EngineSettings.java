package dev.ocync.internal.engine;

import dev.ocync.Registry;
import dev.ocync.RetryPolicy;
import dev.ocync.SyncListener;
import dev.ocync.auth.CredentialProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Everything the engine needs from a {@code Syncer.Builder}, as a value: the engine never holds
 * the {@code Syncer}.
 *
 * @param credentials for registries opened on demand
 * @param registries configured registries by host
 * @param threads threads of the engine's own pool (unused when {@code executor} is given)
 * @param imagesInFlight images (per target) moving at once
 * @param blobsPerRegistry blob transfers at once towards one registry, the cap of its adaptive limit
 * @param retry how transient failures are retried
 * @param listener run events
 * @param dryRun send no write request anywhere
 * @param executor a host's executor, never shut down by the engine
 * @param cacheDirectory where the transfer cache lives, if anywhere
 * @param cacheTtl how old a cache file may be before it is ignored
 * @param stagingLimit bytes of blobs a run may stage on disk for mappings with several target registries
 * @param verifyTargets whether a tag the transfer cache knows at a target is HEADed there anyway
 */
public record EngineSettings(CredentialProvider credentials, Map<String, Registry> registries, int threads,
    int imagesInFlight, int blobsPerRegistry, RetryPolicy retry, SyncListener listener, boolean dryRun,
    Optional<Executor> executor, Optional<Path> cacheDirectory, Duration cacheTtl, long stagingLimit,
    boolean verifyTargets) {
  public EngineSettings {
    Objects.requireNonNull(credentials, "credentials");
    registries = Map.copyOf(registries);
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(cacheDirectory, "cacheDirectory");
    Objects.requireNonNull(cacheTtl, "cacheTtl");
    if (threads < 1 || imagesInFlight < 1 || blobsPerRegistry < 1 || stagingLimit < 0) {
      throw new IllegalArgumentException("threads, imagesInFlight and blobsPerRegistry must be positive, stagingLimit not negative");
    }
  }

  /** Defaults as {@code Syncer.builder()} has them; for tests. */
  static EngineSettings defaults() {
    return new EngineSettings(CredentialProvider.anonymous(), Map.of(), 4, 8, 6, RetryPolicy.defaults(),
        SyncListener.NONE, false, Optional.empty(), Optional.empty(), Duration.ofDays(7),
        1L << 30, false);
  }

  EngineSettings withRetry(RetryPolicy policy) {
    return new EngineSettings(credentials, registries, threads, imagesInFlight, blobsPerRegistry, policy, listener,
        dryRun, executor, cacheDirectory, cacheTtl, stagingLimit, verifyTargets);
  }

  EngineSettings withImagesInFlight(int n) {
    return new EngineSettings(credentials, registries, threads, n, blobsPerRegistry, retry, listener, dryRun,
        executor, cacheDirectory, cacheTtl, stagingLimit, verifyTargets);
  }

  EngineSettings withExecutor(Executor host) {
    return new EngineSettings(credentials, registries, threads, imagesInFlight, blobsPerRegistry, retry, listener,
        dryRun, Optional.of(host), cacheDirectory, cacheTtl, stagingLimit, verifyTargets);
  }

  EngineSettings withRegistry(Registry r) {
    Map<String, Registry> all = new java.util.HashMap<>(registries);
    all.put(r.host(), r);
    return new EngineSettings(credentials, all, threads, imagesInFlight, blobsPerRegistry, retry, listener,
        dryRun, executor, cacheDirectory, cacheTtl, stagingLimit, verifyTargets);
  }

  EngineSettings withVerifyTargets(boolean verify) {
    return new EngineSettings(credentials, registries, threads, imagesInFlight, blobsPerRegistry, retry, listener,
        dryRun, executor, cacheDirectory, cacheTtl, stagingLimit, verify);
  }

  EngineSettings withThreads(int n) {
    return new EngineSettings(credentials, registries, n, imagesInFlight, blobsPerRegistry, retry, listener,
        dryRun, executor, cacheDirectory, cacheTtl, stagingLimit, verifyTargets);
  }
}
