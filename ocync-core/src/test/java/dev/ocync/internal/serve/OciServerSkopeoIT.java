package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciLayout;
import dev.ocync.OciServer;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages.Blob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo pulls from the server what an OCI layout and an archive bundle hold, with the bundle's digests. */
class OciServerSkopeoIT {
  private final ServeFixtures f = new ServeFixtures(5000);
  @TempDir Path tmp;

  @BeforeAll
  static void needsSkopeo() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
  }

  private static String docker(OciServer server, String ref) {
    return "docker://127.0.0.1:" + server.port() + "/" + ref;
  }

  private static byte[] inspectRaw(OciServer server, String ref) throws Exception {
    return Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false", docker(server, ref))).requireSuccess()
        .stdout();
  }

  private static void copy(OciServer server, String ref, Path out, String tag) throws Exception {
    Skopeo.run(List.of("copy", "--all", "--preserve-digests", "--dest-oci-accept-uncompressed-layers", "--src-tls-verify=false", docker(server, ref), "oci:" + out + ":" + tag))
        .requireSuccess();
  }

  /** Every tag served, copied by skopeo into a fresh layout, resolves there to the digest the bundle holds. */
  private void pullEverything(OciServer server, String name) throws Exception {
    assertThat(inspectRaw(server, name + ":multi")).isEqualTo(f.multi.manifest().bytes());
    assertThat(inspectRaw(server, name + ":single")).isEqualTo(f.single.manifest().bytes());
    String inspected = Skopeo.run(List.of("inspect", "--tls-verify=false", docker(server, name + ":single")))
        .requireSuccess().out();
    assertThat(new ObjectMapper().readTree(inspected).path("Digest").asText())
        .isEqualTo(f.single.manifest().digest().toString());

    Path out = tmp.resolve("pulled-" + name.replace('/', '-'));
    copy(server, name + ":multi", out, "multi");
    copy(server, name + ":single", out, "single");
    // skopeo 1.9 cannot write an index carrying artifactType without re-serializing it, so the
    // fallback index is checked byte for byte as served, and its referrer copied by digest
    assertThat(inspectRaw(server, name + ":" + f.fallbackTag())).isEqualTo(f.fallbackIndex.bytes());
    copy(server, name + "@" + f.signature.manifest().digest(), out, "signature");
    try (Repository pulled = OciLayout.directory(out)) {
      assertThat(pulled.resolve("multi").orElseThrow().digest()).isEqualTo(f.multi.manifest().digest());
      assertThat(pulled.resolve("single").orElseThrow().digest()).isEqualTo(f.single.manifest().digest());
      assertThat(pulled.resolve("signature").orElseThrow().digest()).isEqualTo(f.signature.manifest().digest());
      List<Blob> blobs = new ArrayList<>(f.multi.allBlobs());
      blobs.addAll(f.single.allBlobs());
      blobs.addAll(f.signature.allBlobs());
      for (Blob b : blobs) {
        assertThat(pulled.hasBlob(b.descriptor())).as("blob %s", b.descriptor().digest()).isTrue();
        try (var in = pulled.openBlob(b.descriptor())) {
          assertThat(Digest.sha256(in.readAllBytes())).isEqualTo(b.descriptor().digest());
        }
      }
    }
  }

  @Test
  void skopeoPullsALayoutDirectory() throws Exception {
    Path dir = tmp.resolve("layout");
    try (Repository layout = OciLayout.directory(dir)) {
      f.pushTo(layout);
    }
    try (Repository layout = OciLayout.directory(dir);
        OciServer server = OciServer.builder().repository("airgap/app", layout).build().start()) {
      pullEverything(server, "airgap/app");
    }
  }

  @Test
  void skopeoPullsEveryRepositoryOfAnArchiveBundle() throws Exception {
    Path tar = tmp.resolve("bundle.tar");
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(tar)) {
      f.pushTo(bundle.repository("mirror/app"));
      f.single.pushTo(bundle.repository("mirror/tools/base"), java.util.Optional.of("1.0"));
    }
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(tar);
        OciServer server = OciServer.builder().bundle("", bundle).build().start()) {
      pullEverything(server, "mirror/app");
      assertThat(inspectRaw(server, "mirror/tools/base:1.0")).isEqualTo(f.single.manifest().bytes());
      RawHttp.Reply catalog = RawHttp.send(server.port(), "GET", "/v2/_catalog");
      assertThat(catalog.text()).isEqualTo("{\"repositories\":[\"mirror/app\",\"mirror/tools/base\"]}");
      Skopeo.Result unknown = Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false",
          docker(server, "mirror/nothing:1.0")));
      assertThat(unknown.exitCode()).isNotZero();
    }
  }

  @Test
  void skopeoNeedsTheRightCredentialsWhenTheServerAsksForThem() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd is not installed");
    Path htpasswd = tmp.resolve("htpasswd");
    Process p = new ProcessBuilder("/usr/bin/htpasswd", "-cbB", htpasswd.toString(), "puller", "c0rrect-horse")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    Path dir = tmp.resolve("layout");
    try (Repository layout = OciLayout.directory(dir)) {
      f.pushTo(layout);
    }
    try (Repository layout = OciLayout.directory(dir);
        OciServer server = OciServer.builder().repository("airgap/app", layout).htpasswd(htpasswd).build().start()) {
      String ref = docker(server, "airgap/app:single");
      Skopeo.Result none = Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false", ref));
      Skopeo.Result wrong = Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false", "--creds",
          "puller:wrong-horse", ref));
      assertThat(none.exitCode()).isNotZero();
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.stderr()).doesNotContain("wrong-horse");
      byte[] right = Skopeo.run(List.of("inspect", "--raw", "--tls-verify=false", "--creds", "puller:c0rrect-horse",
          ref)).requireSuccess().stdout();
      assertThat(right).isEqualTo(f.single.manifest().bytes());
    }
  }
}
