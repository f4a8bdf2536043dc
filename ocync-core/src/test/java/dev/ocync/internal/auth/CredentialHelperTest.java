package dev.ocync.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.auth.Credentials;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Credential helpers, played by small bash scripts on a PATH only this provider sees. */
@DisabledOnOs(OS.WINDOWS)
class CredentialHelperTest {
  static final String SECRET = "helper-Secret-91d0c2";
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;
  Path bin;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    env = new HashMap<>();
    // The fake helpers need cat and sleep from the real PATH, after our bin.
    env.put("PATH", bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  /** A helper that records its arguments, stdin and each call, then runs {@code body}. */
  Path helper(String name, String body) throws IOException {
    Path script = bin.resolve("docker-credential-" + name);
    String log = dir.resolve(name).toString();
    Files.writeString(script, "#!/bin/bash\n"
        + "input=$(cat)\n"
        + "printf '%s' \"$input\" > '" + log + ".stdin'\n"
        + "echo \"$*\" >> '" + log + ".calls'\n"
        + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  Path answering(String name, String username, String secret) throws IOException {
    return helper(name, "printf '{\"ServerURL\":\"%s\",\"Username\":\"" + username + "\",\"Secret\":\"" + secret
        + "\"}' \"$input\"");
  }

  String stdinOf(String name) throws IOException {
    return Files.readString(dir.resolve(name + ".stdin"));
  }

  List<String> callsOf(String name) throws IOException {
    Path calls = dir.resolve(name + ".calls");
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  Path config(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  DockerConfigProvider provider(String json) throws IOException {
    return DockerConfigProvider.file(config(json), env, TIMEOUT);
  }

  @Test
  void credsStoreAnswersWithUsernameAndSecret() throws IOException {
    answering("store", "bot", SECRET);
    DockerConfigProvider p = provider("{\"credsStore\": \"store\"}");
    assertThat(p.credentials("reg.example.com:5000")).contains(Credentials.basic("bot", SECRET));
    assertThat(stdinOf("store")).isEqualTo("reg.example.com:5000");
    assertThat(callsOf("store")).containsExactly("get");
  }

  @Test
  void dockerHubIsAskedForByItsConfigKey() throws IOException {
    answering("store", "hubuser", SECRET);
    answering("hub", "hubhelper", SECRET);
    DockerConfigProvider p = provider("{\"credsStore\": \"store\"}");
    assertThat(p.credentials("registry-1.docker.io")).contains(Credentials.basic("hubuser", SECRET));
    assertThat(stdinOf("store")).isEqualTo("https://index.docker.io/v1/");

    DockerConfigProvider viaHelper = DockerConfigProvider.file(
        Files.writeString(dir.resolve("hub.json"), "{\"credHelpers\": {\"docker.io\": \"hub\"}}"), env, TIMEOUT);
    assertThat(viaHelper.credentials("index.docker.io")).contains(Credentials.basic("hubhelper", SECRET));
    assertThat(stdinOf("hub")).isEqualTo("https://index.docker.io/v1/");
  }

  @Test
  void storeIsAskedWithTheAddressRecordedInAuths() throws IOException {
    answering("store", "bot", SECRET);
    DockerConfigProvider p = provider("{\"credsStore\": \"store\", \"auths\": {\"https://Reg.Example.com\": {}}}");
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("bot", SECRET));
    assertThat(stdinOf("store")).isEqualTo("https://Reg.Example.com");
  }

  @Test
  void credHelperIsAskedWithItsKeyAsWritten() throws IOException {
    answering("ecr", "AWS", SECRET);
    DockerConfigProvider p = provider("{\"credHelpers\": {\"123456789012.dkr.ecr.eu-west-1.amazonaws.com\": \"ecr\"}}");
    assertThat(p.credentials("123456789012.dkr.ecr.eu-west-1.amazonaws.com"))
        .contains(Credentials.basic("AWS", SECRET));
    assertThat(stdinOf("ecr")).isEqualTo("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    assertThat(p.credentials("other.example.com")).isEmpty();
    assertThat(callsOf("ecr")).hasSize(1);
  }

  @Test
  void tokenUsernameMeansIdentityToken() throws IOException {
    answering("store", "<token>", SECRET);
    DockerConfigProvider p = provider("{\"credsStore\": \"store\"}");
    Credentials c = p.credentials("reg.example.com").orElseThrow();
    assertThat(c.kind()).isEqualTo(Credentials.Kind.IDENTITY_TOKEN);
    assertThat(c).isEqualTo(Credentials.identityToken("", SECRET));
  }

  @Test
  void aMissingCredsStoreIsWarnedAboutOnceNotPerHost() throws IOException {
    DockerConfigProvider p = provider("{\"credsStore\": \"desktop-gone\"}");
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(p.credentials("a.example.com")).isEmpty();
      assertThat(p.credentials("b.example.com")).isEmpty();
      assertThat(p.credentials("c.example.com")).isEmpty();
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(log.lines().filter(l -> l.contains("docker-credential-desktop-gone"))).hasSize(1);
  }

  @Test
  void credentialsNotFoundIsAMiss() throws IOException {
    helper("store", "echo 'credentials not found in native keychain'\nexit 1");
    DockerConfigProvider p = provider("{\"credsStore\": \"store\"}");
    assertThat(p.credentials("reg.example.com")).isEmpty();
    assertThat(callsOf("store")).containsExactly("get");
  }

  @Test
  void precedenceIsCredHelpersThenCredsStoreThenAuths() throws IOException {
    answering("special", "from-helper", SECRET);
    answering("store", "from-store", SECRET);
    helper("empty", "echo 'credentials not found' >&2\nexit 1");
    String auth = Base64.getEncoder().encodeToString(("from-auths:" + SECRET).getBytes(StandardCharsets.UTF_8));
    DockerConfigProvider p = provider("{"
        + "\"auths\": {\"a.example\": {\"auth\": \"" + auth + "\"}, \"b.example\": {\"auth\": \"" + auth + "\"},"
        + "  \"c.example\": {\"auth\": \"" + auth + "\"}},"
        + "\"credHelpers\": {\"a.example\": \"special\", \"c.example\": \"empty\"},"
        + "\"credsStore\": \"store\"}");
    assertThat(p.credentials("a.example")).contains(Credentials.basic("from-helper", SECRET));
    assertThat(p.credentials("b.example")).contains(Credentials.basic("from-store", SECRET));
    // A helper that misses falls through to the store.
    assertThat(p.credentials("c.example")).contains(Credentials.basic("from-store", SECRET));
    assertThat(callsOf("special")).hasSize(1);
    assertThat(callsOf("empty")).hasSize(1);

    // A store that misses falls through to auths.
    helper("store", "echo 'credentials not found in native keychain'\nexit 1");
    DockerConfigProvider q = DockerConfigProvider.file(dir.resolve("config.json"), env, TIMEOUT);
    assertThat(q.credentials("b.example")).contains(Credentials.basic("from-auths", SECRET));
  }

  @Test
  void helperRunsOncePerHostEvenUnderConcurrency() throws Exception {
    helper("slow", "sleep 0.3\nprintf '{\"Username\":\"bot\",\"Secret\":\"" + SECRET + "\"}'");
    DockerConfigProvider p = provider("{\"credsStore\": \"slow\"}");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Optional<Credentials>>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String registry = i % 2 == 0 ? "reg.example.com" : "REG.example.com";
        results.add(pool.submit((Callable<Optional<Credentials>>) () -> p.credentials(registry)));
      }
      for (Future<Optional<Credentials>> f : results) {
        assertThat(f.get()).contains(Credentials.basic("bot", SECRET));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(callsOf("slow")).hasSize(1);
    assertThat(p.credentials("second.example.com")).isPresent();
    assertThat(callsOf("slow")).hasSize(2);
  }

  @Test
  void failuresAreNotCachedAndShowOnlyAShortStderrExcerpt() throws IOException {
    Path ready = dir.resolve("ready");
    helper("flaky", "if [ -f '" + ready + "' ]; then\n"
        + "  printf '{\"Username\":\"bot\",\"Secret\":\"" + SECRET + "\"}'\n"
        + "else\n"
        + "  printf '{\"Username\":\"bot\",\"Secret\":\"" + SECRET + "\"}'\n"
        + "  echo 'keychain is locked' >&2\n"
        + "  echo 'second line of detail' >&2\n"
        + "  exit 2\n"
        + "fi");
    DockerConfigProvider p = provider("{\"credsStore\": \"flaky\"}");
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("docker-credential-flaky")
        .hasMessageContaining("exit code 2")
        .hasMessageContaining("keychain is locked")
        .hasMessageNotContaining("second line")
        .hasMessageNotContaining(SECRET);
    Files.createFile(ready);
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("bot", SECRET));
  }

  @Test
  void unreadableOutputIsAnErrorWithoutTheOutput() throws IOException {
    helper("garbled", "echo 'Username=bot Secret=" + SECRET + "'");
    DockerConfigProvider p = provider("{\"credsStore\": \"garbled\"}");
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .hasMessageContaining("docker-credential-garbled")
        .hasMessageContaining("JSON")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void slowHelperIsKilledAfterTheTimeout() throws IOException {
    helper("stuck", "sleep 60\nprintf '{\"Username\":\"bot\",\"Secret\":\"late\"}'");
    DockerConfigProvider p = DockerConfigProvider.file(config("{\"credsStore\": \"stuck\"}"), env,
        Duration.ofMillis(500));
    long start = System.nanoTime();
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("docker-credential-stuck")
        .hasMessageContaining("500 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void helperLeavingABackgroundProcessOnItsOutputStillAnswers() throws IOException {
    // Like a helper that starts an agent which inherits stdout: the pipe stays open after exit.
    helper("agent", "sleep 8 &\nprintf '{\"Username\":\"bot\",\"Secret\":\"" + SECRET + "\"}'");
    DockerConfigProvider p = provider("{\"credsStore\": \"agent\"}");
    long start = System.nanoTime();
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("bot", SECRET));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void badHelperNamesAreRejectedBeforeAnythingRuns() throws IOException {
    Path evil = helper("x", "exit 0");
    for (String name : List.of("../bin/docker-credential-x", "a/b", ".hidden", "sp ace", "")) {
      Path file = Files.writeString(dir.resolve("bad.json"),
          "{\"credHelpers\": {\"reg.example.com\": \"" + name + "\"}}");
      DockerConfigProvider p = DockerConfigProvider.file(file, env, TIMEOUT);
      assertThatThrownBy(() -> p.credentials("reg.example.com"))
          .as(name)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("\"" + name + "\"")
          .hasMessageContaining("not valid");
    }
    assertThat(evil).exists();
    assertThat(callsOf("x")).isEmpty();
  }

  @Test
  void missingCredHelperSaysItIsNotOnPath() throws IOException {
    DockerConfigProvider p = provider("{\"credHelpers\": {\"reg.example.com\": \"ocync-test-absent\"}}");
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("docker-credential-ocync-test-absent was not found on PATH")
        .hasMessageContaining(dir.resolve("config.json").toString());
  }

  @Test
  void missingCredsStoreFallsBackToAuths() throws IOException {
    // Docker Desktop leaves "credsStore": "desktop" behind; that must not break a CI machine.
    String auth = java.util.Base64.getEncoder().encodeToString(("bot:" + SECRET).getBytes(
        java.nio.charset.StandardCharsets.UTF_8));
    DockerConfigProvider p = provider("{\"credsStore\": \"ocync-test-absent\", \"auths\": "
        + "{\"reg.example.com\": {\"auth\": \"" + auth + "\"}}}");
    assertThat(p.credentials("reg.example.com")).map(Credentials::username).contains("bot");
    assertThat(p.credentials("other.example.com")).isEmpty();
  }

  @Test
  void nonExecutableFileOnPathDoesNotCount() throws IOException {
    Path script = answering("plain", "bot", SECRET);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    DockerConfigProvider p = provider("{\"credHelpers\": {\"reg.example.com\": \"plain\"}}");
    assertThatThrownBy(() -> p.credentials("reg.example.com")).hasMessageContaining("not found on PATH");
  }

  @Test
  void toStringNeverShowsWhatHelpersReturned() throws IOException {
    answering("store", "bot", SECRET);
    DockerConfigProvider p = provider("{\"credsStore\": \"store\"}");
    Credentials c = p.credentials("reg.example.com").orElseThrow();
    assertThat(c.secret()).isEqualTo(SECRET);
    assertThat(p.toString()).doesNotContain(SECRET);
    assertThat(c.toString()).doesNotContain(SECRET);
    CredentialHelper h = CredentialHelper.locate(dir.resolve("config.json"), "store", env, TIMEOUT);
    assertThat(h.toString()).contains("docker-credential-store").doesNotContain(SECRET);
  }
}
