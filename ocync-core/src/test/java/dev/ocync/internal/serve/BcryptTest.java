package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our bcrypt check against two maintained implementations: at.favre.lib:bcrypt for random
 * passwords and salts in every version prefix, and Apache's {@code htpasswd -B} (what users make
 * distribution's files with) for passwords at and past bcrypt's 72-byte key limit.
 */
class BcryptTest {
  private static final String CHARS = "abcXYZ019 !$:\u00e9\u00df\u20ac\u4e2d\ud83d\ude00";

  @Test
  void agreesWithAMaintainedLibraryOnRandomPasswords() {
    Random random = new Random(20261201);
    BCrypt.Version[] versions = {BCrypt.Version.VERSION_2A, BCrypt.Version.VERSION_2B, BCrypt.Version.VERSION_2Y};
    for (int i = 0; i < 90; i++) {
      BCrypt.Version version = versions[i % versions.length];
      StringBuilder pw = new StringBuilder();
      int length = random.nextInt(24);
      for (int c = 0; c < length; c++) {
        pw.append(CHARS.charAt(random.nextInt(CHARS.length())));
      }
      String password = pw.toString();
      byte[] salt = new byte[16];
      random.nextBytes(salt);
      int cost = 4 + i % 2;
      String hash = new String(BCrypt.with(version, new SecureRandom(), LongPasswordStrategies.strict(version))
          .hash(cost, salt, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII);
      assertThat(Bcrypt.problem(hash)).as(hash).isEmpty();
      assertThat(Bcrypt.matches(password, hash)).as("password %s, hash %s", password, hash).isTrue();
      assertThat(Bcrypt.matches(password + "x", hash)).as("longer password %s", password).isFalse();
      if (!password.isEmpty()) {
        assertThat(Bcrypt.matches(password.substring(1), hash)).as("shorter password %s", password).isFalse();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {70, 71, 72, 73, 100})
  void agreesWithHtpasswdAtTheKeyLimit(int length) throws Exception {
    String password = "p".repeat(length - 1) + "q";
    String hash = htpasswd(password);
    assertThat(Bcrypt.matches(password, hash)).isTrue();
    // bytes past the 72nd do not count, earlier ones do
    assertThat(Bcrypt.matches(password.substring(0, length - 1) + "r", hash)).isEqualTo(length > 72);
    assertThat(Bcrypt.matches("r" + password.substring(1), hash)).isFalse();
  }

  private static String htpasswd(String password) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("htpasswd", "-nbB", "-C", "4", "user", password).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.substring(out.indexOf(':') + 1);
  }
}
