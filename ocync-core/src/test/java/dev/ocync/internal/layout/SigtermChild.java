package dev.ocync.internal.layout;

import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process that is writing into a layout directory and an archive when it is stopped: started by
 * {@link LayoutSigtermIT}, it prints {@code ready} once a blob is half-written into the directory
 * and the archive has its staging directory, then waits to be killed.
 */
public final class SigtermChild {
  private SigtermChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path archive = Path.of(args[1]);
    Repository layout = OciLayout.directory(dir);
    Repository tar = OciLayout.archive(archive);
    Blob b = TestImages.blob("application/octet-stream", TestImages.randomBytes(1, 1000));
    tar.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
    layout.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
    Descriptor endless = Descriptor.of("application/octet-stream", Digest.sha256(new byte[1]), 1_000_000);
    Thread writer = new Thread(() -> {
      try {
        layout.pushBlob(endless, new InputStream() {
          private int given;

          @Override
          public int read() throws IOException {
            if (given++ < 100) {
              return 0;
            }
            try {
              Thread.sleep(120_000); // a stalled download
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return -1;
          }
        });
      } catch (IOException e) {
        // expected once the process is stopped
      }
    });
    writer.setDaemon(true);
    writer.start();
    for (int i = 0; i < 1000 && !hasTemp(dir.resolve("blobs/sha256")); i++) {
      Thread.sleep(10);
    }
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(120_000);
  }

  private static boolean hasTemp(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith(".ocync-"));
    }
  }
}
