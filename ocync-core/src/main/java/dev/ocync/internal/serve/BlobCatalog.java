package dev.ocync.internal.serve;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The descriptors (size and media type) of the blobs one served repository holds, learned from
 * the manifests it serves and, on a miss, from a walk of its tags. A blob request names only a
 * digest, but verifying what streams needs the size too, and so does {@code Content-Length}.
 */
final class BlobCatalog {
  private static final int MAX_ENTRIES = 200_000;
  private static final int MAX_WALK = 10_000;
  private static final long REWALK_NANOS = 5_000_000_000L;

  private final Map<Digest, Descriptor> blobs = new ConcurrentHashMap<>();
  private volatile long lastWalk = System.nanoTime() - 2 * REWALK_NANOS;

  /** Remembers the blobs and child manifests {@code manifest} references. */
  void learn(Manifest manifest) {
    if (blobs.size() >= MAX_ENTRIES) {
      return;
    }
    blobs.putIfAbsent(manifest.digest(), manifest.descriptor());
    for (Descriptor d : manifest.blobs()) {
      blobs.putIfAbsent(d.digest(), d);
    }
    for (Descriptor d : manifest.manifests()) {
      blobs.putIfAbsent(d.digest(), d);
    }
    manifest.subject().ifPresent(d -> blobs.putIfAbsent(d.digest(), d));
  }

  /** The descriptor of {@code digest}, walking the repository's tags (at most every few seconds) on a miss. */
  Optional<Descriptor> find(Digest digest, Repository repository) throws IOException {
    Descriptor d = blobs.get(digest);
    if (d != null) {
      return Optional.of(d);
    }
    long now = System.nanoTime();
    synchronized (this) {
      if (now - lastWalk >= REWALK_NANOS) {
        walk(repository);
        lastWalk = System.nanoTime();
      }
    }
    return Optional.ofNullable(blobs.get(digest));
  }

  private void walk(Repository repository) throws IOException {
    Deque<String> todo = new ArrayDeque<>(repository.listTags());
    Set<String> seen = new HashSet<>();
    int fetched = 0;
    while (!todo.isEmpty() && fetched < MAX_WALK) {
      String ref = todo.pop();
      if (!seen.add(ref)) {
        continue;
      }
      Manifest m;
      try {
        m = repository.fetchManifest(ref);
      } catch (NotFoundException | IllegalArgumentException e) {
        continue; // a dangling tag or an unreadable entry hides nothing else
      }
      fetched++;
      learn(m);
      for (Descriptor child : m.manifests()) {
        todo.push(child.digest().toString());
      }
    }
  }
}
