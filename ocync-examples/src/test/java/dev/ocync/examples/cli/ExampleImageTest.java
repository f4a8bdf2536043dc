package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped example image, copied by the command line as scripts/demo.sh does. */
class ExampleImageTest {
  /** Tests run in the module directory; the example image is at the repository root. */
  static final Path EXAMPLE = Path.of("../examples/image").toAbsolutePath().normalize();

  static String exampleDigest;

  @BeforeAll
  static void readExample() throws IOException {
    JsonNode index = new ObjectMapper().readTree(EXAMPLE.resolve("index.json").toFile());
    JsonNode entry = index.get("manifests").get(0);
    assertThat(entry.get("annotations").get("org.opencontainers.image.ref.name").asText()).isEqualTo("1.0");
    exampleDigest = entry.get("digest").asText();
  }

  @Test
  void copiesTheExampleIntoALayoutAndAnArchiveWithTheSameDigests(@TempDir Path tmp) throws IOException {
    Path layout = tmp.resolve("layout");
    Path archive = tmp.resolve("image.tar");

    MainTest.Run first = MainTest.run("copy", "oci:" + EXAMPLE + ":1.0", "oci:" + layout + ":1.0");
    assertThat(first.err()).isEmpty();
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("Copied oci:" + EXAMPLE + ":1.0 -> oci:" + layout + ":1.0  " + exampleDigest
        + " (OCI index, 3 manifests, 4 blobs, ");

    MainTest.Run second = MainTest.run("copy", "oci:" + layout + ":1.0", "oci-archive:" + archive + ":1.0");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).startsWith("Copied oci:" + layout + ":1.0 -> oci-archive:" + archive + ":1.0  "
        + exampleDigest + " (OCI index, 3 manifests, 4 blobs, ");
    assertThat(archive).isRegularFile();

    for (Repository copy : new Repository[] {OciLayout.directory(layout), OciLayout.archive(archive)}) {
      try (Repository repo = copy) {
        Descriptor top = repo.resolve("1.0").orElseThrow();
        assertThat(top.digest()).hasToString(exampleDigest);
        Manifest index = repo.fetchManifest("1.0");
        assertThat(index.bytes()).isEqualTo(Files.readAllBytes(blob(exampleDigest)));
        for (Descriptor child : index.manifests()) {
          Manifest m = repo.fetchManifest(child.digest().toString());
          for (Descriptor blob : m.blobs()) {
            try (var in = repo.openBlob(blob)) {
              assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(blob(blob.digest().toString())));
            }
          }
        }
      }
    }
  }

  @Test
  void secondCopyIsUnchangedAndATargetWithoutTagTakesTheSourceTag(@TempDir Path tmp) {
    Path layout = tmp.resolve("layout");
    // no tag on either side: the example holds exactly one, 1.0, and the target takes it
    MainTest.Run first = MainTest.run("copy", "oci:" + EXAMPLE, "oci:" + layout);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).startsWith("Copied oci:" + EXAMPLE + ":1.0 -> oci:" + layout + ":1.0  " + exampleDigest);

    MainTest.Run again = MainTest.run("copy", "oci:" + EXAMPLE + ":1.0", "oci:" + layout + ":1.0");
    assertThat(again.code()).isZero();
    assertThat(again.out()).startsWith("Unchanged oci:" + EXAMPLE + ":1.0 -> oci:" + layout + ":1.0  "
        + exampleDigest + " (OCI index, already present)");
  }

  @Test
  void missingTagFailsWithExitCodeOneAndOneLine(@TempDir Path tmp) {
    MainTest.Run r = MainTest.run(Map.of(), "copy", "oci:" + EXAMPLE + ":2.0", "oci:" + tmp.resolve("x") + ":2.0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: ").contains("2.0").doesNotContain("\tat ");
    assertThat(r.err().strip().lines()).hasSize(1);

    MainTest.Run debug = MainTest.run("copy", "--debug", "oci:" + EXAMPLE + ":2.0", "oci:" + tmp.resolve("x") + ":2.0");
    assertThat(debug.code()).isEqualTo(1);
    assertThat(debug.err()).contains("\tat ");
  }

  /** The digest of the example's tag 1.0, from its index.json. */
  static String exampleDigest() throws IOException {
    if (exampleDigest == null) {
      readExample();
    }
    return exampleDigest;
  }

  private static Path blob(String digest) {
    return EXAMPLE.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }
}
