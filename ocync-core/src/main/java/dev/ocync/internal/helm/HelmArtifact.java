package dev.ocync.internal.helm;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The OCI artifact {@code helm push} (Helm 3.17) writes for a chart, as a pure function of the
 * loaded metadata, the archive and provenance descriptors and the creation time: an image
 * manifest without {@code mediaType}, with the Helm config (Helm's {@code json.Marshal} of the
 * metadata), the layers sorted by digest string, and the {@code org.opencontainers.image.*}
 * annotations Helm derives (each only when its value is not blank), overridden by the chart's own
 * annotations except {@code title} and {@code version}.
 */
record HelmArtifact(Manifest manifest, byte[] config, Descriptor configDescriptor) {
  /** The creation time used when the index gives none: the Unix epoch, so the digest stays stable. */
  static final Instant FALLBACK_CREATED = Instant.EPOCH;
  private static final DateTimeFormatter RFC3339 =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final Set<String> IMMUTABLE =
      Set.of("org.opencontainers.image.version", "org.opencontainers.image.title");

  static HelmArtifact of(ChartMetadata meta, Descriptor chart, Optional<Descriptor> prov, Instant created) {
    byte[] config = meta.configJson();
    Descriptor configDescriptor = Descriptor.of(MediaType.HELM_CONFIG, Digest.sha256(config), config.length);
    List<Descriptor> layers = new ArrayList<>();
    layers.add(chart);
    prov.ifPresent(layers::add);
    layers.sort(Comparator.comparing(d -> d.digest().toString()));

    GoJson j = new GoJson().raw("{\"schemaVersion\":2,\"config\":");
    descriptor(j, configDescriptor);
    j.raw(",\"layers\":[");
    for (int i = 0; i < layers.size(); i++) {
      if (i > 0) {
        j.raw(",");
      }
      descriptor(j, layers.get(i));
    }
    j.raw("],\"annotations\":").value(annotations(meta, created)).raw("}");
    byte[] bytes = j.bytes();
    return new HelmArtifact(Manifest.parse(bytes, MediaType.OCI_MANIFEST), config, configDescriptor);
  }

  private static void descriptor(GoJson j, Descriptor d) {
    j.raw("{\"mediaType\":").string(d.mediaType()).raw(",\"digest\":").string(d.digest().toString())
        .raw(",\"size\":" + d.size() + "}");
  }

  static String created(Instant t) {
    return RFC3339.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  /** Helm's {@code generateOCIAnnotations}. */
  static Map<String, String> annotations(ChartMetadata m, Instant created) {
    Map<String, String> a = new LinkedHashMap<>();
    put(a, "org.opencontainers.image.description", m.description);
    put(a, "org.opencontainers.image.title", m.name);
    put(a, "org.opencontainers.image.version", m.version);
    put(a, "org.opencontainers.image.url", m.home);
    put(a, "org.opencontainers.image.created", created(created));
    if (!m.sources.isEmpty()) {
      put(a, "org.opencontainers.image.source", m.sources.get(0));
    }
    if (!m.maintainers.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < m.maintainers.size(); i++) {
        ChartMetadata.Maintainer mt = m.maintainers.get(i);
        sb.append(mt.name());
        if (!mt.email().isEmpty()) {
          sb.append(" (").append(mt.email()).append(')');
        }
        if (i < m.maintainers.size() - 1) {
          sb.append(", ");
        }
      }
      put(a, "org.opencontainers.image.authors", sb.toString());
    }
    m.annotations.forEach((k, v) -> {
      if (!IMMUTABLE.contains(k)) {
        a.put(k, v);
      }
    });
    return a;
  }

  private static void put(Map<String, String> a, String key, String value) {
    if (!goTrimSpace(value).isEmpty()) {
      a.put(key, value);
    }
  }

  /** Go's {@code strings.TrimSpace}: trims Unicode white space at both ends. */
  static String goTrimSpace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && ChartMetadata.isGoSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && ChartMetadata.isGoSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }
}
