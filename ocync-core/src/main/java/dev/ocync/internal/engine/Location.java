package dev.ocync.internal.engine;

import dev.ocync.oci.Digest;
import dev.ocync.oci.Reference;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a copy reads or writes, as written on a command line: {@code oci:DIR[:TAG]},
 * {@code oci:DIR@DIGEST}, {@code oci-archive:FILE[:TAG]}, {@code docker://REF} or a bare
 * reference. The spelling follows skopeo's transports so users can reuse what they know.
 */
public final class Location {
  /** The accepted forms, quoted in every parse error. */
  public static final String FORMS = "expected oci:DIR[:TAG], oci:DIR@sha256:..., oci-archive:FILE[:TAG], "
      + "docker://REGISTRY/REPO[:TAG|@DIGEST] or a reference such as registry.example.com/repo:tag";

  private static final Pattern DIGEST_LIKE = Pattern.compile("[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
  private static final String[] UNSUPPORTED = {
    "dir:", "docker-archive:", "docker-daemon:", "containers-storage:", "ostree:", "sif:", "ocidir:",
    "http:", "https:", "oci://", "oci-archive://"
  };

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

  private Location(String text, Kind kind, Optional<Path> path, Optional<Reference> reference,
      Optional<String> tag, Optional<Digest> digest) {
    this.text = text;
    this.kind = kind;
    this.path = path;
    this.reference = reference;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses a location.
   *
   * @throws IllegalArgumentException naming the input, what is wrong and the accepted forms
   */
  public static Location parse(String text) {
    Objects.requireNonNull(text, "location");
    if (text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    if (!text.equals(text.strip())) {
      throw invalid(text, "leading or trailing blanks");
    }
    String lower = text.toLowerCase(Locale.ROOT);
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
    String ref = lower.startsWith(Kind.REGISTRY.prefix) ? text.substring(Kind.REGISTRY.prefix.length()) : text;
    Reference r;
    try {
      r = Reference.parse(ref);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage(), e);
    }
    // Reference.parse adds "latest" when there is neither tag nor digest; keep whether the user wrote
    // a tag, because a target without one takes the source's tag instead.
    Optional<String> tag = explicitTag(ref) ? r.tag() : Optional.empty();
    return new Location(text, Kind.REGISTRY, Optional.empty(), Optional.of(r), tag, r.digest());
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
    return new Location(text, kind, Optional.of(p), Optional.empty(), tag, digest);
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
