package dev.ocync.spi;

/** A tag, manifest, blob or repository that does not exist at the endpoint. */
public class NotFoundException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** A failure with the given context. */
  public NotFoundException(String reason, Context context) {
    super(reason, context);
  }

  /** A failure with the given context and cause. */
  public NotFoundException(String reason, Context context, Throwable cause) {
    super(reason, context, cause);
  }
}
