package dev.ocync.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The referrers tag schema at a target without the referrers API (distribution 2.8, an OCI
 * layout): an OCI index tagged {@code <alg>-<hex>} of the subject's digest lists the subject's
 * referrers, and ocync keeps it up to date when it copies referrers there.
 *
 * <p>What is pushed, given the target's current index (if any), the source's (if the source has
 * one) and the referrers now at the target ({@link #decide}):
 *
 * <ul>
 *   <li>nothing, when the target keeps its own referrers index, or its tag-schema index already
 *       lists every referrer (so a second run sends no PUT);
 *   <li>the source's index byte for byte (same digest), when it lists exactly the referrers the
 *       target then has: those copied plus those the target index already listed;
 *   <li>otherwise a built index: the target's existing entries first, in their order and as they
 *       are, then the new entries sorted by digest string; where the source's index has an entry for
 *       a referrer, that entry's JSON is taken as it is, else the entry is written from the
 *       referrer's manifest as {@code mediaType}, {@code digest}, {@code size}, {@code artifactType}
 *       (the manifest's, else its config's media type) and {@code annotations} (keys sorted; left
 *       out when empty). A new index is {@code {"schemaVersion":2,"mediaType":"…index…","manifests":[…]}};
 *       an extended one keeps every other field of the target's index, in its order. JSON is
 *       compact UTF-8 without a trailing newline. So the same entries give the same bytes on every
 *       run and machine, and nothing the target listed is dropped.
 * </ul>
 *
 * <p>A target tag that holds something other than an OCI index is left alone (nothing at a target
 * is overwritten that ocync did not understand), and so is an index that would grow past
 * {@value #MAX_BYTES} bytes (distribution's manifest limit).
 *
 * <p>Thread-safe; {@link #maintain} serializes updates of one tag at one target within this
 * instance (one per run), because a read-modify-write by two images sharing a subject would
 * lose an entry. Across processes, the last writer wins and the next run adds what it lost.
 */
final class FallbackIndex {
  /** Distribution 2.8 refuses manifests above 4 MiB. */
  static final int MAX_BYTES = 4 * 1024 * 1024;

  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  /** The index this instance last pushed, by target and tag (read under that tag's lock). */
  private final Map<String, Manifest> pushed = new ConcurrentHashMap<>();

  /** What {@link #decide} chose. */
  enum Action {
    /** Nothing to push: the target keeps its own index, or already lists every referrer. */
    NONE,
    /** Push the source's index unchanged. */
    COPY_SOURCE,
    /** Push a new index; the target had none. */
    CREATE,
    /** Push the target's index with entries added. */
    EXTEND,
    /** Leave the target alone; {@link Decision#reason()} says why. */
    REFUSED
  }

  /** An action, the index to push under {@link #tag} for {@code COPY_SOURCE}, {@code CREATE} and {@code EXTEND}, and why. */
  record Decision(Action action, Optional<Manifest> index, String reason) {
    Decision {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The tag of a subject's index: {@code <alg>-<encoded>}, the algorithm cut to 32 characters and
   * the encoded part to 64, as the distribution spec's "Referrers Tag Schema" says (so a sha512
   * subject still gets a valid tag).
   */
  static String tag(Digest subject) {
    String alg = subject.algorithm().id();
    String enc = subject.encoded();
    String tag = alg.substring(0, Math.min(32, alg.length())) + "-" + enc.substring(0, Math.min(64, enc.length()));
    return tag.replaceAll("[^A-Za-z0-9_.-]", "-");
  }

  /**
   * The index entry for a referrer, as the referrers API describes one: the manifest's media type,
   * digest and size, its {@code artifactType} (else its config's media type) and its annotations.
   */
  static Descriptor entry(Manifest referrer) {
    Descriptor.Builder b = Descriptor.builder().mediaType(referrer.mediaType()).digest(referrer.digest())
        .size(referrer.size()).annotations(referrer.annotations());
    referrer.artifactType().or(() -> referrer.config().map(Descriptor::mediaType)).ifPresent(b::artifactType);
    return b.build();
  }

  /**
   * Decides what to push at one target for one subject. Pure.
   *
   * @param sourceIndex the source's tag-schema index for the subject, when it has one
   * @param targetIndex what the target's tag holds now, when it holds something
   * @param targetKeepsIndex whether the target keeps its own referrers index
   * @param referrers index entries ({@link #entry}) of the referrers now at the target, in plan order
   */
  static Decision decide(Digest subject, Optional<Manifest> sourceIndex, Optional<Manifest> targetIndex,
      boolean targetKeepsIndex, List<Descriptor> referrers) {
    if (targetKeepsIndex) {
      return new Decision(Action.NONE, Optional.empty(), "the target keeps its own referrers index");
    }
    String tag = tag(subject);
    if (targetIndex.isPresent() && !targetIndex.get().mediaType().equals(MediaType.OCI_INDEX)) {
      return new Decision(Action.REFUSED, Optional.empty(), "the target's tag " + tag + " holds a "
          + targetIndex.get().mediaType() + ", not an OCI index; it is left as it is");
    }
    Set<Digest> existing = digests(targetIndex.map(Manifest::manifests).orElse(List.of()));
    List<Descriptor> added = new ArrayList<>();
    Set<Digest> seen = new LinkedHashSet<>(existing);
    for (Descriptor d : referrers) {
      if (seen.add(d.digest())) {
        added.add(d);
      }
    }
    if (added.isEmpty()) {
      return new Decision(Action.NONE, Optional.empty(), targetIndex.isPresent()
          ? "the target's " + tag + " already lists every referrer" : "no referrers");
    }
    Optional<Manifest> source = sourceIndex.filter(s -> s.mediaType().equals(MediaType.OCI_INDEX));
    if (source.isPresent() && digests(source.get().manifests()).equals(seen)
        && source.get().manifests().size() == seen.size()) {
      return new Decision(Action.COPY_SOURCE, source, "the source's " + tag + " lists exactly these referrers");
    }
    byte[] bytes = build(targetIndex, added, source);
    if (bytes.length > MAX_BYTES) {
      return new Decision(Action.REFUSED, Optional.empty(), "the index " + tag + " would have " + bytes.length
          + " bytes, more than the limit of " + MAX_BYTES + "; it is left as it is");
    }
    Manifest index = Manifest.parse(bytes, MediaType.OCI_INDEX);
    return targetIndex.isPresent()
        ? new Decision(Action.EXTEND, Optional.of(index), "added " + added.size() + " referrer(s) to the target's " + tag)
        : new Decision(Action.CREATE, Optional.of(index), "wrote " + tag + " listing " + added.size() + " referrer(s)");
  }

  /**
   * The bytes of an index: {@code existing}'s fields and entries as they are, then {@code added}
   * sorted by digest string, each taken from {@code source}'s entry for it when there is one.
   * Deterministic: the same arguments give the same bytes.
   */
  static byte[] build(Optional<Manifest> existing, List<Descriptor> added, Optional<Manifest> source) {
    ObjectNode root;
    if (existing.isPresent()) {
      root = (ObjectNode) tree(existing.get());
    } else {
      root = Json.object();
      root.put("schemaVersion", 2);
      root.put("mediaType", MediaType.OCI_INDEX);
    }
    ArrayNode entries = Json.array();
    JsonNode old = root.get("manifests");
    if (old != null && old.isArray()) {
      old.forEach(entries::add);
    }
    Map<Digest, JsonNode> fromSource = new HashMap<>();
    if (source.isPresent()) {
      for (JsonNode n : tree(source.get()).path("manifests")) {
        String d = n.path("digest").asText("");
        if (Digest.isDigest(d)) {
          fromSource.putIfAbsent(Digest.parse(d), n);
        }
      }
    }
    Map<String, Descriptor> sorted = new TreeMap<>();
    for (Descriptor d : added) {
      sorted.putIfAbsent(d.digest().toString(), d);
    }
    for (Descriptor d : sorted.values()) {
      JsonNode n = fromSource.get(d.digest());
      entries.add(n != null ? n : entryJson(d));
    }
    root.set("manifests", entries); // an existing field keeps its position
    return Json.bytes(root);
  }

  private static ObjectNode entryJson(Descriptor d) {
    ObjectNode n = Json.object();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.digest().toString());
    n.put("size", d.size());
    d.artifactType().ifPresent(t -> n.put("artifactType", t));
    if (!d.annotations().isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      new TreeMap<>(d.annotations()).forEach(a::put);
    }
    return n;
  }

  private static JsonNode tree(Manifest m) {
    try {
      return Json.read(m.bytes());
    } catch (IOException e) {
      throw new IllegalStateException("manifest " + m.digest() + " was parsed once and now is not JSON", e);
    }
  }

  private static Set<Digest> digests(List<Descriptor> list) {
    Set<Digest> out = new LinkedHashSet<>();
    list.forEach(d -> out.add(d.digest()));
    return out;
  }

  /**
   * Reads the target's index for {@code subject}, decides ({@link #decide}) and pushes what was
   * decided. Call it after the referrers are at the target: an index is pushed only after what it
   * lists. A target that keeps its own index is not read.
   *
   * @param referrers index entries of the referrers of {@code subject} now at the target
   */
  Decision maintain(Repository target, Digest subject, Optional<Manifest> sourceIndex, List<Descriptor> referrers)
      throws IOException {
    return maintain(target, subject, sourceIndex, referrers, false);
  }

  /**
   * As {@link #maintain(Repository, Digest, Optional, List)}; with {@code targetNew} (the target
   * repository had no tags when this run began writing there) the target's index is not read: it is
   * what this instance pushed there, or none.
   */
  Decision maintain(Repository target, Digest subject, Optional<Manifest> sourceIndex, List<Descriptor> referrers,
      boolean targetNew) throws IOException {
    if (referrers.isEmpty()) {
      return new Decision(Action.NONE, Optional.empty(), "no referrers");
    }
    if (target.keepsReferrersIndex()) {
      return decide(subject, sourceIndex, Optional.empty(), true, referrers);
    }
    String tag = tag(subject);
    String key = target.location() + "\n" + tag;
    ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
    lock.lock();
    try {
      Optional<Manifest> current;
      if (targetNew) {
        current = Optional.ofNullable(pushed.get(key));
      } else {
        try {
          current = Optional.of(target.fetchManifest(tag));
        } catch (NotFoundException e) {
          current = Optional.empty();
        }
      }
      Decision d = decide(subject, sourceIndex, current, false, referrers);
      if (d.index().isPresent()) {
        target.pushManifest(d.index().get(), Optional.of(tag));
        pushed.put(key, d.index().get());
      }
      return d;
    } finally {
      lock.unlock();
    }
  }
}
