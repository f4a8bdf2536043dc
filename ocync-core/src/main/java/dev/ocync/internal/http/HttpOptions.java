package dev.ocync.internal.http;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The HTTP settings every public endpoint builder offers ({@code Registry.Builder},
 * {@code HelmRepository.Builder}), collected and validated in one place: TLS files, timeouts,
 * user agent, proxy and the link-local rule. Mutable, like the builders that hold one; turned into
 * an {@link HttpSettings} by {@link #settings}.
 */
public final class HttpOptions {
  /** Default TCP connect (and TLS handshake) timeout, in seconds. */
  public static final int DEFAULT_CONNECT_SECONDS = 10;
  /** Default wait for the first byte of a response, and for more bytes of a body, in seconds. */
  public static final int DEFAULT_READ_SECONDS = 20;
  /** Default time the whole of a small body may take, in seconds. */
  public static final int DEFAULT_BODY_SECONDS = 60;

  private Optional<Path> caCertificate = Optional.empty();
  private Optional<Path> clientCertificate = Optional.empty();
  private Optional<Path> clientKey = Optional.empty();
  private boolean insecureSkipVerify;
  private Duration connectTimeout = Duration.ofSeconds(DEFAULT_CONNECT_SECONDS);
  private Duration readTimeout = Duration.ofSeconds(DEFAULT_READ_SECONDS);
  private Duration bodyTimeout = Duration.ofSeconds(DEFAULT_BODY_SECONDS);
  private String userAgent;
  private Optional<ProxyRules> proxy = Optional.empty();
  private boolean allowLinkLocal;
  private boolean refuseNonPublic;
  private final Map<String, List<InetAddress>> pinned = new LinkedHashMap<>();

  /** Defaults, with this User-Agent. */
  public HttpOptions(String userAgent) {
    userAgent(userAgent);
  }

  /** A copy that changes independently of this one. */
  public HttpOptions copy() {
    HttpOptions c = new HttpOptions(userAgent);
    c.caCertificate = caCertificate;
    c.clientCertificate = clientCertificate;
    c.clientKey = clientKey;
    c.insecureSkipVerify = insecureSkipVerify;
    c.connectTimeout = connectTimeout;
    c.readTimeout = readTimeout;
    c.bodyTimeout = bodyTimeout;
    c.proxy = proxy;
    c.allowLinkLocal = allowLinkLocal;
    c.refuseNonPublic = refuseNonPublic;
    c.pinned.putAll(pinned);
    return c;
  }

  /** Trust the CA certificate(s) in this PEM file besides the system's. */
  public void caCertificate(Path pem) {
    this.caCertificate = Optional.of(Objects.requireNonNull(pem, "pem"));
  }

  /** Present this client certificate and PKCS#8 key (both PEM) for mutual TLS. */
  public void clientCertificate(Path certificatePem, Path keyPem) {
    this.clientCertificate = Optional.of(Objects.requireNonNull(certificatePem, "certificatePem"));
    this.clientKey = Optional.of(Objects.requireNonNull(keyPem, "keyPem"));
  }

  /** Do not verify the server's certificate. */
  public void insecureSkipVerify(boolean skip) {
    this.insecureSkipVerify = skip;
  }

  /** TCP connect and TLS handshake timeout. @throws IllegalArgumentException unless positive */
  public void connectTimeout(Duration timeout) {
    this.connectTimeout = positive(timeout, "connect timeout");
  }

  /** Wait for a first byte, and between bytes. @throws IllegalArgumentException unless positive */
  public void readTimeout(Duration timeout) {
    this.readTimeout = positive(timeout, "read timeout");
  }

  /** Time the whole of a small body may take. @throws IllegalArgumentException unless positive */
  public void bodyTimeout(Duration timeout) {
    this.bodyTimeout = positive(timeout, "body timeout");
  }

  /** The User-Agent header. @throws IllegalArgumentException if blank or holding control characters */
  public void userAgent(String agent) {
    Objects.requireNonNull(agent, "agent");
    if (agent.isBlank() || agent.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("invalid user agent \"" + agent + "\"");
    }
    this.userAgent = agent;
  }

  /** This proxy, except for {@code noProxy}. @throws IllegalArgumentException unless an {@code http://} proxy URL */
  public void proxy(String url, String noProxy) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(noProxy, "noProxy");
    this.proxy = Optional.of(ProxyRules.of(url, noProxy));
  }

  /** Connect directly, whatever the environment says. */
  public void noProxy() {
    this.proxy = Optional.of(ProxyRules.direct());
  }

  /** Whether redirects and token realms may lead to link-local addresses. */
  public void allowLinkLocal(boolean allow) {
    this.allowLinkLocal = allow;
  }

  /**
   * Whether every connection (to the endpoint's own host too) is refused when the host resolves
   * to a loopback, private, link-local or otherwise non-public address.
   */
  public void refuseNonPublic(boolean refuse) {
    this.refuseNonPublic = refuse;
  }

  /** Resolves {@code host} to {@code addresses} without DNS (trusted: the caller chose them). */
  public void pin(String host, List<InetAddress> addresses) {
    Objects.requireNonNull(host, "host");
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no addresses to pin " + host + " to");
    }
    pinned.put(host.toLowerCase(java.util.Locale.ROOT), List.copyOf(addresses));
  }

  /** The extra CA file, if any. */
  public Optional<Path> caCertificate() {
    return caCertificate;
  }

  /** The client certificate file, if any. */
  public Optional<Path> clientCertificate() {
    return clientCertificate;
  }

  /** The client key file, if any. */
  public Optional<Path> clientKey() {
    return clientKey;
  }

  /** Whether certificates go unverified. */
  public boolean insecureSkipVerify() {
    return insecureSkipVerify;
  }

  /** The connect timeout. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** The read timeout. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** The body deadline of small bodies. */
  public Duration bodyTimeout() {
    return bodyTimeout;
  }

  /** The User-Agent header. */
  public String userAgent() {
    return userAgent;
  }

  /**
   * The settings for one endpoint; without an explicit proxy, the environment's and the JVM's
   * proxy settings are read now (a bad one fails here, naming it).
   */
  public HttpSettings settings(HttpSettings.Scheme scheme, int maxManifestBytes, int maxTagPages, int maxTags,
      int maxConnectionsPerRoute) {
    ProxyRules rules = proxy.orElseGet(() -> ProxyRules.fromEnvironment(System.getenv(), System.getProperties()));
    return new HttpSettings(scheme, caCertificate, clientCertificate, clientKey, insecureSkipVerify, connectTimeout,
        readTimeout, bodyTimeout, maxManifestBytes, userAgent, rules, allowLinkLocal, maxTagPages, maxTags,
        maxConnectionsPerRoute, new HttpSettings.AddressRules(refuseNonPublic, pinned));
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
