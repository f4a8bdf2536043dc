package dev.ocync.spi;

import java.io.IOException;
import java.time.Duration;
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
  private final transient Duration retryAfter;
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
    this.retryAfter = context.retryAfter;
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
    if (c.retryAfter != null) {
      sb.append(", retry after ").append(c.retryAfter.toSeconds()).append(" s");
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

  /** How long the registry asked clients to wait before trying again ({@code Retry-After}), if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Where the failure happened, to build a related exception with the same context. */
  public Context context() {
    Context c = Context.of(registry);
    c = repository == null ? c : c.repository(repository);
    c = reference == null ? c : c.reference(reference);
    c = status > 0 ? c.status(status) : c;
    c = retryAfter == null ? c : c.retryAfter(retryAfter);
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
    private final Duration retryAfter;

    private Context(String registry, String repository, String reference, int status, String errorCode,
        Duration retryAfter) {
      this.registry = registry;
      this.repository = repository;
      this.reference = reference;
      this.status = status;
      this.errorCode = errorCode;
      this.retryAfter = retryAfter;
    }

    /** A context naming only the registry or layout location. */
    public static Context of(String registry) {
      return new Context(Objects.requireNonNull(registry, "registry"), null, null, 0, null, null);
    }

    /** With a repository. */
    public Context repository(String name) {
      return new Context(registry, Objects.requireNonNull(name), reference, status, errorCode, retryAfter);
    }

    /** With a tag or digest. */
    public Context reference(String ref) {
      return new Context(registry, repository, Objects.requireNonNull(ref), status, errorCode, retryAfter);
    }

    /** With an HTTP status. */
    public Context status(int httpStatus) {
      return new Context(registry, repository, reference, httpStatus, errorCode, retryAfter);
    }

    /** With an OCI error code. */
    public Context errorCode(String code) {
      return new Context(registry, repository, reference, status, Objects.requireNonNull(code), retryAfter);
    }

    /** With the wait the registry asked for ({@code Retry-After}). */
    public Context retryAfter(Duration wait) {
      if (Objects.requireNonNull(wait, "wait").isNegative()) {
        throw new IllegalArgumentException("retry-after must not be negative, got " + wait);
      }
      return new Context(registry, repository, reference, status, errorCode, wait);
    }

    @Override
    public String toString() {
      return format("", this).substring(1);
    }
  }
}
