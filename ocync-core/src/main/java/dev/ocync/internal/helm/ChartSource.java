package dev.ocync.internal.helm;

import dev.ocync.internal.helm.ChartTransport.Fetched;
import dev.ocync.internal.helm.ChartTransport.Validators;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One classic chart repository: its index (fetched once, revalidated on {@link #refresh}), and
 * the chart versions loaded so far, each verified before it is presented (status, digest,
 * archive rules, name and version) and turned into the artifact {@code helm push} would write.
 * Shared by the per-chart {@link ChartRepository} views it hands out.
 */
public final class ChartSource implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(ChartSource.class);

  /**
   * A verified chart version: its artifact (small: manifest and config) and the digests of the
   * archive and provenance file, whose bytes live in the bounded {@link BlobMemory} and, when
   * configured, the {@link ArchiveCache}.
   */
  record Loaded(ChartIndex.Entry entry, HelmArtifact artifact, Digest chart, Optional<Digest> prov,
      boolean verified) {}

  /** What one verification read: the version and its bytes. */
  private record Verified(Loaded loaded, byte[] chart, Optional<byte[]> prov) {}

  private final HelmSettings settings;
  private final ChartTransport transport;
  private final Object indexLock = new Object();
  private ChartIndex index;
  private Validators validators = Validators.NONE;
  private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
  /** Which loaded version (by key) a chart, provenance or config digest belongs to. */
  private final Map<Digest, String> owners = new ConcurrentHashMap<>();
  private final BlobMemory memory;
  private final Optional<ArchiveCache> disk;
  /** One lock per chart version, so a version is downloaded once however many threads ask. */
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  public ChartSource(HelmSettings settings) {
    this(settings, new HttpChartTransport(settings));
  }

  ChartSource(HelmSettings settings, ChartTransport transport) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.memory = new BlobMemory(settings.maxMemoryBytes());
    this.disk = settings.archiveCache().map(c -> new ArchiveCache(c.directory(), c.maxBytes()));
  }

  /** The classic repository behind {@code repository}, if it is a chart of one. */
  public static Optional<ChartSource> of(Repository repository) {
    return repository instanceof ChartRepository c ? Optional.of(c.source()) : Optional.empty();
  }

  /** The read-only repository of chart {@code chart}. No request is made yet. */
  public Repository repository(String chart) {
    return new ChartRepository(this, chart);
  }

  HelmSettings settings() {
    return settings;
  }

  /** Warnings so far: skipped index entries, versions served without a digest check. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** The chart names the index lists. */
  public List<String> charts() throws IOException {
    return List.copyOf(index().entries().keySet());
  }

  /** The index, fetched on first use. */
  ChartIndex index() throws IOException {
    synchronized (indexLock) {
      if (index == null) {
        load(Validators.NONE);
      }
      return index;
    }
  }

  /** Asks the repository again, conditionally on the validators it sent; a 304 keeps what is known. */
  public void refresh() throws IOException {
    synchronized (indexLock) {
      if (index == null) {
        load(Validators.NONE);
      } else if (load(validators)) {
        loaded.clear();
        owners.clear();
        memory.clear();
      }
    }
  }

  /** Fetches index.yaml; true if it changed. */
  private boolean load(Validators conditional) throws IOException {
    URI uri = resolve("index.yaml");
    Context ctx = Context.of(settings.shown());
    Fetched f = transport.get(uri, conditional, settings.maxIndexBytes(), "index.yaml of " + settings.shown(), ctx,
        true);
    if (f.notModified()) {
      return false;
    }
    ChartIndex parsed;
    try {
      parsed = ChartIndex.parse(f.body(), "index.yaml of " + settings.shown());
    } catch (IllegalArgumentException e) {
      throw new RegistryException(e.getMessage(), ctx, e);
    }
    for (String w : parsed.warnings()) {
      log.warn("{}: {}", settings.shown(), w);
      warnings.add(w);
    }
    index = parsed;
    validators = f.validators();
    return true;
  }

  /** The versions of {@code chart}, in index order, the first of any duplicate kept. */
  List<ChartIndex.Entry> versions(String chart) throws IOException {
    return index().entries().getOrDefault(chart, List.of());
  }

  /** The OCI tag of a chart version: {@code +} becomes {@code _}, as {@code helm push} does. */
  static String tag(String version) {
    return version.replace('+', '_');
  }

  Optional<ChartIndex.Entry> entry(String chart, String tag) throws IOException {
    for (ChartIndex.Entry e : versions(chart)) {
      if (tag(e.version()).equals(tag)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static String key(ChartIndex.Entry entry) {
    return entry.name() + "\u0000" + entry.version();
  }

  /** The verified version {@code entry}, loaded and checked once. */
  Loaded load(ChartIndex.Entry entry) throws IOException {
    String key = key(entry);
    Loaded l = loaded.get(key);
    if (l != null) {
      return l;
    }
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      l = loaded.get(key);
      if (l == null) {
        Verified v = verify(entry);
        l = v.loaded();
        loaded.put(key, l);
        owners.put(l.artifact().configDescriptor().digest(), key);
        owners.put(l.chart(), key);
        l.prov().ifPresent(p -> owners.put(p, key));
        hold(v);
        if (!l.verified()) {
          String w = "chart " + entry.name() + " version " + entry.version()
              + " has no digest in index.yaml; its archive is served unverified";
          log.warn("{}: {}", settings.shown(), w);
          warnings.add(w);
        }
      }
      return l;
    }
  }

  private void hold(Verified v) {
    memory.put(v.loaded().chart(), v.chart());
    v.prov().ifPresent(p -> memory.put(v.loaded().prov().orElseThrow(), p));
  }

  /** A version of {@code chart} already loaded whose manifest has digest {@code manifest}. */
  Optional<Loaded> loaded(String chart, Digest manifest) {
    return loaded.values().stream()
        .filter(l -> l.entry().name().equals(chart) && l.artifact().manifest().digest().equals(manifest))
        .findFirst();
  }

  /**
   * The bytes of a blob of a loaded version: the config from its artifact; the archive or
   * provenance file from memory, else read and verified again (from the disk cache when it has
   * them). Empty if no loaded version has it.
   */
  Optional<byte[]> blob(Digest digest) throws IOException {
    Optional<byte[]> held = memory.get(digest);
    if (held.isPresent()) {
      return held;
    }
    String key = owners.get(digest);
    Loaded l = key == null ? null : loaded.get(key);
    if (l == null) {
      return Optional.empty();
    }
    if (l.artifact().configDescriptor().digest().equals(digest)) {
      return Optional.of(l.artifact().config());
    }
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      held = memory.get(digest);
      if (held.isPresent()) {
        return held;
      }
      Verified v = verify(l.entry());
      hold(v);
      if (v.loaded().chart().equals(digest)) {
        return Optional.of(v.chart());
      }
      return v.prov().filter(p -> v.loaded().prov().orElseThrow().equals(digest));
    }
  }

  /** Bytes of archives and provenance files held in memory now (for tests of the bound). */
  long heldBytes() {
    return memory.size();
  }

  private Verified verify(ChartIndex.Entry e) throws IOException {
    String what = "chart " + e.name() + " version " + e.version();
    Context ctx = Context.of(settings.shown()).repository(e.name()).reference(tag(e.version()));
    Optional<Digest> expected = Optional.empty();
    if (e.digest().isPresent()) {
      String d = e.digest().get();
      String hex = d.startsWith("sha256:") ? d.substring(7) : d;
      try {
        expected = Optional.of(Digest.parse("sha256:" + hex.toLowerCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException ex) {
        throw new RegistryException(what + ": index.yaml has an invalid digest \"" + d + "\"", ctx, ex);
      }
    } else if (!settings.allowMissingDigest()) {
      throw new RegistryException(what + ": index.yaml gives no digest, so the archive cannot be verified"
          + " (allow entries without a digest to mirror it unverified)", ctx);
    }
    URI url;
    try {
      url = resolve(e.urls().get(0));
    } catch (IllegalArgumentException ex) {
      // the reason only: the URL itself may carry a token in its query
      String reason = ex.getCause() instanceof URISyntaxException u ? u.getReason() + " at index " + u.getIndex()
          : "not a URL";
      throw new RegistryException(what + ": invalid chart URL in index.yaml: " + reason, ctx);
    }
    if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
        || url.getHost() == null) {
      throw new RegistryException(what + ": the chart URL in index.yaml is not an http(s) URL with a host ("
          + url.getScheme() + ":)", ctx);
    }
    Optional<byte[]> cached = expected.isEmpty() || disk.isEmpty() ? Optional.empty()
        : disk.get().read(expected.get(), settings.maxArchiveBytes());
    byte[] tgz;
    if (cached.isPresent()) {
      tgz = cached.get();
    } else {
      try {
        tgz = transport.get(url, Validators.NONE, settings.maxArchiveBytes(), what, ctx, false).body();
      } catch (NotFoundException ex) {
        throw new NotFoundException(what + ": the chart archive is missing: " + ex.reason(), ctx.status(404), ex);
      }
    }
    Digest actual = Digest.sha256(tgz);
    if (expected.isPresent() && !expected.get().equals(actual)) {
      throw new DigestMismatchException(what + ": the archive at " + HttpChartTransport.shown(url) + " has digest "
          + actual + " but index.yaml says " + expected.get(), ctx, expected.get(), actual);
    }
    ChartMetadata meta;
    try {
      ChartArchive archive = ChartArchive.read(tgz, ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE);
      meta = ChartTools.metadata(archive);
      if (!archive.topFolder.equals(meta.name)) {
        throw new IllegalArgumentException("the chart folder \"" + archive.topFolder
            + "\" is not named after the chart \"" + meta.name + "\"");
      }
    } catch (IllegalArgumentException ex) {
      throw new RegistryException(what + ": the archive is refused: " + ex.getMessage(), ctx, ex);
    }
    if (!meta.name.equals(e.name()) || !meta.version.equals(e.version())) {
      throw new RegistryException(what + ": Chart.yaml in the archive says " + meta.name + " version "
          + meta.version + ", not what index.yaml lists", ctx);
    }
    Optional<byte[]> prov = provenance(url, what, ctx);
    Descriptor chart = Descriptor.of(MediaType.HELM_CHART, actual, tgz.length);
    Optional<Descriptor> provDescriptor =
        prov.map(p -> Descriptor.of(MediaType.HELM_PROVENANCE, Digest.sha256(p), p.length));
    Instant created = e.created().orElse(HelmArtifact.FALLBACK_CREATED);
    HelmArtifact artifact = HelmArtifact.of(meta, chart, provDescriptor, created);
    if (cached.isEmpty() && expected.isPresent()) {
      disk.ifPresent(d -> d.write(actual, tgz)); // only what matched the index digest and passed the archive rules
    }
    return new Verified(new Loaded(e, artifact, actual, provDescriptor.map(Descriptor::digest), expected.isPresent()),
        tgz, prov);
  }

  /** {@code <chart URL>.prov} when the repository has one; a 404 means it has none. */
  private Optional<byte[]> provenance(URI chartUrl, String what, Context ctx) throws IOException {
    URI prov;
    try {
      prov = new URI(chartUrl.getScheme(), chartUrl.getRawAuthority(), null, null, null);
      prov = URI.create(prov + chartUrl.getRawPath() + ".prov"
          + (chartUrl.getRawQuery() == null ? "" : "?" + chartUrl.getRawQuery()));
    } catch (URISyntaxException ex) {
      throw new RegistryException(what + ": cannot form the provenance URL", ctx, ex);
    }
    try {
      return Optional.of(transport.get(prov, Validators.NONE, settings.maxIndexBytes(), what + " provenance", ctx, true)
          .body());
    } catch (NotFoundException ex) {
      return Optional.empty();
    }
  }

  /**
   * A URL from the index resolved as Helm's {@code ResolveReferenceURL} does: absolute URLs as
   * given; relative ones by RFC 3986 against the repository URL with a trailing slash, with the
   * repository URL's query string.
   */
  URI resolve(String ref) {
    URI r = URI.create(ref.trim());
    if (r.isAbsolute()) {
      return r;
    }
    URI base = settings.url();
    String path = Optional.ofNullable(base.getRawPath()).orElse("");
    path = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/";
    URI withSlash = URI.create(base.getScheme() + "://" + base.getRawAuthority() + path);
    URI resolved = withSlash.resolve(r);
    String s = resolved.getScheme() + "://" + resolved.getRawAuthority() + resolved.getRawPath();
    return URI.create(base.getRawQuery() == null ? s : s + "?" + base.getRawQuery());
  }

  List<String> tags(String chart) throws IOException {
    List<String> tags = new ArrayList<>();
    for (ChartIndex.Entry e : versions(chart)) {
      String t = tag(e.version());
      if (!tags.contains(t)) {
        tags.add(t);
      }
    }
    return tags;
  }

  @Override
  public void close() {
    transport.close();
  }
}
