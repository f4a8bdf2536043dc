package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory does not grow with blob size: a 256 MiB blob goes through a server in a 48 MiB heap. */
class OciServerBigBlobIT {
  @Test
  void aBlobFiveTimesTheHeapStreamsThroughVerified() throws Exception {
    long size = 256L << 20;
    String text = ServeFixtures.runJava(List.of("-Xmx48m", "-cp", System.getProperty("java.class.path"),
        "dev.ocync.servetest.BigBlobChild", Long.toString(size)), 180);
    assertThat(text).contains("status=200 length=" + size + " match=true");
  }
}
