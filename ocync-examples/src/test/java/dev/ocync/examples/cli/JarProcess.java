package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code java -jar target/ocync.jar ...} as a user runs it (the shaded jar the package phase
 * built), its standard output and error collected line by line on a thread of its own, so a test
 * can wait for a line, signal the process and read everything it printed.
 */
final class JarProcess implements AutoCloseable {
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private JarProcess(Process process) {
    this.process = process;
    this.reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "ocync-jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts the jar with {@code args}. */
  static JarProcess start(String... args) throws IOException {
    Path jar = Path.of("target", "ocync.jar").toAbsolutePath();
    assertThat(jar).as("ocync.jar from the package phase").isRegularFile();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return new JarProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  /** The first line printed so far or within {@code timeout} that {@code wanted} accepts. */
  Optional<String> awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      for (int seen = 0; ; ) {
        for (; seen < lines.size(); seen++) {
          if (wanted.test(lines.get(seen))) {
            return Optional.of(lines.get(seen));
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
          return Optional.empty();
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
  }

  /** Everything printed so far, a line each. */
  String output() {
    synchronized (lines) {
      return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Sends SIGTERM (not {@link Process#destroy()}, which would also close our end of its output and
   * lose the rest of it), waits up to {@code timeout} for the process to end and for its output,
   * and returns its exit code.
   */
  int terminate(Duration timeout) throws InterruptedException {
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("stopped after SIGTERM; output:\n%s",
        (Object) output()).isTrue();
    reader.join(10_000);
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
