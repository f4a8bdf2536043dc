package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Platform;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What skopeo writes, ocync reads with the same digests; what ocync writes, skopeo reads. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class SkopeoInteropIT {
  private RegistryServer a;
  private RegistryServer b;
  private Syncer syncer;

  @BeforeAll
  void start() throws IOException {
    a = RegistryServer.plain();
    b = RegistryServer.plain();
    syncer = Syncer.builder().build();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(syncer, a, b);
  }

  @Test
  void ocyncCopiesWhatSkopeoPushed(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.index(List.of(
        TestImages.dockerImage(501, Platform.parse("linux/amd64"), 2, 2048),
        TestImages.dockerImage(502, Platform.parse("linux/arm/v7"), 2, 2048)));
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    byte[] skopeoSees = Skopeo.inspectRaw(a, repo + ":v1");

    CopyResult r = syncer.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1");

    assertThat(r.digest()).isEqualTo(Digest.sha256(skopeoSees));
    assertThat(Skopeo.inspectRaw(b, repo + ":v1")).isEqualTo(skopeoSees);
    Checks.assertImageAt(b, repo, "v1", image);
  }

  @Test
  void ocyncReadsAnArchiveSkopeoWrote(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.multiArch(511, 2048);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    Path tar = tmp.resolve("skopeo.tar");
    Skopeo.copyAll(Skopeo.docker(a, repo + ":v1"), "oci-archive:" + tar + ":v1", Skopeo.srcFlags(a));

    CopyResult r = syncer.copy("oci-archive:" + tar + ":v1", b.host() + "/" + repo + ":v1");

    assertThat(r.digest()).isEqualTo(image.manifest().digest());
    Checks.assertImageAt(b, repo, "v1", image);
  }

  @Test
  void ocyncReadsADirectorySkopeoWrote(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.ociImage(521, Platform.parse("linux/amd64"), 2, 2048);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    Path dir = tmp.resolve("skopeo-layout");
    Skopeo.copyAll(Skopeo.docker(a, repo + ":v1"), "oci:" + dir + ":v1", Skopeo.srcFlags(a));

    CopyResult r = syncer.copy("oci:" + dir + ":v1", "docker://" + b.host() + "/" + repo + ":v1");

    assertThat(r.digest()).isEqualTo(image.manifest().digest());
    Checks.assertImageAt(b, repo, "v1", image);
  }

  @Test
  void skopeoReadsAnArchiveOcyncWrote(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.multiArch(531, 4096);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    Path tar = tmp.resolve("ocync.tar");

    CopyResult r = syncer.copy(a.host() + "/" + repo + ":v1", "oci-archive:" + tar + ":v1");
    assertThat(r.digest()).isEqualTo(image.manifest().digest());

    assertThat(Skopeo.inspectRaw("oci-archive:" + tar + ":v1", List.of())).isEqualTo(image.manifest().bytes());
    // copy --all reads every child out of the archive; the registry then holds them byte for byte
    Skopeo.copyAll("oci-archive:" + tar + ":v1", Skopeo.docker(b, repo + ":from-ocync"), Skopeo.destFlags(b));
    Checks.assertImageAt(b, repo, "from-ocync", image);
  }

  @Test
  void skopeoReadsWhatOcyncPushedToARegistry(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.multiArch(541, 2048);
    String repo = Checks.repository(info, "");
    Seed.registry(image, a, repo, "v1");
    syncer.copy(a.host() + "/" + repo + ":v1", b.host() + "/" + repo + ":v1");

    Path out = tmp.resolve("dir");
    Skopeo.copyAll(Skopeo.docker(b, repo + ":v1"), "dir:" + out, Skopeo.srcFlags(b));

    assertThat(out.resolve("manifest.json")).hasBinaryContent(image.manifest().bytes());
    for (TestImages.Image child : image.children()) {
      assertThat(out.resolve(child.manifest().digest().encoded() + ".manifest.json"))
          .hasBinaryContent(child.manifest().bytes());
    }
    for (TestImages.Blob blob : image.allBlobs()) {
      assertThat(Files.readAllBytes(out.resolve(blob.descriptor().digest().encoded()))).isEqualTo(blob.bytes());
    }
  }
}
