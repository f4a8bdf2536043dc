package dev.ocync.internal.helm;

import dev.ocync.auth.Credentials;
import dev.ocync.internal.http.Loopback;
import dev.ocync.internal.http.TlsSupport;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * {@link ChartTransport} over httpclient5. Redirects are followed here, at most
 * {@link #MAX_REDIRECTS}, never from HTTPS down to HTTP; {@code Authorization} goes only to the
 * repository's own scheme, host and port (Helm's rule, and the registry client's), unless
 * pass-credentials is set, and then elsewhere only over HTTPS, to loopback, or when the
 * repository itself is plain HTTP (the registry client's rule for token services).
 */
final class HttpChartTransport implements ChartTransport {
  static final int MAX_REDIRECTS = 5;

  private final HelmSettings settings;
  private final CloseableHttpClient http;
  private volatile Optional<Optional<String>> authorization = Optional.empty();

  HttpChartTransport(HelmSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    PoolingHttpClientConnectionManagerBuilder pb = PoolingHttpClientConnectionManagerBuilder.create()
        .setMaxConnPerRoute(8)
        .setMaxConnTotal(16)
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(Timeout.of(settings.connectTimeout()))
            .setSocketTimeout(Timeout.of(settings.readTimeout()))
            .build());
    SSLContext ssl = TlsSupport.sslContext(settings.caCertificate(), settings.clientCertificate(),
        settings.clientKey(), settings.insecureSkipVerify());
    ClientTlsStrategyBuilder tb = ClientTlsStrategyBuilder.create().setSslContext(ssl);
    if (settings.insecureSkipVerify()) {
      tb.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
    } else {
      tb.setHostnameVerifier(HttpsSupport.getDefaultHostnameVerifier())
          .setHostVerificationPolicy(HostnameVerificationPolicy.BOTH);
    }
    pb.setTlsSocketStrategy(tb.buildClassic());
    this.http = HttpClients.custom()
        .setConnectionManager(pb.build())
        .setUserAgent(settings.userAgent())
        .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(settings.readTimeout())).build())
        .disableRedirectHandling()
        .disableAutomaticRetries()
        // the archive's digest is over the bytes as served
        .disableContentCompression()
        .disableCookieManagement()
        .disableAuthCaching()
        .build();
  }

  @Override
  public Fetched get(URI uri, Validators conditional, long maxBytes, String what, Context context)
      throws IOException {
    URI current = uri;
    for (int hop = 0; ; hop++) {
      HttpGet get = new HttpGet(current);
      boolean sameOrigin = sameOrigin(current, settings.url());
      if (sameOrigin || settings.passCredentials() && mayPassTo(current)) {
        authorization().ifPresent(a -> get.addHeader("Authorization", a));
      }
      conditional.etag().ifPresent(e -> get.addHeader("If-None-Match", e));
      conditional.lastModified().ifPresent(l -> get.addHeader("If-Modified-Since", l));
      ClassicHttpResponse r;
      try {
        r = http.executeOpen(null, get, HttpClientContext.create());
      } catch (IOException e) {
        throw new RegistryException(what + ": GET " + shown(current) + " failed: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage()), context, e);
      }
      try {
        int code = r.getCode();
        if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
          Header loc = r.getFirstHeader("Location");
          if (loc == null) {
            throw new RegistryException(what + ": redirect without a Location from " + shown(current),
                context.status(code));
          }
          if (hop >= MAX_REDIRECTS) {
            throw new RegistryException(what + ": more than " + MAX_REDIRECTS + " redirects from " + shown(uri),
                context.status(code));
          }
          URI next;
          try {
            next = current.resolve(URI.create(loc.getValue().trim()));
          } catch (IllegalArgumentException e) {
            throw new RegistryException(what + ": invalid redirect from " + shown(current), context.status(code), e);
          }
          if (next.getHost() == null || !"http".equalsIgnoreCase(next.getScheme())
              && !"https".equalsIgnoreCase(next.getScheme())) {
            throw new RegistryException(what + ": redirect from " + shown(current)
                + " to a URL that is not http(s) with a host", context.status(code));
          }
          if ("https".equalsIgnoreCase(current.getScheme()) && "http".equalsIgnoreCase(next.getScheme())) {
            throw new RegistryException(what + ": refused a redirect from HTTPS to plain HTTP (" + shown(current)
                + " to " + shown(next) + ")", context.status(code));
          }
          current = next;
          continue;
        }
        String after = current.equals(uri) ? "" : " (redirected from " + shown(uri) + ")";
        if (code == 304) {
          return new Fetched(true, new byte[0], validators(r, conditional));
        }
        if (code == 404 || code == 410) {
          throw new NotFoundException(what + ": " + shown(current) + " answered " + code + after, context.status(code));
        }
        if (code == 401 || code == 403) {
          String hint = sameOrigin
              ? (authorization().isPresent() ? "the repository rejected the credentials"
                  : "no credentials were found for " + settings.hostPort())
              : "credentials go only to " + origin(settings.url()) + " unless pass-credentials is set";
          throw new AuthenticationException(what + ": " + shown(current) + " answered " + code + after + " ("
              + hint + ")", context.status(code));
        }
        if (code != 200) {
          throw new RegistryException(what + ": " + shown(current) + " answered " + code + after, context.status(code));
        }
        long declared = r.getEntity() == null ? 0 : r.getEntity().getContentLength();
        if (declared > maxBytes) {
          throw new RegistryException(what + ": " + shown(current) + " is " + declared + " bytes, over the limit of "
              + maxBytes + " bytes", context.status(code));
        }
        byte[] body = r.getEntity() == null ? new byte[0] : read(r.getEntity().getContent(), maxBytes, what, current,
            context);
        return new Fetched(false, body, validators(r, Validators.NONE));
      } finally {
        r.close();
      }
    }
  }

  private static Validators validators(ClassicHttpResponse r, Validators otherwise) {
    Header etag = r.getFirstHeader("ETag");
    Header lm = r.getFirstHeader("Last-Modified");
    if (etag == null && lm == null) {
      return otherwise;
    }
    return new Validators(Optional.ofNullable(etag).map(Header::getValue),
        Optional.ofNullable(lm).map(Header::getValue));
  }

  private static byte[] read(InputStream in, long max, String what, URI uri, Context context) throws IOException {
    try (in) {
      byte[] body = ChartArchive.readAtMost(in, max);
      if (body.length > max) {
        throw new RegistryException(what + ": " + shown(uri) + " is over the limit of " + max + " bytes",
            context.status(200));
      }
      return body;
    }
  }

  /** The Authorization header value for the repository's credentials, looked up once. */
  private Optional<String> authorization() throws IOException {
    Optional<Optional<String>> known = authorization;
    if (known.isPresent()) {
      return known.get();
    }
    Optional<String> value = settings.credentials().credentials(settings.hostPort()).map(HttpChartTransport::header);
    authorization = Optional.of(value);
    return value;
  }

  private static String header(Credentials c) {
    if (c.kind() == Credentials.Kind.BASIC) {
      return "Basic " + Base64.getEncoder().encodeToString(
          (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }
    return "Bearer " + c.secret();
  }

  /**
   * Pass-credentials sends them elsewhere only where the registry client sends credentials to a
   * token service: over HTTPS, to a loopback address, or when the repository itself is plain HTTP.
   */
  private boolean mayPassTo(URI u) {
    return "https".equalsIgnoreCase(u.getScheme()) || Loopback.isLoopback(u.getHost())
        || "http".equalsIgnoreCase(settings.url().getScheme());
  }

  static boolean sameOrigin(URI a, URI b) {
    return lower(a.getScheme()).equals(lower(b.getScheme())) && lower(a.getHost()).equals(lower(b.getHost()))
        && port(a) == port(b);
  }

  private static String origin(URI u) {
    return lower(u.getScheme()) + "://" + lower(u.getHost()) + ":" + port(u);
  }

  private static String lower(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT);
  }

  private static int port(URI u) {
    return u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** A URL for messages: without user info and query, where secrets may live. */
  static String shown(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
        + Optional.ofNullable(u.getRawPath()).orElse("");
  }

  @Override
  public void close() {
    http.close(CloseMode.GRACEFUL);
  }
}
