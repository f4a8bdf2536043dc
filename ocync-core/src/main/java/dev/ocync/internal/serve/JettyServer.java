package dev.ocync.internal.serve;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The Jetty 12 server behind {@code OciServer}: one connector, bounded threads and headers. */
final class JettyServer implements ServerRuntime {
  private final Server server;
  private final ServerConnector connector;

  private JettyServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static JettyServer start(ServeSettings s) throws IOException {
    QueuedThreadPool threads = new QueuedThreadPool(s.maxThreads(), Math.min(8, s.maxThreads()));
    threads.setName("ocync-serve");
    threads.setDaemon(true);
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(s.maxHeaderBytes());
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    HttpConnectionFactory h1 = new HttpConnectionFactory(http);
    ServerConnector connector;
    if (s.tls().isPresent()) {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setSslContext(Pem.serverContext(s.tls().get()));
      connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()), h1);
    } else {
      connector = new ServerConnector(server, 1, 1, h1);
    }
    connector.setHost(s.host());
    connector.setPort(s.port());
    connector.setIdleTimeout(s.idleTimeout().toMillis());
    server.addConnector(connector);
    server.setHandler(new GracefulHandler(new RegistryHandler(s)));
    server.setStopTimeout(s.stopTimeout().toMillis());
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server);
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw new IOException("cannot listen on " + s.host() + ":" + s.port() + ": " + e.getMessage(), e);
      }
      throw e;
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot start the server on " + s.host() + ":" + s.port() + ": " + e.getMessage(), e);
    }
    return new JettyServer(server, connector);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // the start failure is what the caller needs to see
    }
  }

  @Override
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop();
      server.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping the server");
    } catch (Exception e) {
      throw new IOException("stopping the server: " + e.getMessage(), e);
    }
  }
}
