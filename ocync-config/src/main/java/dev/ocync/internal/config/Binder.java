package dev.ocync.internal.config;

import dev.ocync.ArtifactPolicy;
import dev.ocync.ImageFollow;
import dev.ocync.PlatformFilter;
import dev.ocync.Registry;
import dev.ocync.TagSelector;
import dev.ocync.internal.config.Model.Global;
import dev.ocync.internal.config.Model.MappingSpec;
import dev.ocync.internal.config.Model.RegistrySpec;
import dev.ocync.internal.config.Model.Type;
import dev.ocync.internal.config.Node.Entry;
import dev.ocync.internal.config.Node.ListNode;
import dev.ocync.internal.config.Node.Location;
import dev.ocync.internal.config.Node.ScalarNode;
import dev.ocync.internal.config.Node.ScalarType;
import dev.ocync.oci.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * The checked tree to a {@link Model}: every key, type and reference is checked and every problem
 * recorded (not only the first), then defaults are merged into each mapping as ocync does.
 *
 * <p>One deliberate difference from ocync: {@code latest} needs {@code sort} in the mapping
 * <em>after</em> merging {@code defaults.tags}; ocync checks each block on its own, which rejects
 * its own documented "Docker Hub fan-out" example.
 */
public final class Binder {
  private static final int DEFAULT_MAX_CONCURRENT = 50;
  /** What {@code Registry.Builder.maxConcurrent} accepts. */
  private static final int MAX_REGISTRY_CONCURRENT = 1024;
  private static final Duration DEFAULT_CACHE_TTL = Duration.ofHours(12);

  private final Problems problems;
  private final Path baseDir;
  private final Map<String, String> env;
  private final Set<String> providedAuthTypes;
  private final Map<String, RegistrySpec> registries = new LinkedHashMap<>();
  private final Map<String, List<String>> groups = new LinkedHashMap<>();
  private Optional<String> defaultSource = Optional.empty();
  private Optional<List<String>> defaultTargets = Optional.empty();

  private Binder(Path baseDir, Map<String, String> env, Set<String> providedAuthTypes, Problems problems) {
    this.baseDir = baseDir;
    this.env = env;
    this.providedAuthTypes = providedAuthTypes;
    this.problems = problems;
  }

  /**
   * @param baseDir the directory relative paths are read against (the config file's)
   * @param providedAuthTypes auth types an installed {@code AuthTypeProvider} handles
   * @return the model; meaningful only when {@code problems} stayed empty
   */
  public static Optional<Model> bind(Node root, Path baseDir, Map<String, String> env, Set<String> providedAuthTypes,
      Problems problems) {
    return new Binder(baseDir, env, providedAuthTypes, problems).root(root);
  }

  private Optional<Model> root(Node root) {
    Optional<Fields> top = Fields.section(root, "", Schema.ROOT, problems);
    if (top.isEmpty()) {
      if (root instanceof ScalarNode s && s.type() == ScalarType.NULL) {
        problems.add(root.location(), "", "the configuration is empty; `mappings` is required");
      }
      return Optional.empty();
    }
    Fields f = top.get();
    Global global = f.value("global").flatMap(n -> Fields.section(n, "global", Schema.GLOBAL, problems))
        .map(this::global).orElse(new Global(DEFAULT_MAX_CONCURRENT, defaultCacheDir(), DEFAULT_CACHE_TTL,
            OptionalLong.empty()));
    f.value("registries").ifPresent(this::registries);
    f.value("target_groups").ifPresent(this::targetGroups);
    Optional<Fields> defaults = f.value("defaults").flatMap(n -> Fields.section(n, "defaults", Schema.DEFAULTS,
        problems));
    Block defaultBlock = defaults.map(d -> block(d, "defaults")).orElse(Block.EMPTY);
    resolveDefaults(defaultBlock);
    List<MappingSpec> mappings = new ArrayList<>();
    Optional<Node> list = f.value("mappings");
    if (list.isEmpty()) {
      problems.add(root.location(), "mappings", "`mappings` is required (a list of mappings)");
    } else if (!(list.get() instanceof ListNode l)) {
      problems.add(list.get().location(), "mappings", "expected a list of mappings, got " + list.get().describe());
    } else {
      for (int i = 0; i < l.items().size(); i++) {
        String path = Paths.index("mappings", i);
        int index = i;
        Fields.section(l.items().get(i), path, Schema.MAPPING, problems)
            .flatMap(m -> mapping(index, m, defaultBlock)).ifPresent(mappings::add);
      }
    }
    return Optional.of(new Model(global, registries, mappings));
  }

  // ---- global

