package dev.ocync.internal.http;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * GETs files from a plain HTTP file server (a classic Helm chart repository) over the same
 * {@link HttpTransport} as the registry client, so it has the same TLS, timeouts, proxies,
 * link-local guard and secret masking. Redirects are followed here, at most
 * {@value HttpTransport#MAX_REDIRECTS}, never from HTTPS down to HTTP; {@code Authorization}
 * goes only to the home URL's scheme, host and port (Helm's rule, and the registry client's),
 * unless pass-credentials is set, and then elsewhere only over HTTPS, to loopback, or when home
 * itself is plain HTTP (the registry client's rule for token services).
 */
public final class FileClient implements Closeable {
  /** Redirects followed for one GET before giving up. */
  public static final int MAX_REDIRECTS = HttpTransport.MAX_REDIRECTS;

  private final URI home;
  private final String hostPort;
  private final CredentialProvider credentials;
  private final boolean passCredentials;
  private final HttpTransport transport;
  /** Looked up once, on first use: the Authorization value and a redactor for its secrets. */
  private volatile Optional<Auth> auth = Optional.empty();

  /** A 200 with its body, or a 304 with none; the validators are the response's, when it sent any. */
  public record Reply(boolean notModified, byte[] body, Optional<String> etag, Optional<String> lastModified) {}

  private record Auth(Optional<String> header, Redactor redactor) {}

  /**
   * A client for the server at {@code home}, whose {@code host[:port]} keys the credential lookup;
   * reads the TLS files now, failing with IllegalArgumentException naming the file.
   */
  public FileClient(URI home, CredentialProvider credentials, boolean passCredentials, HttpSettings settings) {
    this.home = Objects.requireNonNull(home, "home");
    this.hostPort = home.getPort() > 0 ? home.getHost() + ":" + home.getPort() : home.getHost();
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.passCredentials = passCredentials;
    this.transport = new HttpTransport(settings, home.getHost());
  }

  /**
   * GETs {@code uri} with {@code headers} (conditional ones, say), following redirects.
   *
   * @param maxBytes the largest body accepted
   * @param small whether the whole body must arrive within the body deadline (an index, not an archive)
   * @param what what is fetched, for messages ("index.yaml of …", "chart nginx 1.2.3")
   * @throws NotFoundException on 404 or 410
   * @throws AuthenticationException on 401 or 403, saying whether credentials were sent
   * @throws RegistryException for any other status but 200 and 304, a body over {@code maxBytes}
   *     or too slow, a refused redirect or a network failure, naming {@code what}
   */
  public Reply get(URI uri, Map<String, String> headers, long maxBytes, boolean small, String what, Context context)
      throws IOException {
    Auth a = auth();
    URI current = uri;
    for (int hop = 0; ; hop++) {
      boolean sameOrigin = HttpTransport.sameOrigin(current, home);
      Optional<String> authorization = sameOrigin || passCredentials && mayPassTo(current) ? a.header()
          : Optional.empty();
      try (Response r = transport.execute("GET", current, headers, Optional.empty(), authorization, context)) {
        int code = r.code();
        if (HttpTransport.isRedirect(code)) {
          Optional<String> loc = r.header("Location");
          if (loc.isEmpty()) {
            throw new RegistryException(what + ": redirect without a Location from " + shown(current),
                context.status(code));
          }
          if (hop >= HttpTransport.MAX_REDIRECTS) {
            throw new RegistryException(what + ": more than " + HttpTransport.MAX_REDIRECTS + " redirects from "
                + shown(uri), context.status(code));
          }
          URI next = transport.resolve(current, loc.get(), a.redactor(), what + ": " + shown(current),
              context.status(code));
          if ("https".equalsIgnoreCase(current.getScheme()) && "http".equalsIgnoreCase(next.getScheme())) {
            throw new RegistryException(what + ": refused a redirect from HTTPS to plain HTTP (" + shown(current)
                + " to " + shown(next) + ")", context.status(code));
          }
          current = next;
          continue;
        }
        String after = current.equals(uri) ? "" : " (redirected from " + shown(uri) + ")";
        if (code == 304) {
          return new Reply(true, new byte[0], r.header("ETag"), r.header("Last-Modified"));
        }
        if (code == 404 || code == 410) {
          throw new NotFoundException(what + ": " + shown(current) + " answered " + code + after, context.status(code));
        }
        if (code == 401 || code == 403) {
          String hint = sameOrigin
              ? (a.header().isPresent() ? "the repository rejected the credentials"
                  : "no credentials were found for " + hostPort)
              : "credentials go only to " + HttpTransport.origin(home) + " unless pass-credentials is set";
          throw new AuthenticationException(what + ": " + shown(current) + " answered " + code + after + " ("
              + hint + ")", context.status(code));
        }
        if (code != 200) {
          throw new RegistryException(what + ": " + shown(current) + " answered " + code + after, context.status(code));
        }
        Optional<byte[]> body;
        try {
          body = r.readBody(maxBytes, small);
        } catch (Response.BodyTimeoutException e) {
          throw new RegistryException(what + ": GET " + shown(current) + ": " + e.getMessage(), context.status(code), e);
        } catch (IOException e) {
          throw transport.connectionFailure("GET", current, context, e);
        }
        if (body.isEmpty()) {
          throw new RegistryException(what + ": " + shown(current) + " is "
              + r.contentLength().stream().mapToObj(n -> n + " bytes, ").findFirst().orElse("")
              + "over the limit of " + maxBytes + " bytes", context.status(code));
        }
        return new Reply(false, body.get(), r.header("ETag"), r.header("Last-Modified"));
      }
    }
  }

  private Auth auth() throws IOException {
    Optional<Auth> known = auth;
    if (known.isPresent()) {
      return known.get();
    }
    Optional<Credentials> c = credentials.credentials(hostPort);
    Auth a = new Auth(c.map(FileClient::header), c.map(FileClient::redactor).orElse(Redactor.NONE));
    auth = Optional.of(a);
    return a;
  }

  private static String header(Credentials c) {
    if (c.kind() == Credentials.Kind.BASIC) {
      return "Basic " + Base64.getEncoder().encodeToString(
          (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }
    return "Bearer " + c.secret();
  }

  private static Redactor redactor(Credentials c) {
    return c.kind() == Credentials.Kind.BASIC
        ? Redactor.of(List.of(c.secret()), List.of(c.username() + ":" + c.secret()))
        : Redactor.of(List.of(c.secret()), List.of());
  }

  /**
   * Pass-credentials sends them elsewhere only where the registry client sends credentials to a
   * token service: over HTTPS, to a loopback address, or when home itself is plain HTTP.
   */
  private boolean mayPassTo(URI u) {
    return "https".equalsIgnoreCase(u.getScheme()) || Loopback.isLoopback(u.getHost())
        || "http".equalsIgnoreCase(home.getScheme());
  }

  /** A URL for messages: without user info and query, where secrets may live. */
  public static String shown(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "")
        + Optional.ofNullable(u.getRawPath()).orElse("");
  }

  @Override
  public void close() {
    transport.close();
  }
}
