package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.ocync.SyncReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sync and validate on layouts (no network): output, exit codes, the JSON report. */
class SyncCommandTest {
  static final Path BUNDLE = Path.of("../examples/bundle").toAbsolutePath().normalize();
  static final Path EXAMPLE_CONFIG = Path.of("../examples/config/local-layouts.yaml").toAbsolutePath().normalize();

  /** A config mirroring the example bundle into a layout directory and an archive under {@code dir}. */
  static Path layoutConfig(Path dir) throws IOException {
    Path file = dir.resolve("mirror.yaml");
    Files.writeString(file, """
        global: {cache_dir: cache, cache_ttl: "0"}
        registries:
          example: {type: oci-layout, path: %s}
          copy: {type: oci-layout, path: layout}
          bundle: {type: oci-archive, path: mirror.tar}
        mappings:
          - {from: demo/hello, source: example, targets: [copy, bundle], tags: {}}
        """.formatted(BUNDLE));
    return file;
  }

  static void assertValidReport(String json) throws IOException {
    Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(SyncReport.jsonSchema());
    assertThat(schema.validate(json, InputFormat.JSON)).as(json).isEmpty();
  }

  @Test
  void syncMirrorsTheExampleAndPrintsTheSummaryAndTheJsonReport(@TempDir Path tmp) throws IOException {
    Path config = layoutConfig(tmp);
    MainTest.Run first = MainTest.run("sync", "-c", config.toString(), "--json", "-");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).contains("synced  oci:" + BUNDLE + ":demo/hello:1.0 -> oci:" + tmp + "/layout:demo/hello:1.0  (")
        .contains("synced  oci:" + BUNDLE + ":demo/hello:1.0 -> oci-archive:" + tmp + "/mirror.tar:demo/hello:1.0  (")
        .containsPattern("summary: 1 mapping \\| 2 synced, 0 skipped, 0 failed \\| [0-9.]+ KiB in ")
        .doesNotContain("\tat ");
    assertValidReport(first.out());
    JsonNode report = new ObjectMapper().readTree(first.out());
    assertThat(report.toString()).contains("demo/hello");
    assertThat(Files.readString(tmp.resolve("layout/index.json"))).contains("demo/hello:1.0");
    assertThat(tmp.resolve("mirror.tar")).isRegularFile();

    Path json = tmp.resolve("report.json");
    MainTest.Run second = MainTest.run("sync", "-c", config.toString(), "--json", json.toString());
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).isEmpty();
    assertThat(second.err()).contains("| 0 synced, 2 skipped, 0 failed |").doesNotContain("synced  ");
    assertValidReport(Files.readString(json));
  }

  @Test
  void quietPrintsNothingOnSuccessAndVerboseListsSkips(@TempDir Path tmp) throws IOException {
    Path config = layoutConfig(tmp);
    assertThat(MainTest.run("sync", "-q", "-c", config.toString()).err()).isEmpty();
    MainTest.Run verbose = MainTest.run("sync", "-v", "-c", config.toString());
    assertThat(verbose.err()).contains("skipped ").contains("(digest match)");
    MainTest.Run both = MainTest.run("sync", "-v", "-q", "-c", config.toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("-v and -q contradict each other");
  }

  @Test
  void dryRunWritesNothingAndShowsTheSelection(@TempDir Path tmp) throws IOException {
    Path config = layoutConfig(tmp);
    MainTest.Run r = MainTest.run("sync", "--dry-run", "-c", config.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("dry-run: ").contains("  kept (1): 1.0")
        .contains("dry-run summary: 1 mapping | 2 to sync, 0 skipped, 0 failed");
    assertThat(tmp.resolve("layout")).doesNotExist();
    assertThat(tmp.resolve("mirror.tar")).doesNotExist();
  }

  @Test
  void configErrorsExitThreeWithEveryProblemAndNoStackTrace(@TempDir Path tmp) throws IOException {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, """
        registries:
          hub: {url: docker.io}
        mappings:
          - from: library/nginx
            source: hub
            targets: nowhere
            platfroms: [linux/amd64]
            tags: {}
        """);
    for (String command : new String[] {"sync", "validate"}) {
      MainTest.Run r = command.equals("sync") ? MainTest.run("sync", "-c", bad.toString())
          : MainTest.run("validate", bad.toString());
      assertThat(r.code()).as(r.err()).isEqualTo(3);
      assertThat(r.err()).contains("error: config " + bad + " has 2 problems:")
          .contains(bad + ":6:").contains("nowhere")
          .contains(bad + ":7:").contains("did you mean `platforms`?")
          .doesNotContain("\tat ");
    }
    MainTest.Run missing = MainTest.run("sync", "-c", tmp.resolve("none.yaml").toString());
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err()).contains("none.yaml: no such file");
  }

  @Test
  void validateSaysWhatTheExampleHolds() {
    MainTest.Run r = MainTest.run("validate", EXAMPLE_CONFIG.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEqualTo("config valid: 4 registries, 1 mapping (" + EXAMPLE_CONFIG + ")\n");
  }

  @Test
  void tagsShowsKeptTagsAndWhyOthersWereDropped() {
    MainTest.Run all = MainTest.run("tags", "oci:" + ExampleImageTest.EXAMPLE);
    assertThat(all.code()).as(all.err()).isZero();
    assertThat(all.out()).isEqualTo("1.0\n");
    MainTest.Run none = MainTest.run("tags", "oci:" + ExampleImageTest.EXAMPLE, "--semver", ">=2");
    assertThat(none.out()).isEmpty();
    assertThat(none.err()).contains("dropped 1.0  (not a version in the --semver range)")
        .contains("1 tags listed, 0 kept, 1 dropped");
    MainTest.Run bad = MainTest.run("tags", "oci:" + ExampleImageTest.EXAMPLE, "--latest", "2");
    assertThat(bad.code()).isEqualTo(3);
    assertThat(bad.err()).contains("latest requires sort");
  }
}
