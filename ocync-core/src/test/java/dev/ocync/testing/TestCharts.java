package dev.ocync.testing;

import dev.ocync.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Chart archives built in tests, good and bad, without helm (for every module's tests). */
public final class TestCharts {
  private TestCharts() {}

  /** A tar entry: a file with content, or a link when {@code linkTarget} is set. */
  public record Item(String name, byte[] content, String linkTarget, boolean hardLink) {
    public static Item file(String name, String content) {
      return new Item(name, content.getBytes(StandardCharsets.UTF_8), null, false);
    }

    public static Item file(String name, byte[] content) {
      return new Item(name, content, null, false);
    }

    public static Item symlink(String name, String target) {
      return new Item(name, new byte[0], target, false);
    }
  }

  public static String chartYaml(String name, String version) {
    return "apiVersion: v2\nname: " + name + "\nversion: " + version + "\ndescription: test chart\n";
  }

  /** A minimal valid chart {@code name} at {@code version}, plus {@code extra} entries. */
  public static byte[] chart(String name, String version, Item... extra) {
    List<Item> items = new java.util.ArrayList<>();
    items.add(Item.file(name + "/Chart.yaml", chartYaml(name, version)));
    items.add(Item.file(name + "/values.yaml", "replicas: 1\n"));
    items.addAll(List.of(extra));
    return tgz(items);
  }

  public static byte[] tgz(List<Item> items) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Item i : items) {
        TarArchiveEntry e;
        if (i.linkTarget() != null) {
          e = new TarArchiveEntry(i.name(), i.hardLink() ? TarConstants.LF_LINK : TarConstants.LF_SYMLINK);
          e.setLinkName(i.linkTarget());
        } else {
          e = new TarArchiveEntry(i.name(), true);
          e.setSize(i.content().length);
        }
        tar.putArchiveEntry(e);
        if (i.linkTarget() == null) {
          tar.write(i.content());
        }
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * One version's entry under {@code entries.NAME} of a classic repository's index.yaml: its digest
   * and a relative URL {@code NAME-VERSION.tgz}.
   */
  public static String indexEntry(String name, String version, byte[] chart) {
    return "  - apiVersion: v2\n    name: " + name + "\n    version: " + version + "\n    digest: " + hex(chart)
        + "\n    urls:\n      - " + name + "-" + version + ".tgz\n";
  }

  public static String hex(byte[] b) {
    return Digest.sha256(b).encoded();
  }
}
