package dev.ocync.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.internal.json.Json;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The challenge-driven side of registry auth: which {@code Authorization} header a request for a
 * set of scopes carries. Learns the registry's challenge (Basic or Bearer), looks credentials up
 * once, exchanges them for scoped bearer tokens at the token service and caches those tokens per
 * scope set until shortly before they expire.
 *
 * <p>Thread-safe. Secrets (passwords, tokens, header values) are never logged or put in messages.
 */
final class Authenticator {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
  /** Token responses are small; anything bigger is not a token response. */
  private static final int MAX_TOKEN_RESPONSE = 1024 * 1024;
  private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
  private static final Duration REFRESH_MARGIN = Duration.ofSeconds(10);
  /** Tokens are fetched again at least this often, whatever lifetime they claim. */
  private static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(1);
  private static final String CLIENT_ID = "ocync";
  private static final int MAX_REMEMBERED_TOKENS = 64;

  /** How the token service is reached: the registry client's plain (unauthenticated) transport. */
  interface Transport {
    Response send(String method, URI uri, Optional<String> authorization, Optional<String> form) throws IOException;
  }

  private final String host;
  /** Whether the registry itself is spoken to over plain HTTP, so its user accepted cleartext. */
  private final boolean plainHttp;
  private final CredentialProvider provider;
  private final Transport transport;
  private final Clock clock;
  private final ConcurrentMap<Set<String>, Token> tokens = new ConcurrentHashMap<>();
  private final ConcurrentMap<Set<String>, Object> locks = new ConcurrentHashMap<>();
  private volatile Challenge challenge;
  private volatile Optional<Credentials> credentials;
  private final boolean allowLinkLocal;
  private volatile CredentialMask mask;
  /** Masks the tokens handed out so far (the newest few; older ones have expired anyway). */
  private volatile Redactor issued = Redactor.NONE;
  private final java.util.Deque<String> issuedTokens = new java.util.ArrayDeque<>();

  Authenticator(String host, boolean plainHttp, CredentialProvider provider, Transport transport, Clock clock,
      HttpSettings settings) {
    this.host = host;
    this.plainHttp = plainHttp;
    this.provider = provider;
    this.transport = transport;
    this.clock = clock;
    this.allowLinkLocal = settings.allowLinkLocal();
  }

  /**
   * Masks every secret known for this registry in server text: the configured password, token or
   * identity token, their Basic form, and every token the token service handed out.
   */
  Redactor redactor() {
    Optional<Credentials> c = credentials;
    CredentialMask r = this.mask;
    if (r == null || r.credentials != c) {
      List<String> secrets = new ArrayList<>();
      List<String> pairs = new ArrayList<>();
      if (c != null && c.isPresent()) {
        secrets.add(c.get().secret());
        pairs.add(c.get().username() + ":" + c.get().secret());
        pairs.add(c.get().user().orElse("<token>") + ":" + c.get().secret());
      }
      r = new CredentialMask(c, Redactor.of(secrets, pairs));
      this.mask = r;
    }
    return r.forCredentials.and(issued);
  }

  /** The redactor for one credentials lookup, remembered so it is not rebuilt per message. */
  private record CredentialMask(Optional<Credentials> credentials, Redactor forCredentials) {}

  record Token(String value, Instant refreshAt) {
    @Override
    public String toString() {
      return "Token{refreshAt=" + refreshAt + "}";
    }
  }

  /** Records the registry's challenge; Bearer is preferred over Basic when both are offered. */
  void learn(List<Challenge> challenges) {
    Challenge best = null;
    for (Challenge c : challenges) {
      if (c.isBearer() && c.param("realm").isPresent()) {
        best = c;
        break;
      }
      if (c.isBasic() && best == null) {
        best = c;
      }
    }
    if (best != null) {
      challenge = best;
    }
  }

  Optional<Challenge> challenge() {
    return Optional.ofNullable(challenge);
  }

  /** The credentials for this registry, looked up once. */
  Optional<Credentials> credentials() throws RegistryException {
    Optional<Credentials> c = credentials;
    if (c == null) {
      synchronized (this) {
        c = credentials;
        if (c == null) {
          try {
            c = provider.credentials(host);
            if (c == null) {
              c = Optional.empty();
            }
          } catch (IOException e) {
            // no credentials, no login: the user must fix them, as for a refused password
            throw new AuthenticationException("looking up credentials failed: " + e.getMessage(), Context.of(host), e);
          }
          credentials = c;
        }
      }
    }
    return c;
  }

