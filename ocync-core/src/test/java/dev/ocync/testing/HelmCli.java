package dev.ocync.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code helm} 3 binary for tests, with its cache, config and data homes in a temp
 * directory and {@code TZ=UTC} (so {@code helm push} writes {@code created} with a {@code Z}).
 * Found on the PATH or where {@code scripts/test.sh} caches it ({@code ~/.cache/ocync-test/helm});
 * missing, the test fails and says how to get it: CI must not skip these tests silently.
 */
public final class HelmCli {
  private static final Path CACHED = Path.of(System.getProperty("user.home"), ".cache", "ocync-test", "helm", "helm");
  private final Path binary;
  private final Path home;

  /** The result of one helm command. */
  public record Result(int exitCode, String output) {}

  private HelmCli(Path binary, Path home) {
    this.binary = binary;
    this.home = home;
  }

  /** helm with its homes under {@code home}. @throws IllegalStateException if there is no helm binary */
  public static HelmCli find(Path home) {
    return new HelmCli(binary().orElseThrow(() -> new IllegalStateException(
        "helm is not on the PATH nor at " + CACHED + ": run scripts/test.sh, which installs Helm 3.17")), home);
  }

  private static Optional<Path> binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, "helm");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Files.isExecutable(CACHED) ? Optional.of(CACHED) : Optional.empty();
  }

  /** Runs helm with {@code args} in {@code dir}; bounded to two minutes. */
  public Result run(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("HELM_CACHE_HOME", home.resolve("cache").toString());
    env.put("HELM_CONFIG_HOME", home.resolve("config").toString());
    env.put("HELM_DATA_HOME", home.resolve("data").toString());
    env.put("TZ", "UTC");
    Process p = pb.start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("helm " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }

  /** Runs helm and requires exit code 0; returns its output. */
  public String ok(Path dir, String... args) throws IOException {
    Result r = run(dir, args);
    if (r.exitCode() != 0) {
      throw new AssertionError("helm " + String.join(" ", args) + " failed (" + r.exitCode() + "):\n" + r.output());
    }
    return r.output();
  }
}
