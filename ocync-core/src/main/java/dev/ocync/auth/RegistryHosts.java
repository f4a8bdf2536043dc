package dev.ocync.auth;

import java.util.Locale;
import java.util.Set;

/** Registry host names as credential stores key them. */
public final class RegistryHosts {
  private RegistryHosts() {}

  private static final Set<String> DOCKER_HUB_ALIASES = Set.of("docker.io", "index.docker.io",
      "registry-1.docker.io", "registry.hub.docker.com", "https://index.docker.io/v1/", "https://index.docker.io/v1");

  /** The key Docker stores Docker Hub credentials under. */
  public static final String DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/";

  /**
   * A registry name reduced to {@code host[:port]}, lowercased, with Docker Hub's aliases mapped to
   * {@code docker.io}: {@code https://index.docker.io/v1/} and {@code docker.io} are the same registry.
   */
  public static String canonical(String registry) {
    String r = registry.trim().toLowerCase(Locale.ROOT);
    if (DOCKER_HUB_ALIASES.contains(r)) {
      return "docker.io";
    }
    if (r.startsWith("https://")) {
      r = r.substring(8);
    } else if (r.startsWith("http://")) {
      r = r.substring(7);
    }
    int slash = r.indexOf('/');
    if (slash >= 0) {
      r = r.substring(0, slash);
    }
    return DOCKER_HUB_ALIASES.contains(r) ? "docker.io" : r;
  }

  /** Whether {@code registry} is Docker Hub under any of its names. */
  public static boolean isDockerHub(String registry) {
    return canonical(registry).equals("docker.io");
  }
}
