package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.Registry;
import dev.ocync.internal.engine.VerifyingInputStream;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A monolithic upload does not hash content that checks itself (the engine's verifying stream),
 * and still commits nothing that does not match: the content's own check fails before the last
 * bytes go out. Content that only claims to check itself for another descriptor is hashed.
 */
class SelfVerifyingUploadTest {
  private FakeRegistry fake;
  private Registry registry;

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

  private static final class Claiming extends FilterInputStream implements SelfVerifyingContent {
    private final Descriptor claimed;

    Claiming(byte[] bytes, Descriptor claimed) {
      super(new ByteArrayInputStream(bytes));
      this.claimed = claimed;
    }

    @Override
    public boolean verifies(Descriptor blob) {
      return claimed.equals(blob);
    }
  }

  @Test
  void selfVerifyingContentIsCommittedWhenItMatchesAndNeverWhenItDoesNot() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(41, 200_000));
    byte[] wrong = TestImages.randomBytes(42, 200_000);
    Repository repo = registry.repository("app");

    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(),
        new VerifyingInputStream(new ByteArrayInputStream(wrong), blob.descriptor(), "test")))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(fake.blobDigests("app")).isEmpty();
    assertThat(fake.openUploads()).isZero();

    repo.pushBlob(blob.descriptor(), new VerifyingInputStream(new ByteArrayInputStream(blob.bytes()),
        blob.descriptor(), "test"));
    assertThat(fake.blob("app", blob.descriptor().digest())).contains(blob.bytes());
  }

  @Test
  void contentVouchingForAnotherDescriptorIsHashedByTheUpload() throws IOException {
    TestImages.Blob blob = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(43, 50_000));
    TestImages.Blob other = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(44, 50_000));
    byte[] wrong = TestImages.randomBytes(45, 50_000);
    Repository repo = registry.repository("app");

    assertThatThrownBy(() -> repo.pushBlob(blob.descriptor(), new Claiming(wrong, other.descriptor())))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(fake.blobDigests("app")).isEmpty();
  }
}
