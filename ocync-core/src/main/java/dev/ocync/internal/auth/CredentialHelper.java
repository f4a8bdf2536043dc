package dev.ocync.internal.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.auth.Credentials;
import dev.ocync.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Docker credential helper ({@code docker-credential-<name>}) run with {@code get}: the server
 * URL goes to its stdin, {@code {"Username": ..., "Secret": ...}} comes back on stdout. Helpers
 * are found on the {@code PATH} of the environment the provider was given, run with that
 * environment, and killed when they take longer than the timeout.
 */
final class CredentialHelper {
  /** Helper names become part of an executable name: no path separators, no leading dot. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  /** What a helper puts before an identity token instead of a username. */
  static final String TOKEN_USERNAME = "<token>";
  private static final int MAX_OUTPUT = 1 << 20;

  private final String name;
  private final String command;
  private final Path executable;
  private final Map<String, String> environment;
  private final Duration timeout;

  private CredentialHelper(String name, Path executable, Map<String, String> environment, Duration timeout) {
    this.name = name;
    this.command = "docker-credential-" + name;
    this.executable = executable;
    this.environment = environment;
    this.timeout = timeout;
  }

  /**
   * The helper called {@code name} in {@code configFile}, found on the environment's {@code PATH}.
   *
   * @throws IOException if the name is not a plain helper name or no such executable is on PATH
   */
  static CredentialHelper locate(Path configFile, String name, Map<String, String> environment, Duration timeout)
      throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new IOException(configFile + ": credential helper name \"" + printable(name)
          + "\" is not valid: it must be letters, digits, '.', '_' or '-' (no path separators)");
    }
    String command = "docker-credential-" + name;
    String path = env(environment, "PATH");
    if (path != null) {
      for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
        // An empty PATH element means the working directory; never run helpers from there.
        if (dir.isEmpty()) {
          continue;
        }
        for (String candidate : executableNames(command)) {
          try {
            Path p = Path.of(dir, candidate);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
              return new CredentialHelper(name, p, environment, timeout);
            }
          } catch (InvalidPathException e) {
            break; // a PATH element that is not a path cannot hold the helper
          }
        }
      }
    }
    throw new HelperNotFoundException(command + " was not found on PATH (credential helper \"" + name
        + "\" named in " + configFile + ")");
  }

  private static List<String> executableNames(String command) {
    if (File.separatorChar == '\\') {
      return List.of(command + ".exe", command + ".cmd", command + ".bat", command);
    }
    return List.of(command);
  }

  private static String env(Map<String, String> environment, String key) {
    String v = environment.get(key);
    if (v == null && File.separatorChar == '\\') {
      // Windows environment names are case-insensitive ("Path").
      for (Map.Entry<String, String> e : environment.entrySet()) {
        if (e.getKey().equalsIgnoreCase(key)) {
          return e.getValue();
        }
      }
    }
    return v;
  }

  String command() {
    return command;
  }

  /**
   * The helper's credentials for {@code serverUrl}, or empty when it has none ("credentials not
   * found").
   */
  Optional<Credentials> get(String serverUrl) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(executable.toString(), "get");
    pb.environment().clear();
    pb.environment().putAll(environment);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IOException("could not start credential helper " + command + " (" + executable + "): "
          + e.getMessage(), e);
    }
    Drain stdout = new Drain(process.getInputStream(), command + " stdout");
    Drain stderr = new Drain(process.getErrorStream(), command + " stderr");
    stdout.start();
    stderr.start();
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // A helper may exit without reading stdin; its exit code and output tell what happened.
      }
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        kill(process);
        throw new IOException("credential helper " + command + " did not answer within " + format(timeout)
            + " for " + serverUrl + "; it was stopped");
      }
      // Everything the helper wrote before exiting is in the pipes. Something it started (an
      // agent) may keep them open, so wait for end-of-stream only briefly and use what was read.
      long graceEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      stdout.join(2000);
      stderr.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(graceEnd - System.nanoTime())));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running credential helper " + command);
    }
    int exit = process.exitValue();
    String out = stdout.text();
    String err = stderr.text();
    if (exit != 0) {
      if (out.contains("credentials not found") || err.contains("credentials not found")) {
        return Optional.empty();
      }
      // Only stderr, shortened: a helper that failed half-way might have printed a secret on stdout.
      String excerpt = excerpt(err);
      throw new IOException("credential helper " + command + " failed for " + serverUrl + " with exit code " + exit
          + (excerpt.isEmpty() ? "" : ": " + excerpt));
    }
    return parse(serverUrl, out);
  }

  private Optional<Credentials> parse(String serverUrl, String out) throws IOException {
    // Never quote the output: on success it holds the secret.
    JsonNode root;
    try {
      root = Json.read(out);
    } catch (JsonProcessingException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw new IOException("credential helper " + command + " returned something other than a JSON object for "
          + serverUrl);
    }
    JsonNode u = root.get("Username");
    JsonNode s = root.get("Secret");
    if ((u != null && !u.isNull() && !u.isTextual()) || (s != null && !s.isNull() && !s.isTextual())) {
      throw new IOException("credential helper " + command + " returned non-string Username or Secret for "
          + serverUrl);
    }
    String username = u == null || u.isNull() ? "" : u.textValue();
    String secret = s == null || s.isNull() ? "" : s.textValue();
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    if (username.equals(TOKEN_USERNAME)) {
      return Optional.of(Credentials.identityToken("", secret));
    }
    if (username.isEmpty()) {
      throw new IOException("credential helper " + command + " returned a secret without a username for "
          + serverUrl);
    }
    return Optional.of(Credentials.basic(username, secret));
  }

  private static void kill(Process process) {
    // Children first: a shell script's sleep would otherwise keep the pipes open after the shell dies.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  static String excerpt(String s) {
    String first = s.strip();
    int nl = first.indexOf('\n');
    if (nl >= 0) {
      first = first.substring(0, nl);
    }
    first = printable(first);
    return first.length() > 200 ? first.substring(0, 200) + "…" : first;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 100));
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      sb.append(Character.isISOControl(c) ? '?' : c);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "CredentialHelper{" + command + " at " + executable + "}";
  }

  /** Reads a stream to the end on its own thread, keeping at most {@link #MAX_OUTPUT} bytes. */
  private static final class Drain extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    Drain(InputStream in, String name) {
      super(name);
      this.in = in;
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] buf = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (kept) {
            int room = MAX_OUTPUT - kept.size();
            if (room > 0) {
              kept.write(buf, 0, Math.min(n, room));
            }
          }
        }
      } catch (IOException e) {
        // The process was killed or closed the pipe; what was read is all there is.
      }
    }

    String text() {
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** The helper program is not installed; a leftover {@code credsStore} is treated as a miss. */
  static final class HelperNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    HelperNotFoundException(String message) {
      super(message);
    }
  }
}
