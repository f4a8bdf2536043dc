package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
    Path source = tmp.resolve("big");
    try (OciLayout.Bundle b = OciLayout.directoryBundle(source)) {
      for (int i = 0; i < 24; i++) {
        TestImages.ociImage(2000 + i, Platform.parse("linux/amd64"), 2, 512 * 1024)
            .pushTo(b.repository("big/app"), Optional.of("2." + i));
      }
    }
    Path cfg = tmp.resolve("watch.yaml");
    Files.writeString(cfg, "global: {cache_dir: cache, max_concurrent_transfers: 1}\nregistries:\n"
        + "  big: {type: oci-layout, path: " + source + "}\n  plain: {url: http://" + plain.host() + "}\n"
        + "mappings:\n  - {from: big/app, to: cli/watch, source: big, targets: plain, tags: {}}\n");
    Path report = tmp.resolve("report.json");
    Path jar = Path.of("target", "ocync.jar");
    assertThat(jar).as("ocync.jar from the package phase").isRegularFile();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "watch", "-c", cfg.toString(), "--interval", "1h", "--json", report.toString(),
        "--drain-timeout", "60s").redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (output) {
            output.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.start();
    // mid-cycle: once the first tag has arrived at the target
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (plain.tags("cli/watch").isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
      Thread.sleep(50);
    }
    assertThat(plain.tags("cli/watch")).as("a tag arrived before the signal").isNotEmpty();
    assertThat(p.toHandle().destroy()).isTrue(); // SIGTERM
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("watch stopped after the drain").isTrue();
    reader.join(10_000);
    String text;
    synchronized (output) {
      text = output.toString();
    }
    assertThat(p.exitValue()).as(text).isZero();
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
    for (String t : tags) {
      Manifest m = Manifest.parse(plain.manifest("cli/watch", t).orElseThrow(), MediaType.OCI_MANIFEST);
      for (Descriptor d : m.blobs()) {
        assertThat(plain.blob("cli/watch", d.digest().toString())).as(t + " " + d.digest()).isPresent();
      }
    }
  }
}
