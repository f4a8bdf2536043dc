package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.OciLayout;
import dev.ocync.Registry;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Repository#keepsReferrersIndex()}: whether a target needs the tag-schema index written for it. */
class ReferrersIndexTest {
  private FakeRegistry fake;
  private Registry registry;
  private final TestImages.Image image = TestImages.ociImage(1, Platform.parse("linux/amd64"), 1, 100);

  @BeforeEach
  void setUp() throws IOException {
    fake = FakeRegistry.start();
    registry = fake.registry().build();
  }

  @AfterEach
  void tearDown() throws IOException {
    registry.close();
    fake.close();
  }

  @Test
  void anOciSubjectHeaderOnAPushSaysSoWithoutAnotherRequest() throws IOException {
    Repository repo = registry.repository("app");
    image.pushTo(repo, Optional.of("v1"));
    TestImages.referrer(2, image.manifest().descriptor(), "application/vnd.example.sig").pushTo(repo, Optional.empty());
    assertThat(repo.keepsReferrersIndex()).isTrue();
    assertThat(fake.requests("GET", "/referrers/")).isEmpty();
  }

  @Test
  void otherwiseTheReferrersEndpointIsAskedOnce() throws IOException {
    Repository repo = registry.repository("app");
    image.pushTo(repo, Optional.of("v1"));
    assertThat(repo.keepsReferrersIndex()).isTrue();
    assertThat(repo.keepsReferrersIndex()).isTrue();
    assertThat(fake.requests("GET", "/referrers/")).hasSize(1);
    // what one repository learned holds for the registry
    assertThat(registry.repository("other").keepsReferrersIndex()).isTrue();
    assertThat(fake.requests("GET", "/referrers/")).hasSize(1);
  }

  @Test
  void aRegistryWithoutTheApiSaysNoAndIsAskedOnce() throws IOException {
    fake.referrersApi(false);
    Repository repo = registry.repository("app");
    image.pushTo(repo, Optional.of("v1"));
    TestImages.referrer(2, image.manifest().descriptor(), "application/vnd.example.sig").pushTo(repo, Optional.empty());
    assertThat(repo.keepsReferrersIndex()).isFalse();
    assertThat(repo.keepsReferrersIndex()).isFalse();
    assertThat(fake.requests("GET", "/referrers/")).hasSize(1);
  }

  @Test
  void aRepositoryThatDoesNotExistYetDecidesNothing() throws IOException {
    fake.inject(r -> r.getUrl().encodedPath().contains("/referrers/"),
        FakeRegistry.error(404, "NAME_UNKNOWN", "repository name not known to registry"), true);
    Repository repo = registry.repository("new");
    assertThat(repo.keepsReferrersIndex()).as("unknown: the safe answer").isFalse();
    assertThat(repo.keepsReferrersIndex()).as("asked again, and now it answers").isTrue();
    assertThat(fake.requests("GET", "/referrers/")).hasSize(2);
  }

  @Test
  void layoutsSayNo(@TempDir Path dir) throws IOException {
    try (Repository layout = OciLayout.directory(dir.resolve("l"))) {
      assertThat(layout.keepsReferrersIndex()).isFalse();
    }
  }
}
