package dev.ocync.it;

import dev.ocync.oci.Manifest;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Puts test images where tests read them from without going through ocync: an OCI layout written
 * here by hand, and from there into a registry by skopeo. A bug in ocync's writers then cannot hide
 * a bug in ocync's readers.
 */
final class Seed {
  private Seed() {}

  /**
   * Writes {@code image} (all blobs, child manifests and its manifest) as an OCI image layout in
   * {@code dir}, with {@code index.json} naming it {@code tag}.
   */
  static Path layout(TestImages.Image image, Path dir, String tag) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    for (TestImages.Blob b : image.allBlobs()) {
      Files.write(blobs.resolve(b.descriptor().digest().encoded()), b.bytes());
    }
    for (Manifest m : image.allManifests()) {
      Files.write(blobs.resolve(m.digest().encoded()), m.bytes());
    }
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Manifest top = image.manifest();
    String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + "{\"mediaType\":\"" + top.mediaType() + "\",\"digest\":\"" + top.digest() + "\",\"size\":" + top.size()
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}";
    Files.writeString(dir.resolve("index.json"), index, StandardCharsets.UTF_8);
    return dir;
  }

  /**
   * Writes {@code image} in skopeo's {@code dir:} format: {@code manifest.json} for the top manifest,
   * {@code <hex>.manifest.json} for each child, a file per blob, and a {@code version} file. Unlike
   * skopeo's {@code oci:} reader, this format carries Docker manifest lists too.
   */
  static Path skopeoDir(TestImages.Image image, Path dir) throws IOException {
    Files.createDirectories(dir);
    for (TestImages.Blob b : image.allBlobs()) {
      Files.write(dir.resolve(b.descriptor().digest().encoded()), b.bytes());
    }
    for (Manifest m : image.allManifests()) {
      if (!m.equals(image.manifest())) {
        Files.write(dir.resolve(m.digest().encoded() + ".manifest.json"), m.bytes());
      }
    }
    Files.write(dir.resolve("manifest.json"), image.manifest().bytes());
    Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n");
    return dir;
  }

  /**
   * Pushes {@code image} to {@code repository:tag} on {@code registry} with skopeo, from files
   * written here, so ocync's own writers play no part.
   */
  static void registry(TestImages.Image image, RegistryServer registry, String repository, String tag)
      throws IOException {
    Path dir = Files.createTempDirectory("ocync-seed-");
    try {
      skopeoDir(image, dir.resolve("image"));
      Skopeo.push("dir:" + dir.resolve("image"), registry, repository + ":" + tag);
    } finally {
      delete(dir);
    }
  }

  static void delete(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
