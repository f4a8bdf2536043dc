package dev.ocync.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * An open HTTP response and the request that produced it. Closing it returns the connection to
 * the pool when the body was read or is small, and drops the connection otherwise, so that a
 * large unread body (a blob, an oversized manifest) is never drained.
 */
final class Response implements Closeable {
  /** Bodies up to this size are drained on close so the connection can be reused. */
  private static final long DRAIN_LIMIT = 64 * 1024;

  private final HttpUriRequestBase request;
  private final ClassicHttpResponse raw;
  private final URI uri;
  private final Duration bodyTimeout;
  private Optional<String> redirectedTo = Optional.empty();
  private boolean closed;

  Response(HttpUriRequestBase request, ClassicHttpResponse raw, URI uri, Duration bodyTimeout) {
    this.request = request;
    this.raw = raw;
    this.uri = uri;
    this.bodyTimeout = bodyTimeout;
  }

  /** The host:port that answered when a redirect led away from the registry; empty otherwise. */
  Optional<String> redirectedTo() {
    return redirectedTo;
  }

  Response redirectedTo(String hostPort) {
    this.redirectedTo = Optional.of(hostPort);
    return this;
  }

  /** Who answered, for messages: {@code host:port}. */
  String answeredBy() {
    return uri.getRawAuthority() == null ? String.valueOf(uri.getHost()) : stripUserInfo(uri.getRawAuthority());
  }

  private static String stripUserInfo(String authority) {
    int at = authority.lastIndexOf('@');
    return at < 0 ? authority : authority.substring(at + 1);
  }

  int code() {
    return raw.getCode();
  }

  /** The URI this response came from (after redirects): relative Locations resolve against it. */
  URI uri() {
    return uri;
  }

  String method() {
    return request.getMethod();
  }

  Optional<String> header(String name) {
    Header h = raw.getFirstHeader(name);
    return h == null ? Optional.empty() : Optional.of(h.getValue().trim());
  }

  List<String> headers(String name) {
    List<String> out = new ArrayList<>();
    for (Header h : raw.getHeaders(name)) {
      out.add(h.getValue());
    }
    return out;
  }

  OptionalLong contentLength() {
    Optional<String> v = header("Content-Length");
    if (v.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      long n = Long.parseLong(v.get());
      return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The body stream; empty when there is none. */
  InputStream body() throws IOException {
    HttpEntity e = raw.getEntity();
    return e == null ? InputStream.nullInputStream() : e.getContent();
  }

  /**
   * Reads the body up to {@code cap} bytes, within the body deadline: a body trickled byte by
   * byte ends in a timeout instead of holding the caller for as long as the sender likes.
   *
   * @return the body, or empty if it is longer than {@code cap} (then the rest is not read)
   * @throws BodyTimeoutException if the whole body did not arrive within the deadline
   */
  Optional<byte[]> readBody(int cap) throws IOException {
    return readBody(cap, true);
  }

  /**
   * Reads the body up to {@code cap} bytes, within the body deadline if {@code deadline} (large
   * bodies such as chart archives go without: the read timeout bounds their pauses).
   */
  Optional<byte[]> readBody(long cap, boolean deadline) throws IOException {
    OptionalLong declared = contentLength();
    if (declared.isPresent() && declared.getAsLong() > cap) {
      return Optional.empty();
    }
    long until = deadline ? System.nanoTime() + bodyTimeout.toNanos() : Long.MAX_VALUE;
    try (InputStream in = body()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(
          (int) Math.min(Math.min(cap, declared.orElse(8192)), 64L << 20) + 1);
      byte[] buf = new byte[8192];
      long total = 0;
      int n;
      while ((n = in.read(buf)) != -1) {
        total += n;
        if (total > cap) {
          abort();
          return Optional.empty();
        }
        out.write(buf, 0, n);
        if (deadline && System.nanoTime() - until > 0) {
          abort();
          throw new BodyTimeoutException(answeredBy(), bodyTimeout, total);
        }
      }
      return Optional.of(out.toByteArray());
    }
  }

  /**
   * Reads a small body (error messages), truncating anything beyond {@code cap}; what arrived
   * before an I/O failure or the body deadline is kept, since the status already says what failed.
   */
  byte[] readSome(int cap) {
    long deadline = System.nanoTime() + bodyTimeout.toNanos();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      InputStream in = body();
      byte[] buf = new byte[4096];
      int n;
      while (out.size() < cap && (n = in.read(buf, 0, Math.min(buf.length, cap - out.size()))) != -1) {
        out.write(buf, 0, n);
        if (System.nanoTime() - deadline > 0) {
          abort();
          break;
        }
      }
    } catch (IOException e) {
      // keep what arrived
    }
    return out.toByteArray();
  }

  /** The body did not arrive within the body deadline. */
  static final class BodyTimeoutException extends java.net.SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    BodyTimeoutException(String host, Duration timeout, long received) {
      super("the response body from " + host + " did not arrive within " + timeout.toSeconds()
          + " s (body timeout; " + received + " bytes received)");
    }
  }

  /** Drops the connection without reading the rest of the body. */
  void abort() {
    request.cancel();
    closeQuietly();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    HttpEntity e = raw.getEntity();
    if (e != null) {
      long len = e.getContentLength();
      if (len >= 0 && len <= DRAIN_LIMIT) {
        EntityUtils.consumeQuietly(e);
      } else {
        request.cancel();
      }
    }
    closeQuietly();
  }

  private void closeQuietly() {
    closed = true;
    try {
      raw.close();
    } catch (IOException | RuntimeException ignored) {
      // the connection is discarded either way
    }
  }
}
