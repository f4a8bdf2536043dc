package dev.ocync.internal.helm;

import dev.ocync.auth.CredentialProvider;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the public {@code HelmRepository} builder collected, handed to the internals so they
 * never call back into the public class (as the engine gets {@code EngineSettings}).
 *
 * @param url the repository URL as given, path without a trailing slash, query kept
 */
public record HelmSettings(URI url, CredentialProvider credentials, Optional<Path> caCertificate,
    Optional<Path> clientCertificate, Optional<Path> clientKey, boolean insecureSkipVerify,
    Duration connectTimeout, Duration readTimeout, String userAgent, boolean passCredentials,
    boolean allowMissingDigest, long maxIndexBytes, long maxArchiveBytes) {

  /** {@code host[:port]} of the repository URL, the key credentials are looked up by. */
  public String hostPort() {
    return url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
  }

  /** The URL for messages: scheme, host, port and path, never user info or the query (tokens live there). */
  public String shown() {
    return HttpChartTransport.shown(url);
  }
}
