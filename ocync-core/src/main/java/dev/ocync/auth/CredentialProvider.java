package dev.ocync.auth;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds credentials for a registry host. Plug in your own (a vault, a cloud token service) or use
 * the ones here: {@link #anonymous()}, {@link #basic}, {@link #bearer}, {@link #dockerConfig()},
 * {@link #podman()}, {@link #defaults()}, combined with {@link #or}.
 *
 * <p>Implementations must be thread-safe. An empty result means "none here, try the next
 * provider"; an exception means the lookup itself failed (for example a credential helper that
 * crashed) and is reported, without secrets.
 *
 * <pre>{@code
 * CredentialProvider creds = CredentialProvider.basic("registry.example.com", "bot", password)
 *     .or(CredentialProvider.dockerConfig());
 * }</pre>
 */
@FunctionalInterface
public interface CredentialProvider {

  /**
   * Credentials for {@code registry}, a host with optional port as in a reference
   * ({@code docker.io}, {@code ghcr.io}, {@code localhost:5000}).
   */
  Optional<Credentials> credentials(String registry) throws IOException;

  /**
   * This provider, then {@code next} when this one has nothing for a registry. An exception from
   * this provider is not hidden by asking {@code next}.
   */
  default CredentialProvider or(CredentialProvider next) {
    CredentialProvider first = this;
    return registry -> {
      Optional<Credentials> c = first.credentials(registry);
      return c.isPresent() ? c : next.credentials(registry);
    };
  }

  /** No credentials for any registry. */
  static CredentialProvider anonymous() {
    return registry -> Optional.empty();
  }

  /** A username and password for one registry; Docker Hub's aliases count as one registry. */
  static CredentialProvider basic(String registry, String username, String password) {
    Credentials c = Credentials.basic(username, password);
    return forRegistry(registry, c);
  }

  /** A bearer token for one registry. */
  static CredentialProvider bearer(String registry, String token) {
    return forRegistry(registry, Credentials.bearer(token));
  }

  /** Fixed credentials for one registry; Docker Hub's aliases count as one registry. */
  static CredentialProvider forRegistry(String registry, Credentials credentials) {
    String wanted = RegistryHosts.canonical(registry);
    return r -> RegistryHosts.canonical(r).equals(wanted) ? Optional.of(credentials) : Optional.empty();
  }

  /**
   * Docker's {@code config.json}: {@code $DOCKER_CONFIG/config.json}, else
   * {@code ~/.docker/config.json}. A missing file means no credentials; a malformed one is an
   * {@link IOException} naming the file.
   *
   * <p>For each registry host, as Docker does: the {@code credHelpers} helper for that host, then
   * the {@code credsStore} helper, then the {@code auths} entry; when a helper has nothing for the
   * host ("credentials not found") the next source is tried. {@code auths} keys may be written
   * {@code host}, {@code host:port}, {@code https://host} or {@code https://host/v1/}; an entry
   * holds {@code auth} (base64 of {@code username:password}) or {@code username} and
   * {@code password}, an {@code identitytoken} (an OAuth2 refresh token) or a
   * {@code registrytoken} (sent as a bearer token). Docker Hub's names ({@code docker.io},
   * {@code index.docker.io}, {@code registry-1.docker.io}, {@code https://index.docker.io/v1/})
   * are one registry.
   *
   * <p>Helpers are the {@code docker-credential-<name>} programs on {@code PATH}, run with
   * {@code get}; one that fails or takes longer than 30 seconds is an {@link IOException} (it is
   * killed on timeout), as is a {@code credHelpers} helper that is not installed. A
   * {@code credsStore} helper that is not installed (Docker Desktop's {@code desktop} left behind
   * on a build machine) is logged as a warning and skipped. Each host's answer is kept for the provider's
   * lifetime, so a helper runs at most once per host; create a new provider to re-read the file.
   */
  static CredentialProvider dockerConfig() {
    return dev.ocync.internal.auth.DockerConfigProvider.fromEnvironment();
  }

  /**
   * A Docker {@code config.json} at an explicit path, read as {@link #dockerConfig()} reads the
   * default one. A missing file means no credentials.
   */
  static CredentialProvider dockerConfig(java.nio.file.Path configJson) {
    return dev.ocync.internal.auth.DockerConfigProvider.fromFile(configJson);
  }

  /**
   * Podman's (containers') {@code auth.json}: {@code $REGISTRY_AUTH_FILE} alone when set; else
   * {@code $XDG_RUNTIME_DIR/containers/auth.json} and then {@code ~/.config/containers/auth.json},
   * the first file with credentials for the host winning. Missing files mean no credentials. The
   * format is Docker's (see {@link #dockerConfig()}); keys may also name a namespace
   * ({@code quay.io/team/app}). Lookups here are per host, so a namespace key applies to its whole
   * host, and only when the file has no key for the host itself.
   */
  static CredentialProvider podman() {
    return dev.ocync.internal.auth.DockerConfigProvider.podmanFromEnvironment();
  }

  /** What Docker, podman and crane would find: podman's auth file, then Docker's config. */
  static CredentialProvider defaults() {
    return podman().or(dockerConfig());
  }
}
