package dev.ocync.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.spi.RegistryException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fuzz targets reach the real parsers: known inputs give the known answers. */
class FuzzBridgeTest {
  @Test
  void tokenBodyIsParsed() throws Exception {
    Object token = FuzzBridge.token(200, "{\"token\":\"t0ken-value\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8));
    assertThat(token).isInstanceOf(Authenticator.Token.class);
    assertThat(((Authenticator.Token) token).value()).isEqualTo("t0ken-value");
    assertThatThrownBy(() -> FuzzBridge.token(200, "[]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RegistryException.class);
  }

  @Test
  void linkHeaderIsResolvedAndCheckedLikeARedirect() throws Exception {
    assertThat(FuzzBridge.nextLink(List.of("</v2/fuzz/tags/list?n=2&last=b>; rel=\"next\"")))
        .contains(URI.create("http://127.0.0.1:5000/v2/fuzz/tags/list?n=2&last=b"));
    assertThat(FuzzBridge.nextLink(List.of())).isEmpty();
    assertThatThrownBy(() -> FuzzBridge.nextLink(List.of("<http://169.254.169.254/v2/x>; rel=\"next\"")))
        .isInstanceOf(RegistryException.class).hasMessageContaining("link-local");
    assertThatThrownBy(() -> FuzzBridge.nextLink(List.of("<file:///etc/passwd>; rel=\"next\"")))
        .isInstanceOf(RegistryException.class).hasMessageContaining("not an http(s) URL");
  }

  @Test
  void challengesAndErrorBodiesAreParsed() {
    assertThat(FuzzBridge.challenges(List.of("Bearer realm=\"https://auth.example/token\",service=\"r\"")))
        .hasSize(1);
    assertThat(FuzzBridge.describeError(
        "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"}]}".getBytes(StandardCharsets.UTF_8),
        Optional.of("application/json"))).contains("no");
  }
}
