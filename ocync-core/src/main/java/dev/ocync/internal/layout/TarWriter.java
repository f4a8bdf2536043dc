package dev.ocync.internal.layout;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a layout as a tar, reproducibly: {@code oci-layout}, {@code index.json}, then every other
 * file in name order (component by component), each directory right before its content, all with
 * mtime 0, uid/gid 0, no user or group names and modes 0644/0755. The same layout content gives
 * the same bytes. Long names use PAX headers, and so do sizes beyond the classic 8 GiB limit.
 */
final class TarWriter {
  private static final int FILE_MODE = 0100644;
  private static final int DIR_MODE = 040755;

  /** The content of one file to archive. */
  interface Source {
    long size() throws IOException;

    InputStream open() throws IOException;
  }

  private TarWriter() {}

  /** A file on disk as a source. */
  static Source of(Path file) {
    return new Source() {
      @Override
      public long size() throws IOException {
        return Files.size(file);
      }

      @Override
      public InputStream open() throws IOException {
        return Files.newInputStream(file);
      }
    };
  }

  /**
   * Writes {@code tarFile} (which must not exist) from {@code ociLayout}, {@code index} and the
   * other {@code files} by name, then forces it to disk.
   */
  static void write(Path tarFile, byte[] ociLayout, byte[] index, Map<String, Source> files) throws IOException {
    TreeMap<List<String>, Source> sorted = new TreeMap<>(TarWriter::compareByComponents);
    for (Map.Entry<String, Source> f : files.entrySet()) {
      List<String> parts = List.of(f.getKey().split("/"));
      // ocync's own temporary and lock files are not layout content, wherever they came from
      boolean ours = parts.get(parts.size() - 1).startsWith(LayoutFormat.TEMP_PREFIX);
      if (!ours && !f.getKey().equals(LayoutFormat.OCI_LAYOUT) && !f.getKey().equals(LayoutFormat.INDEX)) {
        for (int i = 1; i < parts.size(); i++) {
          sorted.putIfAbsent(parts.subList(0, i), null); // a directory
        }
        sorted.put(parts, f.getValue());
      }
    }
    OutputStream raw = Files.newOutputStream(tarFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(raw, 256 * 1024),
        StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      addFile(tar, LayoutFormat.OCI_LAYOUT, ociLayout.length, new ByteArrayInputStream(ociLayout));
      addFile(tar, LayoutFormat.INDEX, index.length, new ByteArrayInputStream(index));
      for (Map.Entry<List<String>, Source> e : sorted.entrySet()) {
        String name = String.join("/", e.getKey());
        if (e.getValue() == null) {
          tar.putArchiveEntry(entry(name + "/", DIR_MODE));
          tar.closeArchiveEntry();
        } else {
          addFile(tar, name, e.getValue().size(), e.getValue().open());
        }
      }
      tar.finish();
    }
    // The file is renamed over the target next; make sure its bytes are on disk first.
    try (FileChannel channel = FileChannel.open(tarFile, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  private static void addFile(TarArchiveOutputStream tar, String name, long size, InputStream content)
      throws IOException {
    TarArchiveEntry entry = entry(name, FILE_MODE);
    entry.setSize(size);
    tar.putArchiveEntry(entry);
    try (InputStream in = content) {
      long copied = in.transferTo(tar);
      if (copied != size) {
        throw new IOException("archive member " + name + " changed while it was written: " + copied
            + " bytes instead of " + size);
      }
    }
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(mode);
    entry.setModTime(0L);
    entry.setIds(0, 0);
    entry.setUserName("");
    entry.setGroupName("");
    return entry;
  }

  /** Component by component, so a directory comes right before its content. */
  private static int compareByComponents(List<String> a, List<String> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
