package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/ocync}, the launcher the README recommends for runs on a schedule: its first run
 * records an archive (AppCDS before JDK 25, an AOT cache from 25 on) and prints exactly what
 * {@code java -jar} prints, later runs map the archive, and {@code OCYNC_CDS=off} records nothing.
 */
class LauncherIT {
  private static final Path LAUNCHER = Path.of("..", "scripts", "ocync").toAbsolutePath().normalize();
  private static final Path JAR = Path.of("target", "ocync.jar").toAbsolutePath();

  @TempDir
  Path dir;

  record Result(int code, String out, String err) {}

  @Test
  void theFirstRunRecordsAnArchiveAndEveryRunPrintsOnlyWhatTheJarPrints() throws Exception {
    Path javaHome = Path.of(System.getProperty("java.home"));
    String expected = "ocync " + version() + "\n";
    Path cds = dir.resolve("cds");

    Result first = launch(javaHome, cds, Map.of(), "--version");
    assertThat(first).isEqualTo(new Result(0, expected, ""));
    // a dynamic archive sits on top of the JDK's own (base) archive; a JDK built without one records nothing
    Assumptions.assumeTrue(Files.isRegularFile(javaHome.resolve("lib/server/classes.jsa")),
        "this JDK has no base CDS archive");
    assertThat(archives(cds)).as("one archive, no temporary files left").hasSize(1)
        .allMatch(p -> p.getFileName().toString().matches("ocync-\\d+\\.(jsa|aot)"));

    Result second = launch(javaHome, cds, Map.of(), "--version");
    assertThat(second).isEqualTo(new Result(0, expected, ""));
    assertThat(archives(cds)).hasSize(1);

    Result usage = launch(javaHome, cds, Map.of(), "frobnicate");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).startsWith("error: Unmatched argument at index 0: 'frobnicate'");
  }

  @Test
  void withoutTheArchiveNothingIsRecorded() throws Exception {
    Path cds = dir.resolve("cds");
    Result r = launch(Path.of(System.getProperty("java.home")), cds, Map.of("OCYNC_CDS", "off"), "--version");
    assertThat(r.code()).isZero();
    assertThat(cds).doesNotExist();
  }

  @Test
  void onJdk25AndLaterTheAotCacheIsRecordedAndItsAnnouncementStaysOffStdout() throws Exception {
    Optional<Path> jdk = jdkAtLeast(25);
    Assumptions.assumeTrue(jdk.isPresent(), "no JDK 25 or later under /usr/lib/jvm");
    Path cds = dir.resolve("cds");
    String expected = "ocync " + version() + "\n";

    Result first = launch(jdk.get(), cds, Map.of(), "--version");
    assertThat(first).isEqualTo(new Result(0, expected, ""));
    assertThat(archives(cds)).hasSize(1).allMatch(p -> p.getFileName().toString().endsWith(".aot"));

    Result second = launch(jdk.get(), cds, Map.of(), "--version");
    assertThat(second).isEqualTo(new Result(0, expected, ""));
  }

  private Result launch(Path javaHome, Path cds, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    assertThat(JAR).as("ocync.jar from the package phase").isRegularFile();
    List<String> cmd = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("OCYNC_JAR", JAR.toString());
    pb.environment().put("JAVA_HOME", javaHome.toString());
    pb.environment().put("OCYNC_CDS_DIR", cds.toString());
    pb.environment().remove("JAVA_OPTS");
    pb.environment().putAll(env);
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the launcher did not finish within 120 s: " + cmd);
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static List<Path> archives(Path cds) throws IOException {
    try (Stream<Path> s = Files.list(cds)) {
      return s.toList();
    }
  }

  private static String version() throws IOException {
    try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  /** A JDK under /usr/lib/jvm whose release file says major version {@code min} or later. */
  private static Optional<Path> jdkAtLeast(int min) throws IOException {
    Path root = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path home : s.sorted().toList()) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) {
          continue;
        }
        for (String line : Files.readAllLines(release)) {
          if (line.startsWith("JAVA_VERSION=\"")) {
            String v = line.substring("JAVA_VERSION=\"".length());
            int end = 0;
            while (end < v.length() && Character.isDigit(v.charAt(end))) {
              end++;
            }
            if (end > 0 && Integer.parseInt(v.substring(0, end)) >= min) {
              return Optional.of(home);
            }
          }
        }
      }
    }
    return Optional.empty();
  }
}
