package dev.ocync.internal.serve;

import dev.ocync.HelmRepository;
import dev.ocync.OciServer;
import dev.ocync.internal.http.Loopback;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.Repository;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart routes of {@link OciServer}: a configured {@link HelmRepository} under an alias, and
 * the dynamic form {@code <host>/<path>/<chart>} for hosts on an allow-list. Both refresh
 * {@code index.yaml} (conditionally) once it is older than the TTL, and let at most a fixed number
 * of upstream fetches run at once.
 */
public final class ChartRoutes {
  private static final Logger log = LoggerFactory.getLogger(ChartRoutes.class);
  /** How long a failure to read a repository's index is answered without asking again. */
  static final Duration ERROR_TTL = Duration.ofSeconds(30);

  private ChartRoutes() {}

  /**
   * What {@code OciServer.ChartProxy} collected.
   *
   * @param hosts allowed host names (lowercase) to the port to use for them, empty for the scheme's default
   * @param suffixes allowed name suffixes such as {@code .example.com} (from {@code *.example.com})
   * @param anyHost whether {@code *} was given
   * @param repository builds the repository for a URL, with the proxy's limits and credentials
   */
  public record ProxySettings(Map<String, Optional<Integer>> hosts, List<String> suffixes, boolean anyHost,
      boolean allowNonPublic, boolean plainHttp, int maxRepositories, Function<String, HelmRepository> repository) {}

  /** The route over one configured repository: its charts by name. */
  public static OciServer.Route alias(HelmRepository charts, Limits limits) {
    Upstream upstream = new Upstream(charts, limits, Optional.empty());
    return new OciServer.Route() {
      @Override
      public Optional<Repository> repository(String name) throws IOException {
        return upstream.chart(name);
      }

      @Override
      public Optional<List<String>> names() throws IOException {
        return Optional.of(upstream.listed());
      }
    };
  }

  /** The dynamic route; close it to close the repositories it built. */
  public static Proxy proxy(ProxySettings settings, Limits limits) {
    return new Proxy(settings, limits);
  }

  /**
   * What all chart routes of one server share.
   *
   * @param indexTtl how long an {@code index.yaml} is used before it is asked for again
   * @param fetches the upstream fetches allowed at once, across all chart routes
   * @param fetchWait how long a request waits for one before it fails
   */
  public record Limits(Duration indexTtl, Semaphore fetches, Duration fetchWait) {}

  /** {@code <host>/<path>/<chart>} to chart {@code chart} of {@code https://<host>/<path>}, built once, kept in an LRU. */
  public static final class Proxy implements OciServer.Route, Closeable {
    private final ProxySettings settings;
    private final Limits limits;
    private final Map<String, Upstream> upstreams;

    private Proxy(ProxySettings settings, Limits limits) {
      this.settings = settings;
      this.limits = limits;
      this.upstreams = new LinkedHashMap<>(16, 0.75f, true);
    }

    @Override
    public Optional<Repository> repository(String name) throws IOException {
      int first = name.indexOf('/');
      int last = name.lastIndexOf('/');
      if (first < 0) {
        return Optional.empty();
      }
      String host = name.substring(0, first);
      Optional<Optional<Integer>> port = allowed(host);
      if (port.isEmpty()) {
        log.debug("chart proxy: host {} is not on the allow-list; refused", host); // client-chosen: not a warning
        return Optional.empty();
      }
      String path = first == last ? "" : name.substring(first, last);
      String url = (settings.plainHttp() ? "http://" : "https://") + host
          + port.get().map(p -> ":" + p).orElse("") + path;
      Optional<Upstream> upstream = upstream(url, host);
      return upstream.isEmpty() ? Optional.empty() : upstream.get().chart(name.substring(last + 1));
    }

    /** The port to use if {@code host} is allowed (empty inside: the scheme's default); empty if not. */
    private Optional<Optional<Integer>> allowed(String host) {
      Optional<Integer> port = settings.hosts().get(host);
      if (port != null) {
        return Optional.of(port);
      }
      if (settings.anyHost() || settings.suffixes().stream().anyMatch(host::endsWith)) {
        return Optional.of(Optional.empty());
      }
      return Optional.empty();
    }

    private Optional<Upstream> upstream(String url, String host) throws IOException {
      synchronized (upstreams) {
        Upstream u = upstreams.get(url);
        if (u != null) {
          return Optional.of(u);
        }
      }
      // resolved once per repository built (and again at each refresh), not per request
      Optional<String> refusal = addressRefusal(host, settings.allowNonPublic());
      if (refusal.isPresent()) {
        log.warn("chart proxy: {}; refused", refusal.get());
        return Optional.empty();
      }
      List<Upstream> evicted = new ArrayList<>();
      Upstream u;
      synchronized (upstreams) {
        u = upstreams.get(url);
        if (u == null) {
          u = new Upstream(settings.repository().apply(url), limits,
              Optional.of(() -> addressRefusal(host, settings.allowNonPublic())));
          upstreams.put(url, u);
          var it = upstreams.values().iterator();
          while (upstreams.size() > settings.maxRepositories() && it.hasNext()) {
            evicted.add(it.next());
            it.remove();
          }
        }
      }
      evicted.forEach(e -> e.charts.close());
      return Optional.of(u);
    }

    /** How many repositories are kept now (for tests of the bound). */
    public int kept() {
      synchronized (upstreams) {
        return upstreams.size();
      }
    }

    @Override
    public void close() {
      List<Upstream> all;
      synchronized (upstreams) {
        all = new ArrayList<>(upstreams.values());
        upstreams.clear();
      }
      all.forEach(u -> u.charts.close());
    }
  }

