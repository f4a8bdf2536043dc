package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** watch: quiet steady state, config reloads that keep the last good config, health endpoints. */
class WatchTest {
  private final StringWriter text = new StringWriter();
  private int seen;

  /** What the loop printed since the last call. */
  private String next() {
    String all = text.toString();
    String out = all.substring(seen);
    seen = all.length();
    return out;
  }

  private static String config(String tags) {
    return """
        global: {cache_dir: cache, cache_ttl: "0"}
        registries:
          example: {type: oci-layout, path: %s}
          copy: {type: oci-layout, path: layout}
        mappings:
          - {from: demo/hello, source: example, targets: copy, tags: %s}
        """.formatted(SyncCommandTest.BUNDLE, tags);
  }

  @Test
  void saysSomethingOnlyWhenAnOutcomeChangesAndKeepsTheLastGoodConfig(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("mirror.yaml");
    Files.writeString(file, config("{}"));
    String source = "oci:" + SyncCommandTest.BUNDLE + ":demo/hello";
    try (WatchLoop loop = new WatchLoop(file, Map.of(), new PrintWriter(text, true), Progress.Level.NORMAL)) {
      assertThat(loop.cycle()).isZero();
      assertThat(next()).startsWith(source + " -> oci:" + tmp + "/layout:demo/hello: synced 1, skipped 0, failed 0 (")
          .contains("summary: 1 mapping | 1 synced");

      assertThat(loop.cycle()).isZero();
      assertThat(next()).as("steady state is silent").isEmpty();

      Files.writeString(file, config("{}") + "  - {from: x, source: example, targets: copy, tagz: {}}\n");
      assertThat(loop.cycle()).isZero();
      assertThat(next()).startsWith("warning: keeping the last good config; config " + file + " has")
          .contains("mirror.yaml:7:").doesNotContain("synced");

      Files.writeString(file, config("{glob: ['1.0', '9.9']}"));
      assertThat(loop.cycle()).isEqualTo(1);
      assertThat(next()).startsWith("config " + file + " changed; running the new one\n")
          .contains(": synced 0, skipped 1, failed 1 (0 B)\n").contains("demo/hello:9.9");

      assertThat(loop.cycle()).isEqualTo(1);
      assertThat(next()).as("the same failure again is not news").isEmpty();

      Files.writeString(file, config("{glob: ['1.0']}"));
      assertThat(loop.cycle()).isZero();
      assertThat(next()).contains(": synced 0, skipped 1, failed 0 (0 B) [recovered]\n");
    }
  }

  @Test
  void watchRunsTheGivenCyclesAndANeverValidConfigExitsThree(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("mirror.yaml");
    Files.writeString(file, config("{}"));
    MainTest.Run r = MainTest.run("watch", "-c", file.toString(), "--interval", "1s", "--cycles", "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err().split("synced 1,", -1)).as(r.err()).hasSize(2);
    Files.writeString(file, "mappings: [{tagz: 1}]\n");
    MainTest.Run bad = MainTest.run("watch", "-c", file.toString(), "--cycles", "2");
    assertThat(bad.code()).isEqualTo(3);
    MainTest.Run fast = MainTest.run("watch", "-c", file.toString(), "--interval", "10ms");
    assertThat(fast.code()).isEqualTo(2);
    assertThat(fast.err()).contains("--interval must be at least 1s");
  }

  @Test
  void healthIsLiveAlwaysAndReadyWhileTheLastGoodCycleIsRecent() throws Exception {
    AtomicLong clock = new AtomicLong(0);
    Duration interval = Duration.ofSeconds(10);
    try (Health h = new Health(interval, clock::get).serve("127.0.0.1:0")) {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + h.port();
      assertThat(get(client, base + "/healthz")).isEqualTo("200 ok\n");
      assertThat(get(client, base + "/readyz")).isEqualTo("503 sync stale\n");
      h.cycleFinished(Exit.SOME_FAILED);
      assertThat(get(client, base + "/readyz")).isEqualTo("200 ok\n");
      clock.addAndGet(interval.multipliedBy(2).toNanos() + 1);
      assertThat(get(client, base + "/readyz")).isEqualTo("503 sync stale\n");
      h.cycleFinished(Exit.ALL_FAILED);
      assertThat(get(client, base + "/readyz")).as("a cycle where everything failed does not count")
          .isEqualTo("503 sync stale\n");
      assertThat(get(client, base + "/metrics")).isEqualTo("404 not found\n");
    }
  }

  private static String get(HttpClient client, String url) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
