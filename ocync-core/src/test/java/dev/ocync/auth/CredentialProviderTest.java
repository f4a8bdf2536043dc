package dev.ocync.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public credential sources, as a host application sees them. */
class CredentialProviderTest {
  static final String SECRET = "public-api-Secret-5e7a";

  @TempDir Path dir;

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  Path config(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void dockerConfigAtAPathFindsAuthsByHost() throws IOException {
    CredentialProvider p = CredentialProvider.dockerConfig(config("{\"auths\": {"
        + "\"https://index.docker.io/v1/\": {\"auth\": \"" + b64("hubuser:" + SECRET) + "\"},"
        + "\"localhost:5000\": {\"username\": \"bot\", \"password\": \"" + SECRET + "\"},"
        + "\"ghcr.io\": {\"registrytoken\": \"" + SECRET + "\"}}}"));
    assertThat(p.credentials("docker.io")).contains(Credentials.basic("hubuser", SECRET));
    assertThat(p.credentials("index.docker.io")).contains(Credentials.basic("hubuser", SECRET));
    assertThat(p.credentials("localhost:5000")).contains(Credentials.basic("bot", SECRET));
    assertThat(p.credentials("localhost:5001")).isEmpty();
    assertThat(p.credentials("ghcr.io")).contains(Credentials.bearer(SECRET));
    assertThat(p.credentials("quay.io")).isEmpty();
  }

  @Test
  void dockerConfigAtAMissingPathHasNothing() throws IOException {
    assertThat(CredentialProvider.dockerConfig(dir.resolve("no/such/config.json")).credentials("docker.io"))
        .isEmpty();
  }

  @Test
  void dockerConfigMalformedIsAnIoExceptionWithoutSecrets() throws IOException {
    Path file = config("{\"auths\": {\"ghcr.io\": {\"auth\": \"" + SECRET + "\"");
    CredentialProvider p = CredentialProvider.dockerConfig(file);
    assertThatThrownBy(() -> p.credentials("ghcr.io"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageNotContaining(SECRET);
    assertThat(p.toString()).contains(file.toString()).doesNotContain(SECRET);
  }

  @Test
  void dockerConfigWithAMissingHelperForTheHostIsAnErrorNotAnonymous() throws IOException {
    CredentialProvider p = CredentialProvider.dockerConfig(
        config("{\"credHelpers\": {\"ghcr.io\": \"ocync-absent-7c1d\"}}"));
    assertThatThrownBy(() -> p.credentials("ghcr.io"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("docker-credential-ocync-absent-7c1d was not found on PATH");
  }

  @Test
  void dockerConfigWithALeftoverMissingStoreIsAnonymous() throws IOException {
    CredentialProvider p = CredentialProvider.dockerConfig(config("{\"credsStore\": \"ocync-absent-7c1d\"}"));
    assertThat(p.credentials("ghcr.io")).isEmpty();
  }

  @Test
  void orFallsThroughOnlyOnEmpty() throws IOException {
    CredentialProvider file = CredentialProvider.dockerConfig(config("{\"auths\": {"
        + "\"ghcr.io\": {\"auth\": \"" + b64("from-file:" + SECRET) + "\"}}}"));
    CredentialProvider chain = file.or(CredentialProvider.basic("ghcr.io", "fallback", "x"))
        .or(CredentialProvider.basic("registry-1.docker.io", "hub", "y"));
    assertThat(chain.credentials("ghcr.io")).contains(Credentials.basic("from-file", SECRET));
    assertThat(chain.credentials("docker.io")).contains(Credentials.basic("hub", "y"));
    assertThat(chain.credentials("quay.io")).isEmpty();

    AtomicInteger asked = new AtomicInteger();
    CredentialProvider failing = r -> {
      throw new IOException("helper crashed");
    };
    CredentialProvider counting = r -> {
      asked.incrementAndGet();
      return java.util.Optional.empty();
    };
    assertThatThrownBy(() -> failing.or(counting).credentials("ghcr.io")).hasMessage("helper crashed");
    assertThat(asked).hasValue(0);
  }

  @Test
  void fixedProvidersMatchDockerHubAliasesAndNothingElse() throws IOException {
    CredentialProvider hub = CredentialProvider.basic("https://index.docker.io/v1/", "u", SECRET);
    assertThat(hub.credentials("docker.io")).contains(Credentials.basic("u", SECRET));
    assertThat(hub.credentials("registry-1.docker.io")).isPresent();
    assertThat(hub.credentials("ghcr.io")).isEmpty();
    assertThat(CredentialProvider.bearer("ghcr.io", SECRET).credentials("GHCR.io")).contains(Credentials.bearer(SECRET));
    assertThat(CredentialProvider.anonymous().credentials("ghcr.io")).isEmpty();
  }

  @Test
  void canonicalHosts() {
    assertThat(RegistryHosts.canonical("https://index.docker.io/v1/")).isEqualTo("docker.io");
    assertThat(RegistryHosts.canonical("registry-1.docker.io")).isEqualTo("docker.io");
    assertThat(RegistryHosts.canonical("index.docker.io/v1/")).isEqualTo("docker.io");
    assertThat(RegistryHosts.canonical("HTTP://Reg.Example.com:5000/v2/")).isEqualTo("reg.example.com:5000");
    assertThat(RegistryHosts.canonical("quay.io/team/app")).isEqualTo("quay.io");
    assertThat(RegistryHosts.isDockerHub("docker.io")).isTrue();
    assertThat(RegistryHosts.isDockerHub("docker.io.example.com")).isFalse();
  }
}
