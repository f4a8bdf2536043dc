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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 in the middle of a run, then run again: the target never has a tag whose manifest lacks
 * a blob or child, and the rerun converges to the full mirror with the source's digests.
 */
@Timeout(300)
class KillMidRunIT {
  @Test
  void aRunKilledMidwayLeavesTheTargetConsistentAndTheRerunConverges(TestInfo info) throws Exception {
    try (RegistryServer upstream = RegistryServer.plain(); RegistryServer mirror = RegistryServer.plain()) {
      List<String> repos = new ArrayList<>();
      List<TestImages.Image> images = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        TestImages.Image image = TestImages.ociImage(300 + i, Platform.parse("linux/amd64"), 3, 2 << 20);
        String repo = Checks.repository(info, "r" + i);
        Seed.registry(image, upstream, repo, "v1");
        repos.add(repo);
        images.add(image);
      }
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-cp", System.getProperty("java.class.path"), MirrorMain.class.getName(), upstream.host(),
          mirror.host(), "v1"));
      command.addAll(repos);
      Process child = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      // kill -9 once the mirror has committed some blobs and received a manifest or two
      Checks.killAfterPuts(child, mirror, 0, "/v2/", 4);
      long tagged = 0;
      for (String repo : repos) {
        tagged += mirror.tags(repo).isEmpty() ? 0 : 1;
      }
      assertThat(tagged).as("images tagged before the kill").isLessThan(repos.size());

      // consistent: every tag there is complete
      for (int i = 0; i < repos.size(); i++) {
        if (!mirror.tags(repos.get(i)).isEmpty()) {
          Checks.assertImageAt(mirror, repos.get(i), "v1", images.get(i));
        }
      }
      List<Mapping> mappings = new ArrayList<>();
      for (String repo : repos) {
        mappings.add(Mapping.builder().source(upstream.host(), repo).target(mirror.host(), repo).tags("v1").build());
      }
      SyncReport rerun;
      try (Syncer syncer = Syncer.builder().build()) {
        rerun = syncer.run(mappings);
      }
      assertThat(rerun.succeeded()).as(rerun.toString()).isTrue();
      assertThat(rerun.images()).extracting(ImageResult::status)
          .doesNotContain(ImageResult.Status.FAILED, ImageResult.Status.CANCELLED);
      for (int i = 0; i < repos.size(); i++) {
        Checks.assertImageAt(mirror, repos.get(i), "v1", images.get(i));
      }
    }
  }
}
