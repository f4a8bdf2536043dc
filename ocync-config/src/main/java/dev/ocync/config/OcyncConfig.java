package dev.ocync.config;

import dev.ocync.HelmRepository;
import dev.ocync.Mapping;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.config.Binder;
import dev.ocync.internal.config.Interpolator;
import dev.ocync.internal.config.Model;
import dev.ocync.internal.config.Model.MappingSpec;
import dev.ocync.internal.config.Model.RegistrySpec;
import dev.ocync.internal.config.Node;
import dev.ocync.internal.config.Node.Location;
import dev.ocync.internal.config.Problems;
import dev.ocync.internal.config.TreeReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/**
 * An ocync configuration file, loaded, validated and built into ocync-core objects.
 *
 * <p>The schema is the Rust ocync's ({@code global}, {@code registries}, {@code target_groups},
 * {@code defaults}, {@code mappings}), so an existing ocync file loads unchanged, plus registry
 * {@code type} ({@code oci-layout}, {@code oci-archive}, {@code helm}), {@code path}, {@code tls}
 * and {@code http://} URLs. Unlike ocync, unknown keys are errors, and every problem of a file is
 * reported at once, each with its line, column and key path:
 *
 * <pre>{@code
 * try (OcyncConfig config = OcyncConfig.load(Path.of("mirror.yaml"))) {
 *   for (ConfigMapping m : config.mappings()) {
 *     System.out.println(m.from() + " -> " + m.to());
 *   }
 * } catch (ConfigException e) {
 *   System.err.println(e.getMessage()); // one problem per line
 * }
 * }</pre>
 *
 * <p>{@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:?message}} are expanded in values
 * (not keys, not comments) from the environment map given, {@link System#getenv()} by default;
 * values taken from it are never shown in problems or {@code toString()}.
 *
 * <p>Closing the config closes the registries it built.
 */
public final class OcyncConfig implements Closeable {
  private static final Pattern ECR = Pattern.compile(
      "[0-9]{12}\\.dkr[-.]ecr(-fips)?\\.[-a-z0-9]+\\.(amazonaws\\.com(\\.cn)?|amazonaws\\.eu|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov)");
  private static final Pattern GAR = Pattern.compile("[-a-z0-9]+-docker\\.pkg\\.dev|gcr\\.io|.+\\.gcr\\.io");
  private static final Pattern ACR = Pattern.compile("[a-z0-9]+\\.azurecr\\.(io|cn|us)");

  private static final Duration MAX_TTL = Duration.ofDays(365);
  private static final long MAX_STAGING = 1L << 40;

  private final String name;
  private final Map<String, Endpoint> endpoints;
  private final List<ConfigMapping> mappings;
  private final Model.Global global;
  private final List<ConfigProblem> warnings;

  private OcyncConfig(String name, Map<String, Endpoint> endpoints, List<ConfigMapping> mappings, Model.Global global,
      List<ConfigProblem> warnings) {
    this.name = name;
    this.endpoints = endpoints;
    this.mappings = mappings;
    this.global = global;
    this.warnings = warnings;
  }

  /** Loads a file (YAML, or JSON when its name ends in {@code .json}) with {@link System#getenv()}. */
  public static OcyncConfig load(Path file) throws IOException {
    return load(file, System.getenv());
  }