  private Global global(Fields g) {
    int max = g.integer("max_concurrent_transfers", 1).orElse(DEFAULT_MAX_CONCURRENT);
    Path cacheDir = g.string("cache_dir").map(s -> baseDir.resolve(s.text()).normalize()).orElse(defaultCacheDir());
    Duration ttl = g.value("cache_ttl").flatMap(v -> durationOrSize(g, "cache_ttl", v, true))
        .map(Duration::ofSeconds).orElse(DEFAULT_CACHE_TTL);
    OptionalLong staging = g.value("staging_size_limit").flatMap(v -> durationOrSize(g, "staging_size_limit", v, false))
        .map(OptionalLong::of).orElse(OptionalLong.empty());
    return new Global(max, cacheDir, ttl, staging);
  }

  /** Seconds of a duration or bytes of a size; a bare integer counts as text. */
  private Optional<Long> durationOrSize(Fields g, String key, Node v, boolean duration) {
    String example = duration ? "(e.g. \"12h\", \"30m\", \"0\")" : "(e.g. \"2GB\", \"500MB\", \"0\")";
    if (!(v instanceof ScalarNode s) || !(s.type() == ScalarType.STRING || s.type() == ScalarType.INTEGER)) {
      problems.add(v.location(), g.path(key), "expected a " + (duration ? "duration" : "size") + " " + example
          + ", got " + v.describe());
      return Optional.empty();
    }
    Optional<Long> parsed = duration ? Values.duration(s.text()).map(Duration::toSeconds)
        : boxed(Values.size(s.text()));
    if (parsed.isEmpty()) {
      problems.add(v.location(), g.path(key), g.path(key) + " '" + s.shown() + "' is not a valid "
          + (duration ? "duration " : "size ") + example);
    }
    return parsed;
  }

  private static Optional<Long> boxed(OptionalLong l) {
    return l.isPresent() ? Optional.of(l.getAsLong()) : Optional.empty();
  }

  private Path defaultCacheDir() {
    return baseDir.resolve(".ocync").resolve("cache");
  }

  // ---- registries

  private void registries(Node node) {
    if (!(node instanceof Node.MapNode m)) {
      problems.add(node.location(), "registries", "expected a mapping of registry aliases, got " + node.describe());
      return;
    }
    for (Entry e : m.entries().values()) {
      String path = Paths.key("registries", e.key());
      if (e.value() instanceof ScalarNode s && s.type() == ScalarType.NULL) {
        problems.add(e.keyLocation(), path, "registry `" + e.key() + "` has no settings; `url` is required");
        continue;
      }
      Fields.section(e.value(), path, Schema.REGISTRY, problems).ifPresent(r -> registry(e.key(), r));
    }
  }

  private void registry(String alias, Fields r) {
    String ctx = "registries." + alias;
    Type type = r.string("type").flatMap(t -> oneOf(r, "type", t, Schema.REGISTRY_TYPES)).map(Type::of)
        .orElse(Type.REGISTRY);
    boolean layout = type == Type.OCI_LAYOUT || type == Type.OCI_ARCHIVE;
    Optional<ScalarNode> url = r.string("url");
    Optional<Path> path = Optional.empty();
    if (layout) {
      url.ifPresent(u -> problems.add(u.location(), r.path("url"), "`url` does not apply to type "
          + typeName(type) + "; use `path`"));
      Optional<ScalarNode> p = r.string("path");
      if (p.isEmpty()) {
        problems.add(r.node().location(), r.path("path"), ctx + ": type " + typeName(type) + " requires `path`");
      }
      path = p.map(s -> baseDir.resolve(s.text()).normalize());
      for (String key : List.of("auth_type", "credentials", "token", "aws_profile", "tls", "head_first")) {
        r.entry(key).ifPresent(e -> problems.add(e.keyLocation(), r.path(key), "`" + key
            + "` does not apply to type " + typeName(type)));
      }
    } else {
      r.entry("path").ifPresent(e -> problems.add(e.keyLocation(), r.path("path"), "`path` applies only to types "
          + "oci-layout and oci-archive; a " + typeName(type) + " has a `url`"));
      if (url.isEmpty() && !r.has("url")) {
        problems.add(r.node().location(), r.path("url"), ctx + ": `url` is required");
      }
      url.ifPresent(u -> checkUrl(r, type, u));
    }
    if (type == Type.HELM) {
      r.entry("head_first").ifPresent(e -> problems.add(e.keyLocation(), r.path("head_first"),
          "`head_first` does not apply to type helm (a chart repository has no manifests to HEAD)"));
    } else {
      for (String key : List.of("pass_credentials", "allow_missing_digest")) {
        r.entry(key).ifPresent(e -> problems.add(e.keyLocation(), r.path(key), "`" + key
            + "` applies only to type helm"));
      }
    }
    boolean passCredentials = r.bool("pass_credentials").orElse(false);
    boolean allowMissingDigest = r.bool("allow_missing_digest").orElse(false);
    Auth auth = layout ? new Auth("none", false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())
        : auth(alias, r);
    // absent, the library's defaults apply (not the Rust ocync's 50 and false): see Endpoint
    OptionalInt maxConcurrent = r.integer("max_concurrent", 1);
    if (maxConcurrent.isPresent() && maxConcurrent.getAsInt() > MAX_REGISTRY_CONCURRENT) {
      r.entry("max_concurrent").ifPresent(e -> problems.add(e.keyLocation(), r.path("max_concurrent"),
          "`max_concurrent` must be at most " + MAX_REGISTRY_CONCURRENT));
      maxConcurrent = OptionalInt.empty();
    }
    Optional<Boolean> headFirst = r.bool("head_first");
    Tls tls = r.value("tls").flatMap(n -> Fields.section(n, r.path("tls"), Schema.TLS, problems)).map(this::tls)
        .orElse(Tls.NONE);
    registries.put(alias, new RegistrySpec(alias, type, url.map(ScalarNode::text), path, auth.type, auth.explicit,
        auth.username, auth.password, auth.token, auth.awsProfile, maxConcurrent, headFirst, tls.ca, tls.cert, tls.key,
        tls.insecure, passCredentials, allowMissingDigest, r.node().location(),
        url.map(ScalarNode::secret).orElse(false)));
  }

