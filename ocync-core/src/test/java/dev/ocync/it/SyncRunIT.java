package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import dev.ocync.oci.Platform;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Syncer.run between two real distribution registries: several repositories and tags in one run,
 * digests equal to the source's, and a second run that changes nothing, checked in the target
 * registry's access log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class SyncRunIT {
  private RegistryServer upstream;
  private RegistryServer mirror;

  @BeforeAll
  void start() throws IOException {
    upstream = RegistryServer.plain();
    mirror = RegistryServer.plain();
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(upstream, mirror);
  }

  @Test
  void mirrorsSeveralRepositoriesAndASecondRunUploadsAndPushesNothing(TestInfo info) throws IOException {
    List<Mapping> mappings = new ArrayList<>();
    List<String> repos = new ArrayList<>();
    List<TestImages.Image> images = List.of(TestImages.multiArch(201, 4096),
        TestImages.ociImage(211, Platform.parse("linux/amd64"), 3, 8192),
        TestImages.index(List.of(TestImages.dockerImage(221, Platform.parse("linux/amd64"), 2, 2048))));
    for (int i = 0; i < images.size(); i++) {
      String repo = Checks.repository(info, "r" + i);
      repos.add(repo);
      Seed.registry(images.get(i), upstream, repo, "v1");
      Seed.registry(images.get(i), upstream, repo, "v2");
      mappings.add(Mapping.builder().source(upstream.host(), repo).target(mirror.host(), "mirror/" + repo)
          .tags("v1", "v2").build());
    }

    try (Syncer syncer = Syncer.builder().build()) {
      SyncReport first = syncer.run(mappings);

      assertThat(first.succeeded()).as(first.toString()).isTrue();
      assertThat(first.images()).hasSize(6).extracting(ImageResult::status).containsOnly(ImageResult.Status.SYNCED);
      for (int i = 0; i < images.size(); i++) {
        String repo = "mirror/" + repos.get(i);
        Checks.assertImageAt(mirror, repo, "v1", images.get(i));
        Checks.assertImageAt(mirror, repo, "v2", images.get(i));
        assertThat(first.images().get(2 * i).targetDigest()).contains(images.get(i).manifest().digest());
      }
      int before = mirror.requestsSoFar().size();

      SyncReport second = syncer.run(mappings);

      assertThat(second.images()).extracting(ImageResult::status).containsOnly(ImageResult.Status.SKIPPED);
      List<RegistryServer.Request> requests = mirror.requestsSoFar();
      assertThat(requests.subList(before, requests.size())).as("requests to the mirror in the second run")
          .allMatch(r -> r.method().equals("HEAD"), "HEAD only: no upload, no mount, no manifest PUT");
    }
  }

  @Test
  void aWarmRunInAnotherProcessSpendsAtMostTwoRequestsPerTagAndWritesNothing(TestInfo info,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path cache) throws IOException {
    List<Mapping> mappings = new ArrayList<>();
    List<TestImages.Image> images = List.of(TestImages.multiArch(231, 2048),
        TestImages.ociImage(241, Platform.parse("linux/amd64"), 2, 4096));
    int tags = 0;
    List<String> repos = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      String repo = Checks.repository(info, "w" + i);
      repos.add(repo);
      for (String t : List.of("v1", "v2", "v3")) {
        Seed.registry(images.get(i), upstream, repo, t);
        tags++;
      }
      mappings.add(Mapping.builder().source(upstream.host(), repo).target(mirror.host(), "mirror/" + repo)
          .tags(dev.ocync.TagSelector.builder().glob("v*").build()).build());
    }
    try (Syncer cold = Syncer.builder().cacheDirectory(cache).build()) {
      SyncReport first = cold.run(mappings);
      assertThat(first.succeeded()).as(first.toString()).isTrue();
    }
    int src = upstream.requestsSoFar().size();
    int dst = mirror.requestsSoFar().size();

    SyncReport warm;
    // another Syncer on the same cache directory: what a nightly job in a new process pays
    try (Syncer again = Syncer.builder().cacheDirectory(cache).build()) {
      warm = again.run(mappings);
    }

    assertThat(warm.images()).as(warm.toString()).extracting(ImageResult::skipReason)
        .containsOnly(java.util.Optional.of(ImageResult.SkipReason.CACHED));
    List<RegistryServer.Request> atSource = upstream.requestsSoFar().subList(src, upstream.requestsSoFar().size());
    List<RegistryServer.Request> atTarget = mirror.requestsSoFar().subList(dst, mirror.requestsSoFar().size());
    assertThat(atTarget).as("requests to the mirror in the warm run")
        .noneMatch(r -> r.method().equals("PUT") || r.method().equals("POST") || r.method().equals("PATCH"));
    assertThat(atSource.size() + atTarget.size()).as("requests in the warm run: %s %s", atSource, atTarget)
        .isLessThanOrEqualTo(2 * tags);
    for (int i = 0; i < images.size(); i++) {
      for (String t : List.of("v1", "v2", "v3")) {
        Checks.assertImageAt(mirror, "mirror/" + repos.get(i), t, images.get(i));
      }
    }
  }
}
