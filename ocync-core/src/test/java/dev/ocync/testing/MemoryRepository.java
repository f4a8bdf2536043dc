package dev.ocync.testing;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread-safe in-memory {@link Repository} that keeps the SPI contract (verify, then commit;
 * manifests only after what they reference) and counts what was asked of it.
 */
public class MemoryRepository implements Repository {
  private final String location;
  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<Digest, Manifest> manifests = new ConcurrentHashMap<>();
  private final Map<String, Digest> tags = new ConcurrentHashMap<>();
  /** Blobs pushed (uploaded), by count. */
  public final AtomicInteger blobPushes = new AtomicInteger();
  /** Blobs opened for reading. */
  public final AtomicInteger blobReads = new AtomicInteger();
  /** Manifests pushed. */
  public final AtomicInteger manifestPushes = new AtomicInteger();

  private volatile boolean keepsReferrersIndex = true;

  public MemoryRepository(String location) {
    this.location = location;
  }

  /** Whether it says it keeps a referrers index (it always lists referrers by subject); true by default. */
  public MemoryRepository keepsReferrersIndex(boolean keeps) {
    this.keepsReferrersIndex = keeps;
    return this;
  }

  @Override
  public boolean keepsReferrersIndex() {
    return keepsReferrersIndex;
  }

  /** Replaces a stored blob's bytes without changing its key, to simulate a corrupt source. */
  public void corruptBlob(Digest digest, byte[] bytes) {
    blobs.put(digest, bytes);
  }

  public Map<Digest, byte[]> blobs() {
    return Map.copyOf(blobs);
  }

  public Map<Digest, Manifest> manifests() {
    return Map.copyOf(manifests);
  }

  public Map<String, Digest> tags() {
    return Map.copyOf(tags);
  }

  private RegistryException.Context ctx(String ref) {
    return RegistryException.Context.of(location).reference(ref);
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public Optional<Descriptor> resolve(String reference) {
    Digest d = Digest.isDigest(reference) ? Digest.parse(reference) : tags.get(reference);
    Manifest m = d == null ? null : manifests.get(d);
    return Optional.ofNullable(m).map(Manifest::descriptor);
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    return resolve(reference).map(d -> manifests.get(d.digest()))
        .orElseThrow(() -> new NotFoundException("manifest unknown", ctx(reference)));
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    for (Descriptor d : manifest.blobs()) {
      if (!blobs.containsKey(d.digest())) {
        throw new RegistryException("manifest references missing blob " + d.digest(), ctx(manifest.digest().toString()));
      }
    }
    for (Descriptor d : manifest.manifests()) {
      if (!manifests.containsKey(d.digest())) {
        throw new RegistryException("index references missing manifest " + d.digest(),
            ctx(manifest.digest().toString()));
      }
    }
    manifests.put(manifest.digest(), manifest);
    tag.ifPresent(t -> tags.put(t, manifest.digest()));
    manifestPushes.incrementAndGet();
  }

  @Override
  public boolean hasBlob(Descriptor blob) {
    return blobs.containsKey(blob.digest());
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    byte[] b = blobs.get(blob.digest());
    if (b == null) {
      throw new NotFoundException("blob unknown", ctx(blob.digest().toString()));
    }
    blobReads.incrementAndGet();
    return new ByteArrayInputStream(b);
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    byte[] bytes = content.readAllBytes();
    Digest actual = Digest.of(blob.digest().algorithm(), bytes);
    if (!actual.equals(blob.digest()) || bytes.length != blob.size()) {
      throw new DigestMismatchException("blob content does not match its descriptor: expected " + blob.digest()
          + " (" + blob.size() + " bytes), got " + actual + " (" + bytes.length + " bytes)",
          ctx(blob.digest().toString()), blob.digest(), actual);
    }
    blobs.put(blob.digest(), bytes);
    blobPushes.incrementAndGet();
  }

  @Override
  public List<String> listTags() {
    return new ArrayList<>(tags.keySet());
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) {
    List<Descriptor> out = new ArrayList<>();
    for (Manifest m : manifests.values()) {
      if (m.subject().map(s -> s.digest().equals(subject)).orElse(false)
          && (artifactType.isEmpty() || artifactType.equals(m.artifactType()))) {
        out.add(m.descriptor());
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return location;
  }
}
