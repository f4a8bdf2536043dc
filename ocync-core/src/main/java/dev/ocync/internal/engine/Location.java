package dev.ocync.internal.engine;

import dev.ocync.auth.RegistryHosts;
import dev.ocync.internal.text.EditDistance;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Reference;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a copy reads or writes, as written on a command line: {@code oci:DIR[:TAG]},
 * {@code oci:DIR@DIGEST}, {@code oci-archive:FILE[:TAG]}, {@code docker://REF},
 * {@code http://HOST/REPO[:TAG]}, {@code https://HOST/REPO[:TAG]} or a bare reference. The
 * spelling follows skopeo's transports so users can reuse what they know.
 *
 * <p>Messages never quote credentials: a location with {@code user:password@} before its host is
 * refused, and quoted without them.
 */
public final class Location {
  /** The accepted forms, quoted in every parse error. */
  public static final String FORMS = "expected oci:DIR[:TAG], oci:DIR@sha256:..., oci-archive:FILE[:TAG], "
      + "docker://REGISTRY/REPO[:TAG|@DIGEST], http(s)://REGISTRY/REPO[:TAG|@DIGEST] "
      + "or a reference such as registry.example.com/repo:tag";

  private static final Pattern DIGEST_LIKE = Pattern.compile("[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
  /** skopeo's other transports: known, so named as unsupported rather than taken for typos. */
  private static final String[] UNSUPPORTED = {
    "dir:", "docker-archive:", "docker-daemon:", "containers-storage:", "ostree:", "sif:", "ocidir:",
    "oci://", "oci-archive://"
  };
  /** The transports a typo is measured against, as the user should have written them. */
  private static final String[] TRANSPORTS = {"oci:", "oci-archive:", "docker://", "http://", "https://"};
  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)(://|:)(.*)", Pattern.DOTALL);
  private static final Pattern PORT_OR_TAG_ONLY = Pattern.compile("[0-9]+");

  /** What kind of endpoint a location names. */
  public enum Kind {
    /** An OCI layout directory. */
    LAYOUT("oci:"),
    /** An OCI layout in a tar file. */
    ARCHIVE("oci-archive:"),
    /** A repository on a registry. */
    REGISTRY("docker://");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }
  }

  private final String text;
  private final Kind kind;
  private final Optional<Path> path;
  private final Optional<Reference> reference;
  private final Optional<String> tag;
  private final Optional<Digest> digest;
  private final Optional<String> scheme;

  private Location(String text, Kind kind, Optional<Path> path, Optional<Reference> reference,
      Optional<String> tag, Optional<Digest> digest, Optional<String> scheme) {
    this.text = text;
    this.kind = kind;
    this.path = path;
    this.reference = reference;
    this.tag = tag;
    this.digest = digest;
    this.scheme = scheme;
  }

  /**
   * Parses a location.
   *
   * @throws IllegalArgumentException naming the input (without credentials), what is wrong and the
   *     accepted forms
   */
  public static Location parse(String text) {
    Objects.requireNonNull(text, "location");
    if (text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    String lower = text.strip().toLowerCase(Locale.ROOT);
    // before anything quotes the text: every message below quotes it without its userinfo
    Optional<String> scheme = lower.startsWith("http://") ? Optional.of("http")
        : lower.startsWith("https://") ? Optional.of("https") : Optional.empty();
    boolean registryForm = !lower.startsWith(Kind.LAYOUT.prefix) && !lower.startsWith(Kind.ARCHIVE.prefix);
    if (registryForm) {
      String shown = withoutUserinfo(text.strip());
      if (!shown.equals(text.strip())) {
        throw invalid(shown, "it carries credentials (user:password@ before the host), which ocync never takes "
            + "from a location (they would show up in logs and process lists); give them as credentials of the "
            + "registry instead");
      }
    }
    if (!text.equals(text.strip())) {
      throw invalid(text, "leading or trailing blanks");
    }
    lower = text.toLowerCase(Locale.ROOT);
    for (String u : UNSUPPORTED) {
      if (lower.startsWith(u)) {
        throw invalid(text, "the transport \"" + u + "\" is not supported");
      }
    }
    if (lower.startsWith(Kind.LAYOUT.prefix)) {
      return layout(text, Kind.LAYOUT);
    }
    if (lower.startsWith(Kind.ARCHIVE.prefix)) {
      return layout(text, Kind.ARCHIVE);
    }
    checkNotAPath(text);
    checkTransport(text);
    checkNotAFile(text);
    String ref = lower.startsWith(Kind.REGISTRY.prefix) ? text.substring(Kind.REGISTRY.prefix.length())
        : scheme.isPresent() ? text.substring(scheme.get().length() + 3) : text;
    checkRepositoryPresent(text, ref, scheme.isPresent());
    Reference r;
    try {
      r = scheme.isPresent() ? withHost(ref) : Reference.parse(ref);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage(), e);
    }
    // Reference.parse adds "latest" when there is neither tag nor digest; keep whether the user wrote
    // a tag, because a target without one takes the source's tag instead.
    Optional<String> tag = explicitTag(ref) ? r.tag() : Optional.empty();
    return new Location(text, Kind.REGISTRY, Optional.empty(), Optional.of(r), tag, r.digest(), scheme);
  }

  /**
   * The text without the userinfo of a URL-like location: what stands before an {@code @} in the
   * first path component ({@code user:pass@host/repo}), and after {@code http(s)://} or
   * {@code docker://}, anything up to an {@code @} that does not start a digest (a password may
   * hold a {@code /}).
   */
  public static String withoutUserinfo(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    int start = 0;
    for (String s : new String[] {"http://", "https://", "docker://"}) {
      if (lower.startsWith(s)) {
        start = s.length();
      }
    }
    String rest = text.substring(start);
    int slash = rest.indexOf('/');
    int cut = slash > 0 ? rest.lastIndexOf('@', slash) : -1;
    if (start > 0) {
      for (int at = rest.indexOf('@'); at >= 0; at = rest.indexOf('@', at + 1)) {
        if (!DIGEST_LIKE.matcher(rest.substring(at + 1)).matches()) {
          cut = Math.max(cut, at);
        }
      }
    }
    return cut < 0 ? text : text.substring(0, start) + rest.substring(cut + 1);
  }

  /** Refuses a transport that is not one: a typo of a known one, or any other {@code word:} before a path. */
  private static void checkTransport(String text) {
    Matcher m = SCHEME.matcher(text);
    if (!m.matches()) {
      return;
    }
    String word = m.group(1).toLowerCase(Locale.ROOT);
    String written = m.group(1) + m.group(2);
    String after = m.group(3);
    if (m.group(2).equals("://")) {
      if (!word.equals("docker") && !word.equals("http") && !word.equals("https")) {
        throw unknownTransport(text, written, nearest(word));
      }
      return;
    }
    // "host:5000/repo", "localhost:5000" and "image:tag" are references, not transports
    if (word.contains(".") || word.equals("localhost") || PORT_OR_TAG_ONLY.matcher(after.split("/", 2)[0]).matches()) {
      return;
    }
    for (String t : TRANSPORTS) {
      if (t.endsWith("://") && t.startsWith(word + ":")) {
        throw unknownTransport(text, written, Optional.of(t));
      }
    }
    Optional<String> near = nearest(word);
    if (near.isPresent() || after.startsWith("/") || after.startsWith("\\") || after.startsWith(":")) {
      throw unknownTransport(text, written, near);
    }
  }

  private static IllegalArgumentException unknownTransport(String text, String written, Optional<String> near) {
    return invalid(text, "unknown transport \"" + written + "\"" + near.map(n -> " (did you mean \"" + n + "\"?)").orElse(""));
  }

  /** The known transport closest to {@code word}, if it is a likely typo of it. */
  private static Optional<String> nearest(String word) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String t : TRANSPORTS) {
      String name = t.substring(0, t.indexOf(':'));
      int d = distance(word, name);
      if (d < bestDistance) {
        best = t;
        bestDistance = d;
      }
    }
    if (best == null) {
      return Optional.empty(); // too long, or too far from every transport to compare
    }
    String name = best.substring(0, best.indexOf(':'));
    // one edit for short names, two for long ones: "app" must stay an image, "oic" is a typo
    int allowed = name.length() <= 4 ? 1 : 2;
    return bestDistance <= allowed && bestDistance > 0 ? Optional.of(best) : Optional.empty();
  }

  /** Too long or too different in length to be a typo of a transport: {@link Integer#MAX_VALUE}. */
  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 3 || a.length() > 32) {
      return Integer.MAX_VALUE;
    }
    return EditDistance.of(a, b);
  }

  /** A bare path ({@code /tmp/x}, {@code ./x}, {@code C:\\x}) is a forgotten {@code oci:}, not an image on Docker Hub. */
  private static void checkNotAPath(String text) {
    if (text.startsWith("/") || text.startsWith("./") || text.startsWith("../") || text.startsWith("~")
        || text.startsWith(".\\") || text.startsWith("..\\") || text.equals(".") || text.equals("..")
        || text.matches("[A-Za-z]:[\\\\/].*")) {
      throw invalid(text, "looks like a path: use \"oci:" + text + "\"");
    }
  }

  /** {@code out.tar} is a forgotten {@code oci-archive:}; as a reference it would name library/out.tar on Docker Hub. */
  private static void checkNotAFile(String text) {
    if (text.toLowerCase(Locale.ROOT).endsWith(".tar") && !text.contains(":") && !text.contains("@")) {
      throw invalid(text, "looks like a file: use \"oci-archive:" + text + "\"");
    }
  }

  /** {@code 127.0.0.1:6301} alone is a registry without a repository, not the image library/127.0.0.1:6301. */
  private static void checkRepositoryPresent(String text, String ref, boolean url) {
    String name = ref.endsWith("/") ? ref.substring(0, ref.length() - 1) : ref;
    if (name.contains("/") || name.contains("@")) {
      return;
    }
    int colon = name.lastIndexOf(':');
    String host = colon < 0 || name.endsWith("]") ? name : name.substring(0, colon);
    String port = colon < 0 || name.endsWith("]") ? "" : name.substring(colon + 1);
    boolean hostLike = host.contains(".") || host.startsWith("[") || host.equalsIgnoreCase("localhost");
    if (url || name.isEmpty() || hostLike && (port.isEmpty() || PORT_OR_TAG_ONLY.matcher(port).matches())) {
      throw invalid(text, "no repository after the registry" + (name.isEmpty() ? "" : " \"" + name + "\"")
          + "; add /REPOSITORY, for example " + (url ? text.substring(0, text.indexOf("://") + 3) : "")
          + (name.isEmpty() ? "registry.example.com" : name) + "/app:1.0");
    }
  }

  /** {@code HOST/REPO...} after {@code http(s)://}: the first component is the host, whatever it looks like. */
  private static Reference withHost(String ref) {
    int slash = ref.indexOf('/');
    if (slash < 0) {
      // "https://host@sha256:..." has a digest but no repository
      throw new IllegalArgumentException("invalid reference \"" + ref + "\": no repository after the registry; "
          + "add /REPOSITORY after the host, for example HOST/app@sha256:...");
    }
    Reference parsed = Reference.parse(ref);
    String host = ref.substring(0, slash);
    if (!parsed.registry().equals(Reference.DOCKER_HUB) || RegistryHosts.isDockerHub(host)) {
      return parsed;
    }
    // a host without a dot ("https://myhost/app"), which a bare reference would put on Docker Hub
    try {
      return Reference.of(host, parsed.repository().replaceFirst("^" + Pattern.quote(host.toLowerCase(Locale.ROOT))
          + "/", ""), parsed.tag(), parsed.digest());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid reference \"" + ref + "\": \"" + host
          + "\" is not a valid registry host[:port]", e);
    }
  }

  private static boolean explicitTag(String ref) {
    int at = ref.indexOf('@');
    String name = at < 0 ? ref : ref.substring(0, at);
    return name.substring(name.lastIndexOf('/') + 1).contains(":");
  }

  private static Location layout(String text, Kind kind) {
    String rest = text.substring(kind.prefix.length());
    Optional<String> tag = Optional.empty();
    Optional<Digest> digest = Optional.empty();
    int at = rest.lastIndexOf('@');
    if (at >= 0 && DIGEST_LIKE.matcher(rest.substring(at + 1)).matches()) {
      String d = rest.substring(at + 1);
      try {
        digest = Optional.of(Digest.parse(d));
      } catch (IllegalArgumentException e) {
        throw invalid(text, e.getMessage(), e);
      }
      rest = rest.substring(0, at);
    } else {
      // Only the last ':' can start a tag, and only if what follows is a tag: "oci:C:/x" and
      // "oci:/srv/a:b/c" stay paths.
      int colon = rest.lastIndexOf(':');
      if (colon >= 0) {
        String t = rest.substring(colon + 1);
        if (!t.contains("/") && !t.contains("\\")) {
          if (!Reference.isTag(t)) {
            throw invalid(text, "tag \"" + t + "\" must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
          }
          tag = Optional.of(t);
          rest = rest.substring(0, colon);
        }
      }
    }
    if (rest.isEmpty()) {
      throw invalid(text, (kind == Kind.LAYOUT ? "the directory" : "the file") + " is missing");
    }
    Path p;
    try {
      p = Path.of(rest);
    } catch (InvalidPathException e) {
      throw invalid(text, "\"" + rest + "\" is not a valid path: " + e.getReason(), e);
    }
    return new Location(text, kind, Optional.of(p), Optional.empty(), tag, digest, Optional.empty());
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return invalid(text, why, null);
  }

  private static IllegalArgumentException invalid(String text, String why, Throwable cause) {
    return new IllegalArgumentException("invalid location \"" + text + "\": " + why + "; " + FORMS, cause);
  }

  /** What kind of endpoint this is. */
  public Kind kind() {
    return kind;
  }

  /** The directory or tar file of a layout location. */
  public Optional<Path> path() {
    return path;
  }

  /** The reference of a registry location, normalized ({@code latest} added when it had no tag or digest). */
  public Optional<Reference> reference() {
    return reference;
  }

  /**
   * The scheme written before a registry location, {@code http} or {@code https}; empty for
   * {@code docker://} and bare references, whose scheme the registry settings decide.
   */
  public Optional<String> scheme() {
    return scheme;
  }

  /** The tag as written; empty when none was written. */
  public Optional<String> tag() {
    return tag;
  }

  /** The digest as written. */
  public Optional<Digest> digest() {
    return digest;
  }

  /** The location exactly as given. */
  public String text() {
    return text;
  }

  /**
   * The location with its repository part only, then the given tag or digest, for reports:
   * {@code oci:dir:1.0}, {@code oci-archive:x.tar@sha256:...}, {@code ghcr.io/org/app:1.0}.
   */
  public String display(Optional<String> withTag, Optional<Digest> withDigest) {
    String base = reference.map(Reference::name)
        .orElseGet(() -> (kind == Kind.LAYOUT ? "oci:" : "oci-archive:") + path.orElseThrow());
    return base + withTag.map(t -> ":" + t).orElse("") + withDigest.map(d -> "@" + d).orElse("");
  }

  @Override
  public String toString() {
    return text;
  }
}
