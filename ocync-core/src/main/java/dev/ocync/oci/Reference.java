package dev.ocync.oci;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference {@code [registry/]repository[:tag][@digest]}, normalized the way Docker
 * does it: {@code nginx} becomes {@code docker.io/library/nginx:latest}, whose API host is
 * {@code registry-1.docker.io}.
 *
 * <p>The first path component is a registry when it contains a {@code .} or a {@code :}, is
 * {@code localhost} in any case, or has upper-case letters (which a repository path cannot have),
 * as Docker decides it; otherwise the reference is on Docker Hub. Host names are case-insensitive
 * and normalized to lower case ({@code MyHost.io/app} is on {@code myhost.io}), except a host that
 * is a registry only by its case ({@code MyHost/app}), which keeps it; repository paths must be
 * lower case. An IPv6 literal is normalized to its shortest form, so
 * {@code [0:0:0:0:0:0:0:1]:5000} is {@code [::1]:5000}. A reference with a digest and no tag gets
 * no default tag; one with both keeps both, and the digest decides what is fetched.
 *
 * <pre>{@code
 * Reference r = Reference.parse("ghcr.io/org/app:1.2@sha256:...");
 * r.registry();   // ghcr.io
 * r.repository(); // org/app
 * }</pre>
 */
public final class Reference {
  /** Docker Hub's canonical registry name. */
  public static final String DOCKER_HUB = "docker.io";
  /** Where Docker Hub's registry API actually answers. */
  public static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  private static final Pattern HOST =
      Pattern.compile("(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*");
  private static final Pattern IPV6_TEXT = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final int MAX_NAME = 255;

  private final String registry;
  private final String repository;
  private final Optional<String> tag;
  private final Optional<Digest> digest;

