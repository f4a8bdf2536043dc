package dev.ocync.testing;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Builds real images for tests: real blobs with real digests, manifests serialized here once and
 * then treated as opaque bytes. Deterministic for a given seed.
 */
public final class TestImages {
  private TestImages() {}

  /** A blob and its descriptor. */
  public record Blob(Descriptor descriptor, byte[] bytes) {}

  /** An image or index: its manifest, the blobs it needs and, for an index, its children. */
  public record Image(Manifest manifest, List<Blob> blobs, List<Image> children) {
    /** Every blob of this image and of its children, deduplicated. */
    public List<Blob> allBlobs() {
      Map<Digest, Blob> out = new LinkedHashMap<>();
      for (Image child : children) {
        child.allBlobs().forEach(b -> out.putIfAbsent(b.descriptor().digest(), b));
      }
      blobs.forEach(b -> out.putIfAbsent(b.descriptor().digest(), b));
      return new ArrayList<>(out.values());
    }

    /** Every manifest: children first, then this one. */
    public List<Manifest> allManifests() {
      List<Manifest> out = new ArrayList<>();
      children.forEach(c -> out.addAll(c.allManifests()));
      out.add(manifest);
      return out;
    }

    /** Pushes blobs, children and this manifest into {@code repo}, tagged {@code tag} when given. */
    public void pushTo(Repository repo, Optional<String> tag) throws IOException {
      for (Blob b : allBlobs()) {
        if (!repo.hasBlob(b.descriptor())) {
          repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
        }
      }
      for (Image c : children) {
        c.pushTo(repo, Optional.empty());
      }
      repo.pushManifest(manifest, tag);
    }
  }

  /** Random but repeatable bytes. */
  public static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A blob of the given media type and content. */
  public static Blob blob(String mediaType, byte[] bytes) {
    return new Blob(Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length), bytes);
  }

  /** An OCI image for {@code platform} with {@code layers} layers of {@code layerSize} random bytes. */
  public static Image ociImage(long seed, Platform platform, int layers, int layerSize) {
    return image(seed, platform, layers, layerSize, false);
  }

  /** A Docker schema 2 image. */
  public static Image dockerImage(long seed, Platform platform, int layers, int layerSize) {
    return image(seed, platform, layers, layerSize, true);
  }

  private static Image image(long seed, Platform platform, int layers, int layerSize, boolean docker) {
    List<Blob> layerBlobs = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      layerBlobs.add(blob(docker ? MediaType.DOCKER_LAYER : MediaType.OCI_LAYER_GZIP,
          randomBytes(seed * 1000 + i, layerSize)));
    }
    String config = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
        + platform.variant().map(v -> ",\"variant\":\"" + v + "\"").orElse("")
        + ",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"seed\":" + seed + "}";
    Blob configBlob = blob(docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG,
        config.getBytes(StandardCharsets.UTF_8));
    String mediaType = docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST;
    StringBuilder json = new StringBuilder()
        .append("{\"schemaVersion\":2,\"mediaType\":\"").append(mediaType).append("\",\"config\":")
        .append(descriptorJson(configBlob.descriptor(), Optional.empty())).append(",\"layers\":[");
    for (int i = 0; i < layerBlobs.size(); i++) {
      json.append(i == 0 ? "" : ",").append(descriptorJson(layerBlobs.get(i).descriptor(), Optional.empty()));
    }
    json.append("]}");
    List<Blob> blobs = new ArrayList<>();
    blobs.add(configBlob);
    blobs.addAll(layerBlobs);
    return new Image(Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), mediaType), blobs, List.of());
  }

  /** An OCI index (or Docker manifest list when the children are Docker images) over {@code children}. */
  public static Image index(List<Image> children) {
    boolean docker = children.stream().allMatch(c -> c.manifest().mediaType().equals(MediaType.DOCKER_MANIFEST));
    String mediaType = docker ? MediaType.DOCKER_MANIFEST_LIST : MediaType.OCI_INDEX;
    StringBuilder json = new StringBuilder()
        .append("{\"schemaVersion\":2,\"mediaType\":\"").append(mediaType).append("\",\"manifests\":[");
    for (int i = 0; i < children.size(); i++) {
      Image c = children.get(i);
      json.append(i == 0 ? "" : ",").append(descriptorJson(c.manifest().descriptor(), platformOf(c)));
    }
    json.append("]}");
    return new Image(Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), mediaType), List.of(),
        List.copyOf(children));
  }

  /** A two-platform OCI index (linux/amd64, linux/arm64) with two layers each, sharing nothing. */
  public static Image multiArch(long seed, int layerSize) {
    return index(List.of(ociImage(seed, Platform.parse("linux/amd64"), 2, layerSize),
        ociImage(seed + 1, Platform.parse("linux/arm64/v8"), 2, layerSize)));
  }

  /**
   * An artifact manifest (a signature, an SBOM) whose {@code subject} is {@code subject}, with the
   * empty config and one layer.
   */
  public static Image referrer(long seed, Descriptor subject, String artifactType) {
    Blob empty = blob(MediaType.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    Blob payload = blob("application/vnd.example.payload", randomBytes(seed, 64));
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"artifactType\":\""
        + artifactType + "\",\"config\":" + descriptorJson(empty.descriptor(), Optional.empty()) + ",\"layers\":["
        + descriptorJson(payload.descriptor(), Optional.empty()) + "],\"subject\":"
        + descriptorJson(Descriptor.of(subject.mediaType(), subject.digest(), subject.size()), Optional.empty())
        + "}";
    return new Image(Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST),
        List.of(empty, payload), List.of());
  }

  private static Optional<Platform> platformOf(Image image) {
    String config = image.blobs().stream()
        .filter(b -> b.descriptor().equals(image.manifest().config().orElseThrow()))
        .map(b -> new String(b.bytes(), StandardCharsets.UTF_8)).findFirst().orElse("");
    String arch = field(config, "architecture");
    String os = field(config, "os");
    if (arch == null || os == null) {
      return Optional.empty();
    }
    String variant = field(config, "variant");
    return Optional.of(Platform.of(os, arch, Optional.ofNullable(variant), Optional.empty(), List.of()));
  }

  private static String field(String json, String name) {
    String key = "\"" + name + "\":\"";
    int i = json.indexOf(key);
    if (i < 0) {
      return null;
    }
    int start = i + key.length();
    return json.substring(start, json.indexOf('"', start));
  }

  /** A descriptor as JSON. */
  public static String descriptorJson(Descriptor d, Optional<Platform> platform) {
    StringBuilder sb = new StringBuilder().append("{\"mediaType\":\"").append(d.mediaType())
        .append("\",\"digest\":\"").append(d.digest()).append("\",\"size\":").append(d.size());
    d.artifactType().ifPresent(t -> sb.append(",\"artifactType\":\"").append(t).append('"'));
    platform.ifPresent(p -> {
      sb.append(",\"platform\":{\"architecture\":\"").append(p.architecture()).append("\",\"os\":\"")
          .append(p.os()).append('"');
      p.variant().ifPresent(v -> sb.append(",\"variant\":\"").append(v).append('"'));
      sb.append('}');
    });
    return sb.append('}').toString();
  }
}
