package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.RegistryHosts;
import dev.ocync.internal.http.HttpOptions;
import dev.ocync.internal.http.HttpSettings;
import dev.ocync.internal.http.Loopback;
import dev.ocync.internal.http.RegistryClient;
import dev.ocync.oci.Reference;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One registry speaking the OCI distribution API, with its auth and TLS settings. Hands out a
 * {@link Repository} per repository name; all of them share one connection pool and token cache.
 * Close it when done.
 *
 * <pre>{@code
 * try (Registry ghcr = Registry.builder("ghcr.io")
 *         .credentials(CredentialProvider.dockerConfig())
 *         .build()) {
 *   Repository repo = ghcr.repository("org/app");
 *   List<String> tags = repo.listTags();
 * }
 * }</pre>
 *
 * <p>HTTPS is used unless the registry is given as an {@code http://} URL or {@link Builder#plainHttp
 * plainHttp(true)} is set. A loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) named
 * without a scheme is tried over HTTPS first and falls back to plain HTTP only when the server
 * answers the TLS handshake in plain HTTP (never after a certificate error), as Docker and
 * go-containerregistry do; an SSH tunnel or {@code kubectl port-forward} to a TLS registry works so.
 *
 * <p>Proxies: an explicit {@link Builder#proxy proxy}, else the JVM's {@code https.proxyHost} /
 * {@code http.proxyHost} / {@code http.nonProxyHosts}, else the {@code HTTPS_PROXY} /
 * {@code HTTP_PROXY} / {@code NO_PROXY} environment variables (and their lower-case forms), read
 * as Docker and Go tools read them. Loopback hosts are never proxied. Proxy credentials in a proxy
 * URL answer the proxy's challenge and are never logged.
 *
 * <p>Timeouts: connecting (and the TLS handshake) {@value Builder#DEFAULT_CONNECT_SECONDS} s, the
 * first byte of a response and any pause in a body {@value Builder#DEFAULT_READ_SECONDS} s, and the
 * whole of a small body (manifest, token, error, tag page) {@value Builder#DEFAULT_BODY_SECONDS} s,
 * so a registry that accepts connections and never answers fails in seconds, not minutes.
 *
 * <p>Redirects and token realms that lead to a link-local address ({@code 169.254.0.0/16},
 * {@code fe80::/10}, where cloud metadata services answer) are refused unless
 * {@link Builder#allowLinkLocalRedirects allowed}; the body of a redirect target's error is never
 * quoted, only which host answered. Server text in messages has every secret known for the
 * request masked.
 *
 * <p>Where credentials go: {@code Authorization} is sent only to this registry's own scheme, host
 * and port, never along a redirect elsewhere (a redirect chain that comes back to the registry
 * gets it again there, as with curl and Go). Credentials go to the token service a Bearer
 * challenge names only over HTTPS, to a loopback address, or when this registry itself uses plain
 * HTTP; an HTTPS registry pointing at a plain-HTTP token service elsewhere fails with an
 * {@link dev.ocync.spi.AuthenticationException} rather than send a password in clear text.
 * A {@link Builder#caCertificate CA file} adds trust, but host names are still verified.
 */
public final class Registry implements Closeable {
  /** Manifests larger than this are refused unless configured otherwise: 4 MiB, as registries cap them. */
  public static final int DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  /** Pages of a tag (or referrers) listing read before giving up, unless configured otherwise. */
  public static final int DEFAULT_MAX_TAG_PAGES = 10_000;
  /** Tags of one repository kept before giving up, unless configured otherwise. */
  public static final int DEFAULT_MAX_TAGS = 1_000_000;
  private static final int MAX_CONNECTIONS_PER_ROUTE = 32;

  private final String host;
  private final Builder settings;
  private final HttpSettings http;
  private final RegistryClient client;

  private Registry(Builder b) {
    this.host = b.host;
    this.settings = b.copy();
    HttpSettings.Scheme scheme = b.plainHttp.map(p -> p ? HttpSettings.Scheme.HTTP : HttpSettings.Scheme.HTTPS)
        .orElse(b.impliedScheme);
    this.http = b.http.settings(scheme, b.maxManifestBytes, b.maxTagPages, b.maxTags, MAX_CONNECTIONS_PER_ROUTE);
    this.client = new RegistryClient(host, apiHost(host), b.credentials, http);
  }

  private static String apiHost(String host) {
    return host.equals(Reference.DOCKER_HUB) ? Reference.DOCKER_HUB_API_HOST : host;
  }

  /**
   * A builder for the registry at {@code registry}: {@code host[:port]} ({@code ghcr.io},
   * {@code 127.0.0.1:5000}, {@code docker.io}) or a URL ({@code https://host}, {@code http://host:5000}).
   *
   * @throws IllegalArgumentException if {@code registry} is not a host[:port] or http(s) URL
   */
  public static Builder builder(String registry) {
    return new Builder(registry);
  }

  /** A registry with default settings and no credentials. */
  public static Registry of(String registry) {
    return builder(registry).build();
  }

  /** A repository on this registry, for example {@code library/nginx}. No request is made yet. */
  public Repository repository(String name) {
    Objects.requireNonNull(name, "name");
    // validates the name with the reference grammar
    Reference.of(host, name, Optional.of("latest"), Optional.empty());
    return client.repository(name);
  }

  /** The registry as named in references: {@code host[:port]}, {@code docker.io} for Docker Hub. */
  public String host() {
    return host;
  }

  /**
   * Where API requests go, for example {@code https://registry-1.docker.io}. For a loopback registry
   * named without a scheme this is {@code https://} until a first request found plain HTTP.
   */
  public URI baseUri() {
    return client.currentBase();
  }

  /** Whether requests use plain HTTP (for a loopback registry without a scheme: as far as known yet). */
  public boolean plainHttp() {
    return client.currentBase().getScheme().equals("http");
  }

  /** Where credentials for this registry come from. */
  public CredentialProvider credentials() {
    return settings.credentials;
  }

  /** Extra CA certificate(s) (PEM) trusted besides the system's. */
  public Optional<Path> caCertificate() {
    return settings.http.caCertificate();
  }

  /** Client certificate (PEM) for mutual TLS. */
  public Optional<Path> clientCertificate() {
    return settings.http.clientCertificate();
  }

  /** Client private key (PEM, PKCS#8) for mutual TLS. */
  public Optional<Path> clientKey() {
    return settings.http.clientKey();
  }

  /** Whether server certificates are not verified at all. */
  public boolean insecureSkipVerify() {
    return settings.http.insecureSkipVerify();
  }

  /** TCP connect timeout. */
  public Duration connectTimeout() {
    return settings.http.connectTimeout();
  }

  /** Timeout waiting for data on an open connection. */
  public Duration readTimeout() {
    return settings.http.readTimeout();
  }

  /** Largest manifest accepted, in bytes. */
  public int maxManifestBytes() {
    return settings.maxManifestBytes;
  }

  /** User-Agent header sent with every request. */
  public String userAgent() {
    return settings.http.userAgent();
  }

  /** Largest time a small body (manifest, token, error, tag page) may take to arrive. */
  public Duration bodyTimeout() {
    return settings.http.bodyTimeout();
  }

  /**
   * The most blob transfers the engine runs towards this registry at once, the cap of its adaptive
   * limit; empty when not set (then {@code Syncer.Builder.blobsInFlightPerRegistry} applies).
   */
  public OptionalInt maxConcurrent() {
    return settings.maxConcurrent > 0 ? OptionalInt.of(settings.maxConcurrent) : OptionalInt.empty();
  }

  /**
   * Whether the engine, with this registry as a source, compares an image by HEAD before it fetches
   * its manifest (true, the default); see {@link Builder#headFirst(boolean)}.
   */
  public boolean headFirst() {
    return settings.headFirst;
  }

  /** A builder with this registry's settings. */
  public Builder newBuilder() {
    return settings.copy();
  }

  /** Closes connections. Repositories handed out stop working. */
  @Override
  public void close() throws IOException {
    client.close();
  }

  @Override
  public String toString() {
    return "Registry{" + baseUri() + "}";
  }

  /** The ocync version, written into {@code version.properties} by the build; {@code dev} if absent. */
  static String version() {
    return Version.VALUE;
  }

  /** Read once: every registry's User-Agent names it, and a resource lookup in a large jar is not free. */
  private static final class Version {
    static final String VALUE = readVersion();

    private Version() {}
  }

  private static String readVersion() {
    // A resource, not the jar manifest: packages of a named module carry no manifest attributes.
    try (java.io.InputStream in = Registry.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        String v = p.getProperty("version", "").trim();
        if (!v.isEmpty() && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through: a missing version only shortens the User-Agent
    }
    return "dev";
  }

  /** Builds a {@link Registry}. Setters validate eagerly. */
  public static final class Builder {
    /** Default TCP connect (and TLS handshake) timeout, in seconds. */
    public static final int DEFAULT_CONNECT_SECONDS = HttpOptions.DEFAULT_CONNECT_SECONDS;
    /** Default wait for the first byte of a response, and for more bytes of a body, in seconds. */
    public static final int DEFAULT_READ_SECONDS = HttpOptions.DEFAULT_READ_SECONDS;
    /** Default time the whole of a small body may take, in seconds. */
    public static final int DEFAULT_BODY_SECONDS = HttpOptions.DEFAULT_BODY_SECONDS;

    private final String host;
    private final HttpSettings.Scheme impliedScheme;
    private Optional<Boolean> plainHttp = Optional.empty();
    private CredentialProvider credentials = CredentialProvider.anonymous();
    private final HttpOptions http;
    private int maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES;
    private int maxTagPages = DEFAULT_MAX_TAG_PAGES;
    private int maxTags = DEFAULT_MAX_TAGS;
    private int maxConcurrent;
    private boolean headFirst = true;

    private Builder(String registry) {
      Objects.requireNonNull(registry, "registry");
      String r = registry.trim();
      String lower = r.toLowerCase(Locale.ROOT);
      HttpSettings.Scheme scheme = null;
      if (lower.startsWith("http://")) {
        scheme = HttpSettings.Scheme.HTTP;
        r = r.substring(7);
      } else if (lower.startsWith("https://")) {
        scheme = HttpSettings.Scheme.HTTPS;
        r = r.substring(8);
      }
      if (r.endsWith("/")) {
        r = r.substring(0, r.length() - 1);
      }
      int at = r.lastIndexOf('@');
      if (at >= 0 && (r.indexOf('/') < 0 || at < r.indexOf('/'))) {
        // the user information is never repeated: it is usually a password
        throw new IllegalArgumentException("invalid registry \"" + (scheme == null ? "" : lower.substring(0,
            lower.indexOf("://") + 3)) + "****@" + r.substring(at + 1) + "\": credentials in a registry URL are"
            + " not used; give them with credentials(...)");
      }
      if (r.contains("/")) {
        throw new IllegalArgumentException("invalid registry \"" + registry
            + "\": expected host[:port] or an http(s) URL without a path");
      }
      String canonical = RegistryHosts.isDockerHub(r) ? Reference.DOCKER_HUB : r.toLowerCase(Locale.ROOT);
      try {
        Reference.of(canonical, "x", Optional.of("latest"), Optional.empty());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid registry \"" + registry + "\": not a host[:port]", e);
      }
      this.host = canonical;
      this.http = new HttpOptions("ocync/" + version());
      this.impliedScheme = scheme != null ? scheme
          : isLoopback(canonical) ? HttpSettings.Scheme.HTTPS_THEN_HTTP : HttpSettings.Scheme.HTTPS;
    }

    private Builder(Builder from) {
      this.host = from.host;
      this.impliedScheme = from.impliedScheme;
      this.plainHttp = from.plainHttp;
      this.credentials = from.credentials;
      this.http = from.http.copy();
      this.maxManifestBytes = from.maxManifestBytes;
      this.maxTagPages = from.maxTagPages;
      this.maxTags = from.maxTags;
      this.maxConcurrent = from.maxConcurrent;
      this.headFirst = from.headFirst;
    }

    private Builder copy() {
      return new Builder(this);
    }

    private static boolean isLoopback(String hostPort) {
      String h = hostPort;
      if (h.startsWith("[")) {
        h = h.substring(0, h.indexOf(']') + 1);
      } else if (h.indexOf(':') >= 0) {
        h = h.substring(0, h.indexOf(':'));
      }
      return Loopback.isLoopback(h);
    }

    /** Use plain HTTP (true) or HTTPS (false), overriding what the name implied. */
    public Builder plainHttp(boolean plain) {
      this.plainHttp = Optional.of(plain);
      return this;
    }

    /** Where credentials come from; anonymous by default. */
    public Builder credentials(CredentialProvider provider) {
      this.credentials = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Trust the CA certificate(s) in this PEM file besides the system's. */
    public Builder caCertificate(Path pem) {
      http.caCertificate(pem);
      return this;
    }

    /** Present this client certificate and PKCS#8 key (both PEM) for mutual TLS. */
    public Builder clientCertificate(Path certificatePem, Path keyPem) {
      http.clientCertificate(certificatePem, keyPem);
      return this;
    }

    /** Do not verify the server's certificate. Only for registries you control; off by default. */
    public Builder insecureSkipVerify(boolean skip) {
      http.insecureSkipVerify(skip);
      return this;
    }

    /** TCP connect and TLS handshake timeout; {@value #DEFAULT_CONNECT_SECONDS} s by default. */
    public Builder connectTimeout(Duration timeout) {
      http.connectTimeout(timeout);
      return this;
    }

    /**
     * Timeout waiting for the first byte of a response, and for more bytes of a body (blobs
     * included); {@value #DEFAULT_READ_SECONDS} s by default.
     */
    public Builder readTimeout(Duration timeout) {
      http.readTimeout(timeout);
      return this;
    }

    /**
     * Longest time the whole of a small body (manifest, token, error, tag or referrers page) may
     * take to arrive, however it trickles; {@value #DEFAULT_BODY_SECONDS} s by default. Blobs have
     * no such deadline (they may be large); the read timeout bounds their pauses.
     */
    public Builder bodyTimeout(Duration timeout) {
      http.bodyTimeout(timeout);
      return this;
    }

    /**
     * Send requests through this HTTP proxy ({@code http://[user:password@]host:port}; HTTPS
     * registries through a CONNECT tunnel), except to the hosts {@code noProxy} names in
     * {@code NO_PROXY} syntax ({@code example.com,.internal,10.0.0.0/8,host:5000,*}; {@code ""} for
     * none). Overrides the environment and the JVM's proxy properties.
     *
     * @throws IllegalArgumentException if {@code url} is not an {@code http://} proxy URL
     */
    public Builder proxy(String url, String noProxy) {
      http.proxy(url, noProxy);
      return this;
    }

    /** Connect directly, whatever the environment and the JVM's proxy properties say. */
    public Builder noProxy() {
      http.noProxy();
      return this;
    }

    /**
     * Whether redirects and token realms may lead to link-local addresses ({@code 169.254.0.0/16},
     * {@code fe80::/10}); off by default, because cloud metadata services answer there.
     */
    public Builder allowLinkLocalRedirects(boolean allow) {
      http.allowLinkLocal(allow);
      return this;
    }

    /** Most pages of a tag or referrers listing read before failing; {@value #DEFAULT_MAX_TAG_PAGES} by default. */
    public Builder maxTagPages(int pages) {
      if (pages <= 0) {
        throw new IllegalArgumentException("max tag pages must be positive, got " + pages);
      }
      this.maxTagPages = pages;
      return this;
    }

    /** Most tags (or referrers) of one repository accepted before failing; {@value #DEFAULT_MAX_TAGS} by default. */
    public Builder maxTags(int tags) {
      if (tags <= 0) {
        throw new IllegalArgumentException("max tags must be positive, got " + tags);
      }
      this.maxTags = tags;
      return this;
    }

    /** Largest manifest accepted, in bytes; 4 MiB by default. */
    public Builder maxManifestBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("max manifest bytes must be positive, got " + bytes);
      }
      this.maxManifestBytes = bytes;
      return this;
    }

    /**
     * The most blob transfers (uploads, mounts and their source reads) a {@link dev.ocync.Syncer}
     * runs towards this registry at once, 1 to 1024: the cap of its adaptive limit, which halves on
     * HTTP 429 and grows back on success. Unset, {@code Syncer.Builder.blobsInFlightPerRegistry}
     * applies (6 by default). This is the config's {@code registries.<name>.max_concurrent}. The
     * few requests per image that are not blob transfers (HEADs, manifests, tag lists) are not
     * counted: they are bounded by the syncer's threads and images in flight.
     */
    public Builder maxConcurrent(int n) {
      if (n < 1 || n > 1024) {
        throw new IllegalArgumentException("max concurrent must be 1 to 1024, got " + n);
      }
      this.maxConcurrent = n;
      return this;
    }

    /**
     * With this registry as a source, whether an image is compared by HEAD first (true, the
     * default): the source tag is resolved with a HEAD, each target is asked with a HEAD, and the
     * manifest is fetched only when a target lacks it, so an unchanged image costs no manifest GET
     * (what rate limits such as Docker Hub's count); a tag the target is known to lack (its listing
     * does not show it) is fetched with one GET and no HEAD either way. With false, the source manifest is fetched at
     * once with a GET and its digest taken from the body: one request fewer for each changed image,
     * one GET more for each unchanged one. This is the config's {@code registries.<name>.head_first};
     * note that the Rust ocync's default is false, where ocync-java has always compared by HEAD
     * first, so only an explicit {@code head_first: false} changes anything.
     */
    public Builder headFirst(boolean headFirst) {
      this.headFirst = headFirst;
      return this;
    }

    /** User-Agent header; {@code ocync/<version>} by default. */
    public Builder userAgent(String agent) {
      http.userAgent(agent);
      return this;
    }

    /**
     * Builds the registry. Certificates and the proxy environment are read here; a bad file or
     * proxy setting fails now, naming it.
     */
    public Registry build() {
      return new Registry(this);
    }
  }
}
