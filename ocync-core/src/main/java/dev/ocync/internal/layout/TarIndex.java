package dev.ocync.internal.layout;

import dev.ocync.spi.RegistryException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The validated table of contents of a tar file, and positional reads of its regular files.
 *
 * <p>Every entry is checked before anything is served: names must stay inside the archive root
 * (no absolute names, no {@code ..}), links must point inside it, and only directories, regular
 * files and links are allowed. Names are normalized ({@code ./} prefixes and trailing slashes
 * dropped). Links that point inside the archive are served as the file they lead to. A later
 * entry of the same name replaces an earlier one, as when tar extracts.
 *
 * <p>Reads use {@link FileChannel#read(ByteBuffer, long)}, which does not move a shared position,
 * so any number of threads can read at once.
 */
final class TarIndex implements Closeable {
  /** Where a regular file's bytes are in the tar. */
  record Entry(long offset, long size) {}

  private static final int MAX_LINK_HOPS = 16;

  private final String location;
  private final FileChannel channel;
  private final Map<String, Entry> files;
  private final Set<String> directories;
  /** Names of link entries and where they lead. */
  private final Map<String, String> links;

  private TarIndex(String location, FileChannel channel, Map<String, Entry> files, Set<String> directories,
      Map<String, String> links) {
    this.location = location;
    this.channel = channel;
    this.files = files;
    this.directories = directories;
    this.links = links;
  }

  /** Reads and validates the table of contents of {@code file}. */
  static TarIndex open(Path file, String location) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    boolean ok = false;
    try {
      TarIndex index = channel.size() == 0
          ? new TarIndex(location, channel, Map.of(), Set.of(), Map.of())
          : build(location, channel);
      ok = true;
      return index;
    } finally {
      if (!ok) {
        channel.close();
      }
    }
  }

  private static TarIndex build(String location, FileChannel channel) throws IOException {
    ByteBuffer magic = ByteBuffer.allocate(2);
    channel.read(magic, 0);
    if (magic.position() == 2 && (magic.get(0) & 0xff) == 0x1f && (magic.get(1) & 0xff) == 0x8b) {
      throw new RegistryException("this is gzip; ocync reads uncompressed OCI archives (gunzip it first)",
          RegistryException.Context.of(location));
    }
    java.util.List<TarArchiveEntry> entries;
    try {
      // TarFile reads through the channel's position; it is not closed because closing it would
      // close the channel, which the positional reads below keep using.
      @SuppressWarnings("resource")
      TarFile tar = new TarFile(channel);
      entries = tar.getEntries();
    } catch (IOException | RuntimeException e) {
      throw new RegistryException("not a readable tar archive: " + e.getMessage(), RegistryException.Context.of(location),
          e);
    }
    if (entries.isEmpty() && !startsWithEndOfArchive(channel)) {
      // TarFile reads garbage shorter than a header as an empty archive.
      throw new RegistryException("not a tar archive: it has no tar header", RegistryException.Context.of(location));
    }
    Map<String, Entry> files = new LinkedHashMap<>();
    Map<String, String> links = new HashMap<>();
    Set<String> directories = new LinkedHashSet<>();
    for (TarArchiveEntry e : entries) {
      String raw = e.getName();
      Optional<String> name = entryName(raw, location);
      if (name.isEmpty()) {
        continue; // the root itself ("./")
      }
      String n = name.get();
      files.remove(n);
      links.remove(n);
      directories.remove(n);
      if (e.isDirectory()) {
        directories.add(n);
      } else if (e.isSymbolicLink()) {
        links.put(n, linkTarget(n, e.getLinkName(), true, location));
      } else if (e.isLink()) {
        links.put(n, linkTarget(n, e.getLinkName(), false, location));
      } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
        throw reject(raw, "is a device or FIFO, which an OCI layout never contains", location);
      } else if (e.isSparse()) {
        throw reject(raw, "is a sparse file, which ocync does not read", location);
      } else if (e.isFile()) {
        files.put(n, new Entry(e.getDataOffset(), e.getSize()));
      } else {
        throw reject(raw, "has an unsupported entry type", location);
      }
    }
    for (Map.Entry<String, String> link : links.entrySet()) {
      String target = link.getValue();
      for (int hop = 0; hop < MAX_LINK_HOPS && target != null; hop++) {
        Entry file = files.get(target);
        if (file != null) {
          files.putIfAbsent(link.getKey(), file);
          break;
        }
        target = links.get(target);
      }
      // A link that leads nowhere inside the archive is simply not a file.
    }
    return new TarIndex(location, channel, Collections.unmodifiableMap(files),
        Collections.unmodifiableSet(directories), Collections.unmodifiableMap(links));
  }

  /** Whether the file begins with a zero block, as an empty tar does. */
  private static boolean startsWithEndOfArchive(FileChannel channel) throws IOException {
    ByteBuffer block = ByteBuffer.allocate(512);
    while (block.hasRemaining() && channel.read(block, block.position()) > 0) {
      // keep reading until the block is full or the file ends
    }
    if (block.hasRemaining()) {
      return false;
    }
    for (byte b : block.array()) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** The normalized name of an entry, empty for the root; fails for names that leave the root. */
  private static Optional<String> entryName(String raw, String location) throws RegistryException {
    if (raw.isEmpty() || raw.indexOf('\0') >= 0 || raw.indexOf('\\') >= 0) {
      throw reject(raw, "has an invalid name", location);
    }
    if (raw.startsWith("/")) {
      throw reject(raw, "has an absolute name", location);
    }
    StringBuilder out = new StringBuilder();
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw reject(raw, "has a \"..\" component, which could escape the archive root", location);
      }
      out.append(out.length() == 0 ? "" : "/").append(part);
    }
    return out.length() == 0 ? Optional.empty() : Optional.of(out.toString());
  }

  /**
   * Where a link leads, as a normalized name inside the archive. A symbolic link is relative to
   * the directory of the link; a hard link names another entry from the root.
   */
  private static String linkTarget(String name, String target, boolean symbolic, String location)
      throws RegistryException {
    String kind = symbolic ? "symbolic link" : "hard link";
    if (target == null || target.isEmpty() || target.indexOf('\0') >= 0 || target.indexOf('\\') >= 0) {
      throw reject(name, "is a " + kind + " with an invalid target", location);
    }
    if (target.startsWith("/")) {
      throw reject(name, "is a " + kind + " to the absolute path " + target + ", outside the archive", location);
    }
    Deque<String> parts = new ArrayDeque<>();
    if (symbolic) {
      String[] own = name.split("/");
      for (int i = 0; i < own.length - 1; i++) {
        parts.addLast(own[i]);
      }
    }
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw reject(name, "is a " + kind + " to " + target + ", which leads outside the archive", location);
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  private static RegistryException reject(String entry, String why, String location) {
    return new RegistryException("refusing to read the archive: entry \"" + entry + "\" " + why,
        RegistryException.Context.of(location));
  }

  /** Whether the archive has no entries at all. */
  boolean isEmpty() {
    return files.isEmpty() && directories.isEmpty();
  }

  /** Regular files (links resolved) by normalized name, in archive order. */
  Map<String, Entry> files() {
    return files;
  }

  /** Directories by normalized name. */
  Set<String> directories() {
    return directories;
  }

  /** Link entries (hard and symbolic) by name, with the name each leads to. */
  Map<String, String> links() {
    return links;
  }

  Optional<InputStream> open(String name) {
    Entry e = files.get(name);
    return e == null ? Optional.empty() : Optional.of(new SliceInputStream(channel, e.offset(), e.size()));
  }

  boolean isFile(String name) {
    return files.containsKey(name);
  }

  String location() {
    return location;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** A region of the file, read with positional reads. */
  private static final class SliceInputStream extends InputStream {
    private final FileChannel channel;
    private long position;
    private final long end;

    SliceInputStream(FileChannel channel, long offset, long size) {
      this.channel = channel;
      this.position = offset;
      this.end = offset + size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      long remaining = end - position;
      if (remaining <= 0) {
        return -1;
      }
      int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), position);
      if (n < 0) {
        throw new java.io.EOFException("archive ends inside an entry");
      }
      position += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, end - position));
      position += skipped;
      return skipped;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, end - position);
    }
  }
}