  /**
   * The {@code Authorization} value for a request needing {@code scopes}, or empty to send none.
   * May fetch a token.
   */
  Optional<String> authorization(Set<String> scopes) throws IOException {
    Optional<Credentials> creds = credentials();
    if (creds.isPresent() && creds.get().kind() == Credentials.Kind.BEARER) {
      if (!headerSafe(creds.get().secret())) {
        throw new AuthenticationException("the bearer token configured for " + host + " contains spaces or control"
            + " characters (a trailing newline from a file?), which cannot be sent in a header", Context.of(host));
      }
      return Optional.of("Bearer " + creds.get().secret());
    }
    Challenge c = challenge;
    if (c == null) {
      return Optional.empty();
    }
    if (c.isBasic()) {
      return creds.map(Authenticator::basic);
    }
    if (c.isBearer()) {
      return Optional.of("Bearer " + token(c, scopes).value);
    }
    return Optional.empty(); // a scheme we do not speak: try without
  }

  /**
   * After the registry rejected a request for {@code scopes}: forgets the token used and returns
   * the scopes to ask for on the one retry, including any the new challenge names.
   */
  Set<String> rejected(Set<String> scopes, List<Challenge> challenges) {
    learn(challenges);
    tokens.remove(scopes);
    SortedSet<String> out = new TreeSet<>(scopes);
    for (Challenge c : challenges) {
      if (c.isBearer()) {
        out.addAll(c.scopes());
      }
    }
    return out;
  }

  private Token token(Challenge c, Set<String> scopes) throws IOException {
    Token t = tokens.get(scopes);
    if (t != null && clock.instant().isBefore(t.refreshAt)) {
      return t;
    }
    // one fetch per scope set at a time; concurrent transfers wait for it instead of stampeding
    synchronized (locks.computeIfAbsent(scopes, k -> new Object())) {
      t = tokens.get(scopes);
      if (t != null && clock.instant().isBefore(t.refreshAt)) {
        return t;
      }
      t = fetchToken(c, scopes);
      tokens.put(Set.copyOf(scopes), t);
      remember(t.value);
      return t;
    }
  }

  private void remember(String token) {
    synchronized (issuedTokens) {
      issuedTokens.remove(token);
      issuedTokens.addFirst(token);
      while (issuedTokens.size() > MAX_REMEMBERED_TOKENS) {
        issuedTokens.removeLast();
      }
      issued = Redactor.of(List.copyOf(issuedTokens), List.of());
    }
  }

