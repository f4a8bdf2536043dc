package dev.ocync.spi;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A failure talking to an endpoint or moving content, with the context needed to act on it:
 * the registry (or layout path), repository, reference, HTTP status and OCI error code. The
 * message names all of them that are known. Never carries secrets.
 *
 * <p>Subclasses say what kind of failure it is where callers branch on it:
 * {@link NotFoundException}, {@link AuthenticationException}, {@link DigestMismatchException}.
 */
public class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String registry;
  private final String repository;
  private final String reference;
  private final int status;
  private final String errorCode;
  private final String reason;

  /** A failure with the given context; see {@link Context}. */
  public RegistryException(String reason, Context context) {
    this(reason, context, null);
  }

  /** A failure with the given context and cause. */
  public RegistryException(String reason, Context context, Throwable cause) {
    super(format(reason, context), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.registry = context.registry;
    this.repository = context.repository;
    this.reference = context.reference;
    this.status = context.status;
    this.errorCode = context.errorCode;
  }

  private static String format(String reason, Context c) {
    StringBuilder sb = new StringBuilder(reason).append(" (").append(c.registry);
    if (c.repository != null) {
      sb.append(", repository ").append(c.repository);
    }
    if (c.reference != null) {
      sb.append(", reference ").append(c.reference);
    }
    if (c.status > 0) {
      sb.append(", HTTP ").append(c.status);
    }
    if (c.errorCode != null) {
      sb.append(", ").append(c.errorCode);
    }
    return sb.append(')').toString();
  }

  /** The failure without its context. */
  public String reason() {
    return reason;
  }

  /** The registry host (or layout location) involved. */
  public String registry() {
    return registry;
  }

  /** The repository involved, if known. */
  public Optional<String> repository() {
    return Optional.ofNullable(repository);
  }

  /** The tag or digest involved, if known. */
  public Optional<String> reference() {
    return Optional.ofNullable(reference);
  }

  /** The HTTP status, if the failure came from an HTTP response. */
  public OptionalInt status() {
    return status > 0 ? OptionalInt.of(status) : OptionalInt.empty();
  }

  /** The OCI error code ({@code MANIFEST_UNKNOWN}, {@code DENIED}, ...), if the registry sent one. */
  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /** Where the failure happened, to build a related exception with the same context. */
  public Context context() {
    Context c = Context.of(registry);
    c = repository == null ? c : c.repository(repository);
    c = reference == null ? c : c.reference(reference);
    c = status > 0 ? c.status(status) : c;
    return errorCode == null ? c : c.errorCode(errorCode);
  }

  /** Whether retrying the same request later may succeed (429, 5xx, I/O timeouts are transient). */
  public boolean isTransient() {
    return status == 429 || status == 408 || status >= 500;
  }

  /**
   * Where a failure happened. Immutable; each {@code with} method returns a copy.
   *
   * <pre>{@code
   * Context.of("ghcr.io").repository("org/app").reference("1.0").status(404)
   * }</pre>
   */
  public static final class Context {
    private final String registry;
    private final String repository;
    private final String reference;
    private final int status;
    private final String errorCode;

    private Context(String registry, String repository, String reference, int status, String errorCode) {
      this.registry = registry;
      this.repository = repository;
      this.reference = reference;
      this.status = status;
      this.errorCode = errorCode;
    }

    /** A context naming only the registry or layout location. */
    public static Context of(String registry) {
      return new Context(Objects.requireNonNull(registry, "registry"), null, null, 0, null);
    }

    /** With a repository. */
    public Context repository(String name) {
      return new Context(registry, Objects.requireNonNull(name), reference, status, errorCode);
    }

    /** With a tag or digest. */
    public Context reference(String ref) {
      return new Context(registry, repository, Objects.requireNonNull(ref), status, errorCode);
    }

    /** With an HTTP status. */
    public Context status(int httpStatus) {
      return new Context(registry, repository, reference, httpStatus, errorCode);
    }

    /** With an OCI error code. */
    public Context errorCode(String code) {
      return new Context(registry, repository, reference, status, Objects.requireNonNull(code));
    }

    @Override
    public String toString() {
      return format("", this).substring(1);
    }
  }
}
