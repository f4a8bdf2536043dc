package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo reads what the command line wrote, with the example's digests. */
class ExampleImageSkopeoIT {
  private static final Path EXAMPLE = ExampleImageTest.EXAMPLE;

  private static String skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("skopeo %s: %s", cmd, out).isZero();
    return out;
  }

  private static boolean hasSkopeo() {
    try {
      return new ProcessBuilder("skopeo", "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void skopeoReadsTheLayoutAndArchiveTheCommandLineWrote(@TempDir Path tmp) throws Exception {
    assumeTrue(hasSkopeo(), "skopeo is not installed");
    Path layout = tmp.resolve("layout");
    Path archive = tmp.resolve("image.tar");
    assertThat(MainTest.run("copy", "oci:" + EXAMPLE + ":1.0", "oci:" + layout + ":1.0").code()).isZero();
    assertThat(MainTest.run("copy", "oci:" + layout + ":1.0", "oci-archive:" + archive + ":1.0").code()).isZero();

    String expected = skopeo("inspect", "--raw", "oci:" + EXAMPLE + ":1.0");
    assertThat(skopeo("inspect", "--raw", "oci:" + layout + ":1.0")).isEqualTo(expected);
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + archive + ":1.0")).isEqualTo(expected);
    // a full copy makes skopeo read and verify every blob of both platforms
    skopeo("copy", "--all", "oci-archive:" + archive + ":1.0", "oci:" + tmp.resolve("check") + ":1.0");
    assertThat(Files.readString(tmp.resolve("check/index.json"))).contains(ExampleImageTest.exampleDigest());
  }

  @Test
  void theCommandLineReadsWhatSkopeoWrote(@TempDir Path tmp) throws Exception {
    assumeTrue(hasSkopeo(), "skopeo is not installed");
    Path bySkopeo = tmp.resolve("skopeo.tar");
    skopeo("copy", "--all", "oci:" + EXAMPLE + ":1.0", "oci-archive:" + bySkopeo + ":1.0");
    MainTest.Run r = MainTest.run("copy", "oci-archive:" + bySkopeo + ":1.0", "oci:" + tmp.resolve("out") + ":1.0");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains(ExampleImageTest.exampleDigest());
  }
}
