package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.HelmRepository;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestCharts;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: chart archives cached on disk by sha256 (re-verified when read, LRU within a byte
 * limit, shared safely between instances) and held in memory within a byte bound.
 */
@Timeout(60)
class ArchiveCacheTest {
  @TempDir
  Path dir;
  private MockWebServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final byte[] one = TestCharts.chart("app", "1.0.0");
  private final byte[] two = TestCharts.chart("app", "2.0.0");

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        String path = r.getUrl().encodedPath();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        byte[] body = files.get(path);
        return body == null ? new MockResponse.Builder().code(404).build()
            : new MockResponse.Builder().code(200).body(new Buffer().write(body)).build();
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    String index = "apiVersion: v1\nentries:\n  app:\n"
        + TestCharts.indexEntry("app", "1.0.0", one) + TestCharts.indexEntry("app", "2.0.0", two);
    files.put("/charts/index.yaml", index.getBytes(StandardCharsets.UTF_8));
    files.put("/charts/app-1.0.0.tgz", one);
    files.put("/charts/app-2.0.0.tgz", two);
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  private int archiveRequests(String version) {
    return hits.getOrDefault("/charts/app-" + version + ".tgz", new AtomicInteger()).get();
  }

  private HelmRepository.Builder repository() {
    return HelmRepository.builder("http://127.0.0.1:" + server.getPort() + "/charts").noProxy();
  }

  private static byte[] chartLayer(Repository repo, String version) throws IOException {
    Manifest m = repo.fetchManifest(version);
    Descriptor layer = m.layers().get(0);
    try (var in = repo.openBlob(layer)) {
      return in.readAllBytes();
    }
  }

  private Path cached(byte[] tgz) {
    return dir.resolve("sha256-" + TestCharts.hex(tgz) + ".tgz");
  }

  @Test
  void aSecondRepositoryOverTheSameDirectoryDoesNotDownloadAgain() throws IOException {
    Digest first;
    try (HelmRepository charts = repository().archiveCache(dir, 1 << 20).build()) {
      first = charts.repository("app").fetchManifest("1.0.0").digest();
      assertThat(chartLayer(charts.repository("app"), "1.0.0")).isEqualTo(one);
    }
    assertThat(archiveRequests("1.0.0")).isEqualTo(1);
    assertThat(cached(one)).hasBinaryContent(one);
    try (HelmRepository charts = repository().archiveCache(dir, 1 << 20).build()) {
      assertThat(charts.repository("app").fetchManifest("1.0.0").digest()).isEqualTo(first);
      assertThat(chartLayer(charts.repository("app"), "1.0.0")).isEqualTo(one);
    }
    assertThat(archiveRequests("1.0.0")).isEqualTo(1);
  }

  @Test
  void aCorruptCachedArchiveIsRemovedAndFetchedAgain() throws IOException {
    try (HelmRepository charts = repository().archiveCache(dir, 1 << 20).build()) {
      chartLayer(charts.repository("app"), "1.0.0");
    }
    byte[] corrupt = one.clone();
    corrupt[corrupt.length / 2] ^= 0x01;
    Files.write(cached(one), corrupt);
    try (HelmRepository charts = repository().archiveCache(dir, 1 << 20).build()) {
      assertThat(chartLayer(charts.repository("app"), "1.0.0")).isEqualTo(one);
    }
    assertThat(archiveRequests("1.0.0")).isEqualTo(2);
    assertThat(cached(one)).hasBinaryContent(one);
  }

