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
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** sync against real registries: an exit code per class of failure, dry runs, SIGTERM mid-run. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class SyncCommandIT {
  private static final Set<String> WRITES = Set.of("PUT", "POST", "PATCH", "DELETE");
  private RegistryServer plain;
  private RegistryServer locked;
  private RegistryServer tls;

  @BeforeAll
  void start() throws IOException {
    plain = RegistryServer.plain();
    locked = RegistryServer.htpasswd("mirror", "s3cret-pass");
    tls = RegistryServer.tls();
  }

  @AfterAll
  void stop() {
    plain.close();
    locked.close();
    tls.close();
  }

  private static Path write(Path dir, String yaml) throws IOException {
    Path f = dir.resolve("mirror.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static String registries(String extra) {
    return "global: {cache_dir: cache}\nregistries:\n  example: {type: oci-layout, path: " + SyncCommandTest.BUNDLE
        + "}\n" + extra;
  }

  @Test
  void allOkThenSomeFailedThenAllFailed(@TempDir Path tmp) throws IOException {
    String regs = registries("  plain: {url: http://" + plain.host() + "}\n");
    Path push = write(tmp, regs + "mappings:\n  - {from: demo/hello, to: cli/ok, source: example, targets: plain, tags: {}}\n");
    MainTest.Run ok = MainTest.run("sync", "-c", push.toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(plain.tags("cli/ok")).containsExactly("1.0");

    // one tag exists at the source and one does not: some failed
    Path some = write(tmp, regs + "  back: {type: oci-layout, path: back}\nmappings:\n"
        + "  - {from: cli/ok, source: plain, targets: back, tags: {glob: ['1.0', '9.9']}}\n");
    MainTest.Run partly = MainTest.run("sync", "-c", some.toString());
    assertThat(partly.code()).as(partly.err()).isEqualTo(1);
    assertThat(partly.err()).contains("FAILED  " + plain.host() + "/cli/ok:9.9").contains("1 synced, 0 skipped, 1 failed");

    // nothing listens there: every mapping fails
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path down = write(tmp, registries("  down: {url: http://127.0.0.1:" + port + "}\n  back: {type: oci-layout, path: back}\n")
        + "mappings:\n  - {from: cli/ok, source: down, targets: back, tags: {}}\n");
    MainTest.Run none = MainTest.run("sync", "-c", down.toString());
    assertThat(none.code()).as(none.err()).isEqualTo(2);
    assertThat(none.err()).contains("error: 127.0.0.1:" + port + "/cli/ok").doesNotContain("\tat ");
  }

  @Test
  void refusedCredentialsExitFourNamingTheRegistry(@TempDir Path tmp) throws IOException {
    String creds = "  locked: {url: http://" + locked.host() + ", auth_type: basic, credentials: "
        + "{username: mirror, password: '${PASS}'}}\n";
    Path push = write(tmp, registries(creds)
        + "mappings:\n  - {from: demo/hello, to: cli/auth, source: example, targets: locked, tags: {}}\n");
    MainTest.Run pushed = MainTest.run(java.util.Map.of("PASS", "s3cret-pass"), "sync", "-c", push.toString());
    assertThat(pushed.code()).as(pushed.err()).isZero();

    Path pull = write(tmp, registries(creds + "  back: {type: oci-layout, path: back}\n")
        + "mappings:\n  - {from: cli/auth, source: locked, targets: back, tags: {}}\n");
    MainTest.Run refused = MainTest.run(java.util.Map.of("PASS", "wrong-pass"), "sync", "-c", pull.toString());
    assertThat(refused.code()).as(refused.err()).isEqualTo(4);
    assertThat(refused.err()).contains("error: authentication refused by registry " + locked.host()
        + " (registries.locked)").doesNotContain("wrong-pass").doesNotContain("\tat ");
    MainTest.Run tags = MainTest.run("tags", "http://" + locked.host() + "/cli/auth");
    assertThat(tags.code()).as(tags.err()).isEqualTo(4);
    assertThat(tags.err()).contains("authentication refused by registry " + locked.host());
  }

  /** A run with {@code --json -}: its code, and its report on stdout, checked against the schema. */
  private static JsonNode runJson(Map<String, String> env, Path config, int expected) throws IOException {
    MainTest.Run r = MainTest.run(env, "sync", "-c", config.toString(), "--json", "-");
    assertThat(r.code()).as(r.err()).isEqualTo(expected);
    SyncCommandTest.assertValidReport(r.out());
    assertThat(r.err()).doesNotContain("\tat ");
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void everyExitCodeWithItsJsonReportAgainstPlainTlsAndHtpasswdRegistries(@TempDir Path tmp) throws IOException {
    String secure = "  secure: {url: https://" + tls.host() + ", tls: {ca_file: " + tls.caCertificate() + "}}\n"
        + "  untrusted: {url: https://" + tls.host() + "}\n  back: {type: oci-layout, path: back}\n"
        + "  locked: {url: http://" + locked.host() + ", auth_type: basic, credentials: "
        + "{username: mirror, password: '${PASS}'}}\n";
    Map<String, String> right = Map.of("PASS", "s3cret-pass");
    // 0: onto the TLS registry, trusting its CA
    JsonNode ok = runJson(right, write(tmp, registries(secure)
        + "mappings:\n  - {from: demo/hello, to: codes/app, source: example, targets: [secure, locked], tags: {}}\n"),
        Exit.OK);
    assertThat(ok.path("succeeded").asBoolean()).isTrue();
    assertThat(tls.tags("codes/app")).containsExactly("1.0");

    // 1: one tag there, one not
    JsonNode some = runJson(right, write(tmp, registries(secure)
        + "mappings:\n  - {from: codes/app, source: secure, targets: back, tags: {glob: ['1.0', '9.9']}}\n"),
        Exit.SOME_FAILED);
    assertThat(some.path("stats").path("synced").asInt()).isEqualTo(1);
    assertThat(some.path("stats").path("failed").asInt()).isEqualTo(1);
    JsonNode missing = some.path("images").get(1).path("failure");
    assertThat(missing.path("httpStatus").asInt()).isEqualTo(404);
    assertThat(missing.path("authentication").asBoolean()).isFalse();

    // 2: a certificate nobody trusts fails everything, and is no authentication failure
    JsonNode none = runJson(right, write(tmp, registries(secure)
        + "mappings:\n  - {from: codes/app, source: untrusted, targets: back, tags: {}}\n"), Exit.ALL_FAILED);
    JsonNode problem = none.path("mappings").get(0).path("problems").get(0);
    assertThat(problem.path("kind").asText()).isEqualTo("TAG_LISTING_FAILED");
    assertThat(problem.path("authentication").asBoolean()).isFalse();

    // 3: fewer tags than min_tags (a config error that still has a report)
    JsonNode few = runJson(right, write(tmp, registries(secure)
        + "mappings:\n  - {from: codes/app, source: secure, targets: back, tags: {glob: ['1.*'], min_tags: 3}}\n"),
        Exit.CONFIG);
    assertThat(few.path("mappings").get(0).path("problems").get(0).path("kind").asText()).isEqualTo("TOO_FEW_TAGS");

    // 4: refused credentials, flagged as such in the report
    JsonNode refused = runJson(Map.of("PASS", "wrong-pass"), write(tmp, registries(secure)
        + "mappings:\n  - {from: codes/app, source: locked, targets: back, tags: {}}\n"), Exit.AUTH);
    JsonNode auth = refused.path("mappings").get(0).path("problems").get(0);
    assertThat(auth.path("authentication").asBoolean()).isTrue();
    assertThat(auth.path("httpStatus").asInt()).isEqualTo(401);
    assertThat(auth.path("registry").asText()).isEqualTo(locked.host());
    assertThat(refused.toString()).doesNotContain("wrong-pass");
  }

  @Test
  void dryRunSendsNoWriteAndJsonValidates(@TempDir Path tmp) throws IOException {
    Path cfg = write(tmp, registries("  plain: {url: http://" + plain.host() + "}\n")
        + "mappings:\n  - {from: demo/hello, to: cli/dry, source: example, targets: plain, tags: {}}\n");
    long before = plain.requestsSoFar().stream().filter(r -> WRITES.contains(r.method())).count();
    MainTest.Run r = MainTest.run("sync", "--dry-run", "--json", "-", "-c", cfg.toString());
    assertThat(r.code()).as(r.err()).isZero();
    SyncCommandTest.assertValidReport(r.out());
    assertThat(new ObjectMapper().readTree(r.out()).path("dryRun").asBoolean()).isTrue();
    List<RegistryServer.Request> all = plain.requestsSoFar();
    assertThat(all).as("the dry run asked the registry something").isNotEmpty();
    assertThat(all.stream().filter(q -> WRITES.contains(q.method())).count()).isEqualTo(before);
    assertThat(plain.tags("cli/dry")).isEmpty();
  }

  /** A layout bundle {@code big/app} of 24 tags {@code <prefix>.N}, 1 MiB each: big enough to be stopped halfway. */
  static Path bigSource(Path dir, int seed, String prefix) throws IOException {
    Path source = dir.resolve("big");
    try (OciLayout.Bundle b = OciLayout.directoryBundle(source)) {
      for (int i = 0; i < 24; i++) {
        TestImages.ociImage(seed + i, Platform.parse("linux/amd64"), 2, 512 * 1024)
            .pushTo(b.repository("big/app"), Optional.of(prefix + "." + i));
      }
    }
    return source;
  }

  /** Every tag of {@code repository} is complete: its manifest and every blob it names are there. */
  static void assertTagsComplete(RegistryServer registry, String repository, List<String> tags) throws IOException {
    for (String t : tags) {
      Manifest m = Manifest.parse(registry.manifest(repository, t).orElseThrow(), MediaType.OCI_MANIFEST);
      for (Descriptor d : m.blobs()) {
        assertThat(registry.blob(repository, d.digest().toString())).as(t + " " + d.digest()).isPresent();
      }
    }
  }

  @Test
  void sigtermMidRunLeavesCompleteTagsAndAReport(@TempDir Path tmp) throws Exception {
    Path source = bigSource(tmp, 1000, "1");
    Path cfg = write(tmp, "global: {cache_dir: cache, max_concurrent_transfers: 1}\nregistries:\n"
        + "  big: {type: oci-layout, path: " + source + "}\n  plain: {url: http://" + plain.host() + "}\n"
        + "mappings:\n  - {from: big/app, to: cli/term, source: big, targets: plain, tags: {}}\n");
    Path report = tmp.resolve("report.json");
    String text;
    int code;
    try (JarProcess p = JarProcess.start("sync", "-c", cfg.toString(), "--json", report.toString(),
        "--drain-timeout", "60s")) {
      assertThat(p.awaitLine(line -> line.startsWith("synced "), Duration.ofSeconds(120)))
          .as("an image was synced").isPresent();
      code = p.terminate(Duration.ofSeconds(60));
      text = p.output();
    }
    assertThat(report).as(text).isRegularFile();
    String json = Files.readString(report);
    SyncCommandTest.assertValidReport(json);
    JsonNode r = new ObjectMapper().readTree(json);
    if (r.path("cancelled").asBoolean()) {
      assertThat(text).contains("stopping: no new images start");
      assertThat(code).as(text).isEqualTo(1);
    } else {
      assertThat(code).as(text).isZero(); // it finished before the signal arrived
    }
    // drained, not cancelled: what was in flight finished well within the deadline, the rest never
    // started; the report lists every tag once
    assertThat(r.path("images")).hasSize(24);
    for (JsonNode image : r.path("images")) {
      String status = image.path("status").asText();
      assertThat(status).as(image.toString()).isIn("SYNCED", "CANCELLED");
      if (status.equals("CANCELLED")) {
        assertThat(image.path("started").asBoolean()).as(image.toString()).isFalse();
      }
    }
    long synced = 0;
    for (JsonNode image : r.path("images")) {
      synced += image.path("status").asText().equals("SYNCED") ? 1 : 0;
    }
    assertThat(r.path("stats").path("synced").asLong()).isEqualTo(synced);
    // the cache was written on the way out
    assertThat(tmp.resolve("cache")).isDirectory();
    try (java.util.stream.Stream<Path> files = Files.walk(tmp.resolve("cache"))) {
      assertThat(files.filter(Files::isRegularFile).count()).as("files in the cache directory").isPositive();
    }
    assertThat(text).doesNotContain("\tat ").doesNotContain("SLF4J").contains("summary: ");
    // every tag at the target is complete: its manifest and every blob it names are there
    List<String> tags = plain.tags("cli/term");
    assertThat(tags).isNotEmpty();
    assertTagsComplete(plain, "cli/term", tags);
  }
}
