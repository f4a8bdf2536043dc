package dev.ocync.servetest;

import dev.ocync.OciServer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Run by {@code OciServerBigBlobIT} in a child JVM with a small heap: serves a generated blob many
 * times larger than the heap and reads it back through the server, hashing it. A server that
 * buffered blobs would run out of memory here.
 */
public final class BigBlobChild {
  private BigBlobChild() {}

  /** {@code size} deterministic bytes, generated as they are read. */
  static InputStream generated(long size) {
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        return pos < size ? (int) ((pos++ * 31 + (pos >>> 12)) & 0xff) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - pos);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) read();
        }
        return n;
      }
    };
  }

  static Digest digestOf(InputStream in) throws IOException {
    Digest.Digester d = Digest.newDigester(Digest.Algorithm.SHA256);
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) >= 0) {
      d.update(buf, 0, n);
    }
    return d.digest();
  }

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[0]);
    Descriptor layer = Descriptor.of(MediaType.OCI_LAYER, digestOf(generated(size)), size);
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    Descriptor cfg = Descriptor.of(MediaType.OCI_CONFIG, Digest.sha256(config), config.length);
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + cfg.mediaType() + "\",\"digest\":\"" + cfg.digest() + "\",\"size\":" + cfg.size() + "},\"layers\":[{"
        + "\"mediaType\":\"" + layer.mediaType() + "\",\"digest\":\"" + layer.digest() + "\",\"size\":" + size + "}]}";
    Manifest manifest = Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST);
    Repository repo = new Repository() {
      @Override
      public String location() {
        return "generated:big";
      }

      @Override
      public Optional<Descriptor> resolve(String reference) {
        return Optional.of(manifest.descriptor());
      }

      @Override
      public Manifest fetchManifest(String reference) throws IOException {
        if (reference.equals("big") || reference.equals(manifest.digest().toString())) {
          return manifest;
        }
        throw new NotFoundException("no manifest " + reference, RegistryException.Context.of(location()));
      }

      @Override
      public void pushManifest(Manifest m, Optional<String> tag) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean hasBlob(Descriptor blob) {
        return blob.digest().equals(layer.digest());
      }

      @Override
      public InputStream openBlob(Descriptor blob) {
        return generated(size);
      }

      @Override
      public void pushBlob(Descriptor blob, InputStream content) {
        throw new UnsupportedOperationException();
      }

      @Override
      public List<String> listTags() {
        return List.of("big");
      }

      @Override
      public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) {
        return List.of();
      }
    };
    try (OciServer server = OciServer.builder().repository("big", repo).build().start()) {
      HttpURLConnection c = (HttpURLConnection) new URL(server.url() + "/v2/big/blobs/" + layer.digest())
          .openConnection();
      try (InputStream in = c.getInputStream()) {
        Digest got = digestOf(in);
        System.out.println("status=" + c.getResponseCode() + " length=" + c.getHeaderField("Content-Length")
            + " match=" + got.equals(layer.digest()) + " maxHeap=" + Runtime.getRuntime().maxMemory());
      }
    }
  }
}
