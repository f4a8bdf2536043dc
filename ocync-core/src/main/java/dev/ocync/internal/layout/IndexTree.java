package dev.ocync.internal.layout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code index.json} as a JSON tree, for rewriting it: entries and fields ocync did not write are
 * kept, and a tag names one entry.
 */
final class IndexTree {
  private IndexTree() {}

  static ObjectNode empty() {
    ObjectNode index = Json.object();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaType.OCI_INDEX);
    index.putArray("manifests");
    return index;
  }

  /** Parses {@code index.json}, unknown fields included, adding the fields ocync relies on. */
  static ObjectNode parse(byte[] bytes, String location) throws IOException {
    JsonNode tree;
    try {
      tree = Json.read(bytes);
    } catch (JsonProcessingException e) {
      throw new RegistryException("index.json is not valid JSON: " + e.getOriginalMessage(),
          RegistryException.Context.of(location), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new RegistryException("index.json is not a JSON object", RegistryException.Context.of(location));
    }
    ObjectNode index = (ObjectNode) tree;
    if (!index.has("schemaVersion")) {
      index.put("schemaVersion", 2);
    }
    if (!index.has("mediaType")) {
      index.put("mediaType", MediaType.OCI_INDEX);
    }
    JsonNode manifests = index.get("manifests");
    if (manifests == null || manifests.isNull()) {
      index.putArray("manifests");
    } else if (!manifests.isArray()) {
      throw new RegistryException("index.json: \"manifests\" is not an array", RegistryException.Context.of(location));
    }
    return index;
  }

  /** The entry naming {@code manifest} as {@code refName}. */
  static ObjectNode entry(Manifest manifest, String refName) {
    ObjectNode entry = Json.object();
    entry.put("mediaType", manifest.mediaType());
    entry.put("digest", manifest.digest().toString());
    entry.put("size", manifest.size());
    manifest.artifactType().ifPresent(t -> entry.put("artifactType", t));
    entry.putObject("annotations").put(LayoutFormat.REF_NAME, refName);
    return entry;
  }

  /**
   * Makes {@code entry} the one entry named {@code refName}: it replaces the first entry of that
   * name where it was (the tag moves), later duplicates go; a new name is appended.
   *
   * @return whether the tree changed
   */
  static boolean tag(ObjectNode index, ObjectNode entry, String refName) {
    ArrayNode entries = (ArrayNode) index.get("manifests");
    List<Integer> same = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonNode name = entries.get(i).path("annotations").path(LayoutFormat.REF_NAME);
      if (name.isTextual() && name.asText().equals(refName)) {
        same.add(i);
      }
    }
    if (same.isEmpty()) {
      entries.add(entry);
      return true;
    }
    boolean changed = same.size() > 1 || !entries.get(same.get(0)).equals(entry);
    entries.set(same.get(0), entry);
    for (int i = same.size() - 1; i > 0; i--) {
      entries.remove(same.get(i));
    }
    return changed;
  }

  static byte[] bytes(ObjectNode index) throws IOException {
    return Json.bytes(index);
  }

  /** The entries of a tree ocync built or edited, as the reader sees them. */
  static List<Descriptor> entries(byte[] bytes, String location) throws RegistryException {
    return LayoutReader.parseIndex(bytes, location);
  }
}
