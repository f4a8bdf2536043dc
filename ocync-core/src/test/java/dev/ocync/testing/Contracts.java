package dev.ocync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions the two contract suites share. */
final class Contracts {
  private Contracts() {}

  /** A blob no endpoint holds. */
  static TestImages.Blob absentBlob() {
    return TestImages.blob(MediaType.OCI_LAYER_GZIP,
        "never pushed anywhere by the contract suite".getBytes(StandardCharsets.UTF_8));
  }

  /** A digest no endpoint holds. */
  static Digest absentDigest() {
    return Digest.sha256("no manifest has these bytes".getBytes(StandardCharsets.UTF_8));
  }

  static byte[] read(Repository repo, Descriptor blob) throws IOException {
    try (InputStream in = repo.openBlob(blob)) {
      return in.readAllBytes();
    }
  }

  /** {@code call} fails with NotFoundException whose message names the repository's location. */
  static void assertNotFound(Repository repo, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(NotFoundException.class).satisfies(e -> assertNamesLocation(e, repo));
  }

  /**
   * The message of {@code e} names where it happened: the location itself, or (as a registry
   * failure says it) the registry and the repository the location is made of.
   */
  static void assertNamesLocation(Throwable e, Repository repo) {
    String location = repo.location();
    String message = String.valueOf(e.getMessage());
    if (message.contains(location)) {
      return;
    }
    assertThat(e).as("%s names %s", message, location).isInstanceOf(RegistryException.class);
    RegistryException re = (RegistryException) e;
    String repository = re.repository().orElseThrow(
        () -> new AssertionError("\"" + message + "\" names neither " + location + " nor a repository"));
    assertThat(location).as("registry and repository named by \"%s\"", message)
        .startsWith(re.registry()).endsWith(repository);
  }

  /** {@code t}, its causes and what they suppressed, as far as twenty deep. */
  static List<Throwable> causes(Throwable t) {
    List<Throwable> out = new ArrayList<>();
    for (Throwable c = t; c != null && out.size() < 20; c = c.getCause()) {
      out.add(c);
      out.addAll(Arrays.asList(c.getSuppressed()));
    }
    return out;
  }

  /** No message of {@code e} or of its causes carries {@code secret}. */
  static void assertNoSecret(Throwable e, String secret) {
    assertThat(causes(e)).allSatisfy(c -> assertThat(String.valueOf(c.getMessage())).doesNotContain(secret));
  }

  /** The absent tag and digest resolve to nothing, without an exception. */
  static void assertAbsentResolvesEmpty(Repository repo) throws IOException {
    assertThat(repo.resolve("no-such-tag")).isEmpty();
    assertThat(repo.resolve(absentDigest().toString())).isEmpty();
  }
}