  /**
   * Loads a file with the given environment for {@code ${VAR}}; relative paths in it
   * ({@code cache_dir}, {@code path}, TLS files) are read against the file's directory.
   *
   * @throws ConfigException with every problem found
   * @throws IOException when the file cannot be read
   */
  public static OcyncConfig load(Path file, Map<String, String> env) throws IOException {
    Objects.requireNonNull(file, "file");
    long size = Files.size(file);
    if (size > TreeReader.MAX_CHARS) {
      throw tooLarge(file.toString());
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Path dir = file.toAbsolutePath().getParent();
    return from(text, file.toString(), dir, env);
  }

  /**
   * Parses {@code text} named {@code name} (used in problems; JSON when it ends in {@code .json})
   * with {@link System#getenv()}; relative paths are read against the working directory.
   */
  public static OcyncConfig parse(String text, String name) throws ConfigException {
    return parse(text, name, System.getenv());
  }

  /** Parses {@code text} with the given environment; see {@link #parse(String, String)}. */
  public static OcyncConfig parse(String text, String name, Map<String, String> env) throws ConfigException {
    return from(text, name, Path.of("").toAbsolutePath(), env);
  }

  /** Reads a UTF-8 stream (not closed) named {@code name}; see {@link #parse(String, String)}. */
  public static OcyncConfig read(InputStream in, String name, Map<String, String> env) throws IOException {
    byte[] bytes = in.readNBytes(TreeReader.MAX_CHARS + 1);
    if (bytes.length > TreeReader.MAX_CHARS) {
      throw tooLarge(name);
    }
    return parse(new String(bytes, StandardCharsets.UTF_8), name, env);
  }

  private static ConfigException tooLarge(String name) {
    return new ConfigException(List.of(new ConfigProblem(name, 0, 0, "",
        "the input is larger than " + TreeReader.MAX_CHARS + " bytes; an ocync config is a few kilobytes")));
  }

  private static OcyncConfig from(String text, String name, Path dir, Map<String, String> env)
      throws ConfigException {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(name, "name");
    Map<String, String> environment = Map.copyOf(Objects.requireNonNull(env, "env"));
    Problems problems = new Problems();
    Optional<Node> root;
    try {
      root = TreeReader.read(name, text, name.toLowerCase(Locale.ROOT).endsWith(".json"), problems);
    } catch (TreeReader.LimitExceeded e) {
      throw new ConfigException(List.of(new ConfigProblem(name, 0, 0, "", e.getMessage())));
    }
    if (root.isEmpty() && problems.isEmpty()) {
      problems.add(new Location(name, 0, 0), "", "the configuration is empty; `mappings` is required");
    }
    problems.throwIfAny();
    Map<String, AuthTypeProvider> providers = providers();
    Node expanded = Interpolator.expand(root.get(), environment, problems);
    problems.throwIfAny(); // an unset required variable would only cause follow-on problems
    Optional<Model> model = Binder.bind(expanded, dir, environment, providers.keySet(), problems);
    problems.throwIfAny();
    return assemble(name, model.orElseThrow(), providers, environment, problems);
  }

  private static Map<String, AuthTypeProvider> providers() {
    Map<String, AuthTypeProvider> out = new HashMap<>();
    for (AuthTypeProvider p : ServiceLoader.load(AuthTypeProvider.class, OcyncConfig.class.getClassLoader())) {
      out.putIfAbsent(p.authType(), p);
    }
    return out;
  }

  private static OcyncConfig assemble(String name, Model model, Map<String, AuthTypeProvider> providers,
      Map<String, String> env, Problems problems) throws ConfigException {
    Map<String, Endpoint> endpoints = new LinkedHashMap<>();
    for (RegistrySpec spec : model.registries().values()) {
      try {
        endpoints.put(spec.alias(), endpoint(spec, providers, env));
      } catch (IOException | RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (spec.urlSecret()) {
          message = message.replace(spec.url().orElse("\u0000"), "<url from the environment>");
        }
        problems.add(spec.location(), "registries." + spec.alias(), "cannot set up: " + message);
      }
    }
    if (!problems.isEmpty()) {
      closeAll(endpoints.values());
      problems.throwIfAny();
    }
    List<ConfigMapping> mappings = new ArrayList<>();
    for (MappingSpec m : model.mappings()) {
      mappings.add(new ConfigMapping(m.from(), m.to(), endpoints.get(m.source()),
          m.targets().stream().map(endpoints::get).toList(), m.tags(), m.platforms(), m.artifacts(), m.images()));
    }
    return new OcyncConfig(name, java.util.Collections.unmodifiableMap(endpoints), List.copyOf(mappings),
        model.global(), problems.warnings());
  }

  private static Endpoint endpoint(RegistrySpec spec, Map<String, AuthTypeProvider> providers,
      Map<String, String> env) throws IOException {
    Endpoint.Type type = Endpoint.Type.valueOf(spec.type().name());
    if (type == Endpoint.Type.HELM) {
      return Endpoint.helm(spec.alias(), helmRepository(spec, providers, env), spec.maxConcurrent());
    }
    if (type != Endpoint.Type.REGISTRY) {
      return new Endpoint(spec.alias(), type, Optional.empty(), spec.path(), spec.maxConcurrent(),
          spec.headFirst().orElse(true));
    }
    Registry.Builder b = Registry.builder(spec.url().orElseThrow());
    String host;
    try (Registry probe = b.build()) { // the canonical host, which credentials are keyed by
      host = probe.host();
    }
    b.credentials(credentials(spec, host, providers, env));
    spec.caFile().ifPresent(b::caCertificate);
    if (spec.clientCert().isPresent() && spec.clientKey().isPresent()) {
      b.clientCertificate(spec.clientCert().get(), spec.clientKey().get());
    }
    b.insecureSkipVerify(spec.insecureSkipVerify());
    spec.maxConcurrent().ifPresent(b::maxConcurrent);
    spec.headFirst().ifPresent(b::headFirst);
    Registry registry = b.build();
    return new Endpoint(spec.alias(), type, Optional.of(registry), Optional.empty(), registry.maxConcurrent(),
        registry.headFirst());
  }

  private static HelmRepository helmRepository(RegistrySpec spec, Map<String, AuthTypeProvider> providers,
      Map<String, String> env) throws IOException {
    HelmRepository.Builder b = HelmRepository.builder(spec.url().orElseThrow());
    URI url = URI.create(spec.url().orElseThrow());
    // credentials are looked up by host[:port], as the repository sends them
    String host = url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort());
    b.credentials(credentials(spec, host, providers, env));
    spec.caFile().ifPresent(b::caCertificate);
    if (spec.clientCert().isPresent() && spec.clientKey().isPresent()) {
      b.clientCertificate(spec.clientCert().get(), spec.clientKey().get());
    }
    return b.insecureSkipVerify(spec.insecureSkipVerify()).passCredentials(spec.passCredentials())
        .allowMissingDigest(spec.allowMissingDigest()).build();
  }

