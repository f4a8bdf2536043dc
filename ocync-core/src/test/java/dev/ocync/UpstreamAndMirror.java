package dev.ocync;

import dev.ocync.testing.FakeRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two fake registries per test, an upstream and a mirror, and the {@link Registry} objects a test
 * opens on them, closed after it: the set-up the engine's request-counting tests share.
 */
abstract class UpstreamAndMirror {
  /** Retries without waiting, so a test of retries takes milliseconds. */
  static final RetryPolicy FAST =
      RetryPolicy.builder().initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).jitter(0).build();

  FakeRegistry upstream;
  FakeRegistry mirror;
  final List<Registry> registries = new ArrayList<>();

  @BeforeEach
  void startRegistries() throws IOException {
    upstream = FakeRegistry.start();
    mirror = FakeRegistry.start();
  }

  @AfterEach
  void stopRegistries() throws IOException {
    for (Registry r : registries) {
      r.close();
    }
    upstream.close();
    mirror.close();
  }
}
