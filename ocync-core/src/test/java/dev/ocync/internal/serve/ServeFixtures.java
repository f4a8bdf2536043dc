package dev.ocync.internal.serve;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import java.util.concurrent.TimeUnit;

/** What the serve tests put in a bundle: images skopeo copies without recompressing, and a referrer. */
final class ServeFixtures {
  static final String SIGNATURE = "application/vnd.example.signature";

  final Image multi = TestImages.index(List.of(gzipImage(41, Platform.parse("linux/amd64"), 3000),
      gzipImage(42, Platform.parse("linux/arm64/v8"), 3000)));
  final Image single;
  final Image signature;
  final Manifest fallbackIndex;

  ServeFixtures(int layerSize) {
    single = gzipImage(43, Platform.parse("linux/amd64"), layerSize);
    signature = TestImages.referrer(44, single.manifest().descriptor(), SIGNATURE);
    Descriptor sig = signature.manifest().descriptor();
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
        + sig.mediaType() + "\",\"digest\":\"" + sig.digest() + "\",\"size\":" + sig.size() + ",\"artifactType\":\""
        + SIGNATURE + "\"}]}";
    fallbackIndex = Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX);
  }

  /** The tag-schema fallback tag of {@link #single}'s referrers. */
  String fallbackTag() {
    return "sha256-" + single.manifest().digest().encoded();
  }

  /** multi, single, the signature and its fallback index, tagged. */
  void pushTo(Repository repo) throws IOException {
    multi.pushTo(repo, Optional.of("multi"));
    single.pushTo(repo, Optional.of("single"));
    signature.pushTo(repo, Optional.empty());
    repo.pushManifest(fallbackIndex, Optional.of(fallbackTag()));
  }

  /** An OCI image whose two layers really are gzip streams (skopeo sniffs layers and would recompress others). */
  static Image gzipImage(long seed, Platform platform, int layerSize) {
    List<Blob> blobs = new ArrayList<>();
    String config = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\""
        + platform.variant().map(v -> ",\"variant\":\"" + v + "\"").orElse("")
        + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"seed\":" + seed + "}";
    blobs.add(TestImages.blob(MediaType.OCI_CONFIG, config.getBytes(StandardCharsets.UTF_8)));
    StringBuilder layers = new StringBuilder();
    for (int i = 0; i < 2; i++) {
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(TestImages.randomBytes(seed * 100 + i, layerSize));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Blob layer = TestImages.blob(MediaType.OCI_LAYER_GZIP, gz.toByteArray());
      blobs.add(layer);
      layers.append(i == 0 ? "" : ",").append(TestImages.descriptorJson(layer.descriptor(), Optional.empty()));
    }
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":"
        + TestImages.descriptorJson(blobs.get(0).descriptor(), Optional.empty()) + ",\"layers\":[" + layers + "]}";
    return new Image(Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST), blobs, List.of());
  }

  /** Runs {@code java ARGS} with this JVM's binary and returns what it printed; fails unless it exits 0 in time. */
  static String runJava(List<String> args, int timeoutSeconds) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM did not finish in " + timeoutSeconds + " s: " + cmd);
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError("child JVM exited " + p.exitValue() + ": " + text);
    }
    return text;
  }
}
