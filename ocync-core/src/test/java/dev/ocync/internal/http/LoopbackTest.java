package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoopbackTest {
  @ParameterizedTest
  @ValueSource(strings = {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.255", "::1", "[::1]", "0:0:0:0:0:0:0:1",
      "[0:0:0:0:0:0:0:1]", "0000:0000:0000:0000:0000:0000:0000:0001", "::0:1", "::ffff:127.0.0.1"})
  void loopbackSpellings(String host) {
    assertThat(Loopback.isLoopback(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.256", "127.0.0", "127.0.0.1.5", "128.0.0.1", "10.0.0.1", "localhost.example",
      "::2", "fe80::1", "::1%lo", ":::", "[::1", "registry.local", ""})
  void everythingElseIsNot(String host) {
    assertThat(Loopback.isLoopback(host)).isFalse();
  }
}
