package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.Registry;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.Repository;
import dev.ocync.testing.FakeRegistry;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every failure path gives its connection back: after hundreds of failed requests of every kind,
 * made 16 at a time (twice the pool would survive if each leaked one), a request still goes
 * through at once. A leak would show as a wait for a pooled connection and a timeout here.
 */
@Timeout(90)
class ConnectionReleaseTest {

  @Test
  void failuresOfEveryKindReleaseTheirConnections() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (FakeRegistry fake = FakeRegistry.start();
        Registry r = fake.registry().readTimeout(Duration.ofSeconds(5)).build()) {
      Repository repo = r.repository("app");
      TestImages.Blob missing = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(1, 3000));
      TestImages.Blob big = TestImages.blob(MediaType.OCI_LAYER_GZIP, TestImages.randomBytes(2, 1_000_000));
      fake.putBlob("app", big.bytes());
      // large chunked error bodies, refused uploads, 404 HEADs and GETs, blob streams closed early
      fake.inject(q -> q.getMethod().equals("GET") && q.getTarget().contains("/tags/list"),
          new MockResponse.Builder().code(500).chunkedBody("x".repeat(200_000), 4096).build(), false);
      fake.inject(q -> q.getMethod().equals("PUT") && q.getTarget().contains("/blobs/uploads/"),
          new MockResponse.Builder().code(500).body("no").build(), false);
      List<Callable<Object>> work = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        work.add(() -> repo.hasBlob(missing.descriptor()));
        work.add(repo::listTags);
        work.add(() -> {
          repo.pushBlob(missing.descriptor(), new ByteArrayInputStream(missing.bytes()));
          return null;
        });
        work.add(() -> {
          repo.pushBlob(missing.descriptor(), failingAfter(missing.bytes(), 1000));
          return null;
        });
        work.add(() -> {
          try (InputStream in = repo.openBlob(big.descriptor())) {
            return in.read();
          }
        });
        work.add(() -> repo.fetchManifest("nope"));
      }
      List<Future<Object>> futures = new ArrayList<>();
      for (Callable<Object> c : work) {
        futures.add(pool.submit(c));
      }
      int failed = 0;
      for (Future<Object> f : futures) {
        try {
          f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(IOException.class);
          failed++;
        }
      }
      assertThat(failed).isEqualTo(60 * 4); // listTags, both pushes, fetchManifest; not hasBlob or openBlob
      long start = System.nanoTime();
      assertThat(repo.hasBlob(big.descriptor())).isTrue();
      try (InputStream in = repo.openBlob(big.descriptor())) {
        assertThat(in.readAllBytes()).isEqualTo(big.bytes());
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    } finally {
      pool.shutdownNow();
    }
  }

  private static InputStream failingAfter(byte[] bytes, int good) {
    return new InputStream() {
      private final ByteArrayInputStream in = new ByteArrayInputStream(bytes, 0, good);

      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b == -1) {
          throw new IOException("source failed");
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n == -1) {
          throw new IOException("source failed");
        }
        return n;
      }
    };
  }
}
