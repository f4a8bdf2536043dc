package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.OciLayout;
import dev.ocync.OciServer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load on loopback: 50 pullers × 200 pulls each of manifests and blobs from a layout,
 * twice. Every response is checked against its digest; the second round must not hold more
 * threads or file handles than the first (no growth in steady state). Prints latency percentiles
 * for docs/benchmarks.md.
 */
class OciServerLoadIT {
  private static final int PULLERS = 50;
  private static final int PULLS = 200;
  private static final String ACCEPT = String.join(", ", MediaType.MANIFEST_TYPES);

  @TempDir Path tmp;

  private record Target(String path, Digest digest) {}

  private record Round(long[] latenciesNanos, List<String> errors, long wallNanos) {}

  @Test
  void fiftyPullersTwoHundredPullsEachWithoutErrorsOrGrowth() throws Exception {
    ServeFixtures f = new ServeFixtures(64 * 1024);
    Path dir = tmp.resolve("layout");
    try (Repository layout = OciLayout.directory(dir)) {
      f.pushTo(layout);
    }
    List<Target> targets = new ArrayList<>();
    for (Manifest m : Stream.concat(f.multi.allManifests().stream(), f.single.allManifests().stream()).toList()) {
      targets.add(new Target("/v2/load/app/manifests/" + m.digest(), m.digest()));
    }
    targets.add(new Target("/v2/load/app/manifests/multi", f.multi.manifest().digest()));
    targets.add(new Target("/v2/load/app/manifests/single", f.single.manifest().digest()));
    for (Blob b : Stream.concat(f.multi.allBlobs().stream(), f.single.allBlobs().stream()).toList()) {
      Descriptor d = b.descriptor();
      targets.add(new Target("/v2/load/app/blobs/" + d.digest(), d.digest()));
    }
    try (Repository layout = OciLayout.directory(dir);
        OciServer server = OciServer.builder().repository("load/app", layout).build().start()) {
      Round warm = round(server.port(), targets, 1);
      assertThat(warm.errors()).isEmpty();
      int threadsAfterWarm = ManagementFactory.getThreadMXBean().getThreadCount();
      long fdsAfterWarm = openFiles();
      Round measured = round(server.port(), targets, 2);
      assertThat(measured.errors()).isEmpty();
      assertThat(measured.latenciesNanos()).hasSize(PULLERS * PULLS);
      int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
      long fdsAfter = openFiles();
      // same load, same steady state: a leak would add per-request threads or handles
      assertThat(threadsAfter).as("threads after the second round").isLessThanOrEqualTo(threadsAfterWarm + 25);
      assertThat(fdsAfter).as("open files after the second round").isLessThanOrEqualTo(fdsAfterWarm + 20);
      String report = String.format("serve load: %d pullers x %d pulls, %d requests in %.2f s (%.0f req/s); latency ms"
          + " p50 %.2f p90 %.2f p99 %.2f max %.2f; threads %d -> %d, open files %d -> %d",
          PULLERS, PULLS, PULLERS * PULLS, measured.wallNanos() / 1e9, PULLERS * PULLS / (measured.wallNanos() / 1e9),
          pct(measured, 50), pct(measured, 90), pct(measured, 99), pct(measured, 100), threadsAfterWarm, threadsAfter,
          fdsAfterWarm, fdsAfter);
      System.out.println(report);
      Files.writeString(Path.of("target", "serve-load.txt"), report + "\n");
    }
  }

  private static double pct(Round r, int p) {
    long[] sorted = r.latenciesNanos().clone();
    Arrays.sort(sorted);
    int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static long openFiles() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static Round round(int port, List<Target> targets, long seed) throws Exception {
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    long[] latencies = new long[PULLERS * PULLS];
    ExecutorService pool = Executors.newFixedThreadPool(PULLERS);
    long start = System.nanoTime();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int p = 0; p < PULLERS; p++) {
        int puller = p;
        futures.add(pool.submit(() -> {
          Random random = new Random(seed * 1000 + puller);
          for (int i = 0; i < PULLS; i++) {
            Target t = targets.get(random.nextInt(targets.size()));
            long t0 = System.nanoTime();
            try {
              byte[] body = get(port, t.path());
              if (!Digest.sha256(body).equals(t.digest())) {
                errors.add(t.path() + ": body hashes to " + Digest.sha256(body));
              }
            } catch (IOException e) {
              errors.add(t.path() + ": " + e);
            }
            latencies[puller * PULLS + i] = System.nanoTime() - t0;
          }
        }));
      }
      for (Future<?> fut : futures) {
        fut.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    return new Round(latencies, List.copyOf(errors), System.nanoTime() - start);
  }

  private static byte[] get(int port, String path) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
    c.setConnectTimeout(10_000);
    c.setReadTimeout(30_000);
    c.setRequestProperty("Accept", ACCEPT);
    int status = c.getResponseCode();
    if (status != 200) {
      try (InputStream err = c.getErrorStream()) {
        throw new IOException("status " + status + ": "
            + (err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8)));
      }
    }
    try (InputStream in = c.getInputStream()) {
      return in.readAllBytes(); // read to the end so the connection goes back to the keep-alive pool
    }
  }
}
