package dev.ocync.testing;

import static dev.ocync.testing.Contracts.absentBlob;
import static dev.ocync.testing.Contracts.absentDigest;
import static dev.ocync.testing.Contracts.assertNotFound;
import static dev.ocync.testing.Contracts.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reading half of the {@link Repository} SPI contract, and refusal of every write, for an
 * endpoint that only serves content (a classic Helm repository, a registry served read-only).
 * Extend it and say which {@link #repository} to test and a {@link #tag} it holds; the suite
 * learns everything else by reading.
 */
@Timeout(60)
public abstract class ReadOnlyRepositoryContract {

  /** The repository under test, holding at least {@link #tag}; the subclass closes it. */
  protected abstract Repository repository() throws IOException;

  /** A tag the repository holds. */
  protected abstract String tag();

  /** What {@link Repository#readOnly} answers: true where the endpoint knows it only serves. */
  protected abstract boolean saysReadOnly();

  /** The secret of the credentials {@link #repository} is reached with, if any. */
  protected Optional<String> secret() {
    return Optional.empty();
  }

  private Manifest manifest() throws IOException {
    return repository().fetchManifest(tag());
  }

  @Test
  void resolvesByTagAndByDigest() throws IOException {
    Repository repo = repository();
    Manifest m = manifest();
    Descriptor byTag = repo.resolve(tag()).orElseThrow(() -> new AssertionError("resolve(" + tag() + ") is empty"));
    Descriptor byDigest = repo.resolve(m.digest().toString()).orElseThrow();
    for (Descriptor d : List.of(byTag, byDigest)) {
      assertThat(d.digest()).isEqualTo(m.digest());
      assertThat(d.size()).isEqualTo(m.size());
      assertThat(d.mediaType()).isEqualTo(m.mediaType());
    }
    Contracts.assertAbsentResolvesEmpty(repo);
  }

  @Test
  void theManifestByDigestIsTheManifestByTag() throws IOException {
    Manifest byTag = manifest();
    Manifest byDigest = repository().fetchManifest(byTag.digest().toString());
    assertThat(byDigest.bytes()).isEqualTo(byTag.bytes());
    assertThat(Digest.sha256(byDigest.bytes())).isEqualTo(byTag.digest());
  }

  @Test
  void aMissingManifestIsNotFoundNamingTheLocation() throws IOException {
    Repository repo = repository();
    assertNotFound(repo, () -> repo.fetchManifest("no-such-tag"));
    assertNotFound(repo, () -> repo.fetchManifest(absentDigest().toString()));
  }

  @Test
  void everyReferencedBlobIsHereWithItsBytes() throws IOException {
    Repository repo = repository();
    for (Descriptor b : manifest().blobs()) {
      assertThat(repo.hasBlob(b)).as(b.digest().toString()).isTrue();
      byte[] bytes = read(repo, b);
      assertThat(bytes).hasSize((int) b.size());
      assertThat(Digest.of(b.digest().algorithm(), bytes)).isEqualTo(b.digest());
    }
  }

  @Test
  void aMissingBlobIsNotFoundNamingTheLocation() throws IOException {
    Repository repo = repository();
    Descriptor absent = absentBlob().descriptor();
    assertThat(repo.hasBlob(absent)).isFalse();
    assertNotFound(repo, () -> repo.openBlob(absent).close());
  }

  @Test
  void listTagsHasTheTagOnce() throws IOException {
    List<String> tags = repository().listTags();
    assertThat(tags).containsOnlyOnce(tag());
    assertThat(new HashSet<>(tags)).hasSameSizeAs(tags);
  }

  @Test
  void anUnknownSubjectHasNoReferrers() throws IOException {
    assertThat(repository().listReferrers(absentDigest(), Optional.empty())).isEmpty();
    assertThat(repository().listReferrers(manifest().digest(), Optional.of("application/vnd.example.none")))
        .isEmpty();
  }

  @Test
  void readOnlyAnswersAsExpected() throws IOException {
    assertThat(repository().readOnly()).isEqualTo(saysReadOnly());
    if (saysReadOnly()) {
      assertThat(repository().keepsReferrersIndex()).isFalse();
    }
  }

  @Test
  void everyWriteIsRefusedAndChangesNothing() throws IOException {
    Repository repo = repository();
    Manifest m = manifest();
    List<String> tagsBefore = repo.listTags();
    TestImages.Blob b = absentBlob();
    assertThatThrownBy(() -> repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes())))
        .isInstanceOf(IOException.class).satisfies(e -> Contracts.assertNamesLocation(e, repo));
    assertThat(repo.hasBlob(b.descriptor())).isFalse();

    assertThatThrownBy(() -> repo.pushManifest(m, Optional.of("contract-new-tag")))
        .isInstanceOf(IOException.class).satisfies(e -> Contracts.assertNamesLocation(e, repo));
    assertThat(repo.resolve("contract-new-tag")).isEmpty();

    MemoryRepository source = new MemoryRepository("elsewhere/contract");
    source.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
    boolean mounted;
    try {
      mounted = repo.mountBlob(b.descriptor(), source);
    } catch (IOException refused) {
      mounted = false;
    }
    assertThat(mounted).isFalse();
    assertThat(repo.hasBlob(b.descriptor())).isFalse();
    assertThat(repo.listTags()).isEqualTo(tagsBefore);
  }

  @Test
  void theLocationAndMessagesNeverCarryTheSecret() throws IOException {
    Repository repo = repository();
    manifest(); // the credentials work
    assertThat(repo.location()).isNotBlank();
    for (String secret : secret().stream().toList()) {
      assertThat(repo.location()).doesNotContain(secret);
      assertThat(repo.toString()).doesNotContain(secret);
      assertThatThrownBy(() -> repo.fetchManifest("no-such-tag"))
          .satisfies(e -> Contracts.assertNoSecret(e, secret));
    }
  }

  @Test
  void closeTwiceIsHarmless() throws IOException {
    repository().close();
    repository().close();
  }
}
