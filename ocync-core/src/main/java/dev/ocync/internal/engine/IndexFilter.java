package dev.ocync.internal.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ocync.PlatformFilter;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Applies a {@link PlatformFilter} to an index: the only place the engine writes new index bytes.
 *
 * <p>Which entries stay: an entry with a known platform that the filter matches; an attestation
 * (buildx's {@code vnd.docker.reference.type: attestation-manifest}) whose
 * {@code vnd.docker.reference.digest} names an entry that stays, whatever its own platform says.
 * Entries without a platform, or with an {@code unknown} os or architecture, that are not such
 * attestations go.
 *
 * <p>How the new bytes are made: by splicing the source bytes, not by re-serializing. The dropped
 * entries' objects are cut out of the {@code manifests} array together with the separator before
 * them; every other byte stays as it was. So everything survives exactly: unknown fields at any
 * level ({@code urls}, {@code data}, {@code annotations}, {@code subject}, {@code artifactType},
 * vendor keys), key order, indentation, string escapes (Go writes {@code <} as a six-character escape) and
 * number spellings. The output is a pure function of the source bytes and the filter, hence the
 * same on every run and machine. A re-serialization (what ocync does) would lose unknown fields and
 * change the style; Jackson from the tree would keep fields but still rewrite escapes and numbers.
 */
public final class IndexFilter {
  static final String REFERENCE_TYPE = "vnd.docker.reference.type";
  static final String REFERENCE_DIGEST = "vnd.docker.reference.digest";
  static final String ATTESTATION = "attestation-manifest";

  private static final JsonFactory JSON = new JsonFactory();

  private IndexFilter() {}

  /**
   * Thrown when a filter keeps no entry of an index. The engine fails that image with it; the
   * message names the filter, the index and the platforms the source has.
   */
  public static final class NoMatchingPlatformException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient List<String> sourcePlatforms;

    NoMatchingPlatformException(PlatformFilter filter, Digest index, List<String> sourcePlatforms) {
      super("platform filter [" + filter + "] matched no manifests in index " + index + " (source has: "
          + String.join(", ", sourcePlatforms) + ")");
      this.sourcePlatforms = List.copyOf(sourcePlatforms);
    }

    /** The platforms of the index's entries, distinct, in index order ({@code unknown/unknown} included). */
    public List<String> sourcePlatforms() {
      return sourcePlatforms;
    }
  }

  /**
   * Filters an index.
   *
   * @return {@code manifest} itself (same bytes, same digest) when it is not an index, the filter
   *     keeps everything, or every entry stays; otherwise a new index of the same media type with
   *     the surviving entries in their order
   * @throws NoMatchingPlatformException when no platform entry matches (an empty index passes)
   * @throws IllegalArgumentException when the bytes disagree with the parsed entries (for example
   *     a duplicate {@code manifests} key)
   */
  public static Manifest filter(Manifest manifest, PlatformFilter filter) {
    if (!manifest.isIndex() || filter.isAll() || manifest.manifests().isEmpty()) {
      return manifest;
    }
    List<Descriptor> entries = manifest.manifests();
    boolean[] keep = keep(entries, filter);
    int kept = 0;
    for (boolean k : keep) {
      kept += k ? 1 : 0;
    }
    if (kept == 0) {
      Set<String> platforms = new LinkedHashSet<>();
      entries.forEach(e -> platforms.add(e.platform().map(Platform::toString).orElse("unknown")));
      throw new NoMatchingPlatformException(filter, manifest.digest(), List.copyOf(platforms));
    }
    if (kept == entries.size()) {
      return manifest;
    }
    byte[] source = manifest.bytes();
    long[][] spans = entrySpans(source, manifest.digest());
    if (spans.length != entries.size()) {
      throw new IllegalArgumentException("index " + manifest.digest() + ": found " + spans.length
          + " entries in its bytes but parsed " + entries.size());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(source.length);
    out.write(source, 0, (int) spans[0][0]);
    boolean first = true;
    for (int i = 0; i < spans.length; i++) {
      if (!keep[i]) {
        continue;
      }
      if (!first) {
        // the separator that preceded this entry in the source (", " or ",\n    ")
        int from = (int) spans[i - 1][1];
        out.write(source, from, (int) spans[i][0] - from);
      }
      out.write(source, (int) spans[i][0], (int) (spans[i][1] - spans[i][0]));
      first = false;
    }
    int tail = (int) spans[spans.length - 1][1];
    out.write(source, tail, source.length - tail);
    return Manifest.parse(out.toByteArray(), Optional.of(manifest.mediaType()));
  }

  private static boolean[] keep(List<Descriptor> entries, PlatformFilter filter) {
    boolean[] keep = new boolean[entries.size()];
    Set<String> keptDigests = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      Descriptor e = entries.get(i);
      if (!isAttestation(e) && e.platform().filter(p -> known(p) && filter.matches(p)).isPresent()) {
        keep[i] = true;
        keptDigests.add(e.digest().toString());
      }
    }
    for (int i = 0; i < entries.size(); i++) {
      Descriptor e = entries.get(i);
      if (isAttestation(e)) {
        String subject = e.annotations().get(REFERENCE_DIGEST);
        keep[i] = subject != null && keptDigests.contains(subject);
      }
    }
    return keep;
  }

  private static boolean isAttestation(Descriptor e) {
    return ATTESTATION.equals(e.annotations().get(REFERENCE_TYPE));
  }

  private static boolean known(Platform p) {
    return !p.os().isEmpty() && !p.architecture().isEmpty() && !p.os().equalsIgnoreCase("unknown")
        && !p.architecture().equalsIgnoreCase("unknown");
  }

  /** Byte offsets [start, end) of each object in the top-level {@code manifests} array. */
  private static long[][] entrySpans(byte[] source, Digest digest) {
    List<long[]> spans = new ArrayList<>();
    boolean seen = false;
    try (JsonParser p = JSON.createParser(source)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("index " + digest + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!"manifests".equals(name)) {
          p.skipChildren();
          continue;
        }
        if (seen || value != JsonToken.START_ARRAY) {
          throw new IllegalArgumentException("index " + digest + " has more than one \"manifests\" or it is not an array");
        }
        seen = true;
        while (p.nextToken() == JsonToken.START_OBJECT) {
          long start = p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          spans.add(new long[] {start, p.currentLocation().getByteOffset()});
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
          throw new IllegalArgumentException("index " + digest + " has a \"manifests\" entry that is not an object");
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("index " + digest + " could not be read: " + e.getMessage(), e);
    }
    return spans.toArray(new long[0][]);
  }
}
