package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciLayout;
import dev.ocync.oci.Platform;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --shard I/N: disjoint, covering, stable, and JOB_COMPLETION_INDEX as the default index. */
class ShardTest {
  @Test
  void sharesAreDisjointCoverEverythingAndAreStable() {
    List<String> tags = IntStream.range(0, 500).mapToObj(i -> "1." + i).toList();
    for (int n : new int[] {1, 2, 3, 7}) {
      Set<String> seen = new HashSet<>();
      int total = 0;
      for (int i = 0; i < n; i++) {
        List<String> mine = new Shard(i, n).share("library/nginx", tags);
        assertThat(mine).isEqualTo(new Shard(i, n).share("library/nginx", tags));
        total += mine.size();
        seen.addAll(mine);
        if (n > 1) {
          assertThat(mine.size()).as("shard %d/%d gets a fair part", i, n).isBetween(500 / n / 2, 500 / n * 2);
        }
      }
      assertThat(total).as("disjoint").isEqualTo(500);
      assertThat(seen).as("covering").hasSize(500);
    }
    // pinned: the split must not change between releases, or two versions in one Job would overlap
    // (SHA-256 of "demo/hello:1.<i>", its first 8 bytes as an unsigned number, modulo 5)
    assertThat(new Shard(0, 3).owner("library/nginx:1.27")).isEqualTo(new Shard(2, 3).owner("library/nginx:1.27"));
    assertThat(IntStream.range(0, 8).map(i -> new Shard(0, 5).owner("demo/hello:1." + i)).toArray())
        .containsExactly(2, 1, 1, 3, 4, 0, 3, 1);
  }

  @Test
  void parsesTheIndexOrTakesItFromTheJob() {
    assertThat(Shard.parse("1/3", Map.of())).isEqualTo(new Shard(1, 3));
    assertThat(Shard.parse("3", Map.of("JOB_COMPLETION_INDEX", "2"))).isEqualTo(new Shard(2, 3));
    assertThat(Shard.parse("/3", Map.of("JOB_COMPLETION_INDEX", "0"))).isEqualTo(new Shard(0, 3));
    assertThatThrownBy(() -> Shard.parse("3", Map.of())).hasMessageContaining("JOB_COMPLETION_INDEX is not set");
    assertThatThrownBy(() -> Shard.parse("3/3", Map.of())).hasMessageContaining("0 <= I < N");
    assertThatThrownBy(() -> Shard.parse("a/b", Map.of())).hasMessageContaining("expected I/N such as 0/3");
    MainTest.Run r = MainTest.run("sync", "-c", "x.yaml", "--shard", "5/2");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--shard: expected I/N with 0 <= I < N");
  }

  @Test
  void workersTogetherMirrorEveryImageOnce(@TempDir Path tmp) throws IOException {
    Path source = tmp.resolve("source");
    List<String> all = new ArrayList<>();
    try (OciLayout.Bundle b = OciLayout.directoryBundle(source)) {
      for (int i = 0; i < 12; i++) {
        TestImages.ociImage(50 + i, Platform.parse("linux/amd64"), 1, 64).pushTo(b.repository("demo/many"),
            Optional.of("1." + i));
        all.add("1." + i);
      }
    }
    Path cfg = tmp.resolve("mirror.yaml");
    Files.writeString(cfg, "global: {cache_dir: cache}\nregistries:\n  src: {type: oci-layout, path: source}\n"
        + "  dst: {type: oci-layout, path: target}\nmappings:\n  - {from: demo/many, source: src, targets: dst, tags: {}}\n");
    MainTest.Run dry = MainTest.run("sync", "--dry-run", "-c", cfg.toString(), "--shard", "0/3");
    assertThat(dry.code()).as(dry.err()).isZero();
    int first = new Shard(0, 3).share("demo/many", all).size();
    assertThat(dry.err()).contains("shard 0/3: demo/many: " + first + " of 12 tags", "shard 0/3: " + first + " of 12 images");
    Set<String> synced = new HashSet<>();
    int count = 0;
    for (int i = 0; i < 3; i++) {
      MainTest.Run r = MainTest.run(Map.of("JOB_COMPLETION_INDEX", String.valueOf(i)),
          "sync", "-c", cfg.toString(), "--shard", "3", "--json", "-");
      assertThat(r.code()).as(r.err()).isZero();
      if (r.out().isBlank()) {
        continue; // this worker had nothing
      }
      for (JsonNode img : new ObjectMapper().readTree(r.out()).path("images")) {
        assertThat(img.path("status").asText()).isEqualToIgnoringCase("synced");
        synced.add(img.path("tag").asText());
        count++;
      }
    }
    assertThat(count).as("each image once").isEqualTo(12);
    assertThat(synced).containsExactlyInAnyOrderElementsOf(all);
    try (OciLayout.Bundle target = OciLayout.directoryBundle(tmp.resolve("target"))) {
      assertThat(target.repository("demo/many").listTags()).containsExactlyInAnyOrderElementsOf(all);
    }
  }
}
