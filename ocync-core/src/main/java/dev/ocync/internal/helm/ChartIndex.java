package dev.ocync.internal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A classic repository's {@code index.yaml}, read by Helm's rules ({@code pkg/repo} {@code
 * IndexFile}): JSON or YAML, {@code apiVersion} required, and an entry Helm would drop (null, or
 * metadata failing {@code Metadata.Validate}, or without a URL) dropped with a warning instead
 * of failing the index. Unknown keys, which Helm's strict YAML decoding refuses, are ignored.
 */
record ChartIndex(Map<String, List<Entry>> entries, List<String> warnings) {

  /** One chart version as the index lists it. */
  record Entry(String name, String version, List<String> urls, Optional<String> digest, Optional<Instant> created) {}

  static ChartIndex parse(byte[] bytes, String what) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException(what + " is empty");
    }
    JsonNode root = HelmYaml.parse(bytes, what);
    if (!root.isObject()) {
      throw new IllegalArgumentException(what + " is not a mapping");
    }
    String api = ChartMetadata.scalar(root.get("apiVersion"));
    if (api.isEmpty()) {
      throw new IllegalArgumentException(what + " has no apiVersion");
    }
    List<String> warnings = new ArrayList<>();
    Map<String, List<Entry>> entries = new LinkedHashMap<>();
    JsonNode es = root.get("entries");
    if (es != null && es.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = es.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> chart = it.next();
        List<Entry> versions = new ArrayList<>();
        if (chart.getValue().isArray()) {
          int i = 0;
          for (JsonNode v : chart.getValue()) {
            entry(chart.getKey(), i++, v, warnings).ifPresent(versions::add);
          }
        } else if (!chart.getValue().isNull()) {
          warnings.add(what + ": entries of chart \"" + chart.getKey() + "\" are not a list; skipped");
        }
        entries.put(chart.getKey(), Collections.unmodifiableList(versions));
      }
    }
    return new ChartIndex(Collections.unmodifiableMap(entries), List.copyOf(warnings));
  }

  private static Optional<Entry> entry(String chart, int i, JsonNode v, List<String> warnings) {
    String where = "index.yaml entry " + i + " of chart \"" + chart + "\"";
    if (v == null || v.isNull()) {
      warnings.add(where + " is null; skipped");
      return Optional.empty();
    }
    if (!v.isObject()) {
      warnings.add(where + " is not a mapping; skipped");
      return Optional.empty();
    }
    ChartMetadata m;
    try {
      m = ChartMetadata.of(v);
      if (m.apiVersion.isEmpty()) {
        m.apiVersion = "v1";
      }
      m.validate();
    } catch (IllegalArgumentException e) {
      // Helm tolerates this one: some servers strip aliases (helm/helm#12748)
      if (!String.valueOf(e.getMessage()).startsWith("more than one dependency")) {
        warnings.add(where + " (version \"" + ChartMetadata.scalar(v.get("version")) + "\") is invalid: "
            + e.getMessage() + "; skipped");
        return Optional.empty();
      }
      m = ChartMetadata.of(v);
    }
    if (!m.name.equals(chart)) {
      warnings.add(where + " is named \"" + m.name + "\"; skipped");
      return Optional.empty();
    }
    List<String> urls = new ArrayList<>();
    JsonNode us = v.get("urls");
    if (us != null && us.isArray()) {
      us.forEach(u -> urls.add(ChartMetadata.scalar(u)));
    }
    if (urls.isEmpty() || urls.get(0).isBlank()) {
      warnings.add(where + " (version \"" + m.version + "\") has no URL; skipped");
      return Optional.empty();
    }
    String digest = ChartMetadata.scalar(v.get("digest")).trim();
    Optional<Instant> created = Optional.empty();
    String c = ChartMetadata.scalar(v.get("created")).trim();
    if (!c.isEmpty()) {
      try {
        created = Optional.of(OffsetDateTime.parse(c).toInstant());
      } catch (DateTimeParseException e) {
        warnings.add(where + " (version \"" + m.version + "\") has an unreadable created time \"" + c
            + "\"; the fallback time is used");
      }
    }
    return Optional.of(new Entry(m.name, m.version, List.copyOf(urls),
        digest.isEmpty() ? Optional.empty() : Optional.of(digest), created));
  }
}
