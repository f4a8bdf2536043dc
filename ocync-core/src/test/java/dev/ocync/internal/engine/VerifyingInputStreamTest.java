package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private static final byte[] CONTENT = TestImages.randomBytes(42, 10_000);
  private static final Descriptor BLOB = Descriptor.of(MediaType.OCI_LAYER_GZIP, Digest.sha256(CONTENT), CONTENT.length);

  private static VerifyingInputStream stream(byte[] served) {
    return new VerifyingInputStream(new ByteArrayInputStream(served), BLOB, "oci:/src");
  }

  @Test
  void exactContentPassesThroughUnchanged() throws IOException {
    try (VerifyingInputStream in = stream(CONTENT)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
      assertThat(in.verified()).isTrue();
      assertThat(in.count()).isEqualTo(CONTENT.length);
      assertThat(in.failure()).isEmpty();
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void singleByteReadsAreVerifiedToo() throws IOException {
    try (VerifyingInputStream in = stream(CONTENT)) {
      int n = 0;
      while (in.read() >= 0) {
        n++;
      }
      assertThat(n).isEqualTo(CONTENT.length);
      assertThat(in.verified()).isTrue();
    }
  }

  @Test
  void shortContentFailsAtEndOfStreamBeforeMinusOne() throws IOException {
    byte[] shorter = Arrays.copyOf(CONTENT, CONTENT.length - 1);
    try (VerifyingInputStream in = stream(shorter)) {
      byte[] buf = new byte[CONTENT.length];
      int read = in.readNBytes(buf, 0, shorter.length);
      assertThat(read).isEqualTo(shorter.length);
      DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class, in::read);
      assertThat(e.expected()).isEqualTo(BLOB.digest());
      assertThat(e.actual()).isEqualTo(Digest.sha256(shorter));
      assertThat(e.getMessage()).contains(BLOB.digest().toString(), Digest.sha256(shorter).toString(), "oci:/src",
          "9999 bytes");
      // sticky: the target cannot read past the failure and see a clean end of stream
      assertThatThrownBy(in::read).isSameAs(e);
      assertThat(in.failure()).containsSame(e);
    }
  }

  @Test
  void longContentFailsAsSoonAsItExceedsTheSize() throws IOException {
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 100);
    try (VerifyingInputStream in = stream(longer)) {
      byte[] buf = new byte[CONTENT.length];
      assertThat(in.readNBytes(buf, 0, CONTENT.length)).isEqualTo(CONTENT.length);
      // the next byte is one too many: fail now, do not wait for the end
      DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class, () -> in.read(buf, 0, 10));
      assertThat(e.expected()).isEqualTo(BLOB.digest());
      assertThat(e.getMessage()).contains("longer than the 10000 bytes", BLOB.digest().toString(), "oci:/src");
    }
  }

  @Test
  void sameSizeWrongDigestFails() throws IOException {
    byte[] corrupt = CONTENT.clone();
    corrupt[5000] ^= 1;
    try (VerifyingInputStream in = stream(corrupt)) {
      DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class, in::readAllBytes);
      assertThat(e.expected()).isEqualTo(BLOB.digest());
      assertThat(e.actual()).isEqualTo(Digest.sha256(corrupt));
      assertThat(e.getMessage()).contains(BLOB.digest().toString(), Digest.sha256(corrupt).toString());
      assertThat(in.verified()).isFalse();
    }
  }

  @Test
  void skippedBytesAreHashed() throws IOException {
    byte[] corrupt = CONTENT.clone();
    corrupt[10] ^= 1;
    try (VerifyingInputStream in = stream(corrupt)) {
      assertThat(in.skip(100)).isEqualTo(100);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
    }
  }

  @Test
  void targetThatStopsAtExactlySizeIsCheckedBeforeItGetsTheLastByte() throws IOException {
    try (VerifyingInputStream ok = stream(CONTENT)) {
      assertThat(ok.readNBytes(CONTENT.length)).isEqualTo(CONTENT);
      ok.verifyConsumed();
      assertThat(ok.verified()).isTrue();
    }
    byte[] corrupt = CONTENT.clone();
    corrupt[0] ^= 1;
    try (VerifyingInputStream bad = stream(corrupt)) {
      // the read that would complete the size fails, so the target never holds all the bytes
      DigestMismatchException e = catchThrowableOfType(DigestMismatchException.class,
          () -> bad.readNBytes(CONTENT.length));
      assertThat(e.actual()).isEqualTo(Digest.sha256(corrupt));
      assertThat(bad.failure()).containsSame(e);
      assertThatThrownBy(bad::verifyConsumed).isSameAs(e);
    }
    byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
    try (VerifyingInputStream tooLong = stream(longer)) {
      assertThat(tooLong.readNBytes(CONTENT.length)).isEqualTo(CONTENT);
      assertThatThrownBy(tooLong::read).isInstanceOf(DigestMismatchException.class).hasMessageContaining("longer");
    }
    try (VerifyingInputStream empty = new VerifyingInputStream(new ByteArrayInputStream(new byte[0]),
        Descriptor.of(MediaType.OCI_EMPTY, Digest.sha256(new byte[0]), 0), "x")) {
      empty.verifyConsumed();
      assertThat(empty.verified()).isTrue();
    }
    try (VerifyingInputStream partial = stream(CONTENT)) {
      partial.readNBytes(10);
      assertThatThrownBy(partial::verifyConsumed).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining("after 10 of 10000 bytes");
    }
  }

  @Test
  void closesTheSourceStream() throws IOException {
    boolean[] closed = {false};
    InputStream src = new ByteArrayInputStream(CONTENT) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    new VerifyingInputStream(src, BLOB, "x").close();
    assertThat(closed[0]).isTrue();
  }
}
