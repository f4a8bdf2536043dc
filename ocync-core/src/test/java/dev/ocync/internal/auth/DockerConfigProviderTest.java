package dev.ocync.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.auth.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerConfigProviderTest {
  static final String SECRET = "pa55-Wd-7f3c1e-SECRET";
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  Path write(String name, String json) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, json);
    return p;
  }

  DockerConfigProvider provider(String json) throws IOException {
    return DockerConfigProvider.file(write("config.json", json), Map.of(), TIMEOUT);
  }

  static String auths(String key, String entry) {
    return "{\"auths\": {\"" + key + "\": " + entry + "}}";
  }

  @ParameterizedTest
  @CsvSource({
      "reg.example.com, reg.example.com",
      "reg.example.com:5000, reg.example.com:5000",
      "https://reg.example.com, reg.example.com",
      "http://reg.example.com, reg.example.com",
      "https://reg.example.com/v1/, reg.example.com",
      "https://reg.example.com:8443/v2/, reg.example.com:8443",
      "reg.example.com/team/app, reg.example.com",
      "REG.Example.COM, reg.example.com",
      "reg.example.com, REG.EXAMPLE.COM",
      "reg.example.com, https://reg.example.com/v2/",
  })
  void authsKeyFormsMatchByCanonicalHost(String key, String registry) throws IOException {
    DockerConfigProvider p = provider(auths(key, "{\"auth\": \"" + b64("bot:" + SECRET) + "\"}"));
    assertThat(p.credentials(registry)).contains(Credentials.basic("bot", SECRET));
  }

  @Test
  void portIsPartOfTheHost() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com:5000", "{\"auth\": \"" + b64("bot:" + SECRET) + "\"}"));
    assertThat(p.credentials("reg.example.com")).isEmpty();
    assertThat(p.credentials("reg.example.com:5001")).isEmpty();
    assertThat(p.credentials("other.example.com:5000")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "https://index.docker.io/v1/, docker.io",
      "https://index.docker.io/v1/, index.docker.io",
      "https://index.docker.io/v1/, registry-1.docker.io",
      "docker.io, https://index.docker.io/v1/",
      "index.docker.io, docker.io",
      "registry-1.docker.io, docker.io",
  })
  void dockerHubAliasesAreOneRegistry(String key, String registry) throws IOException {
    DockerConfigProvider p = provider(auths(key, "{\"auth\": \"" + b64("hubuser:" + SECRET) + "\"}"));
    assertThat(p.credentials(registry)).contains(Credentials.basic("hubuser", SECRET));
  }

  @Test
  void authSplitsOnTheFirstColonAndTrimsNulPadding() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {"
        + "\"a.example\": {\"auth\": \"" + b64("bot:pa:ss:word") + "\"},"
        + "\"b.example\": {\"auth\": \"" + b64("bot:padded\0\0\0") + "\"},"
        + "\"c.example\": {\"auth\": \"" + b64("bot:") + "\"}}}");
    assertThat(p.credentials("a.example")).contains(Credentials.basic("bot", "pa:ss:word"));
    assertThat(p.credentials("b.example")).contains(Credentials.basic("bot", "padded"));
    assertThat(p.credentials("c.example")).contains(Credentials.basic("bot", ""));
  }

  @Test
  void emptyUsernameInAuthIsAnErrorNamingFileAndKeyNotTheSecret() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com", "{\"auth\": \"" + b64(":" + SECRET) + "\"}"));
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("config.json").toString())
        .hasMessageContaining("\"reg.example.com\"")
        .hasMessageContaining("empty username")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining(b64(":" + SECRET));
  }

  @Test
  void undecodableAuthIsAnErrorWithoutTheSecret() throws IOException {
    String notBase64 = SECRET + "!!";
    DockerConfigProvider p = provider("{\"auths\": {"
        + "\"bad.example\": {\"auth\": \"" + notBase64 + "\"},"
        + "\"nocolon.example\": {\"auth\": \"" + b64(SECRET) + "\"},"
        + "\"good.example\": {\"auth\": \"" + b64("bot:" + SECRET) + "\"}}}");
    assertThatThrownBy(() -> p.credentials("bad.example"))
        .hasMessageContaining("\"bad.example\"").hasMessageContaining("base64")
        .hasMessageNotContaining(SECRET).hasMessageNotContaining("!");
    assertThatThrownBy(() -> p.credentials("nocolon.example"))
        .hasMessageContaining("\"nocolon.example\"").hasMessageContaining("username:password")
        .hasMessageNotContaining(SECRET);
    // A broken entry for one host does not break the others.
    assertThat(p.credentials("good.example")).contains(Credentials.basic("bot", SECRET));
  }

  @Test
  void separateUsernameAndPasswordFields() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com",
        "{\"username\": \"bot\", \"password\": \"" + SECRET + "\", \"email\": \"x@example.com\"}"));
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("bot", SECRET));
  }

  @Test
  void passwordWithoutUsernameIsAnError() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com", "{\"password\": \"" + SECRET + "\"}"));
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .hasMessageContaining("no username").hasMessageNotContaining(SECRET);
  }

  @Test
  void identityTokenKeepsTheUsernameFromAuth() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {"
        + "\"a.example\": {\"auth\": \"" + b64("someone:") + "\", \"identitytoken\": \"" + SECRET + "\"},"
        + "\"b.example\": {\"identitytoken\": \"" + SECRET + "\"}}}");
    Credentials a = p.credentials("a.example").orElseThrow();
    assertThat(a.kind()).isEqualTo(Credentials.Kind.IDENTITY_TOKEN);
    assertThat(a).isEqualTo(Credentials.identityToken("someone", SECRET));
    assertThat(p.credentials("b.example")).contains(Credentials.identityToken("", SECRET));
  }

  @Test
  void registryTokenIsABearerToken() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com",
        "{\"auth\": \"" + b64("bot:pw") + "\", \"registrytoken\": \"" + SECRET + "\"}"));
    Credentials c = p.credentials("reg.example.com").orElseThrow();
    assertThat(c.kind()).isEqualTo(Credentials.Kind.BEARER);
    assertThat(c.secret()).isEqualTo(SECRET);
  }

  @Test
  void entryWithoutSecretsAndUnknownHostsHaveNothing() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {\"store.example\": {}, \"null.example\": null},"
        + " \"psFormat\": \"table\", \"HttpHeaders\": {\"User-Agent\": \"x\"}}");
    assertThat(p.credentials("store.example")).isEmpty();
    assertThat(p.credentials("null.example")).isEmpty();
    assertThat(p.credentials("unknown.example")).isEmpty();
  }

  @Test
  void hostKeyBeatsNamespaceKeyWhateverTheOrder() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {"
        + "\"reg.example.com/team/app\": {\"auth\": \"" + b64("ns:" + SECRET) + "\"},"
        + "\"reg.example.com\": {\"auth\": \"" + b64("host:" + SECRET) + "\"},"
        + "\"only-ns.example/team\": {\"auth\": \"" + b64("ns:" + SECRET) + "\"}}}");
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("host", SECRET));
    assertThat(p.credentials("only-ns.example")).contains(Credentials.basic("ns", SECRET));
  }

  @Test
  void exactKeyBeatsOtherSpellingsOfTheSameHost() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {"
        + "\"https://reg.example.com/v1/\": {\"auth\": \"" + b64("url:" + SECRET) + "\"},"
        + "\"reg.example.com\": {\"auth\": \"" + b64("exact:" + SECRET) + "\"},"
        + "\"docker.io\": {\"auth\": \"" + b64("alias:" + SECRET) + "\"},"
        + "\"https://index.docker.io/v1/\": {\"auth\": \"" + b64("hub:" + SECRET) + "\"}}}");
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("exact", SECRET));
    // For Docker Hub, the key Docker writes wins over other spellings, whatever name is asked for.
    assertThat(p.credentials("docker.io")).contains(Credentials.basic("hub", SECRET));
    assertThat(p.credentials("registry-1.docker.io")).contains(Credentials.basic("hub", SECRET));
  }

  @Test
  void missingOrEmptyFileHasNoCredentials() throws IOException {
    assertThat(DockerConfigProvider.file(dir.resolve("absent.json"), Map.of(), TIMEOUT).credentials("docker.io"))
        .isEmpty();
    assertThat(provider("").credentials("docker.io")).isEmpty();
    assertThat(provider("  \n").credentials("docker.io")).isEmpty();
  }

  @Test
  void malformedJsonNamesTheFileAndProblemButNotTheContent() throws IOException {
    Path file = write("config.json", "{\n  \"auths\": {\n    \"reg.example.com\": {\"auth\": \"" + SECRET + "\"\n");
    DockerConfigProvider p = DockerConfigProvider.file(file, Map.of(), TIMEOUT);
    assertThatThrownBy(() -> p.credentials("reg.example.com"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not valid JSON")
        .hasMessageContaining("line ")
        .hasMessageNotContaining(SECRET)
        .hasNoCause();
  }

  @Test
  void unquotedSecretInMalformedJsonIsNotEchoed() throws IOException {
    DockerConfigProvider p = provider("{\"auths\": {\"r.example\": {\"auth\": " + SECRET + "}}}");
    assertThatThrownBy(() -> p.credentials("r.example"))
        .hasMessageContaining("line 1")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("pa55");
  }

  @Test
  void wrongShapesAreErrorsNamingWhatIsWrong() throws IOException {
    assertThatThrownBy(() -> provider("[]").credentials("r.example"))
        .hasMessageContaining("top level").hasMessageContaining("array");
    assertThatThrownBy(() -> provider("{\"auths\": []}").credentials("r.example"))
        .hasMessageContaining("\"auths\"");
    assertThatThrownBy(() -> provider(auths("r.example", "\"" + SECRET + "\"")).credentials("r.example"))
        .hasMessageContaining("\"r.example\"").hasMessageContaining("must be an object")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> provider(auths("r.example", "{\"auth\": 42}")).credentials("r.example"))
        .hasMessageContaining("\"auth\" must be a string");
    assertThatThrownBy(() -> provider("{\"credHelpers\": {\"r.example\": 1}}").credentials("r.example"))
        .hasMessageContaining("credHelpers");
    assertThatThrownBy(() -> provider("{\"credsStore\": {}}").credentials("r.example"))
        .hasMessageContaining("credsStore");
  }

  @Test
  void resultsAreKeptForTheProvidersLifetime() throws IOException {
    Path file = write("config.json", auths("reg.example.com", "{\"auth\": \"" + b64("first:" + SECRET) + "\"}"));
    DockerConfigProvider p = DockerConfigProvider.file(file, Map.of(), TIMEOUT);
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("first", SECRET));
    Files.writeString(file, auths("reg.example.com", "{\"auth\": \"" + b64("second:" + SECRET) + "\"}"));
    assertThat(p.credentials("REG.example.com")).contains(Credentials.basic("first", SECRET));
    // A fresh provider reads the file again.
    assertThat(DockerConfigProvider.file(file, Map.of(), TIMEOUT).credentials("reg.example.com"))
        .contains(Credentials.basic("second", SECRET));
  }

  @Test
  void toStringShowsFilesNotSecrets() throws IOException {
    DockerConfigProvider p = provider(auths("reg.example.com", "{\"auth\": \"" + b64("bot:" + SECRET) + "\","
        + " \"identitytoken\": \"" + SECRET + "\"}"));
    Optional<Credentials> c = p.credentials("reg.example.com");
    assertThat(c).isPresent();
    assertThat(p.toString()).contains(dir.resolve("config.json").toString()).doesNotContain(SECRET);
    assertThat(c.get().toString()).doesNotContain(SECRET);
    assertThat(AuthFile.parse(dir.resolve("config.json"),
        auths("reg.example.com", "{\"password\": \"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8))
        .auth("reg.example.com").orElseThrow().toString()).doesNotContain(SECRET);
  }

  @Test
  void emptyRegistryIsRejected() throws IOException {
    DockerConfigProvider p = provider("{}");
    assertThatThrownBy(() -> p.credentials(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  // --- locations ---

  @Test
  void dockerConfigLocation() {
    Path home = dir.resolve("home");
    assertThat(DockerConfigProvider.dockerConfigFile(Map.of(), home))
        .isEqualTo(home.resolve(".docker/config.json"));
    assertThat(DockerConfigProvider.dockerConfigFile(Map.of("DOCKER_CONFIG", ""), home))
        .isEqualTo(home.resolve(".docker/config.json"));
    assertThat(DockerConfigProvider.dockerConfigFile(Map.of("DOCKER_CONFIG", dir.resolve("dc").toString()), home))
        .isEqualTo(dir.resolve("dc/config.json"));
  }

  @Test
  void dockerConfigEnvironmentWinsOverHome() throws IOException {
    Path home = dir.resolve("home");
    write("home/.docker/config.json", auths("reg.example.com", "{\"auth\": \"" + b64("home:" + SECRET) + "\"}"));
    write("dc/config.json", auths("reg.example.com", "{\"auth\": \"" + b64("env:" + SECRET) + "\"}"));
    assertThat(DockerConfigProvider.docker(Map.of(), home, TIMEOUT).credentials("reg.example.com"))
        .contains(Credentials.basic("home", SECRET));
    assertThat(DockerConfigProvider.docker(Map.of("DOCKER_CONFIG", dir.resolve("dc").toString()), home, TIMEOUT)
        .credentials("reg.example.com")).contains(Credentials.basic("env", SECRET));
    // DOCKER_CONFIG pointing at a directory without config.json: nothing, no fallback to home.
    assertThat(DockerConfigProvider.docker(Map.of("DOCKER_CONFIG", dir.resolve("empty").toString()), home, TIMEOUT)
        .credentials("reg.example.com")).isEmpty();
  }

  @Test
  void podmanAuthFileLocations() {
    Path home = dir.resolve("home");
    Path homeFile = home.resolve(".config/containers/auth.json");
    assertThat(DockerConfigProvider.podmanAuthFiles(Map.of(), home)).containsExactly(homeFile);
    assertThat(DockerConfigProvider.podmanAuthFiles(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), home))
        .containsExactly(Path.of("/run/user/1000/containers/auth.json"), homeFile);
    assertThat(DockerConfigProvider.podmanAuthFiles(
        Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "REGISTRY_AUTH_FILE", "/etc/auth.json"), home))
        .containsExactly(Path.of("/etc/auth.json"));
  }

  @Test
  void podmanSearchOrder() throws IOException {
    Path home = dir.resolve("home");
    Path runtime = dir.resolve("run");
    write("home/.config/containers/auth.json", "{\"auths\": {"
        + "\"reg.example.com\": {\"auth\": \"" + b64("home:" + SECRET) + "\"},"
        + "\"home-only.example\": {\"auth\": \"" + b64("home:" + SECRET) + "\"}}}");
    Map<String, String> xdg = Map.of("XDG_RUNTIME_DIR", runtime.toString());

    // XDG_RUNTIME_DIR unset, or its file missing: the file under home.
    assertThat(DockerConfigProvider.podman(Map.of(), home, TIMEOUT).credentials("reg.example.com"))
        .contains(Credentials.basic("home", SECRET));
    assertThat(DockerConfigProvider.podman(xdg, home, TIMEOUT).credentials("reg.example.com"))
        .contains(Credentials.basic("home", SECRET));

    // The runtime file wins where it has the host; home still answers for the rest.
    write("run/containers/auth.json", auths("reg.example.com", "{\"auth\": \"" + b64("xdg:" + SECRET) + "\"}"));
    DockerConfigProvider p = DockerConfigProvider.podman(xdg, home, TIMEOUT);
    assertThat(p.credentials("reg.example.com")).contains(Credentials.basic("xdg", SECRET));
    assertThat(p.credentials("home-only.example")).contains(Credentials.basic("home", SECRET));

    // REGISTRY_AUTH_FILE is the only file when set, even when it does not exist.
    Path explicit = write("explicit.json", auths("reg.example.com", "{\"auth\": \"" + b64("explicit:" + SECRET) + "\"}"));
    Map<String, String> withExplicit = Map.of("XDG_RUNTIME_DIR", runtime.toString(),
        "REGISTRY_AUTH_FILE", explicit.toString());
    assertThat(DockerConfigProvider.podman(withExplicit, home, TIMEOUT).credentials("reg.example.com"))
        .contains(Credentials.basic("explicit", SECRET));
    assertThat(DockerConfigProvider.podman(Map.of("REGISTRY_AUTH_FILE", dir.resolve("nope.json").toString()),
        home, TIMEOUT).credentials("reg.example.com")).isEmpty();
  }

  @Test
  void podmanNamespaceKeys() throws IOException {
    Path authFile = write("auth.json", "{\"auths\": {"
        + "\"quay.example/team/app\": {\"auth\": \"" + b64("app:" + SECRET) + "\"},"
        + "\"quay.example/team\": {\"auth\": \"" + b64("team:" + SECRET) + "\"},"
        + "\"both.example/team\": {\"auth\": \"" + b64("team:" + SECRET) + "\"},"
        + "\"both.example\": {\"auth\": \"" + b64("host:" + SECRET) + "\"}}}");
    DockerConfigProvider p = DockerConfigProvider.podman(Map.of("REGISTRY_AUTH_FILE", authFile.toString()),
        dir, TIMEOUT);
    // Per-host lookups: the first namespace key for the host, when there is no host key.
    assertThat(p.credentials("quay.example")).contains(Credentials.basic("app", SECRET));
    assertThat(p.credentials("both.example")).contains(Credentials.basic("host", SECRET));
  }
}
