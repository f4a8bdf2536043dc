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

  /** This provider, then {@code next} when this one has nothing for a registry. */
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
   * {@code ~/.docker/config.json}; {@code auths} (with {@code auth} and {@code identitytoken}),
   * {@code credHelpers} and {@code credsStore}. A missing file means no credentials.
   */
  static CredentialProvider dockerConfig() {
    return dev.ocync.internal.auth.DockerConfigProvider.fromEnvironment();
  }

  /** A Docker {@code config.json} at an explicit path. */
  static CredentialProvider dockerConfig(java.nio.file.Path configJson) {
    return dev.ocync.internal.auth.DockerConfigProvider.fromFile(configJson);
  }

  /**
   * Podman's {@code auth.json}: {@code $REGISTRY_AUTH_FILE}, else
   * {@code $XDG_RUNTIME_DIR/containers/auth.json}. A missing file means no credentials.
   */
  static CredentialProvider podman() {
    return dev.ocync.internal.auth.DockerConfigProvider.podmanFromEnvironment();
  }

  /** What Docker, podman and crane would find: podman's auth file, then Docker's config. */
  static CredentialProvider defaults() {
    return podman().or(dockerConfig());
  }
}
