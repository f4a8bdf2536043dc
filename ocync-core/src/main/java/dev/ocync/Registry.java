package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.RegistryHosts;
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
 * <p>HTTPS is used unless the registry is given as an {@code http://} URL, or is a loopback host
 * ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}), which use plain HTTP as Docker and crane do.
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

  private final String host;
  private final boolean plainHttp;
  private final CredentialProvider credentials;
  private final Optional<Path> caCertificate;
  private final Optional<Path> clientCertificate;
  private final Optional<Path> clientKey;
  private final boolean insecureSkipVerify;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final int maxManifestBytes;
  private final String userAgent;
  private final RegistryClient client;

  private Registry(Builder b) {
    this.host = b.host;
    this.plainHttp = b.plainHttp;
    this.credentials = b.credentials;
    this.caCertificate = b.caCertificate;
    this.clientCertificate = b.clientCertificate;
    this.clientKey = b.clientKey;
    this.insecureSkipVerify = b.insecureSkipVerify;
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.maxManifestBytes = b.maxManifestBytes;
    this.userAgent = b.userAgent;
    this.client = new RegistryClient(this);
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

  /** Where API requests go, for example {@code https://registry-1.docker.io}. */
  public URI baseUri() {
    String apiHost = host.equals(Reference.DOCKER_HUB) ? Reference.DOCKER_HUB_API_HOST : host;
    return URI.create((plainHttp ? "http://" : "https://") + apiHost);
  }

  /** Whether requests use plain HTTP. */
  public boolean plainHttp() {
    return plainHttp;
  }

  /** Where credentials for this registry come from. */
  public CredentialProvider credentials() {
    return credentials;
  }

  /** Extra CA certificate(s) (PEM) trusted besides the system's. */
  public Optional<Path> caCertificate() {
    return caCertificate;
  }

  /** Client certificate (PEM) for mutual TLS. */
  public Optional<Path> clientCertificate() {
    return clientCertificate;
  }

  /** Client private key (PEM, PKCS#8) for mutual TLS. */
  public Optional<Path> clientKey() {
    return clientKey;
  }

  /** Whether server certificates are not verified at all. */
  public boolean insecureSkipVerify() {
    return insecureSkipVerify;
  }

  /** TCP connect timeout. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Timeout waiting for data on an open connection. */
  public Duration readTimeout() {
    return readTimeout;
  }

  /** Largest manifest accepted, in bytes. */
  public int maxManifestBytes() {
    return maxManifestBytes;
  }

  /** User-Agent header sent with every request. */
  public String userAgent() {
    return userAgent;
  }

  /** A builder with this registry's settings. */
  public Builder newBuilder() {
    Builder b = new Builder(plainHttp ? "http://" + host : host);
    b.plainHttp = plainHttp;
    b.credentials = credentials;
    b.caCertificate = caCertificate;
    b.clientCertificate = clientCertificate;
    b.clientKey = clientKey;
    b.insecureSkipVerify = insecureSkipVerify;
    b.connectTimeout = connectTimeout;
    b.readTimeout = readTimeout;
    b.maxManifestBytes = maxManifestBytes;
    b.userAgent = userAgent;
    return b;
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
    private final String host;
    private boolean plainHttp;
    private CredentialProvider credentials = CredentialProvider.anonymous();
    private Optional<Path> caCertificate = Optional.empty();
    private Optional<Path> clientCertificate = Optional.empty();
    private Optional<Path> clientKey = Optional.empty();
    private boolean insecureSkipVerify;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration readTimeout = Duration.ofMinutes(5);
    private int maxManifestBytes = DEFAULT_MAX_MANIFEST_BYTES;
    private String userAgent = "ocync/" + version();

    private Builder(String registry) {
      Objects.requireNonNull(registry, "registry");
      String r = registry.trim();
      boolean http = false;
      String lower = r.toLowerCase(Locale.ROOT);
      if (lower.startsWith("http://")) {
        http = true;
        r = r.substring(7);
      } else if (lower.startsWith("https://")) {
        r = r.substring(8);
      }
      if (r.endsWith("/")) {
        r = r.substring(0, r.length() - 1);
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
      this.plainHttp = http || (!lower.startsWith("https://") && isLoopback(canonical));
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
      this.plainHttp = plain;
      return this;
    }

    /** Where credentials come from; anonymous by default. */
    public Builder credentials(CredentialProvider provider) {
      this.credentials = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Trust the CA certificate(s) in this PEM file besides the system's. */
    public Builder caCertificate(Path pem) {
      this.caCertificate = Optional.of(Objects.requireNonNull(pem, "pem"));
      return this;
    }

    /** Present this client certificate and PKCS#8 key (both PEM) for mutual TLS. */
    public Builder clientCertificate(Path certificatePem, Path keyPem) {
      this.clientCertificate = Optional.of(Objects.requireNonNull(certificatePem, "certificatePem"));
      this.clientKey = Optional.of(Objects.requireNonNull(keyPem, "keyPem"));
      return this;
    }

    /** Do not verify the server's certificate. Only for registries you control; off by default. */
    public Builder insecureSkipVerify(boolean skip) {
      this.insecureSkipVerify = skip;
      return this;
    }

    /** TCP connect timeout; 30 s by default. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** Timeout waiting for data on an open connection; 5 min by default. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = positive(timeout, "read timeout");
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

    /** User-Agent header; {@code ocync/<version>} by default. */
    public Builder userAgent(String agent) {
      Objects.requireNonNull(agent, "agent");
      if (agent.isBlank() || agent.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("invalid user agent \"" + agent + "\"");
      }
      this.userAgent = agent;
      return this;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }

    /** Builds the registry. Certificates are read here; a bad file fails now, naming the file. */
    public Registry build() {
      return new Registry(this);
    }
  }
}
