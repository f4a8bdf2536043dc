package dev.ocync.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * What to authenticate to one registry with: a username and password, an OAuth2 identity
 * (refresh) token, or a bearer token sent as it is. {@code toString} never shows the secret.
 *
 * <pre>{@code
 * Credentials.basic("ci-bot", System.getenv("REGISTRY_PASSWORD"))
 * }</pre>
 */
public final class Credentials {
  /** How the secret is used. */
  public enum Kind {
    /** Username and password: HTTP Basic, or Basic on the token endpoint. */
    BASIC,
    /** An OAuth2 refresh token exchanged at the token endpoint ({@code identitytoken} in Docker's config). */
    IDENTITY_TOKEN,
    /** A bearer token sent directly to the registry ({@code registrytoken}). */
    BEARER
  }

  private final Kind kind;
  private final String username;
  private final String secret;

  private Credentials(Kind kind, String username, String secret) {
    this.kind = kind;
    this.username = username;
    this.secret = secret;
  }

  /** Username and password. */
  public static Credentials basic(String username, String password) {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    if (username.isEmpty()) {
      throw new IllegalArgumentException("basic credentials need a non-empty username");
    }
    return new Credentials(Kind.BASIC, username, password);
  }

  /** An OAuth2 refresh token; {@code username} may be empty. */
  public static Credentials identityToken(String username, String token) {
    Objects.requireNonNull(username, "username");
    requireSecret(token, "identity token");
    return new Credentials(Kind.IDENTITY_TOKEN, username, token);
  }

  /** A bearer token sent as it is. */
  public static Credentials bearer(String token) {
    requireSecret(token, "bearer token");
    return new Credentials(Kind.BEARER, "", token);
  }

  private static void requireSecret(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " is empty");
    }
  }

  /** How the secret is used. */
  public Kind kind() {
    return kind;
  }

  /** The username; empty for bearer tokens. */
  public String username() {
    return username;
  }

  /** The password or token. Handle with care: never log it. */
  public String secret() {
    return secret;
  }

  /** The username, if there is one. */
  public Optional<String> user() {
    return username.isEmpty() ? Optional.empty() : Optional.of(username);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Credentials c && c.kind == kind && c.username.equals(username) && c.secret.equals(secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, username, secret);
  }

  /** Kind and username only; the secret is masked. */
  @Override
  public String toString() {
    return "Credentials{" + kind + (username.isEmpty() ? "" : ", username=" + username) + ", secret=****}";
  }
}
