package dev.ocync.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ocync.internal.cache.TransferCache.BlobKey;
import dev.ocync.internal.cache.TransferCache.TagKey;
import dev.ocync.internal.cache.TransferCache.TagSnapshot;
import dev.ocync.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferCacheTest {
  private static final Duration TTL = Duration.ofHours(12);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));

  private TransferCache open() {
    return TransferCache.open(dir, TTL, 1000, clock);
  }

  private static Digest digest(int i) {
    return Digest.sha256(("blob " + i).getBytes(StandardCharsets.UTF_8));
  }

  private static BlobKey blob(String repo, int i) {
    return new BlobKey("mirror:5000", repo, digest(i));
  }

  private static TagKey tag(String t, String platforms) {
    return new TagKey("docker.io", "library/nginx", t, platforms);
  }

  @Test
  void whatOneRunLearnedIsThereForTheNext() throws IOException {
    TagSnapshot snap = new TagSnapshot(digest(100), digest(101));
    try (TransferCache c = open()) {
      assertThat(c.hasBlob(blob("a", 1))).isFalse();
      c.recordBlob(blob("a", 1));
      c.recordTag(tag("1.27", "linux/amd64"), snap);
    }
    TransferCache next = open();
    assertThat(next.warnings()).isEmpty();
    assertThat(next.hasBlob(blob("a", 1))).isTrue();
    assertThat(next.hasBlob(blob("b", 1))).as("another repository").isFalse();
    assertThat(next.hasBlob(new BlobKey("other:5000", "a", digest(1)))).as("another registry").isFalse();
    assertThat(next.tag(tag("1.27", "linux/amd64"))).hasValue(snap);
    assertThat(next.tag(tag("1.27", ""))).as("another platform filter is another key").isEmpty();

    JsonNode file = new ObjectMapper().readTree(dir.resolve(TransferCache.FILE_NAME).toFile());
    assertThat(file.path("format").asText()).isEqualTo("ocync-transfer-cache");
    assertThat(file.path("version").asInt()).isEqualTo(1);
    assertThat(file.path("writtenAt").asLong()).isEqualTo(clock.instant().getEpochSecond());
    assertThat(file.path("tags").get(0).path("target").asText()).isEqualTo(digest(101).toString());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file is left").containsExactlyInAnyOrder(TransferCache.FILE_NAME, TransferCache.LOCK_NAME);
    }
  }

  @Test
  void entriesOlderThanTheTtlAreDropped() {
    try (TransferCache c = open()) {
      c.recordBlob(blob("a", 1));
      clock.advance(Duration.ofHours(8));
      c.recordBlob(blob("a", 2));
    }
    clock.advance(Duration.ofHours(5)); // blob 1 is 13 h old, blob 2 5 h, the file 5 h
    TransferCache next = open();
    assertThat(next.hasBlob(blob("a", 1))).isFalse();
    assertThat(next.hasBlob(blob("a", 2))).isTrue();
    assertThat(next.size()).isEqualTo(1);

    clock.advance(Duration.ofHours(8)); // now everything is older than the TTL, in memory too
    assertThat(next.hasBlob(blob("a", 2))).isFalse();
  }

  @Test
  void aFileOlderThanTheTtlIsAnEmptyCache() throws IOException {
    try (TransferCache c = open()) {
      c.recordBlob(blob("a", 1));
    }
    // the entry itself claims to be recent, but the file was written long ago
    Path file = dir.resolve(TransferCache.FILE_NAME);
    String json = Files.readString(file);
    long writtenAt = clock.instant().getEpochSecond();
    clock.advance(Duration.ofHours(13));
    Files.writeString(file, json.replace("\"at\":" + writtenAt, "\"at\":" + clock.instant().getEpochSecond()));
    assertThat(open().hasBlob(blob("a", 1))).isFalse();
  }

  @Test
  void zeroTtlKeepsEntriesOfAnyAge() {
    try (TransferCache c = TransferCache.open(dir, Duration.ZERO, 1000, clock)) {
      c.recordBlob(blob("a", 1));
    }
    clock.advance(Duration.ofDays(400));
    assertThat(TransferCache.open(dir, Duration.ZERO, 1000, clock).hasBlob(blob("a", 1))).isTrue();
  }

  @Test
  void badFilesAreAnEmptyCacheWithOneWarningAndAreReplaced() throws IOException {
    Path file = dir.resolve(TransferCache.FILE_NAME);
    try (TransferCache c = open()) {
      c.recordBlob(blob("a", 1));
    }
    byte[] good = Files.readAllBytes(file);
    long now = clock.instant().getEpochSecond();
    List<byte[]> bad = List.of(
        Arrays.copyOf(good, good.length / 2), // truncated
        "\u0000\u0001garbage".getBytes(StandardCharsets.ISO_8859_1), // corrupt
        "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8), // foreign
        ("{\"format\":\"ocync-transfer-cache\",\"version\":2,\"writtenAt\":" + now + ",\"blobs\":[]}")
            .getBytes(StandardCharsets.UTF_8), // newer
        ("{\"format\":\"ocync-transfer-cache\",\"version\":1,\"writtenAt\":" + now
            + ",\"blobs\":[{\"registry\":\"r\",\"repository\":\"a\",\"digest\":\"md5:xyz\",\"at\":1}]}")
            .getBytes(StandardCharsets.UTF_8)); // a bad entry
    for (byte[] content : bad) {
      Files.write(file, content);
      TransferCache c = open();
      assertThat(c.size()).as(new String(content, StandardCharsets.ISO_8859_1)).isZero();
      assertThat(c.warnings()).hasSize(1);
      assertThat(c.warnings().get(0)).contains(file.toString()).contains("starting with an empty cache");
      c.recordBlob(blob("a", 2));
      assertThat(c.persist()).isTrue();
      TransferCache again = open();
      assertThat(again.warnings()).as("the bad file was replaced").isEmpty();
      assertThat(again.hasBlob(blob("a", 2))).isTrue();
    }
    assertThat(open().warnings()).isEmpty();
  }

  @Test
  void theNewerVersionWarningSaysSo() throws IOException {
    Files.writeString(dir.resolve(TransferCache.FILE_NAME),
        "{\"format\":\"ocync-transfer-cache\",\"version\":7,\"writtenAt\":0}");
    assertThat(open().warnings()).singleElement().asString().contains("newer ocync").contains("version 7");
  }

  @Test
  void invalidatingAnImageForgetsItsBlobsAndItsTagAndAMergeDoesNotBringThemBack() {
    TagKey t = tag("1.27", "linux/amd64");
    try (TransferCache c = open()) {
      c.recordBlob(blob("app", 1));
      c.recordBlob(blob("app", 2));
      c.recordBlob(blob("other", 1));
      c.recordTag(t, new TagSnapshot(digest(9), digest(9)));
      c.recordTag(tag("1.27", ""), new TagSnapshot(digest(9), digest(9)));
      c.recordTag(tag("1.26", ""), new TagSnapshot(digest(8), digest(8)));
    }
    clock.advance(Duration.ofSeconds(10));
    TransferCache c = open();
    c.invalidateImage("mirror:5000", "app", List.of(digest(1), digest(2)), Optional.of(t));
    assertThat(c.hasBlob(blob("app", 1))).isFalse();
    assertThat(c.hasBlob(blob("app", 2))).isFalse();
    assertThat(c.hasBlob(blob("other", 1))).as("the same blob in another repository").isTrue();
    assertThat(c.tag(t)).isEmpty();
    assertThat(c.tag(tag("1.27", ""))).as("every platform key of that tag").isEmpty();
    assertThat(c.tag(tag("1.26", ""))).isPresent();
    // the file still has the entries; persisting merges with it and must keep them dropped
    assertThat(c.persist()).isTrue();
    TransferCache next = open();
    assertThat(next.hasBlob(blob("app", 1))).isFalse();
    assertThat(next.tag(t)).isEmpty();
    assertThat(next.hasBlob(blob("other", 1))).isTrue();

    // learned again later: it comes back
    clock.advance(Duration.ofSeconds(10));
    next.recordBlob(blob("app", 1));
    next.persist();
    assertThat(open().hasBlob(blob("app", 1))).isTrue();
  }

  @Test
  void theOldestEntriesGoWhenOverTheCap() {
    try (TransferCache c = TransferCache.open(dir, TTL, 3, clock)) {
      for (int i = 0; i < 5; i++) {
        c.recordBlob(blob("a", i));
        clock.advance(Duration.ofSeconds(1));
      }
    }
    TransferCache next = TransferCache.open(dir, TTL, 3, clock);
    assertThat(next.size()).isEqualTo(3);
    assertThat(next.hasBlob(blob("a", 0))).isFalse();
    assertThat(next.hasBlob(blob("a", 1))).isFalse();
    assertThat(next.hasBlob(blob("a", 4))).isTrue();
  }

  @Test
  void memoryStaysBoundedDuringARun() {
    TransferCache c = TransferCache.inMemory();
    for (int i = 0; i < TransferCache.DEFAULT_MAX_ENTRIES + 40_000; i++) {
      c.recordBlob(new BlobKey("r", "a", digest(i)));
    }
    assertThat(c.size()).isLessThanOrEqualTo(TransferCache.DEFAULT_MAX_ENTRIES + TransferCache.DEFAULT_MAX_ENTRIES / 8);
  }

  @Test
  void manyThreadsRecordAndPersistAtOnce() throws Exception {
    TransferCache c = TransferCache.open(dir, TTL, 10_000, clock);
    int threads = 8;
    int each = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * each;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < each; i++) {
          c.recordBlob(blob("a", base + i));
          if (i % 50 == 0) {
            assertThat(c.persist()).isTrue();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    c.close();
    TransferCache next = TransferCache.open(dir, TTL, 10_000, clock);
    assertThat(next.warnings()).isEmpty();
    assertThat(next.size()).isEqualTo(threads * each);
  }

  @Test
  void twoInstancesOnOneDirectoryKeepEachOthersEntries() throws Exception {
    // two "processes": each opened the cache before the other wrote, then both write concurrently, repeatedly
    TransferCache first = TransferCache.open(dir, TTL, 10_000, clock);
    TransferCache second = TransferCache.open(dir, TTL, 10_000, clock);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch start = new CountDownLatch(1);
    Future<?> a = pool.submit(() -> writeMany(first, "first", start));
    Future<?> b = pool.submit(() -> writeMany(second, "second", start));
    start.countDown();
    a.get(60, TimeUnit.SECONDS);
    b.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    TransferCache after = TransferCache.open(dir, TTL, 10_000, clock);
    assertThat(after.warnings()).isEmpty();
    for (int i = 0; i < 100; i++) {
      assertThat(after.hasBlob(blob("first", i))).as("first %d", i).isTrue();
      assertThat(after.hasBlob(blob("second", i))).as("second %d", i).isTrue();
    }
    assertThat(after.size()).isEqualTo(200);
  }

  private static Void writeMany(TransferCache c, String repo, CountDownLatch start) throws InterruptedException {
    start.await();
    for (int i = 0; i < 100; i++) {
      c.recordBlob(blob(repo, i));
      if (i % 10 == 9) {
        assertThat(c.persist()).isTrue();
      }
    }
    return null;
  }

  @Test
  void aWriteFailureIsAWarningNotAnError() throws IOException {
    Path notADirectory = dir.resolve("file");
    Files.writeString(notADirectory, "x");
    TransferCache c = TransferCache.open(notADirectory, TTL, 10, clock);
    c.recordBlob(blob("a", 1));
    assertThat(c.persist()).isFalse();
    assertThat(c.warnings()).singleElement().asString().contains("could not write the transfer cache");
    c.close(); // does not throw either
  }

  @Test
  void registriesAreHostsSoNoCredentialsReachTheFile() {
    assertThatThrownBy(() -> new BlobKey("user:secret@mirror:5000", "a", digest(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> new TagKey("https://mirror", "a", "t", ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TagKey("docker.io", "a", "t", "", "user:secret@mirror:5000/a"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> new TagKey("docker.io", "a", "t", "", "user:secret@mirror"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
  }

  @Test
  void aSnapshotAtATargetIsAnotherKeyAndSurvivesTheFile() {
    TagSnapshot snap = new TagSnapshot(digest(100), digest(101));
    TagKey atMirror = new TagKey("docker.io", "library/nginx", "1.27", "", "mirror:5000/nginx");
    try (TransferCache c = open()) {
      c.recordTag(atMirror, snap);
    }
    TransferCache next = open();
    assertThat(next.tag(atMirror)).hasValue(snap);
    assertThat(next.tag(tag("1.27", ""))).as("the source alone").isEmpty();
    assertThat(next.tag(new TagKey("docker.io", "library/nginx", "1.27", "", "mirror:5000/other")))
        .as("another target").isEmpty();
  }

  @Test
  void inMemoryCacheWritesNothing() throws IOException {
    TransferCache c = TransferCache.inMemory();
    c.recordBlob(blob("a", 1));
    assertThat(c.persist()).isTrue();
    assertThat(c.file()).isEmpty();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
