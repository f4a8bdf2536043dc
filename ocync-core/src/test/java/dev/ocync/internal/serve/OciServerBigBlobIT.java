package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Memory does not grow with blob size: a 256 MiB blob goes through a server in a 48 MiB heap. */
class OciServerBigBlobIT {
  @Test
  void aBlobFiveTimesTheHeapStreamsThroughVerified() throws Exception {
    long size = 256L << 20;
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
        "-cp", System.getProperty("java.class.path"), "dev.ocync.servetest.BigBlobChild", Long.toString(size));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    assertThat(text).contains("status=200 length=" + size + " match=true");
  }
}