  /**
   * Why {@code host} must not be fetched from, if it must not: any of its resolved addresses is
   * loopback, private, link-local or otherwise not public and that is not allowed.
   */
  static Optional<String> addressRefusal(String host, boolean allowNonPublic) throws IOException {
    if (allowNonPublic) {
      return Optional.empty();
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new RegistryException("chart repository host " + host + " does not resolve", Context.of(host), e);
    }
    for (InetAddress a : addresses) {
      if (Loopback.isNonPublic(a)) {
        return Optional.of("chart repository host " + host + " resolves to the non-public address "
            + a.getHostAddress());
      }
    }
    return Optional.empty();
  }

  /** All upstream fetches are taken; the server answers 429 with {@code Retry-After}. */
  public static final class Busy extends RegistryException {
    private static final long serialVersionUID = 1L;

    Busy(String url) {
      super("too many chart repository fetches at once; try again", Context.of(url));
    }
  }

  /** Something that reads from the upstream repository. */
  @FunctionalInterface
  private interface Fetch<T> {
    T get() throws IOException;
  }


  /** One upstream repository with its index age and the shared fetch limit. */
  private static final class Upstream {
    final HelmRepository charts;
    private final Limits limits;
    private final Optional<Fetch<Optional<String>>> hostCheck;
    private final Object refreshLock = new Object();
    private long fetchedAt = System.nanoTime();
    private Optional<String> failure = Optional.empty();
    private long failedAt;

    Upstream(HelmRepository charts, Limits limits, Optional<Fetch<Optional<String>>> hostCheck) {
      this.charts = charts;
      this.limits = limits;
      this.hostCheck = hostCheck;
    }

    Optional<Repository> chart(String chart) throws IOException {
      if (chart.isEmpty() || chart.contains("/")) {
        return Optional.empty();
      }
      fresh();
      return listed().contains(chart) ? Optional.of(new Limited(charts.repository(chart), this)) : Optional.empty();
    }

    /**
     * The charts of the index. A repository without one (404) lists nothing; another failure is
     * remembered for {@link #ERROR_TTL}, so a failing upstream is not asked on every request.
     */
    List<String> listed() throws IOException {
      synchronized (refreshLock) {
        if (failure.isPresent() && System.nanoTime() - failedAt < ERROR_TTL.toNanos()) {
          throw new RegistryException(failure.get() + " (remembered for " + ERROR_TTL.toSeconds() + " s)",
              Context.of(charts.url()));
        }
      }
      try {
        List<String> names = limited(charts::charts);
        synchronized (refreshLock) {
          failure = Optional.empty();
        }
        return names;
      } catch (NotFoundException e) {
        return List.of();
      } catch (IOException e) {
        synchronized (refreshLock) {
          failure = Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
          failedAt = System.nanoTime();
        }
        throw e;
      }
    }

    /** Refreshes the index once it is older than the TTL; a failed refresh keeps what is known until the next TTL. */
    void fresh() throws IOException {
      synchronized (refreshLock) {
        if (System.nanoTime() - fetchedAt < limits.indexTtl().toNanos()) {
          return;
        }
        fetchedAt = System.nanoTime();
      }
      if (hostCheck.isPresent()) {
        Optional<String> refusal = hostCheck.get().get();
        if (refusal.isPresent()) {
          throw new RegistryException(refusal.get(), Context.of(charts.url()));
        }
      }
      try {
        limited(() -> {
          charts.refresh();
          return null;
        });
      } catch (IOException e) {
        log.warn("chart proxy: refreshing index.yaml of {} failed, serving what is known: {}", charts.url(),
            e.getMessage());
      }
    }

    <T> T limited(Fetch<T> fetch) throws IOException {
      try {
        if (!limits.fetches().tryAcquire(limits.fetchWait().toMillis(), TimeUnit.MILLISECONDS)) {
          throw new Busy(charts.url());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting to fetch from " + charts.url(), e);
      }
      try {
        return fetch.get();
      } finally {
        limits.fetches().release();
      }
    }
  }

  /** A chart repository whose reads take one of the upstream fetch permits. */
  private static final class Limited implements Repository {
    private final Repository chart;
    private final Upstream upstream;

    Limited(Repository chart, Upstream upstream) {
      this.chart = chart;
      this.upstream = upstream;
    }

    @Override
    public String location() {
      return chart.location();
    }

    @Override
    public Optional<Descriptor> resolve(String reference) throws IOException {
      return upstream.limited(() -> chart.resolve(reference));
    }

    @Override
    public Manifest fetchManifest(String reference) throws IOException {
      return upstream.limited(() -> chart.fetchManifest(reference));
    }

    @Override
    public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
      chart.pushManifest(manifest, tag);
    }

    @Override
    public boolean hasBlob(Descriptor blob) throws IOException {
      return upstream.limited(() -> chart.hasBlob(blob));
    }

    @Override
    public InputStream openBlob(Descriptor blob) throws IOException {
      return upstream.limited(() -> chart.openBlob(blob));
    }

    @Override
    public void pushBlob(Descriptor blob, InputStream content) throws IOException {
      chart.pushBlob(blob, content);
    }

    @Override
    public List<String> listTags() throws IOException {
      return upstream.limited(chart::listTags);
    }

    @Override
    public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
      return upstream.limited(() -> chart.listReferrers(subject, artifactType));
    }

    @Override
    public boolean readOnly() {
      return true;
    }

    @Override
    public String toString() {
      return chart.toString();
    }
  }
}
