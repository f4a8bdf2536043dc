package dev.ocync.examples.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * {@code /healthz} and {@code /readyz} for {@code watch}, as the Rust ocync answers them: live
 * while the process runs; ready while the last successful cycle (exit code 0 or 1) finished
 * within two intervals. The JDK's own HTTP server: one thread, plain text, nothing else served.
 */
final class Health implements AutoCloseable {
  private final Duration interval;
  private final LongSupplier nanos;
  private volatile long lastSuccess = -1;
  private HttpServer server;

  Health(Duration interval, LongSupplier nanos) {
    this.interval = interval;
    this.nanos = nanos;
  }

  /** Records a finished cycle with its exit code. */
  void cycleFinished(int code) {
    if (code == Exit.OK || code == Exit.SOME_FAILED) {
      lastSuccess = nanos.getAsLong();
    }
  }

  /** Whether {@code /readyz} answers 200 now. */
  boolean ready() {
    long at = lastSuccess;
    return at >= 0 && nanos.getAsLong() - at <= interval.multipliedBy(2).toNanos();
  }

  /** Serves on {@code host:port} (or {@code :port}, or {@code port}: loopback). */
  Health serve(String address) throws IOException {
    String host = "127.0.0.1";
    String port = address;
    int colon = address.lastIndexOf(':');
    if (colon >= 0) {
      host = colon == 0 ? host : address.substring(0, colon).replace("[", "").replace("]", "");
      port = address.substring(colon + 1);
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--health: expected HOST:PORT or PORT, got \"" + address + "\"");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("--health: port must be 0 to 65535, got " + p);
    }
    try {
      server = HttpServer.create(new InetSocketAddress(host, p), 8);
    } catch (IOException e) {
      throw new IOException("health server failed to bind on " + address + ": " + e.getMessage()
          + " (check if another process is using this port)", e);
    }
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ocync-health");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::answer);
    server.start();
    return this;
  }

  /** The bound port (for {@code --health 0}). */
  int port() {
    return server.getAddress().getPort();
  }

  private void answer(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      int status;
      String body;
      if (path.equals("/healthz")) {
        status = 200;
        body = "ok\n";
      } else if (path.equals("/readyz")) {
        status = ready() ? 200 : 503;
        body = status == 200 ? "ok\n" : "sync stale\n";
      } else {
        status = 404;
        body = "not found\n";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      x.getResponseHeaders().set("Connection", "close");
      x.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = x.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
  }
}
