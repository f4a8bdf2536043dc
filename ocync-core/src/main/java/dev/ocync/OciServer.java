package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.serve.ChartRoutes;
import dev.ocync.internal.serve.ClientAuth;
import dev.ocync.internal.serve.ServeSettings;
import dev.ocync.internal.serve.ServerRuntime;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * A read-only OCI registry over any set of {@link Repository} endpoints: the pull side of the
 * distribution API ({@code /v2/}, manifests, blobs with {@code Range}, tag lists, the catalog and
 * the referrers API), so that container runtimes, {@code skopeo} and {@code helm} pull from an air-gap
 * bundle or from anything a host application plugs in. Every write is refused with {@code 405
 * UNSUPPORTED}. Every byte served is verified against its digest while it streams; a mismatch
 * aborts that response (the client sees a truncated body, never a complete wrong one).
 *
 * <pre>{@code
 * try (OciLayout.Bundle bundle = OciLayout.archiveBundle(Path.of("airgap.tar"));
 *     OciServer server = OciServer.builder().bundle("", bundle).build().start()) {
 *   System.out.println("serving on port " + server.port());
 *   ...
 * }
 * }</pre>
 *
 * <p>Chart repositories: {@link Builder#helm} serves a classic Helm repository under an alias
 * ({@code helm pull oci://HOST:PORT/<alias>/<chart> --version X}), {@link Builder#chartProxy}
 * any classic repository on an allow-list as {@code <host>/<path>/<chart>}. Each chart version is
 * the artifact {@code helm push} writes (the digests a mirror run writes), verified against the
 * index digest before it is served.
 *
 * <pre>{@code
 * try (HelmRepository jetstack = HelmRepository.builder("https://charts.jetstack.io").build();
 *     OciServer server = OciServer.builder()
 *         .helm("jetstack", jetstack) // oci://HOST:PORT/jetstack/cert-manager
 *         .chartProxy("", OciServer.ChartProxy.builder().allowHost("charts.bitnami.com").build())
 *         .build().start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Needs {@code org.eclipse.jetty:jetty-server} 12.1 at run time (an optional dependency of
 * ocync-core); on the module path also {@code --add-modules org.eclipse.jetty.server}.
 */
public final class OciServer implements Closeable {

  /**
   * Where the repositories under one name prefix come from. A host application implements it to
   * serve its own endpoints.
   */
  public interface Route {
    /**
     * The repository {@code name} (the part of the requested name after the route's prefix), or
     * empty if there is none.
     */
    Optional<Repository> repository(String name) throws IOException;

    /** The repository names this route can list for {@code /v2/_catalog}, or empty if it cannot. */
    default Optional<List<String>> names() throws IOException {
      return Optional.empty();
    }
  }

  /** One answered request, for an access log. Never carries credentials. */
  public record Access(String method, String path, int status, long bytes, Duration duration, String client) {}

  /** Receives one {@link Access} per answered request, on the server's threads; keep it fast. */
  @FunctionalInterface
  public interface AccessListener {
    /** Called once a request was answered (or aborted). A throwing listener is logged and ignored. */
    void served(Access access);
  }

  /** How long a request waits for one of the {@code maxConcurrentOpens} before it gets 429. */
  private static final Duration OPEN_WAIT = Duration.ofSeconds(10);
  /** How long a chart request waits for one of the {@code maxUpstreamFetches}. */
  private static final Duration UPSTREAM_WAIT = Duration.ofSeconds(30);

  private final ServeSettings settings;
  private final List<ChartRoutes.Proxy> proxies;
  private ServerRuntime runtime;

  private OciServer(ServeSettings settings, List<ChartRoutes.Proxy> proxies) {
    this.settings = settings;
    this.proxies = proxies;
  }

  /** A builder; with no listen address it serves on {@code 127.0.0.1} on a free port. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening and returns this server.
   *
   * @throws IllegalStateException if already started, or Jetty is not on the class or module path
   * @throws IOException if the address cannot be bound or the TLS files cannot be read
   */
  public synchronized OciServer start() throws IOException {
    if (runtime != null) {
      throw new IllegalStateException("the server was already started");
    }
    runtime = ServerRuntime.start(settings);
    return this;
  }

  /** The port the server listens on (the one chosen when {@code 0} was asked for). */
  public synchronized int port() {
    if (runtime == null) {
      throw new IllegalStateException("the server is not started");
    }
    return runtime.port();
  }

  /** {@code http://host:port} or {@code https://host:port} of the running server. */
  public String url() {
    return (settings.tls().isPresent() ? "https://" : "http://") + settings.host() + ":" + port();
  }

  /**
   * Stops accepting connections, lets requests in flight finish for up to the builder's
   * {@code stopTimeout}, then stops. Does not close the repositories it was given; closes the
   * chart repositories a {@link ChartProxy} built.
   */
  @Override
  public synchronized void close() throws IOException {
    if (runtime != null) {
      runtime.close();
      runtime = null;
    }
    proxies.forEach(ChartRoutes.Proxy::close);
  }

  @Override
  public String toString() {
    return "OciServer{" + settings.host() + ":" + settings.port() + ", routes=" + settings.routes().keySet() + "}";
  }

  /** Builds an {@link OciServer}. Settings are checked when they are given. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private Optional<ClientAuth> auth = Optional.empty();
    private Optional<ServeSettings.Tls> tls = Optional.empty();
    private int maxConcurrentOpens = 64;
    private int maxThreads = 200;
    private int maxHeaderBytes = 16 * 1024;
    private Duration idleTimeout = Duration.ofSeconds(30);
    private Duration stopTimeout = Duration.ofSeconds(10);
    private final List<AccessListener> accessListeners = new ArrayList<>();
    private final Map<String, Object> charts = new LinkedHashMap<>(); // HelmRepository or ChartProxy
    private Duration chartIndexTtl = Duration.ofMinutes(5);
    private int maxUpstreamFetches = 8;

    private Builder() {}

    /** Listens on {@code host} (an address or name of this machine) and {@code port} ({@code 0}: a free port). */
    public Builder listen(String host, int port) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("listen host must not be blank");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("listen port " + port + " is not in 0..65535");
      }
      this.host = host;
      this.port = port;
      return this;
    }

    /**
     * Serves the repositories of {@code route} under {@code prefix}: a request for
     * {@code <prefix>/<name>} asks the route for {@code name}. The empty prefix serves names as they
     * are. The longest matching prefix wins.
     */
    public Builder route(String prefix, Route route) {
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(route, "route");
      if (!prefix.isEmpty() && !ServeSettings.isRepositoryName(prefix)) {
        throw new IllegalArgumentException("route prefix \"" + prefix
            + "\" is not a repository path (lowercase components separated by /)");
      }
      if (charts.containsKey(prefix) || routes.putIfAbsent(prefix, route) != null) {
        throw new IllegalArgumentException("route prefix \"" + prefix + "\" is given twice");
      }
      return this;
    }

    /** Serves {@code lookup} under {@code prefix}; such a route cannot be listed in the catalog. */
    public Builder lookup(String prefix, Function<String, Optional<Repository>> lookup) {
      Objects.requireNonNull(lookup, "lookup");
      Route route = lookup::apply;
      return route(prefix, route);
    }

    /** Serves one repository as {@code name}. */
    public Builder repository(String name, Repository repository) {
      Objects.requireNonNull(repository, "repository");
      return route(name, new Route() {
        @Override
        public Optional<Repository> repository(String rest) {
          return rest.isEmpty() ? Optional.of(repository) : Optional.empty();
        }

        @Override
        public Optional<List<String>> names() {
          return Optional.of(List.of(""));
        }
      });
    }

    /** Serves every repository of a bundle under {@code prefix} (empty: by their own names), listed in the catalog. */
    public Builder bundle(String prefix, OciLayout.Bundle bundle) {
      Objects.requireNonNull(bundle, "bundle");
      return route(prefix, new Route() {
        @Override
        public Optional<Repository> repository(String name) throws IOException {
          return bundle.repositories().contains(name) ? Optional.of(bundle.repository(name)) : Optional.empty();
        }

        @Override
        public Optional<List<String>> names() throws IOException {
          return Optional.of(bundle.repositories());
        }
      });
    }

    /**
     * Serves the charts of a classic Helm repository under {@code alias}: {@code <alias>/<chart>},
     * tagged by version ({@code +} as {@code _}), listed in the catalog. The repository is not
     * closed by the server.
     */
    public Builder helm(String alias, HelmRepository repository) {
      Objects.requireNonNull(alias, "alias");
      if (alias.isEmpty()) {
        throw new IllegalArgumentException("a chart repository alias must not be empty");
      }
      return chartRoute(alias, Objects.requireNonNull(repository, "repository"));
    }

    /**
     * Serves classic Helm repositories on the proxy's allow-list under {@code prefix} (empty: at the
     * top): {@code <prefix>/<host>/<path>/<chart>} is chart {@code chart} of
     * {@code https://<host>/<path>}. Longer prefixes of other routes win.
     */
    public Builder chartProxy(String prefix, ChartProxy proxy) {
      return chartRoute(prefix, Objects.requireNonNull(proxy, "proxy"));
    }

    private Builder chartRoute(String prefix, Object source) {
      Objects.requireNonNull(prefix, "prefix");
      if (!prefix.isEmpty() && !ServeSettings.isRepositoryName(prefix)) {
        throw new IllegalArgumentException("chart route prefix \"" + prefix
            + "\" is not a repository path (lowercase components separated by /)");
      }
      if (routes.containsKey(prefix) || charts.putIfAbsent(prefix, source) != null) {
        throw new IllegalArgumentException("route prefix \"" + prefix + "\" is given twice");
      }
      return this;
    }

    /**
     * How long a chart repository's {@code index.yaml} is used before it is asked for again, with
     * {@code If-None-Match}/{@code If-Modified-Since} (default 5 minutes).
     */
    public Builder chartIndexTtl(Duration ttl) {
      this.chartIndexTtl = positive(ttl, "chartIndexTtl");
      return this;
    }

    /**
     * At most this many reads from chart repositories at once, across all chart routes (default 8);
     * more wait up to 30 s, then fail.
     */
    public Builder maxUpstreamFetches(int max) {
      this.maxUpstreamFetches = positive(max, "maxUpstreamFetches");
      return this;
    }

    /**
     * Requires HTTP basic credentials listed in an htpasswd file: bcrypt lines ({@code htpasswd -B},
     * the file distribution uses) or {@code {SHA}} lines ({@code htpasswd -s}). The file is read now.
     *
     * @throws IllegalArgumentException if the file cannot be read or holds an entry of an unsupported scheme
     */
    public Builder htpasswd(Path file) {
      this.auth = Optional.of(ClientAuth.htpasswd(Objects.requireNonNull(file, "file")));
      return this;
    }

    /** Requires {@code Authorization: Bearer <token>}. The token never appears in logs or messages. */
    public Builder bearerToken(String token) {
      this.auth = Optional.of(ClientAuth.bearer(Objects.requireNonNull(token, "token")));
      return this;
    }

    /** Serves HTTPS with a PEM certificate chain and a PEM (PKCS#8) private key, read when the server starts. */
    public Builder tls(Path certificateChain, Path privateKey) {
      this.tls = Optional.of(new ServeSettings.Tls(Objects.requireNonNull(certificateChain, "certificateChain"),
          Objects.requireNonNull(privateKey, "privateKey")));
      return this;
    }

    /** At most this many manifests and blobs read from the endpoints at once (default 64); more wait briefly, then get 429. */
    public Builder maxConcurrentOpens(int max) {
      this.maxConcurrentOpens = positive(max, "maxConcurrentOpens");
      return this;
    }

    /** At most this many server threads (default 200). */
    public Builder maxThreads(int max) {
      if (max < 8) {
        throw new IllegalArgumentException("maxThreads must be at least 8, got " + max);
      }
      this.maxThreads = max;
      return this;
    }

    /** The largest request line plus headers accepted (default 16 KiB); larger requests get 431. */
    public Builder maxHeaderBytes(int max) {
      this.maxHeaderBytes = positive(max, "maxHeaderBytes");
      return this;
    }

    /** A connection with no traffic for this long is closed (default 30 s). */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /** How long {@link OciServer#close()} lets requests in flight finish (default 10 s). */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = positive(timeout, "stopTimeout");
      return this;
    }

    /** Adds an access-log listener. */
    public Builder accessListener(AccessListener listener) {
      accessListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * The server, not yet started.
     *
     * @throws IllegalStateException if no route was given
     */
    public OciServer build() {
      if (routes.isEmpty() && charts.isEmpty()) {
        throw new IllegalStateException("an OciServer needs at least one route, repository, bundle or chart route");
      }
      Map<String, Route> all = new HashMap<>(routes);
      List<ChartRoutes.Proxy> proxies = new ArrayList<>();
      ChartRoutes.Limits limits = new ChartRoutes.Limits(chartIndexTtl, new Semaphore(maxUpstreamFetches),
          UPSTREAM_WAIT);
      charts.forEach((prefix, source) -> {
        if (source instanceof HelmRepository repository) {
          all.put(prefix, ChartRoutes.alias(repository, limits));
        } else {
          ChartRoutes.Proxy proxy = ChartRoutes.proxy(((ChartProxy) source).settings, limits);
          proxies.add(proxy);
          all.put(prefix, proxy);
        }
      });
      return new OciServer(new ServeSettings(host, port, Map.copyOf(all), auth, tls, maxConcurrentOpens, OPEN_WAIT,
          maxThreads, maxHeaderBytes, idleTimeout, stopTimeout, List.copyOf(accessListeners)), List.copyOf(proxies));
    }

    private static int positive(int value, String what) {
      return (int) positive((long) value, what);
    }

    private static long positive(long value, String what) {
      if (value <= 0) {
        throw new IllegalArgumentException(what + " must be positive, got " + value);
      }
      return value;
    }

    private static Duration positive(Duration value, String what) {
      Objects.requireNonNull(value, what);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + value);
      }
      return value;
    }
  }

  /**
   * Which classic Helm repositories {@link Builder#chartProxy} may fetch from, and how. Nothing is
   * allowed until hosts are given; {@code *} must be given explicitly. Before a repository is first
   * used (and at each index refresh) its host name is resolved and refused if any address is
   * loopback, private, link-local or otherwise not public, unless {@link Builder#allowNonPublicAddresses};
   * and every connection its repositories open (redirects included) is checked the same way on
   * the addresses resolved at connect time ({@link HelmRepository.Builder#refuseNonPublicAddresses}),
   * so neither a redirect nor a DNS answer that changed since reaches inside.
   * At most {@link Builder#maxRepositories} repositories are kept, the least recently used closed
   * first.
   *
   * <pre>{@code
   * OciServer.ChartProxy proxy = OciServer.ChartProxy.builder()
   *     .allowHost("charts.jetstack.io").allowHost("*.bitnami.com").build();
   * }</pre>
   */
  public static final class ChartProxy {
    private final ChartRoutes.ProxySettings settings;

    private ChartProxy(ChartRoutes.ProxySettings settings) {
      this.settings = settings;
    }

    /** A builder with an empty allow-list. */
    public static Builder builder() {
      return new Builder();
    }

    @Override
    public String toString() {
      return "ChartProxy{hosts=" + settings.hosts().keySet() + ", suffixes=" + settings.suffixes()
          + (settings.anyHost() ? ", any host" : "") + "}";
    }

    /** Builds a {@link ChartProxy}. Settings are checked when they are given. */
    public static final class Builder {
      private final Map<String, Optional<Integer>> hosts = new LinkedHashMap<>();
      private final List<String> suffixes = new ArrayList<>();
      private boolean anyHost;
      private boolean allowNonPublic;
      private boolean plainHttp;
      private int maxRepositories = 64;
      private CredentialProvider credentials = CredentialProvider.anonymous();
      private long maxIndexBytes = HelmRepository.DEFAULT_MAX_INDEX_BYTES;
      private long maxArchiveBytes = HelmRepository.DEFAULT_MAX_ARCHIVE_BYTES;
      private Duration connectTimeout = Duration.ofSeconds(10);
      private Duration readTimeout = Duration.ofSeconds(60);
      private Optional<Path> cacheDirectory = Optional.empty();
      private long cacheBytes;

      private Builder() {}

      /**
       * Allows a host: a name ({@code charts.jetstack.io}), a name with the port to use for it
       * ({@code charts.internal:8443}; a port cannot be spelled in an OCI repository name),
       * {@code *.example.com} for every name ending in {@code .example.com}, or {@code *} for all.
       */
      public Builder allowHost(String host) {
        Objects.requireNonNull(host, "host");
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.equals("*")) {
          anyHost = true;
          return this;
        }
        if (h.startsWith("*.") && ServeSettings.isRepositoryName(h.substring(2)) && !h.substring(2).contains("/")) {
          suffixes.add(h.substring(1));
          return this;
        }
        Optional<Integer> port = Optional.empty();
        int colon = h.lastIndexOf(':');
        if (colon > 0) {
          try {
            port = Optional.of(Integer.parseInt(h.substring(colon + 1)));
          } catch (NumberFormatException e) {
            port = Optional.of(-1);
          }
          h = h.substring(0, colon);
          if (port.get() < 1 || port.get() > 65535) {
            throw new IllegalArgumentException("allowed host \"" + host + "\": the port is not in 1..65535");
          }
        }
        if (!ServeSettings.isRepositoryName(h) || h.contains("/")) {
          throw new IllegalArgumentException("allowed host \"" + host
              + "\" is not a host name as it appears in a repository name (lowercase, no /), *.suffix or *");
        }
        hosts.put(h, port);
        return this;
      }

      /**
       * Fetch from hosts resolving to loopback, private or link-local addresses, at first use and at
       * connect time; off by default.
       */
      public Builder allowNonPublicAddresses(boolean allow) {
        this.allowNonPublic = allow;
        return this;
      }

      /** Fetch over plain {@code http://} instead of {@code https://}: only for repositories you control; off by default. */
      public Builder plainHttp(boolean plain) {
        this.plainHttp = plain;
        return this;
      }

      /** At most this many repositories kept at once (default 64); the least recently used is closed. */
      public Builder maxRepositories(int max) {
        this.maxRepositories = OciServer.Builder.positive(max, "maxRepositories");
        return this;
      }

      /** Upstream credentials, looked up by each repository's {@code host[:port]}; anonymous by default. */
      public Builder credentials(CredentialProvider provider) {
        this.credentials = Objects.requireNonNull(provider, "provider");
        return this;
      }

      /** Largest {@code index.yaml} accepted (default {@link HelmRepository#DEFAULT_MAX_INDEX_BYTES}). */
      public Builder maxIndexBytes(long bytes) {
        this.maxIndexBytes = OciServer.Builder.positive(bytes, "maxIndexBytes");
        return this;
      }

      /** Largest chart archive accepted (default {@link HelmRepository#DEFAULT_MAX_ARCHIVE_BYTES}). */
      public Builder maxArchiveBytes(long bytes) {
        this.maxArchiveBytes = OciServer.Builder.positive(bytes, "maxArchiveBytes");
        return this;
      }

      /** Connect timeout (default 10 s) and read timeout (default 60 s) of upstream requests. */
      public Builder timeouts(Duration connect, Duration read) {
        this.connectTimeout = OciServer.Builder.positive(connect, "connect timeout");
        this.readTimeout = OciServer.Builder.positive(read, "read timeout");
        return this;
      }

      /**
       * Keeps verified chart archives of every repository the proxy builds in {@code directory},
       * at most {@code maxBytes} in all: see {@link HelmRepository.Builder#archiveCache}.
       */
      public Builder archiveCache(Path directory, long maxBytes) {
        this.cacheDirectory = Optional.of(Objects.requireNonNull(directory, "directory"));
        this.cacheBytes = OciServer.Builder.positive(maxBytes, "archive cache bytes");
        return this;
      }

      /** The proxy settings; an empty allow-list is allowed and serves nothing. */
      public ChartProxy build() {
        CredentialProvider creds = credentials;
        long index = maxIndexBytes;
        long archive = maxArchiveBytes;
        Duration connect = connectTimeout;
        Duration read = readTimeout;
        boolean refuse = !allowNonPublic;
        Optional<Path> cache = cacheDirectory;
        long cacheLimit = cacheBytes;
        Function<String, HelmRepository> repository = url -> {
          HelmRepository.Builder b = HelmRepository.builder(url).credentials(creds).refuseNonPublicAddresses(refuse)
              .maxIndexBytes(index).maxArchiveBytes(archive).connectTimeout(connect).readTimeout(read);
          cache.ifPresent(dir -> b.archiveCache(dir, cacheLimit));
          return b.build();
        };
        return new ChartProxy(new ChartRoutes.ProxySettings(Map.copyOf(hosts), List.copyOf(suffixes), anyHost,
            allowNonPublic, plainHttp, maxRepositories, repository));
      }
    }
  }
}