  @Test
  void theLeastRecentlyUsedArchivesAreEvictedWithinTheLimit() throws IOException {
    byte[] three = TestCharts.chart("app", "3.0.0");
    ArchiveCache cache = new ArchiveCache(dir, one.length + two.length + three.length - 1);
    cache.write(Digest.sha256(one), one);
    cache.write(Digest.sha256(two), two);
    Instant now = Instant.now();
    Files.setLastModifiedTime(cached(one), FileTime.from(now.minusSeconds(20)));
    Files.setLastModifiedTime(cached(two), FileTime.from(now.minusSeconds(10)));
    assertThat(cache.read(Digest.sha256(one), 1 << 20)).hasValueSatisfying(b -> assertThat(b).isEqualTo(one));
    cache.write(Digest.sha256(three), three);
    // one was read after two was written, so two went
    assertThat(cached(one)).exists();
    assertThat(cached(two)).doesNotExist();
    assertThat(cached(three)).exists();
    Files.writeString(dir.resolve("notes.txt"), "not an archive");
    cache.evict();
    assertThat(dir.resolve("notes.txt")).exists();
  }

  @Test
  void twoCachesWritingTheSameDirectoryAtOnceLeaveOnlyWholeFiles() throws Exception {
    List<byte[]> charts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      charts.add(TestCharts.chart("app", "1." + i + ".0"));
    }
    ArchiveCache a = new ArchiveCache(dir, 1 << 20);
    ArchiveCache b = new ArchiveCache(dir, 1 << 20);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int round = 0; round < 20; round++) {
        for (byte[] c : charts) {
          ArchiveCache which = round % 2 == 0 ? a : b;
          done.add(pool.submit(() -> {
            which.write(Digest.sha256(c), c);
            which.read(Digest.sha256(c), 1 << 20).ifPresent(r -> assertThat(r).isEqualTo(c));
          }));
        }
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (byte[] c : charts) {
      assertThat(a.read(Digest.sha256(c), 1 << 20)).hasValueSatisfying(r -> assertThat(r).isEqualTo(c));
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).hasSize(charts.size())
          .allMatch(n -> n.startsWith("sha256-") && n.endsWith(".tgz"));
    }
  }

  @Test
  void archivesAreHeldInMemoryOnlyWithinTheByteBound() throws IOException {
    try (HelmRepository charts = repository().build()) {
      Repository app = charts.repository("app");
      chartLayer(app, "1.0.0");
      chartLayer(app, "1.0.0");
    }
    assertThat(archiveRequests("1.0.0")).as("held within the default bound").isEqualTo(1);
    // a bound smaller than one archive holds none: the manifest and each read verify a fresh download
    try (HelmRepository charts = repository().maxArchiveMemory(one.length - 1).build()) {
      Repository app = charts.repository("app");
      assertThat(chartLayer(app, "1.0.0")).isEqualTo(one);
      assertThat(chartLayer(app, "1.0.0")).isEqualTo(one);
    }
    assertThat(archiveRequests("1.0.0")).isEqualTo(1 + 3);
    // room for one: reading the other evicts it; with a disk cache nothing is downloaded twice
    try (HelmRepository charts = repository().maxArchiveMemory(Math.max(one.length, two.length))
        .archiveCache(dir, 1 << 20).build()) {
      Repository app = charts.repository("app");
      assertThat(chartLayer(app, "1.0.0")).isEqualTo(one);
      assertThat(chartLayer(app, "2.0.0")).isEqualTo(two);
      assertThat(chartLayer(app, "1.0.0")).isEqualTo(one);
    }
    assertThat(archiveRequests("1.0.0")).as("the evicted archive came back from disk").isEqualTo(1 + 3 + 1);
    assertThat(archiveRequests("2.0.0")).isEqualTo(1);
  }

  @Test
  void theMemoryBoundCountsBytes() {
    BlobMemory m = new BlobMemory(10);
    Digest a = Digest.sha256(new byte[] {1});
    Digest b = Digest.sha256(new byte[] {2});
    Digest c = Digest.sha256(new byte[] {3});
    m.put(a, new byte[6]);
    m.put(b, new byte[4]);
    assertThat(m.size()).isEqualTo(10);
    m.get(a);
    m.put(c, new byte[3]);
    assertThat(m.get(b)).isEmpty();
    assertThat(m.get(a)).isPresent();
    assertThat(m.size()).isEqualTo(9);
    m.put(b, new byte[11]);
    assertThat(m.get(b)).isEmpty();
  }
}
