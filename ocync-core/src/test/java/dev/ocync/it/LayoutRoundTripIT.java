package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.CopyResult;
import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Air-gap round trips: registry → layout directory → layout archive → registry, same digests everywhere. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class LayoutRoundTripIT {
  private RegistryServer registry;
  private Syncer syncer;

  @BeforeAll
  void start() throws IOException {
    registry = RegistryServer.plain();
    syncer = Syncer.builder().build();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(syncer, registry);
  }

  @Test
  void registryToDirectoryToArchiveToRegistryKeepsEveryDigest(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.index(List.of(
        TestImages.ociImage(201, Platform.parse("linux/amd64"), 2, 4096),
        TestImages.ociImage(202, Platform.parse("linux/arm64/v8"), 2, 4096),
        TestImages.ociImage(203, Platform.parse("windows/amd64"), 1, 2048)));
    String src = Checks.repository(info, "src");
    String back = Checks.repository(info, "back");
    Seed.registry(image, registry, src, "1.0");
    Path dir = tmp.resolve("layout");
    Path tar = tmp.resolve("bundle.tar");

    CopyResult toDir = syncer.copy("docker://" + registry.host() + "/" + src + ":1.0", "oci:" + dir + ":1.0");
    assertThat(toDir.digest()).isEqualTo(image.manifest().digest());
    Checks.assertImageInLayout(dir, "1.0", image);
    assertThat(Skopeo.inspectRaw("oci:" + dir + ":1.0", List.of())).isEqualTo(image.manifest().bytes());

    CopyResult toArchive = syncer.copy("oci:" + dir + ":1.0", "oci-archive:" + tar + ":1.0");
    assertThat(toArchive.digest()).isEqualTo(image.manifest().digest());
    assertThat(tar).isRegularFile();
    assertThat(Skopeo.inspectRaw("oci-archive:" + tar + ":1.0", List.of())).isEqualTo(image.manifest().bytes());

    CopyResult toRegistry = syncer.copy("oci-archive:" + tar + ":1.0", registry.host() + "/" + back + ":1.0");
    assertThat(toRegistry.digest()).isEqualTo(image.manifest().digest());
    Checks.assertImageAt(registry, back, "1.0", image);
  }

  @Test
  void manyBlobsArriveAtOnceInANewArchive(TestInfo info, @TempDir Path tmp) throws IOException {
    // six platforms, three layers each: with 8 blobs in flight, the first writes into a new
    // archive race each other
    List<TestImages.Image> children = new java.util.ArrayList<>();
    String[] platforms = {"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/ppc64le", "linux/s390x", "linux/386"};
    for (int i = 0; i < platforms.length; i++) {
      children.add(TestImages.ociImage(221 + i, Platform.parse(platforms[i]), 3, 1024));
    }
    TestImages.Image image = TestImages.index(children);
    String src = Checks.repository(info, "");
    Seed.registry(image, registry, src, "v1");

    try (Syncer wide = Syncer.builder().concurrency(8).build()) {
      for (int round = 0; round < 3; round++) {
        Path tar = tmp.resolve("round-" + round + ".tar");
        CopyResult r = wide.copy(registry.host() + "/" + src + ":v1", "oci-archive:" + tar + ":v1");
        assertThat(r.digest()).isEqualTo(image.manifest().digest());
        assertThat(Skopeo.inspectRaw("oci-archive:" + tar + ":v1", List.of())).isEqualTo(image.manifest().bytes());
      }
    }
  }

  @Test
  void repositoryApiCopiesIntoAnArchiveThatSkopeoReads(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image image = TestImages.ociImage(211, Platform.parse("linux/amd64"), 2, 4096);
    String src = Checks.repository(info, "");
    Seed.registry(image, registry, src, "v1");
    Path tar = tmp.resolve("one.tar");

    try (Registry r = Registry.of(registry.host());
        Repository archive = OciLayout.archive(tar)) {
      CopyResult result = syncer.copy(r.repository(src), "v1", archive, Optional.of("v1"));
      assertThat(result.digest()).isEqualTo(image.manifest().digest());
    }

    byte[] raw = Skopeo.inspectRaw("oci-archive:" + tar + ":v1", List.of());
    assertThat(Digest.sha256(raw)).isEqualTo(image.manifest().digest());
    try (Repository archive = OciLayout.archive(tar)) {
      assertThat(archive.listTags()).containsExactly("v1");
      for (TestImages.Blob b : image.allBlobs()) {
        assertThat(archive.openBlob(b.descriptor()).readAllBytes()).isEqualTo(b.bytes());
      }
    }
  }

  @Test
  void registryRepositoriesIntoABundleAndBackUnderTheSameNames(TestInfo info, @TempDir Path tmp) throws IOException {
    TestImages.Image app = TestImages.multiArch(231, 2048);
    TestImages.Image db = TestImages.ociImage(233, Platform.parse("linux/amd64"), 2, 2048);
    String appRepo = Checks.repository(info, "app");
    String dbRepo = Checks.repository(info, "db");
    Seed.registry(app, registry, appRepo, "1.4");
    Seed.registry(db, registry, dbRepo, "2.0");
    Path tar = tmp.resolve("bundle.tar");

    try (Registry r = Registry.of(registry.host()); OciLayout.Bundle bundle = OciLayout.archiveBundle(tar)) {
      syncer.copy(r.repository(appRepo), "1.4", bundle.repository(appRepo), Optional.of("1.4"));
      syncer.copy(r.repository(dbRepo), "2.0", bundle.repository(dbRepo), Optional.of("2.0"));
    }
    // what skopeo and other tools read: <repository>:<tag>
    assertThat(Skopeo.inspectRaw("oci-archive:" + tar + ":" + appRepo + ":1.4", List.of()))
        .isEqualTo(app.manifest().bytes());

    // mirror back, under the same repository names, into another path of the registry
    try (Registry r = Registry.of(registry.host()); OciLayout.Bundle bundle = OciLayout.archiveBundle(tar)) {
      assertThat(bundle.repositories()).containsExactlyInAnyOrder(appRepo, dbRepo);
      for (String name : bundle.repositories()) {
        Repository source = bundle.repository(name);
        for (String tag : source.listTags()) {
          syncer.copy(source, tag, r.repository("back/" + name), Optional.of(tag));
        }
      }
    }
    Checks.assertImageAt(registry, "back/" + appRepo, "1.4", app);
    Checks.assertImageAt(registry, "back/" + dbRepo, "2.0", db);
  }

  @Test
  void parallelCopiesIntoOneArchiveKeepEveryTag(TestInfo info, @TempDir Path tmp) throws Exception {
    String src = Checks.repository(info, "");
    int copies = 5;
    List<TestImages.Image> images = new java.util.ArrayList<>();
    for (int i = 0; i < copies; i++) {
      TestImages.Image image = TestImages.ociImage(240 + i, Platform.parse("linux/amd64"), 1, 1024);
      images.add(image);
      Seed.registry(image, registry, src, "t" + i);
    }
    Path tar = tmp.resolve("shared.tar");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(copies);
    try {
      List<java.util.concurrent.Future<CopyResult>> results = new java.util.ArrayList<>();
      for (int i = 0; i < copies; i++) {
        String tag = "t" + i;
        results.add(pool.submit(() -> syncer.copy(registry.host() + "/" + src + ":" + tag, "oci-archive:" + tar)));
      }
      for (java.util.concurrent.Future<CopyResult> f : results) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Repository archive = OciLayout.archive(tar)) {
      assertThat(archive.listTags()).containsExactlyInAnyOrder("t0", "t1", "t2", "t3", "t4");
    }
    for (int i = 0; i < copies; i++) {
      assertThat(Skopeo.inspectRaw("oci-archive:" + tar + ":t" + i, List.of())).isEqualTo(images.get(i).manifest().bytes());
    }
  }
}
