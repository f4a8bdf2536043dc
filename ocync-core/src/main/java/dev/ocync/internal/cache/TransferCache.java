package dev.ocync.internal.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent transfer cache: what earlier runs learned, so that a warm run can skip requests.
 * It is a hint and never trusted over a registry's answer: the engine invalidates an image's
 * entries when a target refuses a manifest for a missing blob, and retries without the cache.
 *
 * <p>It remembers two things:
 *
 * <ul>
 *   <li><b>blob presence</b>: (target registry, repository, blob digest) was present after a HEAD,
 *       an upload or a mount;
 *   <li><b>tag snapshots</b>: (source registry, repository, tag, platform-filter key) resolved to a
 *       source manifest digest, and the digest ocync wrote for it (different only where a platform
 *       filter wrote a new index); with a target repository, that the tag was there after ocync
 *       wrote or checked it ({@code targetRepository} is left out of the file when empty).
 * </ul>
 *
 * <p>Registries are named by {@code host[:port]} only; a name with user information is refused, so
 * no secret can reach the file. Repositories, tags and digests are the only other strings stored.
 *
 * <p><b>File.</b> {@value #FILE_NAME} in the cache directory, UTF-8 JSON, one object:
 *
 * <pre>{@code
 * {"format":"ocync-transfer-cache","version":1,"writtenAt":1764583200,
 *  "blobs":[{"registry":"mirror:5000","repository":"library/nginx","digest":"sha256:…","at":1764583100}],
 *  "tags":[{"registry":"docker.io","repository":"library/nginx","tag":"1.27","platforms":"linux/amd64",
 *           "targetRepository":"mirror:5000/library/nginx",
 *           "source":"sha256:…","target":"sha256:…","at":1764583100}]}
 * }</pre>
 *
 * {@code writtenAt} and {@code at} are Unix seconds; {@code at} is when the entry was last learned
 * or confirmed. Entries are written oldest first. Readers ignore unknown fields; a file whose
 * {@code format} is not {@code ocync-transfer-cache} (foreign), whose {@code version} is higher
 * than {@value #VERSION} (newer), that does not parse (corrupt or truncated), that is larger than
 * {@value #MAX_FILE_BYTES} bytes, or whose {@code writtenAt} is older than the TTL is read as an
 * empty cache with one warning, and is replaced at the next write. Entries older than the TTL are
 * dropped when the file is read and when it is written; a TTL of zero keeps entries regardless of
 * age. At most {@code maxEntries} entries are kept (blobs and tags counted together); beyond that
 * the oldest go first.
 *
 * <p><b>Writing.</b> {@link #persist()} (called at the end of a run, and by {@link #close()})
 * takes an exclusive lock on {@value #LOCK_NAME} beside the file, reads the file as it is now,
 * merges it with this instance's entries (the newer {@code at} wins; what this instance
 * invalidated stays invalidated unless the file learned it again later), writes a temporary file,
 * forces it to disk and renames it over the file atomically. Two processes, or two instances in
 * one JVM, can therefore share a cache directory without losing or corrupting each other's
 * entries. A failure to write is a warning, never an error: the next run simply starts colder.
 *
 * <p>Thread-safe: any number of engine threads may read, record and invalidate at once.
 */
public final class TransferCache implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(TransferCache.class);

  /** The cache file's name in the cache directory. */
  public static final String FILE_NAME = "transfer-cache.json";
  /** The lock file's name in the cache directory. */
  public static final String LOCK_NAME = "transfer-cache.lock";
  static final String FORMAT = "ocync-transfer-cache";
  static final int VERSION = 1;
  /** Larger files are not read: the default entry cap writes well under this. */
  static final long MAX_FILE_BYTES = 256L * 1024 * 1024;
  /** Default cap on entries (blobs and tags together). */
  public static final int DEFAULT_MAX_ENTRIES = 200_000;
  /** How long {@link #persist()} waits for another writer's lock before giving up. */
  static final Duration LOCK_WAIT = Duration.ofSeconds(30);
  private static final long LOCK_POLL_MILLIS = 5;

  /** Where a blob is known to be present. */
  public record BlobKey(String registry, String repository, Digest digest) {
    /** Checks the parts; a registry must be {@code host[:port]}. */
    public BlobKey {
      registry = checkRegistry(registry);
      repository = checkText(repository, "repository");
      Objects.requireNonNull(digest, "digest");
    }

    // Written out, as in TagKey: a record's generated equals, hashCode and toString link an
    // invokedynamic on first use, which costs a short CLI run milliseconds (issue 9)
    @Override
    public boolean equals(Object o) {
      return o instanceof BlobKey k && registry.equals(k.registry) && repository.equals(k.repository)
          && digest.equals(k.digest);
    }

    @Override
    public int hashCode() {
      return (registry.hashCode() * 31 + repository.hashCode()) * 31 + digest.hashCode();
    }

    @Override
    public String toString() {
      return "BlobKey[registry=" + registry + ", repository=" + repository + ", digest=" + digest + "]";
    }
  }

  /**
   * A source tag as resolved under one platform filter ({@code ""} when none), and the target
   * repository it was written to ({@code host[:port]/repository}; {@code ""} for a snapshot of the
   * source alone): a snapshot with a target says that target had the tag after ocync wrote or
   * checked it.
   */
  public record TagKey(String registry, String repository, String tag, String platforms, String target) {
    /** Checks the parts; a registry must be {@code host[:port]}. */
    public TagKey {
      registry = checkRegistry(registry);
      repository = checkText(repository, "repository");
      tag = checkText(tag, "tag");
      Objects.requireNonNull(platforms, "platforms");
      Objects.requireNonNull(target, "target");
      if (!target.isEmpty()) {
        int slash = target.indexOf('/');
        if (slash < 1 || slash == target.length() - 1) {
          throw new IllegalArgumentException("target must be host[:port]/repository: " + redact(target));
        }
        checkRegistry(target.substring(0, slash));
      }
    }

    /** A snapshot of the source alone, tied to no target. */
    public TagKey(String registry, String repository, String tag, String platforms) {
      this(registry, repository, tag, platforms, "");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TagKey k && registry.equals(k.registry) && repository.equals(k.repository)
          && tag.equals(k.tag) && platforms.equals(k.platforms) && target.equals(k.target);
    }

    @Override
    public int hashCode() {
      return (((registry.hashCode() * 31 + repository.hashCode()) * 31 + tag.hashCode()) * 31
          + platforms.hashCode()) * 31 + target.hashCode();
    }

    @Override
    public String toString() {
      return "TagKey[registry=" + registry + ", repository=" + repository + ", tag=" + tag + ", platforms="
          + platforms + ", target=" + target + "]";
    }
  }

  /** What a source tag resolved to, and the digest ocync wrote for it at the targets. */
  public record TagSnapshot(Digest source, Digest target) {
    /** Both digests are required; they are equal unless a platform filter wrote a new index. */
    public TagSnapshot {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(target, "target");
    }
  }

  private final Optional<Path> directory;
  private final Duration ttl;
  private final int maxEntries;
  private final Clock clock;
  /** Blob presence → when it was learned (Unix seconds). */
  private final Map<BlobKey, Long> blobs = new ConcurrentHashMap<>();
  private final Map<TagKey, Entry<TagSnapshot>> tags = new ConcurrentHashMap<>();
  /** What this instance invalidated, and when: a merge must not bring it back from the file. */
  private final Map<BlobKey, Long> droppedBlobs = new ConcurrentHashMap<>();
  private final Map<TagKey, Long> droppedTags = new ConcurrentHashMap<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final AtomicBoolean dirty = new AtomicBoolean();
  /** One persist at a time per instance; FileChannel locks do not exclude threads of one JVM well. */
  private final Object persistLock = new Object();

  private record Entry<T>(T value, long at) {}

  private TransferCache(Optional<Path> directory, Duration ttl, int maxEntries, Clock clock) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("cache TTL must not be negative: " + ttl);
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache maxEntries must be at least 1: " + maxEntries);
    }
    this.directory = directory;
    this.ttl = ttl;
    this.maxEntries = maxEntries;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Opens the cache in {@code directory} (created when first written) and reads what is there.
   * Never fails for the file's content: a bad file is an empty cache and one warning.
   *
   * @param ttl entries older than this are dropped; zero keeps them regardless of age
   * @param maxEntries at most this many entries are kept; the oldest go first
   */
  public static TransferCache open(Path directory, Duration ttl, int maxEntries, Clock clock) {
    TransferCache cache = new TransferCache(Optional.of(directory.toAbsolutePath().normalize()),
        Objects.requireNonNull(ttl, "ttl"), maxEntries, clock);
    cache.load();
    return cache;
  }

  /** {@link #open(Path, Duration, int, Clock)} with the default cap and the system clock. */
  public static TransferCache open(Path directory, Duration ttl) {
    return open(directory, ttl, DEFAULT_MAX_ENTRIES, Clock.systemUTC());
  }

  /** A cache that lives only as long as this object (no cache directory configured). */
  public static TransferCache inMemory() {
    return inMemory(Duration.ZERO);
  }

  /** A cache that lives in memory only, whose entries expire after {@code ttl} (zero: never). */
  public static TransferCache inMemory(Duration ttl) {
    return new TransferCache(Optional.empty(), ttl, DEFAULT_MAX_ENTRIES, Clock.systemUTC());
  }

  // ---------------------------------------------------------------- queries and updates

  /** Whether an earlier HEAD, upload or mount found this blob at this target repository. */
  public boolean hasBlob(BlobKey key) {
    Long at = blobs.get(key);
    return at != null && fresh(at);
  }

  /** Records that this blob is present at this target repository. */
  public void recordBlob(BlobKey key) {
    blobs.put(key, now());
    droppedBlobs.remove(key);
    dirty.set(true);
    trimIfFarOver();
  }

  /** Whether any fresh entry says something is in this target repository (a blob, or a tag written there). */
  public boolean knowsRepository(String registry, String repository) {
    String target = registry + "/" + repository;
    for (Map.Entry<BlobKey, Long> e : blobs.entrySet()) {
      if (e.getKey().repository().equals(repository) && e.getKey().registry().equals(registry) && fresh(e.getValue())) {
        return true;
      }
    }
    for (Map.Entry<TagKey, Entry<TagSnapshot>> e : tags.entrySet()) {
      if (e.getKey().target().equals(target) && fresh(e.getValue().at())) {
        return true;
      }
    }
    return false;
  }

  /** What this source tag resolved to when last pulled under this platform filter. */
  public Optional<TagSnapshot> tag(TagKey key) {
    Entry<TagSnapshot> e = tags.get(key);
    return e != null && fresh(e.at()) ? Optional.of(e.value()) : Optional.empty();
  }

  /** Records what this source tag resolved to (after a successful source pull). */
  public void recordTag(TagKey key, TagSnapshot snapshot) {
    tags.put(key, new Entry<>(Objects.requireNonNull(snapshot, "snapshot"), now()));
    droppedTags.remove(key);
    dirty.set(true);
    trimIfFarOver();
  }

  /**
   * Forgets everything this cache says about one image at one target: its blobs there, and the
   * source tag snapshot that led to it (every platform-filter key of that tag). Called when the
   * target refuses a manifest for a missing blob, before the image is retried without the cache.
   *
   * @param targetRegistry and {@code targetRepository}: where the image was being written
   * @param blobs every blob of the image and of its children
   * @param sourceTag the source tag the image came from, when it came from a tag
   */
  public void invalidateImage(String targetRegistry, String targetRepository, Collection<Digest> blobs,
      Optional<TagKey> sourceTag) {
    long at = now();
    for (Digest d : blobs) {
      BlobKey key = new BlobKey(targetRegistry, targetRepository, d);
      this.blobs.remove(key);
      droppedBlobs.put(key, at);
    }
    sourceTag.ifPresent(t -> {
      for (TagKey key : List.copyOf(tags.keySet())) {
        if (key.registry().equals(t.registry()) && key.repository().equals(t.repository())
            && key.tag().equals(t.tag())) {
          tags.remove(key);
          droppedTags.put(key, at);
        }
      }
      droppedTags.put(t, at);
    });
    dirty.set(true);
  }

  /** Number of entries held (blobs and tags). */
  public int size() {
    return blobs.size() + tags.size();
  }

  /** Warnings this instance raised (also logged): a bad file, a failed write. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** The cache file, when there is a cache directory. */
  public Optional<Path> file() {
    return directory.map(d -> d.resolve(FILE_NAME));
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Writes what this instance knows, merged with the file's current content, atomically and under
   * the directory's lock. A no-op without a cache directory or when nothing changed.
   *
   * @return false if the file could not be written (a warning says why)
   */
  public boolean persist() {
    if (directory.isEmpty() || !dirty.get()) {
      return true;
    }
    synchronized (persistLock) {
      Path dir = directory.get();
      try {
        Files.createDirectories(dir);
        try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_NAME), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE); FileLock ignored = lock(lockChannel)) {
          dirty.set(false);
          Snapshot onDisk = read(dir.resolve(FILE_NAME), false);
          merge(onDisk);
          trim();
          write(dir);
        }
        return true;
      } catch (IOException | RuntimeException e) {
        dirty.set(true);
        warn("could not write the transfer cache " + dir.resolve(FILE_NAME) + ": " + describe(e)
            + "; the next run starts without what this run learned");
        return false;
      }
    }
  }

  /** Persists ({@link #persist()}); never throws. */
  @Override
  public void close() {
    persist();
  }

  private FileLock lock(FileChannel channel) throws IOException {
    long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
    try {
      while (true) {
        try {
          FileLock lock = channel.tryLock();
          if (lock != null) {
            return lock;
          }
        } catch (OverlappingFileLockException e) {
          // another instance in this JVM holds it
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("another process held the lock " + LOCK_NAME + " for more than "
              + LOCK_WAIT.toSeconds() + " s");
        }
        Thread.sleep(LOCK_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the lock " + LOCK_NAME);
    }
  }

  private void load() {
    Path file = directory.orElseThrow().resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return;
    }
    // No lock needed: writers replace the file by an atomic rename, so a reader sees one whole file
    // (and a read-only cache directory can still be read)
    try {
      merge(read(file, true));
    } catch (IOException | RuntimeException e) {
      warn("could not read the transfer cache " + file + ": " + describe(e) + "; starting with an empty cache");
    }
    trim();
  }

  /** The file's entries, or none (with a warning when {@code warn}) if it cannot be used. */
  private Snapshot read(Path file, boolean warn) throws IOException {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        return unusable(file, "it has " + size + " bytes, more than the limit of " + MAX_FILE_BYTES, warn);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Snapshot.EMPTY;
    }
    JsonNode root;
    try {
      root = Json.read(bytes);
    } catch (IOException e) {
      return unusable(file, "it is not valid JSON (corrupt or truncated)", warn);
    }
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText(null))) {
      return unusable(file, "it is not an ocync transfer cache (no \"format\":\"" + FORMAT + "\")", warn);
    }
    JsonNode version = root.get("version");
    if (version == null || !version.canConvertToInt() || version.asInt() < 1) {
      return unusable(file, "its version is missing or invalid", warn);
    }
    if (version.asInt() > VERSION) {
      return unusable(file, "it was written by a newer ocync (format version " + version.asInt()
          + "; this one reads version " + VERSION + ")", warn);
    }
    long writtenAt = root.path("writtenAt").asLong(0);
    if (!ttl.isZero() && writtenAt < now() - ttl.toSeconds()) {
      if (warn) {
        log.info("transfer cache {} is older than its TTL of {}; starting with an empty cache", file, ttl);
      }
      return Snapshot.EMPTY;
    }
    Snapshot s = new Snapshot(new HashMap<>(), new HashMap<>());
    try {
      for (JsonNode n : root.path("blobs")) {
        s.blobs.merge(new BlobKey(n.path("registry").asText(), n.path("repository").asText(),
            Digest.parse(n.path("digest").asText())), n.path("at").asLong(), Math::max);
      }
      for (JsonNode n : root.path("tags")) {
        TagKey key = new TagKey(n.path("registry").asText(), n.path("repository").asText(), n.path("tag").asText(),
            n.path("platforms").asText(""), n.path("targetRepository").asText(""));
        Entry<TagSnapshot> e = new Entry<>(new TagSnapshot(Digest.parse(n.path("source").asText()),
            Digest.parse(n.path("target").asText())), n.path("at").asLong());
        s.tags.merge(key, e, (a, b) -> a.at() >= b.at() ? a : b);
      }
    } catch (IllegalArgumentException e) {
      return unusable(file, "an entry is invalid (" + e.getMessage() + ")", warn);
    }
    return s;
  }

  private Snapshot unusable(Path file, String why, boolean warn) {
    if (warn) {
      warn("ignoring the transfer cache " + file + ": " + why + "; starting with an empty cache");
    }
    return Snapshot.EMPTY;
  }

  private record Snapshot(Map<BlobKey, Long> blobs, Map<TagKey, Entry<TagSnapshot>> tags) {
    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());
  }

  /** Takes in the file's entries: the newer wins; what this instance dropped later stays dropped. */
  private void merge(Snapshot s) {
    s.blobs().forEach((key, at) -> {
      if (fresh(at) && droppedBlobs.getOrDefault(key, Long.MIN_VALUE) < at) {
        blobs.merge(key, at, Math::max);
      }
    });
    s.tags().forEach((key, e) -> {
      if (fresh(e.at()) && droppedTags.getOrDefault(key, Long.MIN_VALUE) < e.at()) {
        tags.merge(key, e, (mine, theirs) -> mine.at() >= theirs.at() ? mine : theirs);
      }
    });
  }

  private void write(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeNumberField("writtenAt", now());
      g.writeArrayFieldStart("blobs");
      for (Map.Entry<BlobKey, Long> e : oldestFirst(blobs, Map.Entry::getValue)) {
        g.writeStartObject();
        g.writeStringField("registry", e.getKey().registry());
        g.writeStringField("repository", e.getKey().repository());
        g.writeStringField("digest", e.getKey().digest().toString());
        g.writeNumberField("at", e.getValue());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("tags");
      for (Map.Entry<TagKey, Entry<TagSnapshot>> e : oldestFirst(tags, x -> x.getValue().at())) {
        g.writeStartObject();
        g.writeStringField("registry", e.getKey().registry());
        g.writeStringField("repository", e.getKey().repository());
        g.writeStringField("tag", e.getKey().tag());
        g.writeStringField("platforms", e.getKey().platforms());
        if (!e.getKey().target().isEmpty()) {
          g.writeStringField("targetRepository", e.getKey().target());
        }
        g.writeStringField("source", e.getValue().value().source().toString());
        g.writeStringField("target", e.getValue().value().target().toString());
        g.writeNumberField("at", e.getValue().at());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    Path tmp = dir.resolve(FILE_NAME + ".tmp." + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(out.toByteArray());
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static <K, V> List<Map.Entry<K, V>> oldestFirst(Map<K, V> map, ToLongFunction<Map.Entry<K, V>> at) {
    List<Map.Entry<K, V>> list = new ArrayList<>(map.entrySet());
    // ties broken by key text, so the same entries give the same file
    list.sort(Comparator.comparingLong(at).thenComparing(e -> e.getKey().toString()));
    return list;
  }

  // ---------------------------------------------------------------- age and size

  private long now() {
    return clock.instant().getEpochSecond();
  }

  private boolean fresh(long at) {
    return ttl.isZero() || at >= now() - ttl.toSeconds();
  }

  /** Trims during a run only when well over the cap, so that trimming stays rare. */
  private void trimIfFarOver() {
    if (size() > maxEntries + Math.max(16, maxEntries / 8)) {
      synchronized (persistLock) {
        trim();
      }
    }
  }

  /** Drops expired entries, then the oldest until at most {@code maxEntries} remain. */
  private void trim() {
    blobs.values().removeIf(Predicate.not(this::fresh));
    tags.values().removeIf(e -> !fresh(e.at()));
    int excess = size() - maxEntries;
    if (excess <= 0) {
      return;
    }
    record Aged(Object key, long at) {}
    List<Aged> all = new ArrayList<>(size());
    blobs.forEach((k, at) -> all.add(new Aged(k, at)));
    tags.forEach((k, e) -> all.add(new Aged(k, e.at())));
    all.sort(Comparator.comparingLong(Aged::at).thenComparing(a -> a.key().toString()));
    for (Aged a : all.subList(0, excess)) {
      if (a.key() instanceof BlobKey b) {
        blobs.remove(b);
      } else {
        tags.remove((TagKey) a.key());
      }
    }
  }

  /** File system exceptions often carry only a path as their message. */
  private static String describe(Exception e) {
    if (e instanceof FileSystemException f) {
      return f.getClass().getSimpleName() + " on " + f.getFile()
          + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
    }
    return String.valueOf(e.getMessage());
  }

  private void warn(String message) {
    warnings.add(message);
    log.warn(message);
  }

  // ---------------------------------------------------------------- key checks

  private static String checkRegistry(String registry) {
    checkText(registry, "registry");
    if (registry.contains("@") || registry.contains("/") || registry.contains("://")) {
      // never a URL or user information: the file must not carry credentials
      throw new IllegalArgumentException("cache registry must be host[:port], not \"" + redact(registry) + "\"");
    }
    return registry;
  }

  private static String redact(String s) {
    int at = s.lastIndexOf('@');
    return at < 0 ? s : "…@" + s.substring(at + 1);
  }

  private static String checkText(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.isEmpty()) {
      throw new IllegalArgumentException("cache " + what + " must not be empty");
    }
    return s;
  }

  @Override
  public String toString() {
    return "TransferCache{" + directory.map(Path::toString).orElse("in memory") + ", " + size() + " entries}";
  }
}
