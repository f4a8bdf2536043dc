package dev.ocync.internal.layout;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a layout directory as a tar, reproducibly: {@code oci-layout}, {@code index.json}, then
 * every other directory and file in name order, all with mtime 0, uid/gid 0, no user or group
 * names and modes 0644/0755. The same layout content gives the same bytes. Long names use PAX
 * headers, and so do sizes beyond the classic 8 GiB limit.
 */
final class TarWriter {
  private static final int FILE_MODE = 0100644;
  private static final int DIR_MODE = 040755;

  private TarWriter() {}

  static void write(Path layoutDir, Path tarFile) throws IOException {
    List<Path> rest = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(layoutDir)) {
      walk.filter(p -> !p.equals(layoutDir))
          .filter(p -> !p.getFileName().toString().startsWith(LayoutFormat.TEMP_PREFIX))
          .map(layoutDir::relativize)
          .filter(p -> !p.toString().equals(LayoutFormat.OCI_LAYOUT) && !p.toString().equals(LayoutFormat.INDEX))
          .forEach(rest::add);
    }
    rest.sort(TarWriter::compareByComponents);
    OutputStream raw = Files.newOutputStream(tarFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(raw, 256 * 1024),
        java.nio.charset.StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      addFile(tar, layoutDir.resolve(LayoutFormat.OCI_LAYOUT), LayoutFormat.OCI_LAYOUT);
      addFile(tar, layoutDir.resolve(LayoutFormat.INDEX), LayoutFormat.INDEX);
      for (Path relative : rest) {
        String name = toName(relative);
        Path path = layoutDir.resolve(relative);
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          TarArchiveEntry entry = entry(name + "/", DIR_MODE);
          tar.putArchiveEntry(entry);
          tar.closeArchiveEntry();
        } else if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          addFile(tar, path, name);
        }
        // Anything else (a link in a staging directory ocync made itself) is not layout content.
      }
      tar.finish();
    }
    // The file is renamed over the target next; make sure its bytes are on disk first.
    try (FileChannel channel = FileChannel.open(tarFile, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
  }

  private static void addFile(TarArchiveOutputStream tar, Path path, String name) throws IOException {
    TarArchiveEntry entry = entry(name, FILE_MODE);
    entry.setSize(Files.size(path));
    tar.putArchiveEntry(entry);
    try (InputStream in = Files.newInputStream(path)) {
      in.transferTo(tar);
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

  private static String toName(Path relative) {
    List<String> parts = new ArrayList<>();
    relative.forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  /** Component by component, so a directory comes right before its content. */
  private static int compareByComponents(Path a, Path b) {
    int n = Math.min(a.getNameCount(), b.getNameCount());
    for (int i = 0; i < n; i++) {
      int c = a.getName(i).toString().compareTo(b.getName(i).toString());
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.getNameCount(), b.getNameCount());
  }
}