  private Reference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses and normalizes a reference.
   *
   * @throws IllegalArgumentException naming the input and the rule it broke
   */
  public static Reference parse(String value) {
    Objects.requireNonNull(value, "reference");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("invalid reference \"\": it is empty");
    }
    if (!value.equals(value.strip())) {
      throw new IllegalArgumentException("invalid reference \"" + value + "\": leading or trailing blanks");
    }
    String rest = value;
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      try {
        digest = Optional.of(Digest.parse(d));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid reference \"" + value + "\": " + e.getMessage(), e);
      }
      rest = rest.substring(0, at);
    }
    String registry;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? "" : rest.substring(0, slash);
    if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equalsIgnoreCase("localhost")
        || !first.equals(first.toLowerCase(Locale.ROOT)))) {
      registry = first;
      path = rest.substring(slash + 1);
    } else {
      registry = DOCKER_HUB;
      path = rest;
    }
    Optional<String> tag = Optional.empty();
    int colon = path.lastIndexOf(':');
    if (colon >= 0) {
      String t = path.substring(colon + 1);
      if (!TAG.matcher(t).matches()) {
        throw new IllegalArgumentException("invalid reference \"" + value + "\": tag \"" + t
            + "\" must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      }
      tag = Optional.of(t);
      path = path.substring(0, colon);
    }
    registry = checkRegistry(registry, value);
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    checkRepository(path, value);
    if (tag.isEmpty() && digest.isEmpty()) {
      tag = Optional.of("latest");
    }
    if (registry.length() + 1 + path.length() > MAX_NAME) {
      throw new IllegalArgumentException(
          "invalid reference \"" + value + "\": registry and repository exceed " + MAX_NAME + " characters");
    }
    return new Reference(registry, path, tag, digest);
  }

  /** Whether {@code value} is a valid tag: {@code [A-Za-z0-9_][A-Za-z0-9._-]{0,127}}. */
  public static boolean isTag(String value) {
    return TAG.matcher(value).matches();
  }

  /** A reference from its parts, validated like {@link #parse}. */
  public static Reference of(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
    String shown = registry + "/" + repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    String r = checkRegistry(registry, shown);
    checkRepository(repository, shown);
    tag.ifPresent(t -> {
      if (!TAG.matcher(t).matches()) {
        throw new IllegalArgumentException("invalid reference \"" + shown + "\": tag \"" + t
            + "\" must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      }
    });
    if (tag.isEmpty() && digest.isEmpty()) {
      throw new IllegalArgumentException("invalid reference \"" + shown + "\": needs a tag or a digest");
    }
    return new Reference(r, repository, tag, digest);
  }

  private static String checkRegistry(String registry, String input) {
    // split and check before lower-casing: lower case may change the length of non-ASCII text
    String host = registry;
    String port = "";
    int colon = registry.lastIndexOf(':');
    if (colon >= 0 && !registry.endsWith("]")) {
      port = registry.substring(colon);
      host = registry.substring(0, colon);
      String digits = port.substring(1);
      if (!digits.matches("[0-9]{1,5}") || Integer.parseInt(digits) == 0 || Integer.parseInt(digits) > 65535) {
        throw new IllegalArgumentException(
            "invalid reference \"" + input + "\": port \"" + digits + "\" of registry " + registry + " is not 1-65535");
      }
    }
    if (host.startsWith("[")) {
      return ipv6(host, registry.contains("]") ? host : registry, input) + port;
    }
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "invalid reference \"" + input + "\": \"" + registry + "\" is not a valid registry host[:port]");
    }
    String lower = registry.toLowerCase(Locale.ROOT);
    if (lower.equals("index.docker.io")) {
      return DOCKER_HUB;
    }
    // lower case, unless the case is what makes it a registry: "MyHost/app" is on the host MyHost,
    // "myhost/app" on Docker Hub
    boolean registryByCaseOnly = !lower.contains(".") && !lower.contains(":") && !lower.equals("localhost");
    return registryByCaseOnly ? registry : lower;
  }

  /** A bracketed IPv6 literal in its shortest form (RFC 5952), so every spelling of one address is one registry. */
  private static String ipv6(String bracketed, String written, String input) {
    String inside = bracketed.endsWith("]") ? bracketed.substring(1, bracketed.length() - 1).toLowerCase(Locale.ROOT) : "";
    IllegalArgumentException bad = new IllegalArgumentException(
        "invalid reference \"" + input + "\": \"" + written + "\" is not a valid IPv6 address");
    // the character check first: InetAddress must only ever see a literal, never a name to look up
    if (!IPV6_TEXT.matcher(inside).matches() || !inside.contains(":")) {
      throw bad;
    }
    byte[] a;
    try {
      a = InetAddress.getByName("[" + inside + "]").getAddress();
    } catch (UnknownHostException | RuntimeException e) {
      bad.initCause(e);
      throw bad;
    }
    if (a.length == 4) {
      // an IPv4-mapped address, which InetAddress hands back as IPv4
      return "[::ffff:" + (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff) + "]";
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    // the longest run of two or more zero groups becomes "::" (the first one when runs tie)
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = Math.max(i, j);
    }
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 1 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.append(']').toString();
  }

  private static void checkRepository(String path, String input) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException("invalid reference \"" + input + "\": repository name is empty");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        String why = component.isEmpty()
            ? "has an empty path component"
            : !component.equals(component.toLowerCase(Locale.ROOT))
                ? "has uppercase letters in \"" + component + "\" (repository names must be lowercase)"
                : "has an invalid path component \"" + component
                    + "\" (lowercase letters and digits, separated by ., _, __ or -)";
        throw new IllegalArgumentException("invalid reference \"" + input + "\": repository \"" + path + "\" " + why);
      }
    }
  }

  /** The registry as written, normalized: {@code docker.io}, {@code ghcr.io}, {@code localhost:5000}. */
  public String registry() {
    return registry;
  }

  /** The host to send API requests to: the registry, except {@code registry-1.docker.io} for Docker Hub. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
  }

  /** The repository path, for example {@code library/nginx}. */
  public String repository() {
    return repository;
  }

  /** The tag, if any. */
  public Optional<String> tag() {
    return tag;
  }

  /** The digest, if any. */
  public Optional<Digest> digest() {
    return digest;
  }

  /** What to ask the registry for: the digest when there is one, else the tag. */
  public String identifier() {
    return digest.map(Digest::toString).orElseGet(tag::orElseThrow);
  }

  /** This reference with another tag and no digest. */
  public Reference withTag(String newTag) {
    return of(registry, repository, Optional.of(newTag), Optional.empty());
  }

  /** This reference with a digest and no tag. */
  public Reference withDigest(Digest newDigest) {
    return new Reference(registry, repository, Optional.empty(), Optional.of(newDigest));
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reference r && r.registry.equals(registry) && r.repository.equals(repository)
        && r.tag.equals(tag) && r.digest.equals(digest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(registry, repository, tag, digest);
  }

  /** The full normalized form, for example {@code docker.io/library/nginx:latest}. */
  @Override
  public String toString() {
    return name() + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
  }
}
