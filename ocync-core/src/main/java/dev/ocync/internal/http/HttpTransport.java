package dev.ocync.internal.http;

import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.TunnelRefusedException;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pooled httpclient5 client of an endpoint, built from {@link HttpSettings} the same way
 * for a registry and for a chart repository: TLS (host name checked twice), connect, handshake
 * and read timeouts, proxy routes with proxy-only credentials, the link-local DNS guard, and no
 * automatic redirects, retries, decompression, cookies or auth caching. Also the rules every
 * caller applies the same way: which redirect targets are acceptable, what counts as the same
 * origin, and how a network failure is worded.
 */
final class HttpTransport implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
  /** Redirects followed for one request before giving up. */
  static final int MAX_REDIRECTS = 5;

  private final HttpSettings settings;
  private final CloseableHttpClient http;

  /**
   * @param ownHost the endpoint's own host name, which may resolve to a link-local address (the
   *     user named it); every other host may not, unless the settings allow it
   */
  HttpTransport(HttpSettings settings, String ownHost) {
    this.settings = settings;
    PoolingHttpClientConnectionManagerBuilder pb = PoolingHttpClientConnectionManagerBuilder.create()
        .setMaxConnPerRoute(settings.maxConnectionsPerRoute())
        .setMaxConnTotal(settings.maxConnectionsPerRoute() * 2)
        .setDnsResolver(new RegistryClient.GuardedDns(ownHost, settings.allowLinkLocal(), settings.addresses(),
            proxyHosts(settings.proxy())))
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(Timeout.of(settings.connectTimeout()))
            .setSocketTimeout(Timeout.of(settings.readTimeout()))
            .build())
        .setDefaultTlsConfig(TlsConfig.custom().setHandshakeTimeout(Timeout.of(settings.connectTimeout())).build());
    if (settings.caCertificate().isPresent() || settings.clientCertificate().isPresent()
        || settings.clientKey().isPresent()) {
      // built now: a CA or client key file that cannot be read fails here, naming the file
      pb.setTlsSocketStrategy(tls(settings));
    } else {
      // built on the first TLS connection: loading the JDK's trust store is wasted on a registry
      // spoken to over plain HTTP (and on a short run that never gets that far)
      pb.setTlsSocketStrategy(new LazyTls(settings));
    }
    HttpClientBuilder hb = HttpClients.custom()
        .setConnectionManager(pb.build())
        .setUserAgent(settings.userAgent())
        .setDefaultRequestConfig(RequestConfig.custom()
            .setResponseTimeout(Timeout.of(settings.readTimeout()))
            .build())
        // redirects are followed by the callers, which decide where Authorization may go
        .disableRedirectHandling()
        // the engine retries; a blob body must never be re-sent behind its back
        .disableAutomaticRetries()
        // blob and chart bytes must arrive as stored: their digests are over them
        .disableContentCompression()
        .disableCookieManagement()
        .disableAuthCaching();
    if (!settings.proxy().isDirect()) {
      ProxyRules rules = settings.proxy();
      hb.setRoutePlanner(new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE) {
        @Override
        protected HttpHost determineProxy(HttpHost target, HttpContext context) {
          int port = target.getPort() > 0 ? target.getPort() : "https".equalsIgnoreCase(target.getSchemeName())
              ? 443 : 80;
          return rules.proxyFor(target.getSchemeName(), target.getHostName(), port)
              .map(p -> new HttpHost("http", p.getHost(), p.getPort())).orElse(null);
        }
      });
      // proxy credentials answer the proxy's 407 only; they never reach an endpoint or a log
      BasicCredentialsProvider proxyAuth = new BasicCredentialsProvider();
      for (URI p : rules.proxies()) {
        ProxyRules.credentials(p).ifPresent(c -> proxyAuth.setCredentials(new AuthScope(p.getHost(), p.getPort()),
            new UsernamePasswordCredentials(c[0], c[1].toCharArray())));
      }
      hb.setDefaultCredentialsProvider(proxyAuth);
    }
    this.http = hb.build();
  }

  HttpSettings settings() {
    return settings;
  }

  /** The TLS of an endpoint: its trust (system CAs, an extra CA file, or none) and host name checks. */
  private static TlsSocketStrategy tls(HttpSettings settings) {
    SSLContext ssl = TlsSupport.sslContext(settings.caCertificate(), settings.clientCertificate(),
        settings.clientKey(), settings.insecureSkipVerify());
    ClientTlsStrategyBuilder tb = ClientTlsStrategyBuilder.create().setSslContext(ssl);
    if (settings.insecureSkipVerify()) {
      tb.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
    } else {
      // checked twice on purpose: by JSSE during the handshake and by httpclient after it, so that
      // a trust manager that loses the host name (as a wrapping one easily does) cannot disable it
      tb.setHostnameVerifier(HttpsSupport.getDefaultHostnameVerifier())
          .setHostVerificationPolicy(HostnameVerificationPolicy.BOTH);
    }
    return tb.buildClassic();
  }

  /** {@link #tls} built once, on the first connection that needs it. */
  private static final class LazyTls implements TlsSocketStrategy {
    private final HttpSettings settings;
    private volatile TlsSocketStrategy built;

    LazyTls(HttpSettings settings) {
      this.settings = settings;
    }

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
        throws IOException {
      TlsSocketStrategy t = built;
      if (t == null) {
        synchronized (this) {
          t = built;
          if (t == null) {
            t = tls(settings);
            built = t;
          }
        }
      }
      return t.upgrade(socket, target, port, attachment, context);
    }
  }

  /** The configured proxies' host names: the user chose them, so they may be private. */
  private static java.util.Set<String> proxyHosts(ProxyRules rules) {
    java.util.Set<String> hosts = new java.util.HashSet<>();
    for (URI p : rules.proxies()) {
      if (p.getHost() != null) {
        hosts.add(lower(p.getHost()));
      }
    }
    return java.util.Set.copyOf(hosts);
  }

  /** Sends one request as given, no redirect followed; a proxy's 407 is thrown, never returned. */
  Response execute(String method, URI uri, Map<String, String> headers, Optional<HttpEntity> body,
      Optional<String> authorization, Context context) throws IOException {
    HttpUriRequestBase req = new HttpUriRequestBase(method, uri);
    headers.forEach(req::addHeader);
    authorization.ifPresent(a -> req.addHeader("Authorization", a));
    body.ifPresent(req::setEntity);
    ClassicHttpResponse raw;
    // an upload ends by its content stream (so the endpoint can delete its session); others can be aborted
    Runnable unwatch = body.isPresent() ? () -> { } : Exchanges.opened(req::cancel);
    try {
      raw = http.executeOpen(null, req, HttpClientContext.create());
    } catch (IOException e) {
      if (body.isPresent() && body.get() instanceof BlobUploadEntity u && u.failure() != null) {
        throw u.failure(); // the content was at fault, not the network
      }
      throw connectionFailure(method, uri, context, e);
    } finally {
      unwatch.run();
    }
    log.debug("{} {}://{}{} -> {}", method, uri.getScheme(), uri.getRawAuthority(), uri.getRawPath(),
        raw.getCode());
    Response r = new Response(req, raw, uri, settings.bodyTimeout());
    if (r.code() == 407) {
      r.abort();
      throw proxyRefused(method, uri, context);
    }
    return r;
  }

  /** A proxy's 407, naming the proxy and never its body (which may echo Proxy-Authorization). */
  private RegistryException proxyRefused(String method, URI uri, Context context) {
    String proxy = settings.proxy().proxyFor(uri.getScheme(), uri.getHost(), port(uri)).map(ProxyRules::shown)
        .orElse("the proxy");
    return new RegistryException(method + " " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath()
        + " via proxy " + proxy + ": the proxy requires authentication (HTTP 407); give user:password in the proxy"
        + " URL", context.status(407));
  }

  /** A network failure as a RegistryException naming the endpoint and what failed, without secrets. */
  RegistryException connectionFailure(String method, URI uri, Context context, IOException e) {
    String target = method + " " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    Optional<URI> proxy = settings.proxy().proxyFor(uri.getScheme(), uri.getHost(), port(uri));
    if (proxy.isPresent()) {
      target += " via proxy " + ProxyRules.shown(proxy.get());
    }
    String reason;
    if (e instanceof RegistryClient.NonPublicRefused n) {
      reason = "refusing to connect to " + uri.getHost() + ": it resolves to the non-public address " + n.address
          + " (loopback, private, link-local or otherwise not public), and this endpoint may reach public"
          + " addresses only";
    } else if (e instanceof RegistryClient.LinkLocalRefused) {
      reason = "refusing to connect to " + uri.getHost() + ": it resolves to a link-local address"
          + " (169.254.0.0/16, fe80::/10, where cloud metadata services answer)";
    } else if (e instanceof UnknownHostException) {
      reason = "cannot resolve host " + uri.getHost();
    } else if (e instanceof ConnectTimeoutException) {
      reason = "timed out connecting to " + uri.getRawAuthority() + " (no connection"
          + ("https".equalsIgnoreCase(uri.getScheme()) ? " and TLS handshake" : "") + " within "
          + settings.connectTimeout().toSeconds() + " s; see the connect timeout)";
    } else if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      reason = "cannot connect to " + uri.getRawAuthority() + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    } else if (e.getCause() instanceof TunnelRefusedException t) {
      // the proxy's status line only: its body could echo Proxy-Authorization
      reason = "the proxy refused the tunnel to " + uri.getRawAuthority() + " ("
          + String.valueOf(t.getMessage()).lines().findFirst().orElse("") + ")";
    } else if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
      reason = "timed out waiting for " + uri.getRawAuthority() + " (no answer within "
          + settings.readTimeout().toSeconds() + " s; see the read timeout)";
    } else if (e instanceof SSLException) {
      String m = String.valueOf(e.getMessage());
      boolean cert = m.contains("PKIX") || m.contains("certificate") || m.contains("No subject alternative");
      reason = "TLS handshake with " + uri.getRawAuthority() + " failed: " + m
          + (cert ? "; the server certificate is not trusted (trust its CA, or skip verification for"
              + " a server you control)" : "");
    } else {
      reason = "request failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
          + e.getMessage());
    }
    return new RegistryException(target + ": " + reason, context, e);
  }

  /**
   * Resolves a Location or Link target against the URI of the response that carried it, refusing
   * anything but http(s) with a host and, unless allowed, link-local address literals.
   *
   * @param who who sent it, for messages ("registry", "chart repository")
   */
  URI resolve(URI against, String location, Redactor redactor, String who, Context context)
      throws RegistryException {
    // without the query in messages: presigned URLs carry credentials there
    int q = location.indexOf('?');
    String shown = redactor.clean(q < 0 ? location.trim() : location.substring(0, q).trim());
    URI u;
    try {
      u = against.resolve(URI.create(location.trim()));
    } catch (IllegalArgumentException e) {
      throw new RegistryException(who + " sent an invalid URL \"" + shown + "\"", context, e);
    }
    // only http(s) with a host: anything else would reach httpclient as an obscure failure, or worse
    if (u.getScheme() == null || u.getHost() == null
        || !u.getScheme().equalsIgnoreCase("http") && !u.getScheme().equalsIgnoreCase("https")) {
      throw new RegistryException(who + " sent a URL that is not an http(s) URL with a host: \"" + shown + "\"",
          context);
    }
    if (!settings.allowLinkLocal() && Loopback.isLinkLocalLiteral(u.getHost())) {
      throw new RegistryException(who + " sent a URL to the link-local address " + u.getHost() + " (\"" + shown
          + "\"; 169.254.0.0/16, fe80::/10, where cloud metadata services answer); refused", context);
    }
    return u;
  }

  static boolean isRedirect(int code) {
    return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
  }

  /** Same scheme, host and port (default ports filled in). */
  static boolean sameOrigin(URI a, URI b) {
    return lower(a.getScheme()).equals(lower(b.getScheme())) && lower(a.getHost()).equals(lower(b.getHost()))
        && port(a) == port(b);
  }

  /** {@code scheme://host:port}, for messages. */
  static String origin(URI u) {
    return lower(u.getScheme()) + "://" + lower(u.getHost()) + ":" + port(u);
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }

  static int port(URI u) {
    return u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  @Override
  public void close() {
    // closes the pool too; in-flight streams of this endpoint stop working, as documented
    http.close(CloseMode.GRACEFUL);
  }
}