  private static CredentialProvider credentials(RegistrySpec spec, String host,
      Map<String, AuthTypeProvider> providers, Map<String, String> env) throws IOException {
    Map<String, String> settings = spec.awsProfile().map(p -> Map.of("aws_profile", p)).orElse(Map.of());
    return switch (spec.authType()) {
      case "anonymous" -> CredentialProvider.anonymous();
      case "basic" -> CredentialProvider.basic(host, spec.username().orElseThrow(), spec.password().orElseThrow());
      case "static_token" -> CredentialProvider.bearer(host, spec.token().orElseThrow());
      case "docker_config" -> CredentialProvider.dockerConfig(Binder.dockerConfigFile(env));
      case "auto" -> {
        // ocync's auto-detection: a cloud host uses its provider when one is installed
        String cloud = cloudType(host);
        AuthTypeProvider p = cloud == null ? null : providers.get(cloud);
        yield p != null ? p.create(host, settings) : CredentialProvider.defaults();
      }
      default -> providers.get(spec.authType()).create(host, settings);
    };
  }

  private static String cloudType(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    if (ECR.matcher(h).matches()) {
      return "ecr";
    }
    if (GAR.matcher(h).matches()) {
      return h.endsWith("pkg.dev") ? "gar" : "gcr";
    }
    return ACR.matcher(h).matches() ? "acr" : null;
  }

  /** The input's name (its path, or the name given with the text). */
  public String name() {
    return name;
  }

  /** Every {@code registries} entry by alias, in file order. */
  public Map<String, Endpoint> registries() {
    return endpoints;
  }

  /** The mappings in file order, defaults merged. */
  public List<ConfigMapping> mappings() {
    return mappings;
  }

  /**
   * The mappings as core {@link Mapping}s, in file order, for {@link Syncer#run}; see
   * {@link ConfigMapping#toMapping()}.
   *
   */
  public List<Mapping> coreMappings() {
    return mappings.stream().map(ConfigMapping::toMapping).toList();
  }

  /** {@code global.max_concurrent_transfers} (default 50). */
  public int maxConcurrentTransfers() {
    return global.maxConcurrentTransfers();
  }

  /** {@code global.cache_dir} against the config file's directory (default {@code .ocync/cache} beside it). */
  public Path cacheDir() {
    return global.cacheDir();
  }

  /** {@code global.cache_ttl} (default 12 h); zero means the cache never expires by age. */
  public Duration cacheTtl() {
    return global.cacheTtl();
  }

  /** {@code global.staging_size_limit} in bytes, when set. */
  public OptionalLong stagingSizeLimit() {
    return global.stagingSizeLimit();
  }

  /** Things that load but deserve a look: deprecated or ignored keys. */
  public List<ConfigProblem> warnings() {
    return warnings;
  }

  /**
   * A {@link Syncer.Builder} with this config's registries, its transfer concurrency
   * ({@code max_concurrent_transfers}, capped at the 64 the builder allows), its cache directory
   * and TTL ({@code cache_ttl}, capped at the builder's 365 days) and its staging limit
   * ({@code staging_size_limit}, capped at 1 TiB). The registries and layouts stay owned by this
   * config: close the config after the syncer.
   *
   * <pre>{@code
   * try (OcyncConfig config = OcyncConfig.load(Path.of("mirror.yaml"));
   *     Syncer syncer = config.syncerBuilder().build()) {
   *   SyncReport report = syncer.run(config.coreMappings());
   * }
   * }</pre>
   */
  public Syncer.Builder syncerBuilder() {
    Duration ttl = global.cacheTtl().compareTo(MAX_TTL) > 0 ? MAX_TTL : global.cacheTtl();
    Syncer.Builder b = Syncer.builder().concurrency(Math.min(64, global.maxConcurrentTransfers()))
        .cacheDirectory(global.cacheDir())
        .cacheTtl(ttl);
    global.stagingSizeLimit().ifPresent(limit -> b.stagingLimit(Math.min(limit, MAX_STAGING)));
    for (Endpoint e : endpoints.values()) {
      e.registry().ifPresent(b::registry);
    }
    return b;
  }

  /** Closes every registry this config built. */
  @Override
  public void close() throws IOException {
    closeAll(endpoints.values());
  }

  private static void closeAll(Iterable<Endpoint> endpoints) {
    for (Endpoint e : endpoints) {
      try {
        e.close();
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }
  }

  @Override
  public String toString() {
    return "OcyncConfig[" + name + ", " + endpoints.size() + " registries, " + mappings.size() + " mappings]";
  }
}
