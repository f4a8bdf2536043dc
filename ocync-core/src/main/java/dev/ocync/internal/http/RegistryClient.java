package dev.ocync.internal.http;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.impl.TunnelRefusedException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distribution API client behind {@code dev.ocync.Registry}, configured by an
 * {@link HttpSettings} (it never sees the Registry): one pooled HTTP client, the auth state
 * and what was learned about the registry (its challenge, whether it has the referrers API,
 * whether it needs chunked uploads), shared by every {@link Repository} it hands out.
 *
 * <p>Requests go through {@link #send}, which adds {@code Authorization} for the request's
 * scopes, answers a 401 or {@code insufficient_scope} with one fresh token and one retry (only
 * when the body can be sent again), and follows redirects of GET and HEAD itself, sending
 * {@code Authorization} only to the registry's own scheme, host and port.
 */
public final class RegistryClient implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
  static final int MAX_REDIRECTS = HttpTransport.MAX_REDIRECTS;
  /** Default size of PATCH chunks when chunked uploads are used. */
  static final int DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

  private final String host;
  private final String apiHost;
  private final HttpSettings settings;
  private final HttpTransport transport;
  private final Authenticator auth;
  private final AtomicBoolean pinged = new AtomicBoolean();
  private final Object pingLock = new Object();
  /** Where API requests go; for {@link HttpSettings.Scheme#HTTPS_THEN_HTTP} decided by the first request. */
  private volatile URI base;
  /** Null until known; then whether {@code /v2/<name>/referrers/} exists on this registry. */
  private volatile Boolean referrersApi;
  /** Set once a monolithic upload was refused as too large: later uploads go in chunks. */
  private volatile boolean chunkedUploads;
  private volatile int chunkSize = DEFAULT_CHUNK_SIZE;

  /**
   * A client for the registry named {@code host} in references, whose API is at {@code apiHost}
   * ({@code registry-1.docker.io} for {@code docker.io}); reads the TLS files now, failing with
   * IllegalArgumentException naming the file.
   */
  public RegistryClient(String host, String apiHost, CredentialProvider credentials, HttpSettings settings) {
    this(host, apiHost, credentials, settings, Clock.systemUTC());
  }

  RegistryClient(String host, String apiHost, CredentialProvider credentials, HttpSettings settings, Clock clock) {
    this.host = Objects.requireNonNull(host, "host");
    this.apiHost = Objects.requireNonNull(apiHost, "apiHost");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.base = URI.create((settings.scheme() == HttpSettings.Scheme.HTTP ? "http://" : "https://") + apiHost);
    this.transport = new HttpTransport(settings, hostOnly(apiHost));
    this.auth = new Authenticator(host, settings.scheme() == HttpSettings.Scheme.HTTP, credentials, this::sendPlain,
        clock, settings);
  }

  private static String hostOnly(String hostPort) {
    if (hostPort.startsWith("[")) {
      return hostPort.substring(1, hostPort.indexOf(']'));
    }
    int colon = hostPort.indexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }

  /**
   * Name resolution that refuses link-local addresses (cloud metadata services) for every host
   * but the registry's own, so a redirect or token realm naming such a host cannot reach them.
   */
  static final class GuardedDns implements DnsResolver {
    private final String registryHost;
    private final boolean allowLinkLocal;
    private final HttpSettings.AddressRules rules;
    private final java.util.Set<String> trusted;

    GuardedDns(String registryHost, boolean allowLinkLocal) {
      this(registryHost, allowLinkLocal, HttpSettings.AddressRules.DEFAULT, java.util.Set.of());
    }

    /**
     * @param trusted hosts the user configured (the HTTP proxies), exempt from the non-public rule
     */
    GuardedDns(String registryHost, boolean allowLinkLocal, HttpSettings.AddressRules rules,
        java.util.Set<String> trusted) {
      this.registryHost = registryHost;
      this.allowLinkLocal = allowLinkLocal;
      this.rules = rules;
      this.trusted = trusted;
    }

    @Override
    public InetAddress[] resolve(String name) throws UnknownHostException {
      List<InetAddress> pinned = rules.pinned().get(name.toLowerCase(java.util.Locale.ROOT));
      if (pinned != null) {
        return pinned.toArray(InetAddress[]::new);
      }
      InetAddress[] all = SystemDefaultDnsResolver.INSTANCE.resolve(name);
      if (rules.refuseNonPublic() && !trusted.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        for (InetAddress a : all) {
          if (Loopback.isNonPublic(a)) {
            throw new NonPublicRefused(name, a);
          }
        }
        return all;
      }
      if (allowLinkLocal || name.equalsIgnoreCase(registryHost)) {
        return all;
      }
      for (InetAddress a : all) {
        if (Loopback.isLinkLocal(a)) {
          throw new LinkLocalRefused(name);
        }
      }
      return all;
    }

    @Override
    public String resolveCanonicalHostname(String name) throws UnknownHostException {
      return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(name);
    }
  }

  /** A host other than the registry resolved to a link-local address. */
  static final class LinkLocalRefused extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    LinkLocalRefused(String name) {
      super(name);
    }
  }

  /** A host of an endpoint that may reach only public addresses resolved to another one. */
  static final class NonPublicRefused extends UnknownHostException {
    private static final long serialVersionUID = 1L;
    final String address;

    NonPublicRefused(String name, InetAddress address) {
      super(name);
      this.address = address.getHostAddress();
    }
  }

  /** The repository {@code name} on this registry. No request is made. */
  public Repository repository(String name) {
    return new HttpRepository(this, name);
  }

  String host() {
    return host;
  }

  /** Where API requests go; the first call may probe whether a loopback registry speaks TLS. */
  URI base(Context context) throws IOException {
    ensurePinged(context);
    return base;
  }

  /** Where API requests go as far as known now, without a request. */
  public URI currentBase() {
    return base;
  }

  HttpSettings settings() {
    return settings;
  }

  /** Masks the secrets of this registry's credentials and tokens in server text. */
  Redactor redactor() {
    return auth.redactor();
  }

  /** The same registry as {@code other}: mounts between their repositories are possible. */
  boolean sameRegistry(RegistryClient other) {
    return other == this || other.apiHost.equals(apiHost) && other.base.equals(base);
  }

  Authenticator authenticator() {
    return auth;
  }

  Optional<Boolean> referrersApi() {
    return Optional.ofNullable(referrersApi);
  }

  void referrersApi(boolean supported) {
    referrersApi = supported;
  }

  boolean chunkedUploads() {
    return chunkedUploads;
  }

  void useChunkedUploads() {
    chunkedUploads = true;
  }

  int chunkSize() {
    return chunkSize;
  }

  /** For tests: the PATCH chunk size. */
  void chunkSize(int bytes) {
    this.chunkSize = bytes;
  }

  /** A request to the registry: method, URI, scopes it needs, extra headers and optional body. */
  static final class Call {
    final String method;
    final URI uri;
    final Set<String> scopes;
    final Map<String, String> headers;
    final Optional<HttpEntity> body;
    final Context context;
    final String what;

    Call(String method, URI uri, Set<String> scopes, Map<String, String> headers, Optional<HttpEntity> body,
        Context context, String what) {
      this.method = method;
      this.uri = uri;
      this.scopes = scopes;
      this.headers = headers;
      this.body = body;
      this.context = context;
      this.what = what;
    }
  }

  /**
   * Sends a call with auth and redirects handled; the caller checks the status and closes the
   * response. A 401/403 that survives the one auth retry is thrown as AuthenticationException.
   */
  Response send(Call call) throws IOException {
    ensurePinged(call.context);
    Set<String> scopes = call.scopes;
    URI uri = call.uri;
    boolean retriedAuth = false;
    int hops = 0;
    while (true) {
      boolean sameOrigin = sameOrigin(uri);
      Optional<String> authorization = sameOrigin ? auth.authorization(scopes) : Optional.empty();
      Response r = execute(call.method, uri, call.headers, call.body, authorization, call.context);
      if (hops > 0 && !sameOrigin) {
        r.redirectedTo(r.answeredBy());
      }
      int code = r.code();
      if (sameOrigin && (code == 401 || code == 403)) {
        List<Challenge> challenges = Challenge.parse(r.headers("WWW-Authenticate"));
        boolean scopeProblem = challenges.stream().anyMatch(Challenge::insufficientScope);
        boolean repeatable = call.body.map(HttpEntity::isRepeatable).orElse(true);
        if ((code == 401 || scopeProblem) && !retriedAuth && repeatable
            && (!challenges.isEmpty() || authorization.isPresent())) {
          retriedAuth = true;
          scopes = auth.rejected(scopes, challenges);
          r.close();
          continue;
        }
        throw authFailure(r, call, authorization.isPresent());
      }
      if (isRedirect(code) && (call.method.equals("GET") || call.method.equals("HEAD"))) {
        Optional<String> location = r.header("Location");
        r.close();
        if (location.isEmpty()) {
          throw new RegistryException(call.what + " failed: redirect without a Location header",
              call.context.status(code));
        }
        if (++hops > MAX_REDIRECTS) {
          throw new RegistryException(call.what + " failed: more than " + MAX_REDIRECTS + " redirects",
              call.context.status(code));
        }
        uri = resolve(uri, location.get(), call.context);
        continue;
      }
      return r;
    }
  }

  private RegistryException authFailure(Response r, Call call, boolean sentAuthorization) throws IOException {
    RegistryException e = ErrorResponses.toException(r, call.what, call.context, redactor());
    r.close();
    Optional<dev.ocync.auth.Credentials> creds = auth.credentials();
    String hint;
    if (r.code() == 403) {
      hint = creds.isPresent() ? "access denied for these credentials" : "access denied to anonymous requests";
    } else if (creds.isEmpty()) {
      hint = "the registry requires authentication and no credentials were found for " + host;
    } else if (sentAuthorization) {
      hint = "the registry rejected the credentials"
          + creds.flatMap(dev.ocync.auth.Credentials::user).map(u -> " of user " + u).orElse("");
    } else {
      hint = "authentication failed";
    }
    Context ctx = call.context.status(r.code());
    if (e.errorCode().isPresent()) {
      ctx = ctx.errorCode(e.errorCode().get());
    }
    return new AuthenticationException(e.reason() + " (" + hint + ")", ctx);
  }

  /**
   * Learns the auth challenge from {@code GET /v2/} once, so that bodies are not sent
   * unauthenticated; for a loopback registry named without a scheme, also learns whether it
   * speaks TLS (see {@link #pingFallingBack}).
   */
  private void ensurePinged(Context context) throws IOException {
    if (pinged.get()) {
      return;
    }
    synchronized (pingLock) {
      if (pinged.get()) {
        return;
      }
      try (Response r = settings.scheme() == HttpSettings.Scheme.HTTPS_THEN_HTTP ? pingFallingBack()
          : ping(base)) {
        if (r.code() == 401) {
          auth.learn(Challenge.parse(r.headers("WWW-Authenticate")));
        } else if (r.code() / 100 != 2) {
          // not fatal: some registries hide /v2/; a later 401 teaches the challenge just as well
          log.debug("GET {}/v2/ answered {}", base, r.code());
        }
      }
      pinged.set(true);
    }
  }

  private Response ping(URI against) throws IOException {
    return execute("GET", against.resolve("/v2/"), Map.of(), Optional.empty(), Optional.empty(), Context.of(host));
  }

  /**
   * HTTPS first, as Docker and go-containerregistry do for loopback registries; plain HTTP only
   * when the TLS handshake failed because the server answered in plain HTTP, never after a
   * certificate problem (that is a TLS server, and its certificate must be fixed or trusted).
   */
  private Response pingFallingBack() throws IOException {
    try {
      return ping(base);
    } catch (RegistryException e) {
      if (!(e.getCause() instanceof SSLException ssl) || !answeredInPlainHttp(ssl)) {
        throw e;
      }
      URI plain = URI.create("http://" + apiHost);
      Response r;
      try {
        r = ping(plain);
      } catch (RegistryException notHttpEither) {
        throw e;
      }
      byte[] peek = r.code() == 400 ? r.readSome(256) : new byte[0];
      if (new String(peek, java.nio.charset.StandardCharsets.UTF_8).contains("HTTPS server")) {
        r.close();
        throw e; // a TLS server complaining about plain HTTP: the TLS failure is the real one
      }
      log.debug("{} answered the TLS handshake in plain HTTP; using http://{}", host, apiHost);
      base = plain;
      return r;
    }
  }

  /** Whether a handshake failure means the peer is not a TLS server (it sent no TLS record). */
  private static boolean answeredInPlainHttp(SSLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException) {
        return false;
      }
    }
    String m = String.valueOf(e.getMessage());
    return m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext connection")
        || m.contains("Remote host terminated the handshake");
  }

  /** The token service transport: no registry auth, no redirects handled beyond the wire. */
  private Response sendPlain(String method, URI uri, Optional<String> authorization, Optional<String> form)
      throws IOException {
    Optional<HttpEntity> body = form.map(f -> new StringEntity(f, ContentType.APPLICATION_FORM_URLENCODED));
    return execute(method, uri, Map.of(), body, authorization, Context.of(host));
  }

  private Response execute(String method, URI uri, Map<String, String> headers, Optional<HttpEntity> body,
      Optional<String> authorization, Context context) throws IOException {
    return transport.execute(method, uri, headers, body, authorization, context);
  }

  /** A network failure as a RegistryException naming the registry and what failed, without secrets. */
  RegistryException connectionFailure(String method, URI uri, Context context, IOException e) {
    return transport.connectionFailure(method, uri, context, e);
  }

  boolean sameOrigin(URI uri) {
    return HttpTransport.sameOrigin(uri, base);
  }

  static boolean isRedirect(int code) {
    return HttpTransport.isRedirect(code);
  }

  /** Resolves a Location or Link target against the URI of the response that carried it. */
  URI resolve(URI against, String location, Context context) throws RegistryException {
    return transport.resolve(against, location, redactor(), "registry", context);
  }

  @Override
  public void close() {
    // closes the pool too; in-flight blob streams of this registry stop working, as documented
    transport.close();
  }

  @Override
  public String toString() {
    return "RegistryClient{" + base + ", " + settings.proxy() + "}";
  }
}