  private Token fetchToken(Challenge c, Set<String> scopes) throws IOException {
    String realm = c.param("realm").orElseThrow();
    URI realmUri;
    try {
      realmUri = URI.create(realm);
      if (realmUri.getScheme() == null || realmUri.getHost() == null
          || !realmUri.getScheme().equalsIgnoreCase("https") && !realmUri.getScheme().equalsIgnoreCase("http")) {
        throw new IllegalArgumentException("not an absolute http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw new RegistryException("registry sent an invalid token realm \"" + redactor().clean(realm) + "\"",
          Context.of(host), e);
    }
    if (!allowLinkLocal && Loopback.isLinkLocalLiteral(realmUri.getHost())) {
      throw new RegistryException("registry named a token service at the link-local address " + realmUri.getHost()
          + " (169.254.0.0/16, fe80::/10, where cloud metadata services answer); refused", Context.of(host));
    }
    Optional<String> service = c.param("service");
    Optional<Credentials> creds = credentials();
    String realmHost = realmUri.getHost() + (realmUri.getPort() > 0 ? ":" + realmUri.getPort() : "");

    if (creds.isPresent() && creds.get().kind() != Credentials.Kind.BEARER && !mayCarrySecrets(realmUri)) {
      // an HTTPS registry whose challenge points at a plain-HTTP token service elsewhere would have
      // the password cross the network in clear text: a downgrade the user never chose
      throw new AuthenticationException("refusing to send the credentials for " + host + " to the token service at "
          + realmHost + " over plain HTTP; the registry itself uses HTTPS", Context.of(host));
    }
    if (creds.isPresent() && creds.get().kind() == Credentials.Kind.IDENTITY_TOKEN) {
      StringBuilder form = new StringBuilder("grant_type=refresh_token&refresh_token=")
          .append(enc(creds.get().secret())).append("&client_id=").append(CLIENT_ID);
      service.ifPresent(s -> form.append("&service=").append(enc(s)));
      if (!scopes.isEmpty()) {
        form.append("&scope=").append(enc(String.join(" ", scopes)));
      }
      log.debug("POST token {}{} for {}", realmHost, realmUri.getRawPath(), scopes);
      try (Response r = transport.send("POST", realmUri, Optional.empty(), Optional.of(form.toString()))) {
        // token services that only speak the Docker GET flow answer 404 or 405 to the OAuth2 POST
        if (r.code() != 404 && r.code() != 405) {
          return tokenFrom(r, realmHost, creds);
        }
      }
    }

    StringBuilder q = new StringBuilder(realm.contains("?") ? "&" : "?");
    service.ifPresent(s -> q.append("service=").append(enc(s)).append('&'));
    for (String s : scopes) {
      q.append("scope=").append(enc(s)).append('&');
    }
    q.setLength(q.length() - 1);
    URI uri = URI.create(realm + (q.length() > 1 ? q : ""));
    Optional<String> authorization = creds.flatMap(k -> switch (k.kind()) {
      case BASIC -> Optional.of(basic(k));
      // the GET flow has no field for a refresh token: present it as the password, as ACR expects
      case IDENTITY_TOKEN -> Optional.of(basicOf(k.user().orElse("<token>"), k.secret()));
      case BEARER -> Optional.empty();
    });
    log.debug("GET token {}{} for {}", realmHost, realmUri.getRawPath(), scopes);
    try (Response r = transport.send("GET", uri, authorization, Optional.empty())) {
      return tokenFrom(r, realmHost, creds);
    }
  }

  /**
   * Whether credentials may go to the token service at {@code realm}: over HTTPS, to a loopback
   * address (the bytes never leave the machine), or over plain HTTP when the registry itself was
   * configured for plain HTTP (its user already sends the password in clear text).
   */
  private boolean mayCarrySecrets(URI realm) {
    if ("https".equalsIgnoreCase(realm.getScheme()) || plainHttp) {
      return true;
    }
    // only literal addresses: a name is not resolved here, and a name that resolves to loopback is rare
    return Loopback.isLoopback(realm.getHost());
  }

  // package-private for the fuzz target (dev.ocync.internal.http.FuzzBridge)
  Token tokenFrom(Response r, String realmHost, Optional<Credentials> creds) throws IOException {
    Instant received = clock.instant();
    Context ctx = Context.of(host).status(r.code());
    if (r.code() == 401 || r.code() == 403) {
      String who = creds.flatMap(Credentials::user).map(u -> " for user " + u).orElse("");
      throw new AuthenticationException(creds.isPresent()
          ? "the token service at " + realmHost + " rejected the credentials" + who
          : "the token service at " + realmHost + " refused anonymous access; configure credentials for " + host,
          ctx);
    }
    if (r.code() / 100 != 2) {
      byte[] body = r.readSome(ErrorResponses.MAX_ERROR_BODY);
      throw new RegistryException("the token service at " + realmHost + " answered HTTP " + r.code()
          + ErrorResponses.describe(body, r.header("Content-Type"), redactor()), ctx);
    }
    byte[] body;
    try {
      body = r.readBody(MAX_TOKEN_RESPONSE).orElseThrow(() -> new RegistryException("the token service at "
          + realmHost + " answered with more than " + MAX_TOKEN_RESPONSE + " bytes, not a token", ctx));
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryException("reading the token from " + realmHost + " failed: "
          + (e instanceof Response.BodyTimeoutException ? e.getMessage() : e.getClass().getSimpleName()),
          Context.of(host), e);
    }
    JsonNode parsed;
    try {
      parsed = Json.read(body);
    } catch (IOException e) {
      parsed = null;
    }
    JsonNode json = parsed;
    if (json == null || !json.isObject()) {
      throw new RegistryException("the token service at " + realmHost + " did not return JSON", ctx);
    }
    String token = text(json, "token").or(() -> text(json, "access_token")).orElseThrow(() ->
        new RegistryException("the token service at " + realmHost + " returned no token", ctx));
    if (!headerSafe(token)) {
      // sent as it is, a CR LF in it would end the header and inject whatever follows into the request
      throw new RegistryException("the token service at " + realmHost + " returned a token with spaces or control"
          + " characters, which cannot be sent in a header", ctx);
    }
    Duration lifetime = DEFAULT_TOKEN_LIFETIME;
    JsonNode exp = json.get("expires_in");
    if (exp != null && exp.canConvertToLong() && exp.asLong() > 0) {
      // capped: a huge expires_in would overflow Instant arithmetic below, and a token cached for
      // ever would outlive a revocation on the server
      lifetime = Duration.ofSeconds(Math.min(exp.asLong(), MAX_TOKEN_LIFETIME.toSeconds()));
    }
    Instant issued = received;
    Optional<String> issuedAt = text(json, "issued_at");
    if (issuedAt.isPresent()) {
      try {
        Instant i = OffsetDateTime.parse(issuedAt.get()).toInstant();
        // trust issued_at only when the clocks roughly agree; a skewed server clock must not make
        // every token look expired (or everlasting)
        if (!i.isAfter(received) && i.plus(lifetime).isAfter(received)) {
          issued = i;
        }
      } catch (DateTimeParseException ignored) {
        // keep the receive time
      }
    }
    Duration margin = REFRESH_MARGIN.compareTo(lifetime.dividedBy(2)) < 0 ? REFRESH_MARGIN : lifetime.dividedBy(2);
    return new Token(token, issued.plus(lifetime).minus(margin));
  }

  /** Whether a token is visible ASCII without spaces (RFC 6750 allows less), so it can go into a header. */
  private static boolean headerSafe(String token) {
    return token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  private static Optional<String> text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() && !v.asText().isEmpty() ? Optional.of(v.asText()) : Optional.empty();
  }

  private static String basic(Credentials c) {
    return basicOf(c.username(), c.secret());
  }

  private static String basicOf(String user, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Authenticator{" + host + "}";
  }
}
