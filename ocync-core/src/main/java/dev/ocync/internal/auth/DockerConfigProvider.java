package dev.ocync.internal.auth;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.auth.RegistryHosts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Credentials from Docker's {@code config.json} or containers' {@code auth.json}: per registry
 * host, the {@code credHelpers} helper for that host, then the {@code credsStore} helper, then the
 * {@code auths} entry; a miss at one step falls through to the next. Several files (podman's
 * search list) are tried in order; a missing file has nothing.
 *
 * <p>Files are read on the first lookup and each host's answer (including "nothing") is kept for
 * the provider's lifetime, so a helper runs at most once per host; a failed lookup is not kept,
 * so the next call tries again. Thread-safe.
 *
 * <p>{@code auths} keys may be {@code host}, {@code host:port}, {@code https://host},
 * {@code https://host/v1/} or a namespace {@code host/ns/repo} (podman). Lookups are per host, so
 * a namespace key applies to its whole host, and only when the file has no key for the host
 * itself; among several namespace keys the first in the file wins.
 */
public final class DockerConfigProvider implements CredentialProvider {
  private static final Logger LOG = LoggerFactory.getLogger(DockerConfigProvider.class);

  /** How long a credential helper may take before it is killed. */
  static final Duration DEFAULT_HELPER_TIMEOUT = Duration.ofSeconds(30);

  private final java.util.Set<String> warnedStores = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final String kind;
  private final List<Path> files;
  private final Map<String, String> environment;
  private final Duration helperTimeout;
  private final List<FileSlot> slots;
  private final ConcurrentMap<String, Lookup> lookups = new ConcurrentHashMap<>();

  private DockerConfigProvider(String kind, List<Path> files, Map<String, String> environment,
      Duration helperTimeout) {
    if (helperTimeout.isNegative() || helperTimeout.isZero()) {
      throw new IllegalArgumentException("credential helper timeout must be positive, was " + helperTimeout);
    }
    this.kind = kind;
    this.files = List.copyOf(files);
    this.environment = Map.copyOf(environment);
    this.helperTimeout = helperTimeout;
    List<FileSlot> s = new ArrayList<>();
    for (Path f : this.files) {
      s.add(new FileSlot(f));
    }
    this.slots = List.copyOf(s);
  }

  /** Docker's config file as the process environment locates it. */
  public static CredentialProvider fromEnvironment() {
    return docker(System.getenv(), userHome(), DEFAULT_HELPER_TIMEOUT);
  }

  /** A Docker config file at an explicit path; helpers are looked up on the process's PATH. */
  public static CredentialProvider fromFile(Path configJson) {
    return file(configJson, System.getenv(), DEFAULT_HELPER_TIMEOUT);
  }

  /** Podman's auth file as the process environment locates it. */
  public static CredentialProvider podmanFromEnvironment() {
    return podman(System.getenv(), userHome(), DEFAULT_HELPER_TIMEOUT);
  }

  /**
   * Docker's config file for {@code environment} and {@code home}: {@code $DOCKER_CONFIG/config.json},
   * else {@code <home>/.docker/config.json}.
   */
  static DockerConfigProvider docker(Map<String, String> environment, Path home, Duration helperTimeout) {
    return new DockerConfigProvider("docker config", List.of(dockerConfigFile(environment, home)), environment,
        helperTimeout);
  }

  static Path dockerConfigFile(Map<String, String> environment, Path home) {
    String dir = environment.get("DOCKER_CONFIG");
    if (dir != null && !dir.isEmpty()) {
      return Path.of(dir, "config.json");
    }
    return home.resolve(".docker").resolve("config.json");
  }

  /**
   * Podman's auth files for {@code environment} and {@code home}: {@code $REGISTRY_AUTH_FILE}
   * alone when set; else {@code $XDG_RUNTIME_DIR/containers/auth.json} (when that variable is
   * set) and then {@code <home>/.config/containers/auth.json}, as containers-auth.json(5)
   * searches them.
   */
  static DockerConfigProvider podman(Map<String, String> environment, Path home, Duration helperTimeout) {
    return new DockerConfigProvider("podman auth", podmanAuthFiles(environment, home), environment, helperTimeout);
  }

  static List<Path> podmanAuthFiles(Map<String, String> environment, Path home) {
    String explicit = environment.get("REGISTRY_AUTH_FILE");
    if (explicit != null && !explicit.isEmpty()) {
      return List.of(Path.of(explicit));
    }
    List<Path> files = new ArrayList<>();
    String runtime = environment.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) {
      files.add(Path.of(runtime, "containers", "auth.json"));
    }
    files.add(home.resolve(".config").resolve("containers").resolve("auth.json"));
    return files;
  }

  /** One file at an explicit path, with helpers on {@code environment}'s PATH. */
  static DockerConfigProvider file(Path file, Map<String, String> environment, Duration helperTimeout) {
    Objects.requireNonNull(file, "configJson");
    return new DockerConfigProvider("docker config", List.of(file), environment, helperTimeout);
  }

  private static Path userHome() {
    return Path.of(System.getProperty("user.home"));
  }

  /** The files this provider reads, in the order it tries them. */
  List<Path> files() {
    return files;
  }

  @Override
  public Optional<Credentials> credentials(String registry) throws IOException {
    Objects.requireNonNull(registry, "registry");
    String host = RegistryHosts.canonical(registry);
    if (host.isEmpty()) {
      throw new IllegalArgumentException("registry is empty: \"" + registry + "\"");
    }
    return lookups.computeIfAbsent(host, Lookup::new).get();
  }

  private Optional<Credentials> find(String host) throws IOException {
    for (FileSlot slot : slots) {
      Optional<AuthFile> file = slot.get();
      if (file.isPresent()) {
        Optional<Credentials> c = find(file.get(), host);
        if (c.isPresent()) {
          return c;
        }
      }
    }
    return Optional.empty();
  }

  private Optional<Credentials> find(AuthFile file, String host) throws IOException {
    boolean hub = host.equals("docker.io");
    Optional<AuthFile.Entry> entry = file.auth(host);
    Optional<AuthFile.HelperKey> helper = file.credHelper(host);
    if (helper.isPresent()) {
      String serverUrl = hub ? RegistryHosts.DOCKER_HUB_CONFIG_KEY : helper.get().key;
      Optional<Credentials> c = runHelper(file, helper.get().helper, serverUrl);
      if (c.isPresent()) {
        return c;
      }
    }
    if (file.credsStore().isPresent()) {
      // Docker asks the store with the address it logged in with, which it also records (empty) in auths.
      String serverUrl = hub ? RegistryHosts.DOCKER_HUB_CONFIG_KEY : entry.map(e -> e.key).orElse(host);
      try {
        Optional<Credentials> c = runHelper(file, file.credsStore().get(), serverUrl);
        if (c.isPresent()) {
          return c;
        }
      } catch (CredentialHelper.HelperNotFoundException e) {
        // A credsStore left behind by Docker Desktop must not break anonymous pulls on a CI box;
        // a credHelpers entry names the host explicitly, so its absence stays an error.
        // once per provider, not once per host: one missing program is one problem
        if (warnedStores.add(file.credsStore().get())) {
          LOG.warn("{}; continuing without that credsStore (for {} and any other registry it would serve)",
              e.getMessage(), host);
        }
      }
    }
    return entry.isPresent() ? entry.get().credentials(file.file()) : Optional.empty();
  }

  private Optional<Credentials> runHelper(AuthFile file, String name, String serverUrl) throws IOException {
    return CredentialHelper.locate(file.file(), name, environment, helperTimeout).get(serverUrl);
  }

  @Override
  public String toString() {
    return "DockerConfigProvider{" + kind + ", files=" + files + "}";
  }

  /** One host's answer, computed once; a failure is not kept. */
  private final class Lookup {
    private final String host;
    private Optional<Credentials> result;

    Lookup(String host) {
      this.host = host;
    }

    synchronized Optional<Credentials> get() throws IOException {
      if (result == null) {
        result = find(host);
      }
      return result;
    }
  }

  /** One file, read once; a missing file is kept as missing, a broken one is read again next time. */
  private static final class FileSlot {
    private final Path path;
    private Optional<AuthFile> file;

    FileSlot(Path path) {
      this.path = path;
    }

    synchronized Optional<AuthFile> get() throws IOException {
      if (file == null) {
        file = AuthFile.readIfPresent(path);
      }
      return file;
    }
  }
}
