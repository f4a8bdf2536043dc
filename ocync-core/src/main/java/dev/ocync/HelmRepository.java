package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.helm.ChartSource;
import dev.ocync.internal.helm.HelmSettings;
import dev.ocync.internal.http.HttpOptions;
import dev.ocync.internal.http.HttpSettings;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A classic Helm chart repository ({@code index.yaml} plus {@code .tgz} files) as a read-only
 * source: each chart is a {@link Repository}, its versions are its tags ({@code +} becomes
 * {@code _}, as Helm does; a leading {@code v} is kept), and each version is presented as exactly
 * the OCI artifact {@code helm push} writes for the same archive (manifest and config bytes
 * included), with {@code created} taken from the index entry. Close it when done.
 *
 * <pre>{@code
 * try (HelmRepository charts = HelmRepository.builder("https://charts.example.com/stable").build();
 *      Registry target = Registry.of("registry.example.com")) {
 *   syncer.copy(charts.repository("nginx"), "1.2.3", target.repository("charts/nginx"), Optional.of("1.2.3"));
 * }
 * }</pre>
 *
 * <p>Before a version is presented its archive is verified: HTTP 200, sha256 equal to the index
 * {@code digest} (an entry without one is refused unless {@link Builder#allowMissingDigest}), the
 * archive rules and limits of Helm's loader (100 MiB decompressed, 5 MiB per file), no entry
 * outside the chart folder, no links, and {@code Chart.yaml} name and version equal to the
 * entry's. A version that fails throws a {@link dev.ocync.spi.RegistryException} naming the
 * chart, the version and the problem; other versions are unaffected.
 *
 * <p>{@code index.yaml} is fetched on first use; {@link #refresh()} asks again with the
 * {@code ETag}/{@code Last-Modified} validators the repository sent, and every
 * {@link Syncer#run} that reads a chart of it does so once, so a syncer run on a schedule sees
 * versions published since its last run, and an unchanged index costs one {@code 304}. Chart URLs are resolved as
 * Helm resolves them. Credentials (from {@link Builder#credentials}, looked up by the
 * repository's {@code host[:port]}) are sent only to the repository's own scheme, host and port,
 * unless {@link Builder#passCredentials} is set (and then elsewhere only over HTTPS, to loopback,
 * or when the repository itself is plain HTTP). When the
 * index gives no {@code created} time, the Unix epoch is used, so digests stay the same on every
 * run.
 *
 * <p>HTTP goes through the same layer as {@link Registry}, with the same settings and defaults:
 * TLS files, connect, read and body timeouts (the body deadline bounds {@code index.yaml} and
 * provenance files, not archives), proxies (from the environment unless set), and redirects to
 * link-local addresses refused unless allowed.
 */
public final class HelmRepository implements Closeable {
  /** The default cap on {@code index.yaml}: 64 MiB. */
  public static final long DEFAULT_MAX_INDEX_BYTES = 64L * 1024 * 1024;
  /** The default cap on one downloaded chart archive: 100 MiB. */
  public static final long DEFAULT_MAX_ARCHIVE_BYTES = 100L * 1024 * 1024;

  /** The default bound on archive and provenance bytes held in memory: 256 MiB. */
  public static final long DEFAULT_MAX_ARCHIVE_MEMORY = HelmSettings.DEFAULT_MAX_MEMORY_BYTES;

  private static final int MAX_CONNECTIONS_PER_ROUTE = 8;

  private final HelmSettings settings;
  private final ChartSource source;

  private HelmRepository(Builder b) {
    HttpSettings.Scheme scheme = b.url.getScheme().equalsIgnoreCase("http") ? HttpSettings.Scheme.HTTP
        : HttpSettings.Scheme.HTTPS;
    this.settings = new HelmSettings(b.url, b.credentials, b.http.settings(scheme,
        Registry.DEFAULT_MAX_MANIFEST_BYTES, Registry.DEFAULT_MAX_TAG_PAGES, Registry.DEFAULT_MAX_TAGS,
        MAX_CONNECTIONS_PER_ROUTE), b.passCredentials, b.allowMissingDigest, b.maxIndexBytes, b.maxArchiveBytes,
        b.archiveCache, b.maxArchiveMemory);
    this.source = new ChartSource(settings);
  }

  private HelmRepository(HelmSettings settings) {
    this.settings = settings;
    this.source = new ChartSource(settings);
  }

  /**
   * A builder for the repository at {@code url}, an {@code http(s)} URL such as
   * {@code https://charts.example.com/stable}; a query string is kept and sent with every request.
   *
   * @throws IllegalArgumentException if {@code url} is not an http(s) URL with a host
   */
  public static Builder builder(String url) {
    return new Builder(url);
  }

  /**
   * The read-only repository of chart {@code chart}. No request is made yet; a chart the index
   * does not list has no tags.
   */
  public Repository repository(String chart) {
    Objects.requireNonNull(chart, "chart");
    if (chart.isEmpty() || chart.contains("/")) {
      throw new IllegalArgumentException("invalid chart name \"" + chart + "\"");
    }
    return source.repository(chart);
  }

  /** The names of the charts the index lists (fetching it on first use). */
  public List<String> charts() throws IOException {
    return source.charts();
  }

  /**
   * Fetches {@code index.yaml} again, conditionally on the validators the repository sent last
   * time; versions already verified are forgotten only if the index changed.
   */
  public void refresh() throws IOException {
    source.refresh();
  }

  /**
   * What was skipped or served without verification so far: index entries Helm would skip
   * (named, with the reason) and versions without a digest served by {@link Builder#allowMissingDigest}.
   */
  public List<String> warnings() {
    return source.warnings();
  }

  /**
   * A new repository with the same settings as this one plus an archive cache (as
   * {@link Builder#archiveCache}), for a repository built elsewhere (from a configuration file,
   * say). It has its own connections and index; close it as well as this one.
   *
   * @throws IllegalArgumentException if {@code maxBytes} is not positive or the directory cannot be created
   */
  public HelmRepository withArchiveCache(Path directory, long maxBytes) {
    Objects.requireNonNull(directory, "directory");
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("archive cache bytes must be positive, got " + maxBytes);
    }
    HelmSettings s = settings;
    return new HelmRepository(new HelmSettings(s.url(), s.credentials(), s.http(), s.passCredentials(),
        s.allowMissingDigest(), s.maxIndexBytes(), s.maxArchiveBytes(),
        Optional.of(new HelmSettings.DiskCache(directory, maxBytes)), s.maxMemoryBytes()));
  }

  /** The repository URL, without user info or query string. */
  public String url() {
    return settings.shown();
  }

  /** Closes connections. */
  @Override
  public void close() {
    source.close();
  }

  @Override
  public String toString() {
    return "HelmRepository{" + settings.shown() + "}";
  }

  /** Builds a {@link HelmRepository}. Setters validate eagerly. */
  public static final class Builder {
    private final URI url;
    private CredentialProvider credentials = CredentialProvider.anonymous();
    private final HttpOptions http = new HttpOptions("ocync/" + Registry.version());
    private boolean passCredentials;
    private boolean allowMissingDigest;
    private long maxIndexBytes = DEFAULT_MAX_INDEX_BYTES;
    private long maxArchiveBytes = DEFAULT_MAX_ARCHIVE_BYTES;
    private Optional<HelmSettings.DiskCache> archiveCache = Optional.empty();
    private long maxArchiveMemory = DEFAULT_MAX_ARCHIVE_MEMORY;

    private Builder(String url) {
      Objects.requireNonNull(url, "url");
      URI u;
      try {
        u = URI.create(url.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid chart repository URL: not a URL", e);
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
        throw new IllegalArgumentException("invalid chart repository URL \"" + u.getScheme() + "://" + u.getHost()
            + "\": expected an http(s) URL with a host");
      }
      if (u.getRawUserInfo() != null) {
        throw new IllegalArgumentException("the chart repository URL must not carry credentials: use credentials()");
      }
      this.url = u;
    }

    /** Where credentials come from, looked up by the repository's {@code host[:port]}; anonymous by default. */
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

    /** Do not verify the server's certificate. Only for servers you control; off by default. */
    public Builder insecureSkipVerify(boolean skip) {
      http.insecureSkipVerify(skip);
      return this;
    }

    /** TCP connect and TLS handshake timeout; {@value Registry.Builder#DEFAULT_CONNECT_SECONDS} s by default. */
    public Builder connectTimeout(Duration timeout) {
      http.connectTimeout(timeout);
      return this;
    }

    /**
     * Timeout waiting for the first byte of a response, and for more bytes of a body (archives
     * included); {@value Registry.Builder#DEFAULT_READ_SECONDS} s by default.
     */
    public Builder readTimeout(Duration timeout) {
      http.readTimeout(timeout);
      return this;
    }

    /**
     * Longest time the whole of {@code index.yaml} (or a provenance file) may take to arrive,
     * however it trickles; {@value Registry.Builder#DEFAULT_BODY_SECONDS} s by default. Chart
     * archives have no such deadline; the read timeout bounds their pauses.
     */
    public Builder bodyTimeout(Duration timeout) {
      http.bodyTimeout(timeout);
      return this;
    }

    /**
     * Send requests through this HTTP proxy ({@code http://[user:password@]host:port}; HTTPS
     * through a CONNECT tunnel), except to the hosts {@code noProxy} names in {@code NO_PROXY}
     * syntax; overrides the environment and the JVM's proxy properties, as for {@link Registry}.
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
     * Whether redirects may lead to link-local addresses ({@code 169.254.0.0/16},
     * {@code fe80::/10}); off by default, because cloud metadata services answer there.
     */
    public Builder allowLinkLocalRedirects(boolean allow) {
      http.allowLinkLocal(allow);
      return this;
    }

    /**
     * Refuse to connect when a host (the repository's own included, and every redirect target)
     * resolves to a loopback, private, link-local or otherwise non-public address; checked on
     * the resolved addresses at connect time, so neither a redirect nor a DNS answer that changed
     * since a URL was checked reaches inside. For repositories whose URLs someone else chose (a
     * chart proxy's clients); off by default. Configured HTTP proxies are exempt, and through a
     * proxy the target is resolved by the proxy, not checked here.
     */
    public Builder refuseNonPublicAddresses(boolean refuse) {
      http.refuseNonPublic(refuse);
      return this;
    }

    /** User-Agent header; {@code ocync/<version>} by default. */
    public Builder userAgent(String agent) {
      http.userAgent(agent);
      return this;
    }

    /**
     * Send the credentials to chart URLs on other hosts too (Helm's {@code --pass-credentials}),
     * over HTTPS, to loopback, or anywhere when the repository itself is plain HTTP; off by default.
     */
    public Builder passCredentials(boolean pass) {
      this.passCredentials = pass;
      return this;
    }

    /**
     * Serve versions whose index entry has no {@code digest}, unverified (a warning says so in
     * {@link HelmRepository#warnings()}); off by default, when they are refused.
     */
    public Builder allowMissingDigest(boolean allow) {
      this.allowMissingDigest = allow;
      return this;
    }

    /** Largest {@code index.yaml} accepted, in bytes; 64 MiB by default. */
    public Builder maxIndexBytes(long bytes) {
      this.maxIndexBytes = positive(bytes, "max index bytes");
      return this;
    }

    /** Largest chart archive downloaded, in bytes; 100 MiB by default. */
    public Builder maxArchiveBytes(long bytes) {
      this.maxArchiveBytes = positive(bytes, "max archive bytes");
      return this;
    }

    /**
     * Keeps verified chart archives in {@code directory} (created if missing), one file per
     * sha256, at most {@code maxBytes} in all (the least recently used removed first), so a
     * restart or another repository over the same charts does not download them again. Each file
     * is hashed again when read and removed if it does not match (then the archive is downloaded
     * again); files are written to a temporary name and renamed, so several processes may share
     * the directory. Only archives whose index entry has a digest are kept. None by default.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public Builder archiveCache(Path directory, long maxBytes) {
      this.archiveCache = Optional.of(new HelmSettings.DiskCache(Objects.requireNonNull(directory, "directory"),
          positive(maxBytes, "archive cache bytes")));
      return this;
    }

    /**
     * The most bytes of chart archives and provenance files held in memory at once (the least
     * recently used dropped first, and read again from the disk cache or the repository when asked
     * for); 256 MiB by default. Manifests and configs, which are small, are always held.
     */
    public Builder maxArchiveMemory(long bytes) {
      this.maxArchiveMemory = positive(bytes, "archive memory bytes");
      return this;
    }

    private static long positive(long n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be positive, got " + n);
      }
      return n;
    }

    /**
     * Builds the repository. Certificates and the proxy environment are read here, and the archive
     * cache directory created; a bad file, directory or proxy setting fails now, naming it.
     */
    public HelmRepository build() {
      return new HelmRepository(this);
    }
  }
}
