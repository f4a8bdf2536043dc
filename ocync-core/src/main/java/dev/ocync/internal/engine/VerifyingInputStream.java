package dev.ocync.internal.engine;

import dev.ocync.internal.http.SelfVerifyingContent;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * Hashes and counts a blob while it streams to the target, and fails the read that reveals a
 * mismatch: the read that completes {@code size} bytes if they do not hash to the digest, the read
 * that brings more than {@code size} bytes, or the end of the stream before {@code size} bytes,
 * before {@code -1} is returned. A target therefore never holds all {@code size} bytes of bad
 * content without having been thrown at, whether or not it reads on to the end of the stream
 * (invariant 2: verify, then commit).
 *
 * <p>The failure is sticky: every later read throws it again, and {@link #failure()} keeps it so the
 * engine can report it even when the target wraps it in an exception of its own.
 */
public final class VerifyingInputStream extends InputStream implements SelfVerifyingContent {
  private final InputStream in;
  private final Descriptor blob;
  private final String source;
  private final Digest.Digester digester;
  private long count;
  /** The first {@code size} bytes hashed to the digest; the stream must still end there. */
  private boolean digestMatched;
  private boolean verified;
  private DigestMismatchException failure;

  /**
   * @param in the blob's bytes as the source serves them
   * @param blob the descriptor the bytes must match
   * @param source where the bytes come from, for messages
   */
  public VerifyingInputStream(InputStream in, Descriptor blob, String source) {
    this.in = Objects.requireNonNull(in, "in");
    this.blob = Objects.requireNonNull(blob, "blob");
    this.source = Objects.requireNonNull(source, "source");
    this.digester = blob.digest().newDigester();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (verified) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, len);
    if (n < 0) {
      finish();
      return -1;
    }
    count += n;
    if (count > blob.size()) {
      throw fail(new DigestMismatchException("blob " + blob.digest() + " (" + blob.mediaType() + ") read from "
          + source + " is longer than the " + blob.size() + " bytes its descriptor gives (got at least " + count
          + ")", context(), blob.digest(), blob.digest()));
    }
    digester.update(b, off, n);
    if (count == blob.size() && n > 0) {
      // A target may commit as soon as it has size bytes: check them before handing over the last.
      checkDigest();
    }
    return n;
  }

  /** Reads (and hashes) the skipped bytes: nothing may pass unverified. */
  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buf = new byte[(int) Math.min(8192, n)];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public int available() throws IOException {
    return failure != null || verified ? 0 : in.available();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public boolean verifies(Descriptor other) {
    return blob.digest().equals(other.digest()) && blob.size() == other.size();
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** Whether the whole blob was read and matched its descriptor. */
  public boolean verified() {
    return verified;
  }

  /** The mismatch this stream detected, if any. */
  public Optional<DigestMismatchException> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Checks, after the target accepted the blob, that what it read matched. A target may stop
   * reading after exactly {@code size} bytes without seeing the end; then the bytes read so far
   * must hash to the digest.
   */
  void verifyConsumed() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (!verified) {
      if (count != blob.size()) {
        throw fail(new DigestMismatchException("blob " + blob.digest() + " read from " + source + ": the target "
            + "accepted it after " + count + " of " + blob.size() + " bytes", context(), blob.digest(),
            blob.digest()));
      }
      finish();
    }
  }

  /** At the end of the stream: the content was exactly {@code size} bytes with the right digest. */
  private void finish() throws DigestMismatchException {
    if (!digestMatched) {
      checkDigest(); // fails unless size is 0 and nothing came
    }
    verified = true;
  }

  /** Finishes the hash (once) and fails unless {@code size} bytes came and hash to the digest. */
  private void checkDigest() throws DigestMismatchException {
    Digest actual = digester.digest();
    if (count != blob.size() || !actual.equals(blob.digest())) {
      throw fail(new DigestMismatchException("blob " + blob.digest() + " (" + blob.mediaType() + ", " + blob.size()
          + " bytes) read from " + source + " does not match its descriptor: expected " + blob.digest()
          + ", content hashes to " + actual + " (" + count + " bytes)", context(), blob.digest(), actual));
    }
    digestMatched = true;
  }

  private DigestMismatchException fail(DigestMismatchException e) {
    failure = e;
    return e;
  }

  private RegistryException.Context context() {
    return RegistryException.Context.of(source).reference(blob.digest().toString());
  }
}
