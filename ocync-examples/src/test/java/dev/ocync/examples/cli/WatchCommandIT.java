package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.testing.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code watch} as a real process: SIGTERM in the middle of a cycle drains it (images in flight
 * finish, the rest never start), writes that cycle's report, and exits 0, leaving every tag at
 * the target complete.
 */
@Timeout(300)
class WatchCommandIT {
  private RegistryServer plain;

  @BeforeEach
  void start() throws IOException {
    plain = RegistryServer.plain();
  }

  @AfterEach
  void stop() {
    plain.close();
  }

  @Test
  void sigtermMidCycleDrainsWritesTheReportAndExitsZero(@TempDir Path tmp) throws Exception {
    Path source = SyncCommandIT.bigSource(tmp, 2000, "2");
    Path cfg = tmp.resolve("watch.yaml");
    Files.writeString(cfg, "global: {cache_dir: cache, max_concurrent_transfers: 1}\nregistries:\n"
        + "  big: {type: oci-layout, path: " + source + "}\n  plain: {url: http://" + plain.host() + "}\n"
        + "mappings:\n  - {from: big/app, to: cli/watch, source: big, targets: plain, tags: {}}\n");
    Path report = tmp.resolve("report.json");
    String text;
    try (JarProcess p = JarProcess.start("watch", "-c", cfg.toString(), "--interval", "1h", "--json",
        report.toString(), "--drain-timeout", "60s")) {
      // mid-cycle: once the first tag has arrived at the target
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (plain.tags("cli/watch").isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(50);
      }
      assertThat(plain.tags("cli/watch")).as("a tag arrived before the signal").isNotEmpty();
      int code = p.terminate(Duration.ofSeconds(60));
      text = p.output();
      assertThat(code).as(text).isZero();
    }
    assertThat(text).doesNotContain("\tat ");

    assertThat(report).as(text).isRegularFile();
    String json = Files.readString(report);
    SyncCommandTest.assertValidReport(json);
    JsonNode r = new ObjectMapper().readTree(json);
    assertThat(r.path("images")).hasSize(24);
    long synced = 0;
    for (JsonNode image : r.path("images")) {
      String status = image.path("status").asText();
      assertThat(status).as(image.toString()).isIn("SYNCED", "CANCELLED");
      if (status.equals("CANCELLED")) {
        // drained, not cut off: nothing that had started was abandoned
        assertThat(image.path("started").asBoolean()).as(image.toString()).isFalse();
      } else {
        synced++;
      }
    }
    if (synced < 24) {
      assertThat(r.path("cancelled").asBoolean()).as("a drain that stopped images is a cancelled run").isTrue();
      assertThat(text).contains("stopping: no new images start");
    }
    // the target holds what the report says, and every tag there is complete
    List<String> tags = plain.tags("cli/watch");
    assertThat(tags).hasSize((int) synced);
    SyncCommandIT.assertTagsComplete(plain, "cli/watch", tags);
  }
}
