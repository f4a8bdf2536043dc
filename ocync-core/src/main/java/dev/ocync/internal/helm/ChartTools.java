package dev.ocync.internal.helm;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the engine needs of the Helm internals when it follows a chart's images: discovery,
 * relocation, and the {@code helm push} artifact of a relocated archive. Pure functions.
 */
public final class ChartTools {
  /** The media type of the chart layer older Helm versions pushed, still accepted on pull. */
  public static final String LEGACY_CHART_LAYER = "application/tar+gzip";
  /** The largest chart layer read: Helm's own cap on an archive. */
  public static final long MAX_CHART_BYTES = ChartArchive.MAX_DECOMPRESSED;

  /** One image a chart names, as written, and where it was found. */
  public record FoundImage(String reference, List<String> foundIn) {}

  /** One reference rewritten by relocation. */
  public record Rewrite(String file, int line, String from, String to) {}

  /** A relocated chart: its archive, its artifact in {@code helm push} shape, and what changed. */
  public record Relocated(byte[] archive, Manifest manifest, byte[] config, List<Rewrite> rewrites) {}

  private ChartTools() {}

  /** Whether {@code m} is a Helm chart artifact (by its config media type). */
  public static boolean isChart(Manifest m) {
    return !m.isIndex() && m.config().map(c -> c.mediaType().equals(MediaType.HELM_CONFIG)).orElse(false);
  }

  /** The chart content layer of a chart artifact. */
  public static Optional<Descriptor> chartLayer(Manifest m) {
    for (Descriptor l : m.layers()) {
      if (l.mediaType().equals(MediaType.HELM_CHART) || l.mediaType().equals(LEGACY_CHART_LAYER)) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }

  /** @throws IllegalArgumentException if the archive is refused by Helm's archive rules */
  public static List<FoundImage> discover(byte[] tgz) {
    List<FoundImage> out = new ArrayList<>();
    for (ChartImages.Image i : ChartImages.discover(tgz)) {
      out.add(new FoundImage(i.reference(), i.foundIn()));
    }
    return out;
  }

  /**
   * The chart relocated to {@code mirrors} (discovered reference to mirrored reference), as the
   * artifact {@code helm push} writes for it, with the original's creation time so the same input
   * gives the same digest. No provenance layer: relocation breaks it.
   *
   * @param original the original chart's manifest, for its {@code created} annotation
   * @throws IllegalArgumentException if the archive or a mirrored reference is refused
   */
  public static Relocated relocate(byte[] tgz, Map<String, String> mirrors, Manifest original) {
    ChartRelocation.Relocated r = ChartRelocation.relocate(tgz, mirrors);
    ChartMetadata meta = metadata(r.archive());
    Instant created = HelmArtifact.FALLBACK_CREATED;
    String shown = original.annotations().get("org.opencontainers.image.created");
    if (shown != null) {
      try {
        created = Instant.parse(shown);
      } catch (DateTimeParseException e) {
        // a created time Helm did not write: the fallback keeps the digest stable
      }
    }
    Descriptor layer = Descriptor.of(MediaType.HELM_CHART, Digest.sha256(r.archive()), r.archive().length);
    HelmArtifact a = HelmArtifact.of(meta, layer, Optional.empty(), created);
    List<Rewrite> rewrites = new ArrayList<>();
    for (ChartRelocation.Rewrite w : r.rewrites()) {
      rewrites.add(new Rewrite(w.file(), w.line(), w.from(), w.to()));
    }
    return new Relocated(r.archive(), a.manifest(), a.config(), List.copyOf(rewrites));
  }

  /**
   * The chart's {@code appVersion}, which charts conventionally use as the tag of an image whose
   * values name none ({@code .Values.image.tag | default .Chart.AppVersion}); empty when it has none.
   *
   * @throws IllegalArgumentException if the archive is refused
   */
  public static Optional<String> appVersion(byte[] tgz) {
    String v = metadata(tgz).appVersion;
    return v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** The loaded metadata of an archive, as Helm's loader makes it (v1 default, requirements merged, validated). */
  static ChartMetadata metadata(byte[] tgz) {
    return metadata(ChartArchive.read(tgz, ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE));
  }

  /** The same for an archive already read. */
  static ChartMetadata metadata(ChartArchive archive) {
    ChartMetadata meta = ChartMetadata.of(HelmYaml.parse(archive.file("Chart.yaml").orElseThrow(), "Chart.yaml"));
    if (meta.apiVersion.isEmpty()) {
      meta.apiVersion = "v1";
    }
    Optional<byte[]> req = archive.file("requirements.yaml");
    if (req.isPresent()) {
      meta.mergeRequirements(HelmYaml.parse(req.get(), "requirements.yaml"));
    }
    meta.validate();
    return meta;
  }
}
