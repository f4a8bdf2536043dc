package dev.ocync.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
  // sha256("abc") and sha512("abc") from FIPS 180-2 test vectors
  private static final String ABC256 = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String ABC512 = "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
      + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

  @Test
  void computesKnownVectors() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(Digest.sha256(abc)).hasToString(ABC256);
    assertThat(Digest.of(Digest.Algorithm.SHA512, abc)).hasToString(ABC512);
    assertThat(Digest.parse(ABC256).matches(abc)).isTrue();
    assertThat(Digest.parse(ABC256).matches("abd".getBytes(StandardCharsets.US_ASCII))).isFalse();
  }

  @Test
  void streamingDigesterMatchesOneShot() {
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    Digest.Digester d = Digest.newDigester(Digest.Algorithm.SHA256);
    for (int off = 0; off < data.length; off += 7_777) {
      d.update(data, off, Math.min(7_777, data.length - off));
    }
    assertThat(d.size()).isEqualTo(data.length);
    assertThat(d.digest()).isEqualTo(Digest.sha256(data));
  }

  @Test
  void parsesAndComparesByValue() {
    Digest a = Digest.parse(ABC256);
    assertThat(a.algorithm()).isEqualTo(Digest.Algorithm.SHA256);
    assertThat(a.encoded()).hasSize(64);
    assertThat(a).isEqualTo(Digest.parse(ABC256)).hasSameHashCodeAs(Digest.parse(ABC256));
    assertThat(Digest.parse(ABC512).algorithm()).isEqualTo(Digest.Algorithm.SHA512);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "sha256", "sha256:", ":abc", "sha256:ABC",
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015adx",
      "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
      "md5:900150983cd24fb0d6963f7d28e17f72", "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"})
  void rejectsInvalidDigestsQuotingTheInput(String input) {
    assertThatThrownBy(() -> Digest.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid digest \"" + input + "\"");
    assertThat(Digest.isDigest(input)).isFalse();
  }

  @Test
  void saysWhichRuleBroke() {
    assertThatThrownBy(() -> Digest.parse("md5:900150983cd24fb0d6963f7d28e17f72"))
        .hasMessageContaining("unsupported algorithm \"md5\"");
    assertThatThrownBy(() -> Digest.parse("sha256:abc")).hasMessageContaining("needs 64 hex digits, got 3");
    assertThatThrownBy(() -> Digest.parse("sha256:" + "A".repeat(64))).hasMessageContaining("lowercase hex");
  }
}
