package dev.ocync.internal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.oci.Reference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The container images a chart names, as a pure function of its archive, each with where it was
 * found: the {@code artifacthub.io/images}, {@code images} and {@code helm.sh/images} annotations
 * of {@code Chart.yaml} (YAML lists of {@code {name, image}}), {@code image:} strings in
 * {@code values.yaml}, and {@code values.yaml} maps with a string {@code repository} plus
 * optional {@code registry}, {@code tag} and {@code digest} (Bitnami's convention, where
 * {@code global.imageRegistry} replaces each map's {@code registry}). Only the chart's own files
 * are read, not those of vendored subcharts; values that are templates or do not parse as image
 * references are left out. References are given as written (not normalized), in the order found.
 */
final class ChartImages {
  static final List<String> ANNOTATIONS = List.of("artifacthub.io/images", "images", "helm.sh/images");
  /** Bounds the walk over values.yaml: depth is capped by the parser, the count here. */
  static final int MAX_IMAGES = 10_000;

  /** One image reference and every place it was found. */
  record Image(String reference, List<String> foundIn) {}

  private ChartImages() {}

  /** @throws IllegalArgumentException if the archive is refused by {@link ChartArchive} rules */
  static List<Image> discover(byte[] tgz) {
    ChartArchive archive = ChartArchive.read(tgz, ChartArchive.MAX_DECOMPRESSED, ChartArchive.MAX_FILE);
    Map<String, List<String>> found = new LinkedHashMap<>();
    ChartMetadata meta = ChartMetadata.of(HelmYaml.parse(archive.file("Chart.yaml").orElseThrow(), "Chart.yaml"));
    for (String key : ANNOTATIONS) {
      Optional<String> value = meta.annotation(key);
      if (value.isEmpty() || value.get().isBlank()) {
        continue;
      }
      JsonNode list;
      try {
        list = HelmYaml.parse(value.get().getBytes(java.nio.charset.StandardCharsets.UTF_8), "annotation " + key);
      } catch (IllegalArgumentException e) {
        continue; // a malformed annotation names no image we could trust
      }
      if (list.isArray()) {
        int i = 0;
        for (JsonNode item : list) {
          JsonNode image = item.isObject() ? item.get("image") : item;
          if (image != null && image.isTextual()) {
            add(found, image.asText(), "Chart.yaml annotation " + key + "[" + i + "]");
          }
          i++;
        }
      }
    }
    Optional<byte[]> values = archive.file("values.yaml");
    if (values.isPresent() && values.get().length > 0) {
      JsonNode root;
      try {
        root = HelmYaml.parse(values.get(), "values.yaml");
      } catch (IllegalArgumentException e) {
        root = null;
      }
      if (root != null && root.isObject()) {
        JsonNode global = root.path("global").path("imageRegistry");
        Optional<String> globalRegistry = global.isTextual() && !global.asText().isBlank()
            ? Optional.of(global.asText().trim()) : Optional.empty();
        walk(root, "", globalRegistry, found);
      }
    }
    List<Image> out = new ArrayList<>();
    found.forEach((ref, where) -> out.add(new Image(ref, List.copyOf(where))));
    return out;
  }

  private static void walk(JsonNode node, String path, Optional<String> globalRegistry, Map<String, List<String>> found) {
    if (found.size() >= MAX_IMAGES) {
      return;
    }
    if (node.isObject()) {
      JsonNode repository = node.get("repository");
      if (repository != null && repository.isTextual() && !repository.asText().contains("://")) {
        fromMap(node, path, globalRegistry).ifPresent(r -> add(found, r.reference, r.where));
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().equals("image") && e.getValue().isTextual()) {
          add(found, e.getValue().asText(), "values.yaml " + p);
        } else {
          walk(e.getValue(), p, globalRegistry, found);
        }
      }
    } else if (node.isArray()) {
      int i = 0;
      for (JsonNode n : node) {
        walk(n, path + "[" + i++ + "]", globalRegistry, found);
      }
    }
  }

  private record Found(String reference, String where) {}

  private static Optional<Found> fromMap(JsonNode m, String path, Optional<String> globalRegistry) {
    String repository = m.get("repository").asText().trim();
    if (repository.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> ownRegistry = text(m.get("registry"));
    Optional<String> registry = globalRegistry.isPresent() ? globalRegistry : ownRegistry;
    StringBuilder ref = new StringBuilder();
    registry.ifPresent(r -> ref.append(r).append('/'));
    ref.append(repository);
    text(m.get("tag")).ifPresent(t -> ref.append(':').append(t));
    text(m.get("digest")).ifPresent(d -> ref.append('@').append(d));
    String where = "values.yaml " + (path.isEmpty() ? "(top level)" : path) + " {"
        + (registry.isPresent() ? (globalRegistry.isPresent() ? "global.imageRegistry, " : "registry, ") : "")
        + "repository" + (text(m.get("tag")).isPresent() ? ", tag" : "")
        + (text(m.get("digest")).isPresent() ? ", digest" : "") + "}";
    return Optional.of(new Found(ref.toString(), where));
  }

  private static Optional<String> text(JsonNode n) {
    if (n == null || !(n.isTextual() || n.isNumber())) {
      return Optional.empty();
    }
    String s = n.asText().trim();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private static void add(Map<String, List<String>> found, String reference, String where) {
    String r = reference.trim();
    if (!accepted(r)) {
      return;
    }
    found.computeIfAbsent(r, k -> new ArrayList<>()).add(where);
  }

  /** Whether a trimmed value names an image: no template, and a valid reference. */
  static boolean accepted(String reference) {
    return !reference.isEmpty() && !reference.contains("{{") && parses(reference);
  }

  private static boolean parses(String reference) {
    try {
      Reference.parse(reference);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