  private void checkUrl(Fields r, Type type, ScalarNode u) {
    if (type == Type.HELM) {
      String lower = u.text().toLowerCase(Locale.ROOT);
      if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
        problems.add(u.location(), r.path("url"), "a helm repository's url is an http(s) URL, got '" + u.shown() + "'");
      }
      return;
    }
    try {
      Registry.builder(u.text());
    } catch (IllegalArgumentException e) {
      problems.add(u.location(), r.path("url"), u.redact(e.getMessage()));
    }
  }

  private static String typeName(Type t) {
    return t.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private Optional<String> oneOf(Fields f, String key, ScalarNode s, List<String> allowed) {
    if (allowed.contains(s.text())) {
      return Optional.of(s.text());
    }
    String hint = Values.suggest(s.text(), allowed).map(x -> "; did you mean `" + x + "`?").orElse("");
    problems.add(s.location(), f.path(key), "unknown " + key + " '" + s.shown() + "' (expected one of "
        + String.join(", ", allowed) + ")" + hint);
    return Optional.empty();
  }

  private record Auth(String type, boolean explicit, Optional<String> username, Optional<String> password,
      Optional<String> token, Optional<String> awsProfile) {}

  private Auth auth(String alias, Fields r) {
    String ctx = "registries." + alias;
    Optional<ScalarNode> typeNode = r.string("auth_type");
    String type = "auto";
    if (typeNode.isPresent()) {
      String t = typeNode.get().text();
      if (Schema.AUTH_TYPES.contains(t) || providedAuthTypes.contains(t)) {
        type = t;
      } else {
        oneOf(r, "auth_type", typeNode.get(), Schema.AUTH_TYPES);
        type = "invalid";
      }
    }
    if (type.equals("token")) {
      type = "static_token";
    }
    if (type.equals("ghcr")) {
      problems.warn(typeNode.get().location(), r.path("auth_type"),
          "auth_type 'ghcr' is deprecated; it means 'docker_config', write that instead");
      type = "docker_config";
    }
    Optional<String> username = Optional.empty();
    Optional<String> password = Optional.empty();
    Optional<Fields> creds = r.value("credentials").flatMap(n -> Fields.section(n, r.path("credentials"),
        Schema.CREDENTIALS, problems));
    if (creds.isPresent()) {
      username = nonEmpty(creds.get(), "username");
      password = nonEmpty(creds.get(), "password");
    }
    Optional<String> token = r.string("token").map(ScalarNode::text);
    Location at = typeNode.map(ScalarNode::location).orElse(r.node().location());
    switch (type) {
      case "basic" -> {
        boolean written = creds.isPresent() && creds.get().has("username") && creds.get().has("password");
        if (!written) {
          problems.add(at, r.path("credentials"), ctx
              + ": auth_type 'basic' requires 'credentials' with 'username' and 'password'");
        }
      }
      case "static_token" -> {
        if (token.isEmpty()) {
          problems.add(at, r.path("token"), ctx + ": auth_type 'token' requires a 'token' field");
        }
      }
      case "docker_config" -> {
        Path file = dockerConfigFile();
        if (!Files.isRegularFile(file)) {
          problems.add(at, r.path("auth_type"), ctx + ": auth_type 'docker_config' but there is no Docker config "
              + "file (looked for $DOCKER_CONFIG/config.json, else ~/.docker/config.json)");
        }
      }
      default -> {
        if (Schema.CLOUD_AUTH_TYPES.contains(type) && !providedAuthTypes.contains(type)) {
          problems.add(at, r.path("auth_type"), ctx + ": auth_type '" + type + "' needs a credential provider for '"
              + type + "', and none is installed (put an implementation of dev.ocync.config.AuthTypeProvider "
              + "for '" + type + "' on the class or module path)");
        }
      }
    }
    if (creds.isPresent() && !type.equals("basic")) {
      problems.warn(r.entry("credentials").get().keyLocation(), r.path("credentials"),
          "`credentials` is ignored unless auth_type is 'basic'");
    }
    if (token.isPresent() && !type.equals("static_token")) {
      problems.warn(r.entry("token").get().keyLocation(), r.path("token"),
          "`token` is ignored unless auth_type is 'static_token'");
    }
    Optional<ScalarNode> profile = r.string("aws_profile");
    if (profile.isPresent()) {
      if (!type.equals("ecr")) {
        problems.add(profile.get().location(), r.path("aws_profile"), ctx
            + ": aws_profile requires explicit 'auth_type: ecr'");
      } else if (profile.get().text().isBlank()) {
        problems.add(profile.get().location(), r.path("aws_profile"), ctx + ": aws_profile must not be empty");
      }
    }
    return new Auth(type, typeNode.isPresent(), username, password, token, profile.map(ScalarNode::text));
  }

  private Optional<String> nonEmpty(Fields f, String key) {
    Optional<ScalarNode> s = f.string(key);
    if (s.isPresent() && s.get().text().isEmpty()) {
      problems.add(s.get().location(), f.path(key), "must not be empty"
          + (s.get().raw().isEmpty() ? "" : " (it is " + s.get().raw() + " here)"));
      return Optional.empty();
    }
    return s.map(ScalarNode::text);
  }

  /** Where {@code docker_config} reads, from the environment given to the load. */
  public Path dockerConfigFile() {
    return dockerConfigFile(env);
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code $HOME/.docker/config.json}. */
  public static Path dockerConfigFile(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isEmpty()) {
      return Path.of(dir, "config.json");
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home", ""));
    return Path.of(home, ".docker", "config.json");
  }

  private record Tls(Optional<Path> ca, Optional<Path> cert, Optional<Path> key, boolean insecure) {
    static final Tls NONE = new Tls(Optional.empty(), Optional.empty(), Optional.empty(), false);
  }

  private Tls tls(Fields t) {
    Optional<Path> ca = file(t, "ca_file");
    Optional<Path> cert = file(t, "client_cert");
    Optional<Path> key = file(t, "client_key");
    if (t.has("client_cert") != t.has("client_key")) {
      String missing = t.has("client_cert") ? "client_key" : "client_cert";
      problems.add(t.node().location(), t.path(missing), "`client_cert` and `client_key` go together; `" + missing
          + "` is missing");
    }
    return new Tls(ca, cert, key, t.bool("insecure_skip_verify").orElse(false));
  }

  private Optional<Path> file(Fields t, String key) {
    Optional<ScalarNode> s = t.string(key);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    Path p = baseDir.resolve(s.get().text()).normalize();
    if (!Files.isRegularFile(p)) {
      problems.add(s.get().location(), t.path(key), "no such file: " + (s.get().secret() ? s.get().shown() : p));
    }
    return Optional.of(p);
  }

  // ---- target groups

  private void targetGroups(Node node) {
    if (!(node instanceof Node.MapNode m)) {
      problems.add(node.location(), "target_groups", "expected a mapping of group names to lists of registry "
          + "aliases, got " + node.describe());
      return;
    }
    for (Entry e : m.entries().values()) {
      String path = Paths.key("target_groups", e.key());
      if (!(e.value() instanceof ListNode l)) {
        problems.add(e.value().location(), path, "expected a list of registry aliases, got " + e.value().describe());
        continue;
      }
      List<String> members = new ArrayList<>();
      for (int i = 0; i < l.items().size(); i++) {
        Node item = l.items().get(i);
        String itemPath = Paths.index(path, i);
        if (item instanceof ScalarNode s && s.type() == ScalarType.STRING) {
          if (knownRegistry(s, itemPath, "target group '" + e.key() + "'")) {
            members.add(s.text());
          }
        } else {
          problems.add(item.location(), itemPath, "expected a registry alias, got " + item.describe());
        }
      }
      if (l.items().isEmpty()) {
        problems.add(l.location(), path, "target group '" + e.key() + "' is empty");
      }
      groups.put(e.key(), members);
    }
  }

  private boolean knownRegistry(ScalarNode s, String path, String who) {
    if (registries.containsKey(s.text())) {
      return true;
    }
    String hint = Values.suggest(s.text(), registries.keySet()).map(x -> "; did you mean `" + x + "`?").orElse("");
    problems.add(s.location(), path, who + " references unknown registry '" + s.shown() + "'" + hint);
    return false;
  }

  // ---- blocks shared by defaults and mappings

  /**
   * What one {@code defaults} or mapping block says (absent = not written; {@code images} holds an
   * empty rule for {@code images: none}, which turns off a default).
   */
  private record Block(Optional<ScalarNode> source, Optional<Node> targets, String targetsPath, Optional<Tags> tags,
      Optional<List<ScalarNode>> platforms, Optional<ArtifactPolicy> artifacts,
      Optional<Optional<ImageFollow>> images, boolean valid) {
    static final Block EMPTY = new Block(Optional.empty(), Optional.empty(), "", Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), true);
  }

  private Block block(Fields f, String ctx) {
    int before = problems.size();
    Optional<ScalarNode> source = f.string("source");
    Optional<Node> targets = f.value("targets");
    Optional<Tags> tags = f.value("tags").flatMap(n -> Fields.section(n, f.path("tags"), Schema.TAGS, problems))
        .map(this::tags);
    Optional<List<ScalarNode>> platforms = platforms(f);
    Optional<ArtifactPolicy> artifacts = f.value("artifacts")
        .flatMap(n -> Fields.section(n, f.path("artifacts"), Schema.ARTIFACTS, problems)).flatMap(a -> artifacts(a, ctx));
    Optional<Optional<ImageFollow>> images = images(f);
    return new Block(source, targets, f.path("targets"), tags, platforms, artifacts, images,
        problems.size() == before);
  }

  /** {@code images}: {@code follow}, {@code none}, or a map of the follow rule's options. */
  private Optional<Optional<ImageFollow>> images(Fields f) {
    Optional<Node> v = f.value("images");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.get() instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      return oneOf(f, "images", s, Schema.IMAGE_MODES)
          .map(mode -> mode.equals("follow") ? Optional.of(ImageFollow.defaults()) : Optional.<ImageFollow>empty());
    }
    if (!(v.get() instanceof Node.MapNode)) {
      problems.add(v.get().location(), f.path("images"), "expected `follow`, `none` or a mapping of image options ("
          + String.join(", ", Schema.IMAGES) + "), got " + v.get().describe());
      return Optional.empty();
    }
    Optional<Fields> section = Fields.section(v.get(), f.path("images"), Schema.IMAGES, problems);
    if (section.isEmpty()) {
      return Optional.empty();
    }
    Fields i = section.get();
    ImageFollow.Builder b = ImageFollow.builder();
    i.bool("keep_registry_host").ifPresent(b::keepRegistryHost);
    i.bool("relocate").ifPresent(b::relocate);
    for (String key : List.of("prefix", "relocated_repository")) {
      i.string(key).ifPresent(s -> {
        try {
          if (key.equals("prefix")) {
            b.prefix(s.text());
          } else {
            b.relocatedRepository(s.text());
          }
        } catch (IllegalArgumentException e) {
          problems.add(s.location(), i.path(key), s.redact(e.getMessage()));
        }
      });
    }
    if (i.bool("relocate").equals(Optional.of(false)) && i.has("relocated_repository")) {
      problems.add(i.entry("relocated_repository").get().keyLocation(), i.path("relocated_repository"),
          "`relocated_repository` says where the relocated chart goes, but `relocate` is false");
    }
    return Optional.of(Optional.of(b.build()));
  }

  private Optional<List<ScalarNode>> platforms(Fields f) {
    Optional<Node> v = f.value("platforms");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.get() instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      problems.add(s.location(), f.path("platforms"), "expected a list of platforms (os/arch or os/arch/variant), got '"
          + s.shown() + "'" + (s.text().equals("all") ? "; omit `platforms` to keep every platform" : ""));
      return Optional.empty();
    }
    Optional<List<ScalarNode>> list = f.strings("platforms", false);
    if (list.isEmpty()) {
      return Optional.empty();
    }
    if (list.get().isEmpty()) {
      problems.add(v.get().location(), f.path("platforms"), "platforms list must not be empty (omit `platforms` to "
          + "keep every platform)");
      return Optional.empty();
    }
    boolean ok = true;
    for (int i = 0; i < list.get().size(); i++) {
      ScalarNode s = list.get().get(i);
      try {
        PlatformFilter.of(s.text());
      } catch (IllegalArgumentException e) {
        problems.add(s.location(), Paths.index(f.path("platforms"), i), "invalid platform '" + s.shown()
            + "' (expected os/arch or os/arch/variant)");
        ok = false;
      }
    }
    return ok ? list : Optional.empty();
  }

  private Optional<ArtifactPolicy> artifacts(Fields a, String ctx) {
    boolean enabled = a.bool("enabled").orElse(true);
    boolean require = a.bool("require_artifacts").orElse(false);
    Optional<List<ScalarNode>> include = a.strings("include", false);
    Optional<List<ScalarNode>> exclude = a.strings("exclude", false);
    if (require && !enabled) {
      problems.add(a.entry("require_artifacts").get().keyLocation(), a.path("require_artifacts"), ctx
          + ": require_artifacts is true but artifacts.enabled is false (cannot require artifacts while disabling "
          + "their transfer)");
      return Optional.empty();
    }
    try {
      ArtifactPolicy.Builder b = ArtifactPolicy.builder().enabled(enabled).requireArtifacts(require);
      include.ifPresent(l -> b.include(texts(l)));
      exclude.ifPresent(l -> b.exclude(texts(l)));
      return Optional.of(b.build());
    } catch (IllegalArgumentException e) {
      problems.add(a.node().location(), a.path(), e.getMessage());
      return Optional.empty();
    }
  }

  /** One {@code tags} block; each value is checked where it is written. */
  private record Tags(Location location, String path, Optional<List<ScalarNode>> glob, Optional<ScalarNode> semver,
      Optional<List<ScalarNode>> include, Optional<List<ScalarNode>> exclude, Optional<TagSelector.Sort> sort,
      OptionalInt latest, Location latestAt, OptionalInt minTags, Optional<ScalarNode> immutable) {}

  private Tags tags(Fields t) {
    Entry removed = t.node().entries().get("semver_prerelease"); // any value, even none, is refused
    if (removed != null) {
      problems.add(removed.keyLocation(), t.path("semver_prerelease"), Schema.SEMVER_PRERELEASE_REMOVED);
    }
    Optional<List<ScalarNode>> glob = checked(t, "glob", (b, s) -> b.glob(s));
    Optional<List<ScalarNode>> include = checked(t, "include", (b, s) -> b.include(s));
    Optional<List<ScalarNode>> exclude = checked(t, "exclude", (b, s) -> b.exclude(s));
    Optional<ScalarNode> semver = t.string("semver").filter(s -> check(s, t.path("semver"), b -> b.semver(s.text())));
    Optional<ScalarNode> immutable = t.string("immutable_tags")
        .filter(s -> check(s, t.path("immutable_tags"), b -> b.immutableTags(s.text())));
    Optional<TagSelector.Sort> sort = t.string("sort").flatMap(s -> oneOf(t, "sort", s, Schema.SORTS))
        .map(s -> TagSelector.Sort.valueOf(s.toUpperCase(Locale.ROOT)));
    OptionalInt latest = t.integer("latest", 0);
    Location latestAt = t.entry("latest").map(Entry::keyLocation).orElse(t.node().location());
    OptionalInt minTags = t.integer("min_tags", 0);
    return new Tags(t.node().location(), t.path(), glob, semver, include, exclude, sort, latest, latestAt, minTags,
        immutable);
  }

  private interface PatternCheck {
    void apply(TagSelector.Builder b, String pattern);
  }

  private Optional<List<ScalarNode>> checked(Fields t, String key, PatternCheck check) {
    Optional<List<ScalarNode>> list = t.strings(key, true);
    if (list.isEmpty()) {
      return list;
    }
    boolean ok = true;
    boolean single = !(t.value(key).get() instanceof ListNode);
    for (int i = 0; i < list.get().size(); i++) {
      ScalarNode s = list.get().get(i);
      ok &= check(s, single ? t.path(key) : Paths.index(t.path(key), i), b -> check.apply(b, s.text()));
    }
    return ok ? list : Optional.empty();
  }

  /** Lets {@link TagSelector.Builder} judge one value, so its rules and messages are the only ones. */
  private boolean check(ScalarNode s, String path, java.util.function.Consumer<TagSelector.Builder> rule) {
    try {
      rule.accept(TagSelector.builder());
      return true;
    } catch (IllegalArgumentException e) {
      problems.add(s.location(), path, s.redact(e.getMessage()));
      return false;
    }
  }

  private static String[] texts(List<ScalarNode> nodes) {
    return nodes.stream().map(ScalarNode::text).toArray(String[]::new);
  }

  // ---- mappings

  private Optional<MappingSpec> mapping(int index, Fields m, Block defaults) {
    Optional<ScalarNode> fromNode = m.string("from");
    if (fromNode.isEmpty() && !m.has("from")) {
      problems.add(m.node().location(), m.path("from"), "a mapping needs `from` (the source repository)");
    }
    String from = fromNode.map(ScalarNode::text).orElse("?");
    String ctx = "mapping '" + fromNode.map(ScalarNode::shown).orElse("#" + index) + "'";
    Block own = block(m, ctx);
    Optional<ScalarNode> toNode = m.string("to");
    String to = toNode.map(ScalarNode::text).orElse(from);

    // source and targets: the mapping's, else the defaults' (checked once, in resolveDefaults)
    Optional<String> sourceAlias = own.source.isPresent()
        ? source(own.source.get(), m.path("source"), ctx) : defaultSource;
    boolean chartSource = sourceAlias.map(a -> registries.get(a).type() == Type.HELM).orElse(false);
    if (chartSource) {
      // from a classic repository, `from` is a chart name; `to` (or the chart name) is the OCI repository
      fromNode.ifPresent(f -> chartName(f, m.path("from"), toNode.isEmpty()));
    } else {
      fromNode.ifPresent(f -> repositoryName(f, m.path("from")));
    }
    toNode.ifPresent(t -> repositoryName(t, m.path("to")));
    if (own.source.isEmpty() && defaults.source.isEmpty()) {
      problems.add(m.node().location(), m.path("source"), ctx
          + ": no source registry (set mapping.source or defaults.source)");
    }
    Optional<List<String>> targets = own.targets.isPresent()
        ? Optional.of(targets(own.targets.get(), own.targetsPath, ctx)) : defaultTargets;
    if (own.targets.isEmpty() && defaults.targets.isEmpty()) {
      problems.add(m.node().location(), m.path("targets"), ctx
          + ": no targets (set mapping.targets or defaults.targets)");
    }

    // tags
    Optional<TagSelector> tags = Optional.empty();
    if (own.tags.isEmpty() && defaults.tags.isEmpty()) {
      if (own.valid && defaults.valid) {
        problems.add(m.node().location(), m.path("tags"), ctx
            + " is missing a tags block (and no defaults.tags is set)");
      }
    } else if (own.valid && defaults.valid) {
      tags = merge(ctx, own.tags, defaults.tags);
    }

    PlatformFilter platforms = own.platforms.or(() -> defaults.platforms)
        .map(l -> PlatformFilter.of(texts(l))).orElse(PlatformFilter.all());
    ArtifactPolicy artifacts = own.artifacts.or(() -> defaults.artifacts).orElse(ArtifactPolicy.defaults());
    Optional<ImageFollow> images = own.images.or(() -> defaults.images).flatMap(i -> i);
    if (images.map(ImageFollow::relocate).orElse(false) && targets.isPresent() && !targets.get().isEmpty()
        && targets.get().stream().map(registries::get).allMatch(r -> r != null && r.type() != Type.REGISTRY)) {
      // the relocated values.yaml names the mirror's registry; a bundle has none to name
      problems.add(m.node().location(), m.path("images"), ctx + ": images.relocate needs a registry among the "
          + "targets (the relocated chart's values.yaml names the mirror's registry host); "
          + String.join(", ", targets.get()) + " are layouts or archives");
    }
    if (sourceAlias.isEmpty() || targets.isEmpty() || tags.isEmpty() || fromNode.isEmpty() || !own.valid) {
      return Optional.empty();
    }
    return Optional.of(new MappingSpec(index, from, to, sourceAlias.get(), targets.get(), tags.get(), platforms,
        artifacts, images, m.node().location()));
  }

  /** Checks {@code defaults.source} and {@code defaults.targets} once, not once per mapping. */
  private void resolveDefaults(Block defaults) {
    defaultSource = defaults.source.flatMap(s -> source(s, "defaults.source", "defaults"));
    defaultTargets = defaults.targets.map(t -> targets(t, defaults.targetsPath, "defaults"));
  }

  private Optional<String> source(ScalarNode s, String path, String ctx) {
    if (!knownRegistry(s, path, ctx)) {
      return Optional.empty();
    }
    return Optional.of(s.text());
  }

  /** A chart name of a classic repository; without {@code to} it must also do as the OCI repository name. */
  private void chartName(ScalarNode s, String path, boolean alsoRepository) {
    String name = s.text();
    if (name.isEmpty() || name.contains("/") || name.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
      problems.add(s.location(), path, "'" + s.shown() + "' is not a chart name: a classic Helm repository's "
          + "charts are named without '/' or spaces");
      return;
    }
    if (alsoRepository && !isRepositoryName(name)) {
      problems.add(s.location(), path, "chart '" + s.shown() + "' is not a valid repository name (lower-case "
          + "letters, digits, and . _ - / between them); set `to` to name the target repository");
    }
  }

  private void repositoryName(ScalarNode s, String path) {
    if (!isRepositoryName(s.text())) {
      problems.add(s.location(), path, "'" + s.shown() + "' is not a valid repository name (lower-case "
          + "letters, digits, and . _ - / between them)");
    }
  }

  private static boolean isRepositoryName(String name) {
    try {
      Reference.of("registry.invalid", name, Optional.of("latest"), Optional.empty());
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private List<String> targets(Node node, String path, String ctx) {
    Set<String> out = new LinkedHashSet<>();
    if (node instanceof ScalarNode s && s.type() == ScalarType.STRING) {
      if (groups.containsKey(s.text())) {
        out.addAll(groups.get(s.text()));
      } else if (registries.containsKey(s.text())) {
        out.add(s.text());
      } else {
        Set<String> names = new LinkedHashSet<>(groups.keySet());
        names.addAll(registries.keySet());
        String hint = Values.suggest(s.text(), names).map(x -> "; did you mean `" + x + "`?").orElse("");
        problems.add(s.location(), path, ctx + " references unknown target group or registry '" + s.shown() + "'"
            + hint);
      }
    } else if (node instanceof ListNode l) {
      for (int i = 0; i < l.items().size(); i++) {
        Node item = l.items().get(i);
        if (item instanceof ScalarNode s && s.type() == ScalarType.STRING) {
          if (knownRegistry(s, Paths.index(path, i), ctx)) {
            out.add(s.text());
          }
        } else {
          problems.add(item.location(), Paths.index(path, i), "expected a registry alias, got " + item.describe());
        }
      }
      if (l.items().isEmpty()) {
        problems.add(l.location(), path, ctx + ": targets list must not be empty");
      }
    } else {
      problems.add(node.location(), path, "expected a target group, a registry alias or a list of registry "
          + "aliases, got " + node.describe());
    }
    for (String alias : out) {
      RegistrySpec spec = registries.get(alias);
      if (spec != null && spec.type() == Type.HELM) {
        problems.add(node.location(), path, ctx + ": target '" + alias
            + "' is a classic Helm repository (type helm), which is read-only and cannot be a target");
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * ocync's merge: each tags field from the mapping if set, else from {@code defaults.tags};
   * {@code exclude} in two tiers (the mapping's hard, the defaults' soft). The exact-tag fast
   * path applies only when the mapping lists literal globs and nothing else, and no
   * {@code defaults.tags} block exists at all.
   */
  private Optional<TagSelector> merge(String ctx, Optional<Tags> own, Optional<Tags> defaults) {
    Tags m = own.orElse(null);
    Tags d = defaults.orElse(null);
    if (d == null && m.glob.isPresent() && m.glob.get().stream().allMatch(s -> isLiteral(s.text()))
        && m.semver.isEmpty() && m.latest.isEmpty() && m.sort.isEmpty() && m.minTags.isEmpty()
        && m.exclude.isEmpty() && m.include.isEmpty() && m.immutable.isEmpty()) {
      try {
        return Optional.of(TagSelector.exact(texts(m.glob.get())));
      } catch (IllegalArgumentException e) {
        String message = e.getMessage();
        for (ScalarNode g : m.glob.get()) {
          message = g.redact(message);
        }
        problems.add(m.location, m.path + ".glob", message);
        return Optional.empty();
      }
    }
    Optional<List<ScalarNode>> glob = pick(m, d, Tags::glob);
    Optional<ScalarNode> semver = pick(m, d, Tags::semver);
    Optional<List<ScalarNode>> include = pick(m, d, Tags::include);
    Optional<TagSelector.Sort> sort = pick(m, d, Tags::sort);
    Optional<ScalarNode> immutable = pick(m, d, Tags::immutable);
    Tags latestFrom = m != null && m.latest.isPresent() ? m : d != null && d.latest.isPresent() ? d : null;
    OptionalInt minTags = m != null && m.minTags.isPresent() ? m.minTags : d != null ? d.minTags : OptionalInt.empty();
    if (latestFrom != null && sort.isEmpty()) {
      problems.add(latestFrom.latestAt, latestFrom.path + ".latest", ctx
          + ": tags.latest requires tags.sort to be set (in the mapping's tags or in defaults.tags)");
      return Optional.empty();
    }
    TagSelector.Builder b = TagSelector.builder();
    glob.ifPresent(l -> b.glob(texts(l)));
    semver.ifPresent(s -> b.semver(s.text()));
    include.ifPresent(l -> b.include(texts(l)));
    if (m != null) {
      m.exclude.ifPresent(l -> b.exclude(texts(l)));
    }
    if (d != null) {
      d.exclude.ifPresent(l -> b.softExclude(texts(l)));
    }
    sort.ifPresent(b::sort);
    if (latestFrom != null) {
      b.latest(latestFrom.latest.getAsInt());
    }
    minTags.ifPresent(b::minTags);
    immutable.ifPresent(s -> b.immutableTags(s.text()));
    try {
      TagSelector selector = b.build();
      if (d != null && selector.exactTags().isPresent()) {
        // ocync takes the exact-tag fast path only when no defaults.tags block exists at all;
        // otherwise it lists the source, so missing tags are skipped and the built-in
        // excludes apply. min_tags 0 is the no-op rule that keeps the selector listing.
        selector = b.minTags(0).build();
      }
      return Optional.of(selector);
    } catch (IllegalArgumentException e) {
      Tags at = m != null ? m : d;
      problems.add(at.location, at.path, ctx + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private static <T> Optional<T> pick(Tags m, Tags d, Function<Tags, Optional<T>> field) {
    Optional<T> own = m == null ? Optional.empty() : field.apply(m);
    return own.isPresent() || d == null ? own : field.apply(d);
  }

  private static boolean isLiteral(String pattern) {
    return pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0;
  }
}
