package dev.ocync.spi;

import dev.ocync.oci.Digest;
import java.util.Objects;

/**
 * Content did not match its descriptor: its bytes hash to another digest, or it has another
 * size. Nothing was committed at the target.
 */
public class DigestMismatchException extends RegistryException {
  private static final long serialVersionUID = 1L;

  private final transient Digest expected;
  private final transient Digest actual;

  /**
   * @param expected the digest the descriptor names
   * @param actual what the content hashed to; equal to {@code expected} when only the size differed
   */
  public DigestMismatchException(String reason, Context context, Digest expected, Digest actual) {
    super(reason, context);
    this.expected = Objects.requireNonNull(expected, "expected");
    this.actual = Objects.requireNonNull(actual, "actual");
  }

  /** The digest the content should have had. */
  public Digest expected() {
    return expected;
  }

  /** The digest the content actually had. */
  public Digest actual() {
    return actual;
  }
}
