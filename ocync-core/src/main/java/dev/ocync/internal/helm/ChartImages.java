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
 * {@code global.imageRegistry} replaces each map's {@code registry}), the image lock files the
 * reference tools write ({@code Images.lock} of charts-syncer's dt, and the {@code images.lock},
 * {@code images-lock.yaml}, {@code images.lock.yaml} and {@code .images.lock.yaml} hauler reads,
 * scanned for {@code image:} lines as hauler scans them), and the same sources in vendored subchart
 * archives ({@code charts/*.tgz}, at most {@value #MAX_SUBCHART_DEPTH} levels deep, all levels
 * sharing one decompressed-size budget), where the parent's {@code global.imageRegistry} wins
 * over the subchart's, as Helm's globals do. Values that are templates or do not parse as image
 * references are left out. References are given as written (not normalized), in the order found.
 */
final class ChartImages {
  static final List<String> ANNOTATIONS = List.of("artifacthub.io/images", "images", "helm.sh/images");
  /** Bounds the walk over values.yaml: depth is capped by the parser, the count here. */
  static final int MAX_IMAGES = 10_000;
  /** Vendored subcharts are read this many levels down, no deeper. */
  static final int MAX_SUBCHART_DEPTH = 5;
  /** The lock files read, by the names the tools that write or read them use. */
  static final List<String> LOCK_FILES = List.of("Images.lock", "images.lock", "images-lock.yaml", "images.lock.yaml",
      ".images.lock.yaml");
  private static final java.util.regex.Pattern LOCK_IMAGE =
      java.util.regex.Pattern.compile("^[ \\t-]*image:[ \\t]*['\"]?([^\\s'\"#]+)");

  /** One image reference and every place it was found. */
  record Image(String reference, List<String> foundIn) {}

  private ChartImages() {}

  /** @throws IllegalArgumentException if the archive is refused by {@link ChartArchive} rules */
  static List<Image> discover(byte[] tgz) {
    Map<String, List<String>> found = new LinkedHashMap<>();
    discover(tgz, "", Optional.empty(), 0, new long[] {ChartArchive.MAX_DECOMPRESSED}, found);
    List<Image> out = new ArrayList<>();
    found.forEach((ref, where) -> out.add(new Image(ref, List.copyOf(where))));
    return out;
  }

  /**
   * @param prefix where this chart sits, for messages ("" for the chart itself, then "charts/x.tgz ")
   * @param inherited the parent's global.imageRegistry, which wins over this chart's
   * @param budget decompressed bytes left for this archive and all below it
   */
  private static void discover(byte[] tgz, String prefix, Optional<String> inherited, int depth, long[] budget,
      Map<String, List<String>> found) {
    ChartArchive archive;
    try {
      archive = ChartArchive.read(tgz, budget[0], ChartArchive.MAX_FILE);
    } catch (IllegalArgumentException e) {
      if (prefix.isEmpty()) {
        throw e;
      }
      // a vendored subchart Helm could not load either names no image we could trust
      return;
    }
    budget[0] -= archive.decompressed;
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
            add(found, image.asText(), prefix + "Chart.yaml annotation " + key + "[" + i + "]");
          }
          i++;
        }
      }
    }
    Optional<String> globalRegistry = inherited;
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
        if (globalRegistry.isEmpty() && global.isTextual() && !global.asText().isBlank()) {
          globalRegistry = Optional.of(global.asText().trim());
        }
        walk(root, prefix + "values.yaml ", "", globalRegistry, found);
      }
    }
    for (String lock : LOCK_FILES) {
      Optional<byte[]> file = archive.file(lock);
      if (file.isEmpty()) {
        continue;
      }
      int line = 0;
      for (String l : new String(file.get(), java.nio.charset.StandardCharsets.UTF_8).split("\n", -1)) {
        line++;
        java.util.regex.Matcher m = LOCK_IMAGE.matcher(l);
        if (m.find()) {
          add(found, m.group(1), prefix + lock + " line " + line);
        }
      }
    }
    if (depth < MAX_SUBCHART_DEPTH) {
      for (Map.Entry<String, byte[]> sub : archive.subcharts.entrySet()) {
        if (budget[0] <= 0 || found.size() >= MAX_IMAGES) {
          break;
        }
        discover(sub.getValue(), prefix + sub.getKey() + " ", globalRegistry, depth + 1, budget, found);
      }
    }
  }

  private static void walk(JsonNode node, String where, String path, Optional<String> globalRegistry,
      Map<String, List<String>> found) {
    if (found.size() >= MAX_IMAGES) {
      return;
    }
    if (node.isObject()) {
      JsonNode repository = node.get("repository");
      if (repository != null && repository.isTextual() && !repository.asText().contains("://")) {
        fromMap(node, where, path, globalRegistry).ifPresent(r -> add(found, r.reference, r.where));
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().equals("image") && e.getValue().isTextual()) {
          add(found, e.getValue().asText(), where + p);
        } else {
          walk(e.getValue(), where, p, globalRegistry, found);
        }
      }
    } else if (node.isArray()) {
      int i = 0;
      for (JsonNode n : node) {
        walk(n, where, path + "[" + i++ + "]", globalRegistry, found);
      }
    }
  }

  private record Found(String reference, String where) {}

  private static Optional<Found> fromMap(JsonNode m, String where, String path, Optional<String> globalRegistry) {
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
    String place = where + (path.isEmpty() ? "(top level)" : path) + " {"
        + (registry.isPresent() ? (globalRegistry.isPresent() ? "global.imageRegistry, " : "registry, ") : "")
        + "repository" + (text(m.get("tag")).isPresent() ? ", tag" : "")
        + (text(m.get("digest")).isPresent() ? ", digest" : "") + "}";
    return Optional.of(new Found(ref.toString(), place));
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
