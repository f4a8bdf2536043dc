package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.TestInfo;

/** Assertions and names shared by the integration tests; they read content without ocync. */
final class Checks {
  private Checks() {}

  /**
   * A repository name no other test uses: {@code it/<class>-<method>-<random>}, so tests sharing a
   * registry never see each other's content.
   */
  static String repository(TestInfo info, String suffix) {
    String cls = info.getTestClass().map(Class::getSimpleName).orElse("it");
    String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
    String random = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    return ("it/" + cls + "-" + method + "-" + random + (suffix.isEmpty() ? "" : "/" + suffix))
        .toLowerCase(Locale.ROOT);
  }

  /**
   * {@code image} is at {@code repository:tag} on {@code registry}, byte for byte: the tag is
   * listed, the tag and every child resolve to the same manifest bytes, every blob has the same
   * bytes, and skopeo reads a manifest whose sha256 is the source digest.
   */
  static void assertImageAt(RegistryServer registry, String repository, String tag, TestImages.Image image)
      throws IOException {
    assertThat(registry.tags(repository)).as("tags of %s at %s", repository, registry.host()).contains(tag);
    assertThat(registry.manifest(repository, tag)).as("manifest %s:%s", repository, tag)
        .hasValue(image.manifest().bytes());
    for (Manifest m : image.allManifests()) {
      assertThat(registry.manifest(repository, m.digest().toString()))
          .as("manifest %s@%s", repository, m.digest()).hasValue(m.bytes());
    }
    for (TestImages.Blob b : image.allBlobs()) {
      assertThat(registry.blob(repository, b.descriptor().digest().toString()))
          .as("blob %s@%s", repository, b.descriptor().digest()).hasValue(b.bytes());
    }
    byte[] raw = Skopeo.inspectRaw(registry, repository + ":" + tag);
    assertThat(Digest.sha256(raw)).as("digest of what skopeo reads").isEqualTo(image.manifest().digest());
  }

  /**
   * {@code image} is in the OCI layout {@code dir} under {@code tag}: {@code index.json} names the
   * top manifest with that tag, and every manifest and blob file has the right bytes.
   */
  static void assertImageInLayout(Path dir, String tag, TestImages.Image image) throws IOException {
    assertThat(dir.resolve("oci-layout")).exists();
    String index = Files.readString(dir.resolve("index.json"), StandardCharsets.UTF_8);
    assertThat(index).contains(image.manifest().digest().toString())
        .contains("\"org.opencontainers.image.ref.name\"").contains("\"" + tag + "\"");
    for (Manifest m : image.allManifests()) {
      assertThat(dir.resolve("blobs/sha256/" + m.digest().encoded())).hasBinaryContent(m.bytes());
    }
    for (TestImages.Blob b : image.allBlobs()) {
      assertThat(dir.resolve("blobs/sha256/" + b.descriptor().digest().encoded())).hasBinaryContent(b.bytes());
    }
  }

  /**
   * Waits (up to a minute) until {@code registry} has logged {@code puts} PUTs since request
   * {@code since} whose path contains {@code pathPart}, or {@code child} has ended; then kills it
   * with SIGKILL and checks it did not finish on its own.
   */
  static void killAfterPuts(Process child, RegistryServer registry, int since, String pathPart, int puts)
      throws InterruptedException {
    try {
      for (int i = 0; i < 1200 && child.isAlive(); i++) {
        List<RegistryServer.Request> r = registry.requests();
        long seen = r.subList(Math.min(since, r.size()), r.size()).stream()
            .filter(q -> q.method().equals("PUT") && q.path().contains(pathPart)).count();
        if (seen >= puts) {
          break;
        }
        Thread.sleep(50);
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
    assertThat(child.exitValue()).as("the mirror process was killed, not finished").isNotZero();
  }

  /**
   * Closes every non-null resource, in order, even when one fails; the first failure is thrown
   * with the others suppressed. For {@code @AfterAll}, so no registry outlives its test class.
   */
  static void closeAll(AutoCloseable... resources) throws IOException {
    Exception first = null;
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof IOException io) {
      throw io;
    }
    if (first instanceof RuntimeException re) {
      throw re;
    }
    if (first != null) {
      throw new IOException(first);
    }
  }

  /** Every message in the exception, its causes and suppressed exceptions, and their toString. */
  static String allText(Throwable t) {
    List<String> out = new ArrayList<>();
    collect(t, out, 0);
    return String.join("\n", out);
  }

  private static void collect(Throwable t, List<String> out, int depth) {
    if (t == null || depth > 10) {
      return;
    }
    out.add(t.toString());
    for (Throwable s : t.getSuppressed()) {
      collect(s, out, depth + 1);
    }
    collect(t.getCause(), out, depth + 1);
  }
}
