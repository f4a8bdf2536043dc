package dev.ocync.internal.http;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the HTTP layer talks to one endpoint: TLS, timeouts, proxy, redirect rules, pool size,
 * user agent and the limits on what it reads. Built by the public builders ({@code Registry},
 * later the Helm endpoint) and handed down, so nothing under {@code internal} calls back into them.
 *
 * @param scheme HTTPS, plain HTTP, or HTTPS first with a fallback to plain HTTP (loopback only)
 * @param connectTimeout TCP connect and TLS handshake
 * @param readTimeout first byte of a response, and the longest pause between bytes
 * @param bodyTimeout the whole of a small body (manifest, token, error, tag page), however it trickles
 * @param allowLinkLocal whether redirects and token realms may lead to 169.254.0.0/16 or fe80::/10
 * @param maxTagPages pages of a paginated list read before giving up
 * @param maxTags entries of a paginated list kept before giving up
 * @param addresses which resolved addresses may be connected to, checked at connect time
 */
public record HttpSettings(
    Scheme scheme,
    Optional<Path> caCertificate,
    Optional<Path> clientCertificate,
    Optional<Path> clientKey,
    boolean insecureSkipVerify,
    Duration connectTimeout,
    Duration readTimeout,
    Duration bodyTimeout,
    int maxManifestBytes,
    String userAgent,
    ProxyRules proxy,
    boolean allowLinkLocal,
    int maxTagPages,
    int maxTags,
    int maxConnectionsPerRoute,
    AddressRules addresses) {

  /** Which scheme requests use. */
  public enum Scheme {
    HTTPS,
    HTTP,
    /** HTTPS, falling back to plain HTTP when the server answers the handshake in plain HTTP. */
    HTTPS_THEN_HTTP
  }

  /** The settings with the default {@link AddressRules#DEFAULT} (only link-local redirects refused). */
  public HttpSettings(Scheme scheme, Optional<Path> caCertificate, Optional<Path> clientCertificate,
      Optional<Path> clientKey, boolean insecureSkipVerify, Duration connectTimeout, Duration readTimeout,
      Duration bodyTimeout, int maxManifestBytes, String userAgent, ProxyRules proxy, boolean allowLinkLocal,
      int maxTagPages, int maxTags, int maxConnectionsPerRoute) {
    this(scheme, caCertificate, clientCertificate, clientKey, insecureSkipVerify, connectTimeout, readTimeout,
        bodyTimeout, maxManifestBytes, userAgent, proxy, allowLinkLocal, maxTagPages, maxTags,
        maxConnectionsPerRoute, AddressRules.DEFAULT);
  }

  /**
   * Which addresses a connection may go to, decided after name resolution (so a redirect, or a
   * name whose DNS answer changed, cannot reach what a URL check let through).
   *
   * @param refuseNonPublic refuse every host (the endpoint's own included) that resolves to a
   *     loopback, private, link-local or otherwise non-public address: for endpoints whose URLs
   *     a server's clients choose (the chart proxy)
   * @param pinned names resolved to these addresses without asking DNS, and trusted as the user's
   *     own choice (curl's {@code --resolve}); lowercase names
   */
  public record AddressRules(boolean refuseNonPublic, Map<String, List<InetAddress>> pinned) {
    /** Nothing refused beyond the link-local rule, nothing pinned. */
    public static final AddressRules DEFAULT = new AddressRules(false, Map.of());

    public AddressRules {
      pinned = Map.copyOf(pinned);
    }
  }

  public HttpSettings {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(caCertificate, "caCertificate");
    Objects.requireNonNull(clientCertificate, "clientCertificate");
    Objects.requireNonNull(clientKey, "clientKey");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(bodyTimeout, "bodyTimeout");
    Objects.requireNonNull(userAgent, "userAgent");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(addresses, "addresses");
  }
}
