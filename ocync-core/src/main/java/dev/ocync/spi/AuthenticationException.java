package dev.ocync.spi;

/** Credentials were missing, wrong, or not allowed to do what was asked (HTTP 401 or 403). */
public class AuthenticationException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** A failure with the given context. */
  public AuthenticationException(String reason, Context context) {
    super(reason, context);
  }

  /** A failure with the given context and cause. */
  public AuthenticationException(String reason, Context context, Throwable cause) {
    super(reason, context, cause);
  }
}
