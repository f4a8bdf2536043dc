package dev.ocync.internal.helm;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.http.FileClient;
import dev.ocync.internal.http.HttpSettings;
import java.net.URI;

/**
 * What the public {@code HelmRepository} builder collected, handed to the internals so they
 * never call back into the public class (as the engine gets {@code EngineSettings}).
 *
 * @param url the repository URL as given, path without a trailing slash, query kept
 * @param http TLS, timeouts, proxy and redirect rules, as for a registry
 */
public record HelmSettings(URI url, CredentialProvider credentials, HttpSettings http, boolean passCredentials,
    boolean allowMissingDigest, long maxIndexBytes, long maxArchiveBytes) {

  /** {@code host[:port]} of the repository URL, the key credentials are looked up by. */
  public String hostPort() {
    return url.getPort() > 0 ? url.getHost() + ":" + url.getPort() : url.getHost();
  }

  /** The URL for messages: scheme, host, port and path, never user info or the query (tokens live there). */
  public String shown() {
    return FileClient.shown(url);
  }
}
