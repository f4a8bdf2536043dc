package dev.ocync.internal.http;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * The body of a monolithic blob PUT: streams {@code content} to the registry without buffering
 * the blob, while hashing it, and holds the last buffer back until the source has reported end
 * of stream and the bytes proved to be exactly the descriptor's size and digest. If the source
 * throws (a caller's verifying stream throws at EOF on mismatch) or the content does not match,
 * writing fails before the final bytes go out, the connection is dropped, and the registry,
 * having received fewer bytes than {@code Content-Length}, cannot commit the blob.
 */
final class BlobUploadEntity extends AbstractHttpEntity {
  private static final int BUFFER = 64 * 1024;

  private final Descriptor blob;
  private final InputStream content;
  private final Context context;
  private volatile IOException failure;
  private boolean consumed;

  BlobUploadEntity(Descriptor blob, InputStream content, Context context) {
    super(ContentType.APPLICATION_OCTET_STREAM, null, false);
    this.blob = blob;
    this.content = content;
    this.context = context;
  }

  /** Why writing stopped, when the content (not the network) was at fault. */
  IOException failure() {
    return failure;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    if (consumed) {
      throw new IllegalStateException("blob content can only be sent once");
    }
    consumed = true;
    // content that checks its own digest fails before its end: hashing it again only spends CPU
    Digest.Digester digester = content instanceof SelfVerifyingContent v && v.verifies(blob) ? null
        : blob.digest().newDigester();
    byte[] pending = new byte[BUFFER];
    byte[] next = new byte[BUFFER];
    int pendingLength = 0;
    long total = 0;
    while (true) {
      int n = readSource(next);
      if (n == -1) {
        break;
      }
      total += n;
      if (total > blob.size()) {
        throw fail(mismatch(total, "more than"));
      }
      if (digester != null) {
        digester.update(next, 0, n);
      }
      if (pendingLength > 0) {
        out.write(pending, 0, pendingLength);
      }
      byte[] t = pending;
      pending = next;
      next = t;
      pendingLength = n;
    }
    if (total != blob.size()) {
      throw fail(mismatch(total, "only"));
    }
    Digest actual = digester == null ? blob.digest() : digester.digest();
    if (!actual.equals(blob.digest())) {
      throw fail(new DigestMismatchException("blob content hashes to " + actual + ", not " + blob.digest()
          + "; the upload was aborted", context, blob.digest(), actual));
    }
    if (pendingLength > 0) {
      out.write(pending, 0, pendingLength);
    }
    out.flush();
  }

  private int readSource(byte[] buf) throws IOException {
    try {
      return content.read(buf);
    } catch (IOException e) {
      throw fail(e);
    } catch (RuntimeException e) {
      throw fail(new IOException("reading blob " + blob.digest() + " failed: " + e, e));
    }
  }

  private DigestMismatchException mismatch(long total, String how) {
    return new DigestMismatchException("blob content has " + how + " " + total + " bytes, expected "
        + blob.size() + "; the upload was aborted", context, blob.digest(), blob.digest());
  }

  private IOException fail(IOException e) {
    failure = e;
    return e;
  }

  @Override
  public InputStream getContent() {
    throw new UnsupportedOperationException("a blob upload body is write-only");
  }

  @Override
  public long getContentLength() {
    return blob.size();
  }

  @Override
  public boolean isRepeatable() {
    return false;
  }

  @Override
  public boolean isStreaming() {
    return !consumed;
  }

  @Override
  public void close() {
    // the caller owns and closes the content stream
  }
}
