package dev.ocync.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.CopyResult;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.oci.Platform;
import dev.ocync.spi.AuthenticationException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** A registry with htpasswd (basic) auth: the right credentials work; wrong ones fail cleanly, leaking nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class AuthIT {
  private static final String USER = "mirror-bot";
  private static final String PASSWORD = "Pa55-word-never-logged";
  private static final String WRONG = "Wrong-pa55-never-logged";

  private RegistryServer plain;
  private RegistryServer secured;

  @BeforeAll
  void start() throws IOException {
    plain = RegistryServer.plain();
    secured = RegistryServer.htpasswd(USER, PASSWORD);
  }

  @AfterAll
  void stop() throws IOException {
    Checks.closeAll(plain, secured);
  }

  @Test
  void rightCredentialsPushAndPull(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.multiArch(301, 2048);
    String repo = Checks.repository(info, "");
    String copy = Checks.repository(info, "copy");
    Seed.registry(image, plain, repo, "v1");

    try (Syncer syncer = Syncer.builder()
        .credentials(CredentialProvider.basic(secured.host(), USER, PASSWORD)).build()) {
      CopyResult pushed = syncer.copy(plain.host() + "/" + repo + ":v1", secured.host() + "/" + repo + ":v1");
      assertThat(pushed.digest()).isEqualTo(image.manifest().digest());
      Checks.assertImageAt(secured, repo, "v1", image);

      // and read back from the secured registry, into another repository there (a mount, with auth)
      CopyResult within = syncer.copy(secured.host() + "/" + repo + ":v1", secured.host() + "/" + copy + ":v1");
      assertThat(within.digest()).isEqualTo(image.manifest().digest());
      Checks.assertImageAt(secured, copy, "v1", image);
    }
  }

  @Test
  void credentialsOnTheRegistryObjectWork(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(311, Platform.parse("linux/amd64"), 2, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, secured, repo, "v1");

    try (Registry source = Registry.builder(secured.host())
            .credentials(CredentialProvider.basic(secured.host(), USER, PASSWORD)).build();
        Registry target = Registry.of(plain.host());
        Syncer syncer = Syncer.builder().build()) {
      CopyResult r = syncer.copy(source.repository(repo), "v1", target.repository(repo), Optional.of("v1"));
      assertThat(r.digest()).isEqualTo(image.manifest().digest());
    }
    Checks.assertImageAt(plain, repo, "v1", image);
  }

  @Test
  void wrongPasswordFailsNamingTheRegistryWithoutThePasswordAndWritesNothing(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(321, Platform.parse("linux/amd64"), 2, 1024);
    String repo = Checks.repository(info, "");
    Seed.registry(image, plain, repo, "v1");

    try (Syncer syncer = Syncer.builder()
        .credentials(CredentialProvider.basic(secured.host(), USER, WRONG)).build()) {
      AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
        () -> syncer.copy(plain.host() + "/" + repo + ":v1", secured.host() + "/" + repo + ":v1"));
      assertThat(e).as("copy with a wrong password").isNotNull();
      assertThat(e.getMessage()).contains(secured.host());
      assertThat(e.registry()).as("the registry that refused").isEqualTo(secured.host());
      assertThat(e.repository()).hasValue(repo);
      assertThat(e.status()).hasValue(401);
      assertThat(Checks.allText(e)).doesNotContain(WRONG).doesNotContain(PASSWORD);
    }
    assertThat(secured.tags(repo)).isEmpty();
    assertThat(secured.manifest(repo, "v1")).isEmpty();
    assertThat(secured.manifest(repo, image.manifest().digest().toString())).isEmpty();
  }

  @Test
  void noCredentialsFailsWithAuthenticationException(TestInfo info) throws IOException {
    TestImages.Image image = TestImages.ociImage(331, Platform.parse("linux/amd64"), 1, 512);
    String repo = Checks.repository(info, "");
    Seed.registry(image, secured, repo, "v1");

    try (Syncer syncer = Syncer.builder().build()) {
      assertThatThrownBy(() -> syncer.copy(secured.host() + "/" + repo + ":v1", plain.host() + "/" + repo + ":v1"))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining(secured.host());
    }
    assertThat(plain.tags(repo)).isEmpty();
  }

  @Test
  void wrongPasswordOnReadIsAnAuthenticationException(TestInfo info) throws IOException {
    String repo = Checks.repository(info, "");
    try (Registry r = Registry.builder(secured.host())
        .credentials(CredentialProvider.basic(secured.host(), USER, WRONG)).build()) {
      Repository repository = r.repository(repo);
      AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
        () -> repository.listTags());
      assertThat(e).isNotNull();
      assertThat(e.status()).hasValue(401);
      assertThat(Checks.allText(e)).contains(secured.host()).doesNotContain(WRONG);
    }
  }
}
