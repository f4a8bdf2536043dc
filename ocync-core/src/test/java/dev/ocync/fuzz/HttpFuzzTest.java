package dev.ocync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ocync.internal.http.FuzzBridge;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fuzz targets for what a registry or token service sends back: {@code WWW-Authenticate}
 * challenges, OCI error bodies, token responses and {@code Link} headers. Outcomes allowed: a
 * value, or a {@link RegistryException} or {@link IllegalArgumentException}.
 */
class HttpFuzzTest {

  /** Header values as httpclient hands them over: ISO-8859-1, one per line. */
  private static List<String> headers(byte[] data) {
    return Arrays.asList(new String(data, StandardCharsets.ISO_8859_1).split("\n", 8));
  }

  @FuzzTest(maxDuration = "10m")
  void challenge(byte[] data) {
    try {
      List<?> parsed = FuzzBridge.challenges(headers(data));
      assertThat(parsed.size()).isLessThanOrEqualTo(data.length);
    } catch (IllegalArgumentException refused) {
      // a typed refusal
    }
  }

  @FuzzTest(maxDuration = "10m")
  void errorBody(byte[] data) {
    String text = FuzzBridge.describeError(data, Optional.of("application/json"));
    // server text placed in a message is bounded, however large the body
    assertThat(text.length()).isLessThan(64 * 1024 + 100);
  }

  @FuzzTest(maxDuration = "10m")
  void tokenBody(byte[] data) throws IOException {
    try {
      assertThat(FuzzBridge.token(200, data)).isNotNull();
    } catch (RegistryException | IllegalArgumentException refused) {
      // a typed refusal
    }
  }

  @FuzzTest(maxDuration = "10m")
  void linkHeader(byte[] data) {
    try {
      Optional<URI> next = FuzzBridge.nextLink(headers(data));
      next.ifPresent(u -> assertThat(u.getScheme().toLowerCase(java.util.Locale.ROOT)).isIn("http", "https"));
    } catch (RegistryException | IllegalArgumentException refused) {
      // a typed refusal
    }
  }
}
