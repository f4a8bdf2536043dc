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
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@link Repository} SPI contract for a writable endpoint, as JUnit 5 tests. Extend it, say how
 * to {@link #create} a fresh repository on the endpoint under test, and override the hooks where
 * the endpoint answers differently (mounts, referrers index, a reopen that reads from storage):
 *
 * <pre>{@code
 * class MyRepositoryContractTest extends RepositoryContract {
 *   protected Repository create(String name) { return new MyRepository(name); }
 * }
 * }</pre>
 *
 * <p>Every repository {@link #repo} hands out is closed after the test. Read-only endpoints use
 * {@link ReadOnlyRepositoryContract}.
 */
@Timeout(120)
public abstract class RepositoryContract {
  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private final List<Repository> opened = new ArrayList<>();

  /**
   * A new, empty repository called {@code name} on the endpoint under test. Repositories created in
   * one test share the endpoint (one registry, one bundle), so that mounts between them can work.
   */
  protected abstract Repository create(String name) throws IOException;

  /**
   * The repository {@code name} as a new reader sees it after {@code written} was closed: a new
   * instance over the same storage. The default, for endpoints without storage of their own,
   * returns {@code written} unclosed.
   */
  protected Repository reopen(Repository written, String name) throws IOException {
    return written;
  }

  /**
   * A repository called {@code name} reached with credentials whose secret is {@code secret}, or
   * empty where the endpoint takes no credentials.
   */
  protected Optional<Repository> createWithSecret(String name, String secret) throws IOException {
    return Optional.empty();
  }

  /**
   * Replaces, behind the endpoint's back, the stored bytes of {@code digest} in repository
   * {@code name} by {@code bytes} of the same length, as a disk or a registry gone bad would.
   * Returns false where the test cannot reach the storage; the default.
   */
  protected boolean tamper(String name, Digest digest, byte[] bytes) throws IOException {
    return false;
  }

  /**
   * Whether asking for a blob's digest as a manifest is an absent manifest (empty, {@link
   * NotFoundException}), as the javadoc has it. Distribution 2.8 answers HTTP 500 instead.
   */
  protected boolean blobDigestsAreNotFound() {
    return true;
  }

  /** Whether a blob present in another repository of the same endpoint can be mounted. */
  protected boolean mountsWithinEndpoint() {
    return false;
  }

  /** What {@link Repository#keepsReferrersIndex} answers after a push. */
  protected boolean keepsReferrersIndex() {
    return false;
  }

  /** Whether a manifest naming a missing blob or child is refused (a registry does). */
  protected boolean checksReferences() {
    return true;
  }

  /** A repository of the endpoint, closed after the test. */
  protected final Repository repo(String name) throws IOException {
    return track(create(name));
  }

  private Repository track(Repository r) {
    opened.add(r);
    return r;
  }

  @AfterEach
  void closeRepositories() throws IOException {
    for (Repository r : opened) {
      r.close();
    }
  }

  private static TestImages.Image image(long seed) {
    return TestImages.ociImage(seed, AMD64, 2, 300);
  }

  private static void pushBlob(Repository repo, TestImages.Blob b) throws IOException {
    repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
  }

  // ------------------------------------------------------------------ manifests

  @Test
  void resolvesByTagAndByDigest() throws IOException {
    Repository repo = repo("contract/resolve");
    TestImages.Image img = image(1);
    img.pushTo(repo, Optional.of("v1"));
    Descriptor expected = img.manifest().descriptor();
    for (String ref : List.of("v1", img.manifest().digest().toString())) {
      Descriptor d = repo.resolve(ref).orElseThrow(() -> new AssertionError("resolve(" + ref + ") is empty"));
      assertThat(d.digest()).as(ref).isEqualTo(expected.digest());
      assertThat(d.size()).as(ref).isEqualTo(expected.size());
      assertThat(d.mediaType()).as(ref).isEqualTo(MediaType.OCI_MANIFEST);
    }
    Contracts.assertAbsentResolvesEmpty(repo);
  }

  @Test
  void manifestsComeBackByteForByte() throws IOException {
    Repository repo = repo("contract/bytes");
    TestImages.Image oci = TestImages.multiArch(2, 200);
    TestImages.Image docker = TestImages.dockerImage(3, AMD64, 1, 100);
    oci.pushTo(repo, Optional.of("oci"));
    docker.pushTo(repo, Optional.of("docker"));
    for (TestImages.Image img : List.of(oci, docker)) {
      String tag = img == oci ? "oci" : "docker";
      for (String ref : List.of(tag, img.manifest().digest().toString())) {
        Manifest m = repo.fetchManifest(ref);
        assertThat(m.bytes()).as(ref).isEqualTo(img.manifest().bytes());
        assertThat(m.digest()).as(ref).isEqualTo(img.manifest().digest());
        assertThat(m.mediaType()).as(ref).isEqualTo(img.manifest().mediaType());
      }
    }
    for (Manifest child : oci.allManifests()) {
      assertThat(repo.fetchManifest(child.digest().toString()).bytes()).isEqualTo(child.bytes());
    }
  }

  @Test
  void aBlobDigestIsNoManifest() throws IOException {
    Repository repo = repo("contract/blob-is-no-manifest");
    TestImages.Image img = image(26);
    img.pushTo(repo, Optional.of("v1"));
    for (Descriptor blob : img.manifest().blobs()) {
      String ref = blob.digest().toString();
      if (blobDigestsAreNotFound()) {
        assertThat(repo.resolve(ref)).as(blob.mediaType()).isEmpty();
        assertNotFound(repo, () -> repo.fetchManifest(ref));
      } else {
        // never a descriptor or manifest for a blob, whatever the endpoint's failure looks like
        try {
          assertThat(repo.resolve(ref)).as(blob.mediaType()).isEmpty();
        } catch (RegistryException e) {
          Contracts.assertNamesLocation(e, repo);
        }
        assertThatThrownBy(() -> repo.fetchManifest(ref)).isInstanceOf(RegistryException.class)
            .satisfies(e -> Contracts.assertNamesLocation(e, repo));
      }
    }
  }

  @Test
  void aMissingManifestIsNotFoundNamingTheLocation() throws IOException {
    Repository repo = repo("contract/missing");
    image(4).pushTo(repo, Optional.of("present"));
    assertNotFound(repo, () -> repo.fetchManifest("absent"));
    assertNotFound(repo, () -> repo.fetchManifest(absentDigest().toString()));
  }

  @Test
  void aTagMovesAndTheOldManifestStaysByDigest() throws IOException {
    Repository repo = repo("contract/move");
    TestImages.Image first = image(5);
    TestImages.Image second = image(6);
    first.pushTo(repo, Optional.of("latest"));
    second.pushTo(repo, Optional.of("latest"));
    assertThat(repo.resolve("latest").map(Descriptor::digest)).contains(second.manifest().digest());
    assertThat(repo.fetchManifest("latest").bytes()).isEqualTo(second.manifest().bytes());
    assertThat(repo.fetchManifest(first.manifest().digest().toString()).bytes()).isEqualTo(first.manifest().bytes());
    assertThat(repo.listTags()).containsOnlyOnce("latest");
  }

  @Test
  void withoutATagAManifestIsStoredByDigestOnly() throws IOException {
    Repository repo = repo("contract/untagged");
    TestImages.Image tagged = image(7);
    TestImages.Image untagged = image(8);
    tagged.pushTo(repo, Optional.of("only"));
    untagged.pushTo(repo, Optional.empty());
    assertThat(repo.fetchManifest(untagged.manifest().digest().toString()).bytes())
        .isEqualTo(untagged.manifest().bytes());
    assertThat(repo.listTags()).containsExactly("only");
  }

  @Test
  void aManifestWithAMissingBlobOrChildIsRefused() throws IOException {
    if (!checksReferences()) {
      return;
    }
    Repository repo = repo("contract/refused");
    TestImages.Image img = image(9);
    List<TestImages.Blob> blobs = img.allBlobs();
    for (TestImages.Blob b : blobs.subList(0, blobs.size() - 1)) {
      pushBlob(repo, b);
    }
    assertThatThrownBy(() -> repo.pushManifest(img.manifest(), Optional.of("broken"))).isInstanceOf(IOException.class);
    assertThat(repo.resolve(img.manifest().digest().toString())).isEmpty();
    assertThat(repo.resolve("broken")).isEmpty();

    TestImages.Image index = TestImages.multiArch(10, 100);
    index.children().get(0).pushTo(repo, Optional.empty()); // the second child is missing
    assertThatThrownBy(() -> repo.pushManifest(index.manifest(), Optional.of("broken-index")))
        .isInstanceOf(IOException.class);
    assertThat(repo.resolve("broken-index")).isEmpty();
    assertThat(tagsOf(repo)).doesNotContain("broken", "broken-index");
  }

  /**
   * The tags, or none where the endpoint says a repository without a manifest does not exist
   * (distribution answers {@code NAME_UNKNOWN} until a manifest is pushed, blobs or not).
   */
  private static List<String> tagsOf(Repository repo) throws IOException {
    try {
      return repo.listTags();
    } catch (NotFoundException e) {
      Contracts.assertNamesLocation(e, repo);
      return List.of();
    }
  }

  @Test
  void aRepositoryWithoutManifestsHasNoTags() throws IOException {
    Repository fresh = repo("contract/fresh");
    assertThat(tagsOf(fresh)).isEmpty();
    Repository blobsOnly = repo("contract/blobs-only");
    pushBlob(blobsOnly, TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(24, 10)));
    assertThat(tagsOf(blobsOnly)).isEmpty();
    assertThat(fresh.resolve("latest")).isEmpty();
  }

  @Test
  void aManifestFetchedByDigestIsVerifiedAgainstIt() throws IOException {
    Repository repo = repo("contract/verified");
    TestImages.Image img = image(25);
    img.pushTo(repo, Optional.of("v1"));
    Digest digest = img.manifest().digest();
    if (!tamper("contract/verified", digest, tampered(img.manifest().bytes()))) {
      return;
    }
    assertThatThrownBy(() -> repo.fetchManifest(digest.toString())).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(digest.toString())
        .satisfies(e -> Contracts.assertNamesLocation(e, repo));
  }

  /** The manifest with one hex digit of its first digest changed: still valid JSON, same length. */
  private static byte[] tampered(byte[] manifest) {
    byte[] out = manifest.clone();
    String json = new String(manifest, java.nio.charset.StandardCharsets.UTF_8);
    int i = json.indexOf("sha256:") + "sha256:".length();
    out[i] = (byte) (out[i] == '0' ? '1' : '0');
    return out;
  }

  // ------------------------------------------------------------------ blobs

  @Test
  void aBlobIsAbsentThenPushedThenReadBack() throws IOException {
    Repository repo = repo("contract/blob");
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(11, 70_000));
    assertThat(repo.hasBlob(b.descriptor())).isFalse();
    pushBlob(repo, b);
    assertThat(repo.hasBlob(b.descriptor())).isTrue();
    assertThat(read(repo, b.descriptor())).isEqualTo(b.bytes());
    pushBlob(repo, b); // pushing what is there again is harmless
    assertThat(read(repo, b.descriptor())).isEqualTo(b.bytes());
  }

  @Test
  void anEmptyBlobIsABlobToo() throws IOException {
    Repository repo = repo("contract/empty-blob");
    TestImages.Blob empty = TestImages.blob(MediaType.OCI_LAYER_GZIP, new byte[0]);
    pushBlob(repo, empty);
    assertThat(repo.hasBlob(empty.descriptor())).isTrue();
    assertThat(read(repo, empty.descriptor())).isEmpty();
  }

  @Test
  void aMissingBlobIsNotFoundNamingTheLocation() throws IOException {
    Repository repo = repo("contract/noblob");
    image(12).pushTo(repo, Optional.of("v1"));
    Descriptor absent = absentBlob().descriptor();
    assertThat(repo.hasBlob(absent)).isFalse();
    assertNotFound(repo, () -> repo.openBlob(absent).close());
  }

  @Test
  void contentThatDoesNotMatchItsDescriptorIsNotCommitted() throws IOException {
    Repository repo = repo("contract/mismatch");
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(13, 5_000));
    byte[] wrongByte = b.bytes().clone();
    wrongByte[2_500] ^= 1;
    List<byte[]> bad = List.of(Arrays.copyOf(b.bytes(), b.bytes().length - 1), // short
        Arrays.copyOf(b.bytes(), b.bytes().length + 1), // long
        wrongByte, new byte[0]);
    for (byte[] content : bad) {
      assertThatThrownBy(() -> repo.pushBlob(b.descriptor(), new ByteArrayInputStream(content)))
          .as("%d bytes for a %d-byte blob", content.length, b.bytes().length)
          .isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(b.descriptor().digest().toString())
          .satisfies(e -> Contracts.assertNamesLocation(e, repo));
      assertThat(repo.hasBlob(b.descriptor())).isFalse();
    }
    pushBlob(repo, b); // a failed push leaves nothing in the way of a good one
    assertThat(read(repo, b.descriptor())).isEqualTo(b.bytes());
  }

  @Test
  void aStreamThatThrowsCommitsNothingAndTheFailurePropagates() throws IOException {
    Repository repo = repo("contract/throwing");
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(14, 40_000));
    IOException boom = new IOException("source connection reset (contract test)");
    InputStream throwing = new SequenceInputStream(new ByteArrayInputStream(b.bytes(), 0, 20_000),
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw boom;
          }
        });
    assertThatThrownBy(() -> repo.pushBlob(b.descriptor(), throwing)).isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(Contracts.causes(e)).contains(boom));
    assertThat(repo.hasBlob(b.descriptor())).isFalse();
    pushBlob(repo, b);
    assertThat(repo.hasBlob(b.descriptor())).isTrue();
  }

  @Test
  void mountAnswersWhetherTheBlobIsNowHere() throws IOException {
    Repository target = repo("contract/mount-target");
    Repository sibling = repo("contract/mount-source");
    TestImages.Image img = image(15);
    img.pushTo(sibling, Optional.of("v1"));
    Descriptor layer = img.manifest().layers().get(0);
    boolean mounted = target.mountBlob(layer, sibling);
    assertThat(mounted).isEqualTo(mountsWithinEndpoint());
    if (mounted) {
      assertThat(target.hasBlob(layer)).isTrue();
      assertThat(read(target, layer)).isEqualTo(read(sibling, layer));
    }
    Descriptor absent = absentBlob().descriptor();
    assertThat(target.mountBlob(absent, sibling)).isFalse();
    assertThat(target.hasBlob(absent)).isFalse();

    MemoryRepository foreign = new MemoryRepository("elsewhere/contract");
    TestImages.Blob b = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(16, 100));
    pushBlob(foreign, b);
    assertThat(target.mountBlob(b.descriptor(), foreign)).isFalse();
    assertThat(target.hasBlob(b.descriptor())).isFalse();
  }

  // ------------------------------------------------------------------ tags and referrers

  @Test
  void listTagsHasEveryTagOnce() throws IOException {
    Repository repo = repo("contract/tags");
    TestImages.Image img = image(17);
    img.pushTo(repo, Optional.of("v2"));
    List<String> tags = List.of("v10", "v1", "latest", "1.0.0-rc.1", "V1", "a_b");
    for (String t : tags) {
      repo.pushManifest(img.manifest(), Optional.of(t));
    }
    List<String> listed = repo.listTags();
    assertThat(listed).containsExactlyInAnyOrderElementsOf(concat(tags, "v2"));
    assertThat(repo.listTags()).as("a second listing, nothing changed").isEqualTo(listed);
  }

  private static List<String> concat(List<String> list, String more) {
    List<String> out = new ArrayList<>(list);
    out.add(more);
    return out;
  }

  @Test
  void referrersAreListedBySubjectAndArtifactType() throws IOException {
    Repository repo = repo("contract/referrers");
    TestImages.Image subject = image(18);
    subject.pushTo(repo, Optional.of("v1"));
    TestImages.Image sig = TestImages.referrer(19, subject.manifest().descriptor(), "application/vnd.example.sig");
    TestImages.Image sbom = TestImages.referrer(20, subject.manifest().descriptor(), "application/vnd.example.sbom");
    sig.pushTo(repo, Optional.empty());
    sbom.pushTo(repo, Optional.empty());
    assertThat(repo.keepsReferrersIndex()).isEqualTo(keepsReferrersIndex());
    assertThat(repo.listReferrers(absentDigest(), Optional.empty())).isEmpty();
    if (!keepsReferrersIndex()) {
      return; // whoever pushes maintains the tag-schema index; nothing else is promised
    }
    assertThat(repo.listReferrers(subject.manifest().digest(), Optional.empty())).extracting(Descriptor::digest)
        .containsExactlyInAnyOrder(sig.manifest().digest(), sbom.manifest().digest());
    assertThat(repo.listReferrers(subject.manifest().digest(), Optional.of("application/vnd.example.sbom")))
        .extracting(Descriptor::digest).containsExactly(sbom.manifest().digest());
    for (Descriptor d : repo.listReferrers(subject.manifest().digest(), Optional.empty())) {
      Manifest m = d.digest().equals(sig.manifest().digest()) ? sig.manifest() : sbom.manifest();
      assertThat(d.size()).isEqualTo(m.size());
      assertThat(d.mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
      assertThat(d.artifactType()).as("artifactType of %s", d.digest()).isEqualTo(m.artifactType());
    }
    assertThat(repo.listReferrers(subject.manifest().digest(), Optional.of("application/vnd.example.none")))
        .isEmpty();
  }

  @Test
  void aWritableEndpointSaysSo() throws IOException {
    assertThat(repo("contract/writable").readOnly()).isFalse();
  }

  // ------------------------------------------------------------------ concurrency, lifecycle

  @Test
  void concurrentPushesLoseNothing() throws Exception {
    Repository repo = repo("contract/concurrent");
    int threads = 6;
    TestImages.Blob shared = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(21, 50_000));
    List<TestImages.Image> images = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      images.add(image(100 + i));
    }
    List<Callable<Void>> work = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      TestImages.Image img = images.get(i);
      String tag = "t" + i;
      work.add(() -> {
        pushBlob(repo, shared);
        img.pushTo(repo, Optional.of(tag));
        images.get(0).pushTo(repo, Optional.of("same-" + tag)); // the same blobs and manifest from every thread
        return null;
      });
    }
    runConcurrently(work);
    assertThat(read(repo, shared.descriptor())).isEqualTo(shared.bytes());
    List<String> tags = repo.listTags();
    assertThat(new HashSet<>(tags)).hasSameSizeAs(tags);
    for (int i = 0; i < threads; i++) {
      TestImages.Image img = images.get(i);
      assertThat(repo.fetchManifest("t" + i).bytes()).isEqualTo(img.manifest().bytes());
      assertThat(tags).contains("t" + i, "same-t" + i);
      for (TestImages.Blob b : img.allBlobs()) {
        assertThat(read(repo, b.descriptor())).isEqualTo(b.bytes());
      }
    }
  }

  /** Runs every task on a thread of its own, all at once; the first failure fails the test. */
  private static void runConcurrently(List<Callable<Void>> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(work.size());
    try {
      for (Future<Void> f : pool.invokeAll(work)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void concurrentPushesOfOneTagLeaveItOnOneOfThem() throws Exception {
    Repository repo = repo("contract/race");
    int threads = 6;
    List<TestImages.Image> images = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      images.add(image(200 + i));
    }
    List<Callable<Void>> work = new ArrayList<>();
    for (TestImages.Image img : images) {
      work.add(() -> {
        img.pushTo(repo, Optional.of("contended"));
        return null;
      });
    }
    runConcurrently(work);
    assertThat(repo.listTags()).containsExactly("contended");
    assertThat(repo.resolve("contended").map(Descriptor::digest).orElseThrow())
        .isIn(images.stream().map(i -> i.manifest().digest()).toList());
    for (TestImages.Image img : images) {
      assertThat(repo.fetchManifest(img.manifest().digest().toString()).bytes()).isEqualTo(img.manifest().bytes());
    }
  }

  @Test
  void whatWasWrittenIsReadAfterCloseTwiceAndReopen() throws IOException {
    Repository written = create("contract/reopen");
    TestImages.Image img = TestImages.multiArch(22, 300);
    img.pushTo(written, Optional.of("v1"));
    written.close();
    written.close(); // idempotent
    Repository reader = track(reopen(written, "contract/reopen"));
    assertThat(reader.fetchManifest("v1").bytes()).isEqualTo(img.manifest().bytes());
    assertThat(reader.listTags()).containsExactly("v1");
    for (Manifest m : img.allManifests()) {
      assertThat(reader.fetchManifest(m.digest().toString()).bytes()).isEqualTo(m.bytes());
    }
    for (TestImages.Blob b : img.allBlobs()) {
      assertThat(reader.hasBlob(b.descriptor())).isTrue();
      assertThat(read(reader, b.descriptor())).isEqualTo(b.bytes());
    }
  }

  @Test
  void theLocationAndMessagesNeverCarryTheSecret() throws IOException {
    String secret = "contract-s3cret-9f2c";
    Optional<Repository> withSecret = createWithSecret("contract/secret", secret);
    if (withSecret.isEmpty()) {
      return;
    }
    Repository repo = track(withSecret.get());
    image(23).pushTo(repo, Optional.of("v1")); // the credentials work
    assertThat(repo.location()).doesNotContain(secret).isNotBlank();
    assertThat(repo.toString()).doesNotContain(secret);
    assertThatThrownBy(() -> repo.fetchManifest("absent"))
        .satisfies(e -> Contracts.assertNoSecret(e, secret))
        .satisfies(e -> Contracts.assertNamesLocation(e, repo));
  }
}
