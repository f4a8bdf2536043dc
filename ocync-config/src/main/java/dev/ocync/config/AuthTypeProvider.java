package dev.ocync.config;

import dev.ocync.auth.CredentialProvider;
import java.io.IOException;
import java.util.Map;

/**
 * Credentials for one {@code auth_type} of the configuration that ocync does not build itself:
 * the cloud types {@code ecr}, {@code gar}, {@code gcr} and {@code acr}, or a type of your own.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the class in
 * {@code META-INF/services/dev.ocync.config.AuthTypeProvider} or {@code provides} it in a module.
 * When a configuration names an auth type no installed provider handles, loading fails with a
 * problem naming the type. Example:
 *
 * <pre>{@code
 * public final class EcrAuth implements AuthTypeProvider {
 *   public String authType() { return "ecr"; }
 *   public CredentialProvider create(String host, Map<String, String> settings) {
 *     return CredentialProvider.basic(host, "AWS", fetchEcrPassword(settings.get("aws_profile")));
 *   }
 * }
 * }</pre>
 */
public interface AuthTypeProvider {
  /** The {@code auth_type} value this provider handles, for example {@code ecr}. */
  String authType();

  /**
   * Credentials for one registry.
   *
   * @param registryHost the registry's host[:port], as in its {@code url}
   * @param settings further registry keys that concern authentication; today only
   *     {@code aws_profile} when set
   * @throws IOException when the credential source cannot be set up; the message becomes a
   *     configuration problem, so it must not contain secrets
   */
  CredentialProvider create(String registryHost, Map<String, String> settings) throws IOException;
}
