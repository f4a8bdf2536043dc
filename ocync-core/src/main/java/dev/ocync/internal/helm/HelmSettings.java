package dev.ocync.internal.helm;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.http.FileClient;
import dev.ocync.internal.http.HttpSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the public {@code HelmRepository} builder collected, handed to the internals so they
 * never call back into the public class (as the engine gets {@code EngineSettings}).
 *
 * @param url the repository URL as given, path without a trailing slash, query kept
 * @param http TLS, timeouts, proxy and redirect rules, as for a registry
 * @param archiveCache where verified archives are kept on disk, and the byte limit of that directory
 * @param maxMemoryBytes the most bytes of archives and provenance files held in memory at once
 */
public record HelmSettings(URI url, CredentialProvider credentials, HttpSettings http, boolean passCredentials,
    boolean allowMissingDigest, long maxIndexBytes, long maxArchiveBytes, Optional<DiskCache> archiveCache,
    long maxMemoryBytes) {

  /** The default bound on archive bytes held in memory: 256 MiB. */
  public static final long DEFAULT_MAX_MEMORY_BYTES = 256L * 1024 * 1024;

  /** A directory of verified archives and its size limit in bytes. */
  public record DiskCache(Path directory, long maxBytes) {}

  /** Settings without a disk cache and with the default memory bound. */
  public HelmSettings(URI url, CredentialProvider credentials, HttpSettings http, boolean passCredentials,
      boolean allowMissingDigest, long maxIndexBytes, long maxArchiveBytes) {
    this(url, credentials, http, passCredentials, allowMissingDigest, maxIndexBytes, maxArchiveBytes,
        Optional.empty(), DEFAULT_MAX_MEMORY_BYTES);
  }

  /** {@code host[:port]} of the repository URL, the key credentials are looked up by. */
  public String hostPort() {
    return url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
  }

  /** The URL for messages: scheme, host, port and path, never user info or the query (tokens live there). */
  public String shown() {
    return FileClient.shown(url);
  }
}
