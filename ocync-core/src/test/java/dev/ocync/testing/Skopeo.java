package dev.ocync.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code /usr/bin/skopeo} for interop tests: what skopeo writes, ocync must read with the
 * same digests, and the other way round. Every run uses {@code --insecure-policy} and a fresh,
 * empty home directory, so the user's auth files, policy and blob-info cache never leak into a
 * test.
 *
 * <pre>{@code
 * Skopeo.copyAll("oci:" + dir + ":1.0", Skopeo.docker(registry, "app:1.0"), Skopeo.destFlags(registry));
 * byte[] raw = Skopeo.inspectRaw(registry, "app:1.0");
 * }</pre>
 */
public final class Skopeo {
  private static final Path BINARY = Path.of("/usr/bin/skopeo");
  /** Long enough for a few megabytes on a loaded two-core machine. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private Skopeo() {}

  /** What a skopeo run printed and how it ended. */
  public record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
    /** Standard output as UTF-8 text. */
    public String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** This result if skopeo exited 0; otherwise an {@link AssertionError} with its output. */
    public Result requireSuccess() {
      if (exitCode != 0) {
        throw new AssertionError("skopeo failed with exit code " + exitCode + ": " + String.join(" ", command)
            + "\nstderr: " + stderr + "\nstdout: " + out());
      }
      return this;
    }
  }

  /** Runs {@code skopeo --insecure-policy ARGS} with the default timeout. Never throws on a non-zero exit. */
  public static Result run(List<String> args) throws IOException {
    return run(DEFAULT_TIMEOUT, args);
  }

  /** Runs {@code skopeo --insecure-policy ARGS}, killing it after {@code timeout}. Never throws on a non-zero exit. */
  public static Result run(Duration timeout, List<String> args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(BINARY.toString());
    command.add("--insecure-policy");
    command.addAll(args);
    Path work = Files.createTempDirectory("ocync-skopeo-");
    try {
      Path home = Files.createDirectories(work.resolve("home"));
      Path out = work.resolve("stdout");
      Path err = work.resolve("stderr");
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      Map<String, String> env = pb.environment();
      env.put("HOME", home.toString());
      env.put("XDG_DATA_HOME", home.resolve(".local/share").toString());
      env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
      env.put("XDG_RUNTIME_DIR", home.resolve("run").toString());
      env.put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
      env.remove("DOCKER_CONFIG");
      Process p = pb.start();
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
          throw new IOException("skopeo timed out after " + timeout + ": " + String.join(" ", command)
              + "\nstderr: " + Files.readString(err));
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted running skopeo", e);
      }
      return new Result(List.copyOf(command), p.exitValue(), Files.readAllBytes(out),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      deleteRecursively(work);
    }
  }

  /** {@code docker://127.0.0.1:PORT/REPO:TAG} (or {@code REPO@DIGEST}) for a reference on {@code registry}. */
  public static String docker(RegistryServer registry, String repositoryAndReference) {
    return "docker://" + registry.host() + "/" + repositoryAndReference;
  }

  /** Flags that let skopeo read from {@code registry}: TLS verification or the CA, and credentials. */
  public static List<String> srcFlags(RegistryServer registry) {
    return flags("src", registry);
  }

  /** Flags that let skopeo write to {@code registry}: TLS verification or the CA, and credentials. */
  public static List<String> destFlags(RegistryServer registry) {
    return flags("dest", registry);
  }

  private static List<String> flags(String side, RegistryServer registry) {
    List<String> f = new ArrayList<>();
    if (registry.isTls()) {
      f.add("--" + side + "-cert-dir=" + registry.caCertificateDir());
    } else {
      f.add("--" + side + "-tls-verify=false");
    }
    registry.username().ifPresent(u ->
        f.add("--" + side + "-creds=" + u + ":" + registry.password().orElseThrow()));
    return f;
  }

  /**
   * {@code skopeo copy --all --preserve-digests [flags] SRC DEST}: every child of an index, and a
   * failure rather than a silent conversion when the destination cannot keep the bytes.
   *
   * @param flags {@code --src-*}/{@code --dest-*} flags, e.g. from {@link #srcFlags}/{@link #destFlags}
   * @throws AssertionError if skopeo fails, with its output
   */
  public static Result copyAll(String source, String destination, List<String> flags) throws IOException {
    List<String> args = new ArrayList<>(List.of("copy", "--all", "--preserve-digests", "--quiet"));
    args.addAll(flags);
    args.add(source);
    args.add(destination);
    return run(args).requireSuccess();
  }

  /** Copies {@code source} (any skopeo location that needs no flags) to {@code REPO:TAG} on {@code target}. */
  public static Result push(String source, RegistryServer target, String repositoryAndTag) throws IOException {
    return copyAll(source, docker(target, repositoryAndTag), destFlags(target));
  }

  /**
   * {@code skopeo inspect --raw [flags] LOCATION}: the manifest bytes exactly as stored.
   *
   * @throws AssertionError if skopeo fails, with its output
   */
  public static byte[] inspectRaw(String location, List<String> flags) throws IOException {
    List<String> args = new ArrayList<>(List.of("inspect", "--raw"));
    // inspect has no --src- prefix: its flags are --tls-verify, --cert-dir, --creds
    for (String f : flags) {
      args.add(f.replaceFirst("^--(src|dest)-", "--"));
    }
    args.add(location);
    return run(args).requireSuccess().stdout();
  }

  /** The raw manifest of {@code REPO:TAG} (or {@code REPO@DIGEST}) on {@code registry}, read by skopeo. */
  public static byte[] inspectRaw(RegistryServer registry, String repositoryAndReference) throws IOException {
    return inspectRaw(docker(registry, repositoryAndReference), srcFlags(registry));
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
