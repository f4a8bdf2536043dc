package dev.ocync.internal.helm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a chart archive ({@code .tgz}) by Helm's loader rules ({@code pkg/chart/loader/archive.go})
 * and stricter ones: Helm's limits (100 MiB decompressed in total, 5 MiB per file), no entry
 * outside the chart folder (absolute, {@code ..}, a drive letter, a second top folder), and no
 * link or device entries at all (Helm would read a link as an empty file). The JDK reads the gzip
 * stream: Helm writes a free-form gzip extra field that stricter readers refuse. Keeps the top-level
 * files the endpoint needs; the archive bytes themselves are never changed.
 */
final class ChartArchive {
  static final long MAX_DECOMPRESSED = 100L * 1024 * 1024;
  static final long MAX_FILE = 5L * 1024 * 1024;
  static final int MAX_ENTRIES = 100_000;
  private static final Pattern DRIVE = Pattern.compile("^[a-zA-Z]:/.*");
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  final String topFolder;
  final Map<String, byte[]> rootFiles;
  /** Vendored subchart archives, {@code charts/<file>.tgz} directly under the chart folder, by that path. */
  final Map<String, byte[]> subcharts;
  /** Bytes of all files once decompressed, so nested archives can share one budget. */
  final long decompressed;

  private ChartArchive(String topFolder, Map<String, byte[]> rootFiles, Map<String, byte[]> subcharts,
      long decompressed) {
    this.topFolder = topFolder;
    this.rootFiles = rootFiles;
    this.subcharts = subcharts;
    this.decompressed = decompressed;
  }

  Optional<byte[]> file(String name) {
    return Optional.ofNullable(rootFiles.get(name));
  }

  /** Reads and checks {@code tgz}. @throws IllegalArgumentException saying what is wrong with it */
  static ChartArchive read(byte[] tgz, long maxDecompressed, long maxFile) {
    if (tgz.length < 3 || (tgz[0] & 0xff) != 0x1f || (tgz[1] & 0xff) != 0x8b || tgz[2] != 8) {
      throw new IllegalArgumentException("not a gzip archive (a chart is a .tgz)");
    }
    Map<String, byte[]> root = new HashMap<>();
    Map<String, byte[]> subcharts = new java.util.TreeMap<>();
    String top = null;
    long total = 0;
    int count = 0;
    try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(tgz));
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (++count > MAX_ENTRIES) {
          throw new IllegalArgumentException("more than " + MAX_ENTRIES + " entries");
        }
        String raw = e.getName();
        if (e.isDirectory() || e.isPaxHeader() || e.isGlobalPaxHeader()) {
          continue;
        }
        if (e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is a "
              + (e.isSymbolicLink() ? "symbolic link" : e.isLink() ? "hard link" : "device or pipe")
              + "; charts may hold only regular files");
        }
        if (!e.isFile()) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is not a regular file");
        }
        String delimiter = raw.indexOf('\\') >= 0 ? "\\" : "/";
        if (raw.startsWith("/") || raw.startsWith("\\") || DRIVE.matcher(raw.replace('\\', '/')).matches()) {
          throw new IllegalArgumentException("entry \"" + raw + "\" has an absolute path");
        }
        String[] parts = raw.split(Pattern.quote(delimiter), -1);
        if (parts.length < 2) {
          if (parts[0].equals("Chart.yaml")) {
            throw new IllegalArgumentException("Chart.yaml is not in the chart folder");
          }
          throw new IllegalArgumentException("entry \"" + raw + "\" is outside the chart folder");
        }
        String first = parts[0];
        if (first.isEmpty() || first.equals(".") || first.equals("..")) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is outside the chart folder");
        }
        if (top == null) {
          top = first;
        } else if (!top.equals(first)) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is outside the chart folder \"" + top + "\"");
        }
        String n = String.join("/", java.util.Arrays.copyOfRange(parts, 1, parts.length));
        if (n.startsWith("/")) {
          throw new IllegalArgumentException("entry \"" + raw + "\" has an absolute path");
        }
        String clean = java.nio.file.Path.of("/", n).normalize().toString();
        clean = clean.equals("/") ? "." : clean.substring(1);
        if (clean.equals(".")) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is outside the chart folder");
        }
        for (String p : n.split("/")) {
          if (p.equals("..")) {
            throw new IllegalArgumentException("entry \"" + raw + "\" refers to a parent directory");
          }
        }
        if (DRIVE.matcher(clean).matches()) {
          throw new IllegalArgumentException("entry \"" + raw + "\" is illegally named");
        }
        if (e.getSize() > maxFile) {
          throw new IllegalArgumentException("file \"" + raw + "\" is " + e.getSize()
              + " bytes, over the limit of " + maxFile + " bytes per file");
        }
        byte[] data = readAtMost(tar, maxFile);
        if (data.length > maxFile) {
          throw new IllegalArgumentException("file \"" + raw + "\" is over the limit of " + maxFile + " bytes per file");
        }
        total += data.length;
        if (total > maxDecompressed) {
          throw new IllegalArgumentException("decompressed content is over the limit of " + maxDecompressed
              + " bytes");
        }
        if (!clean.contains("/")) {
          root.put(clean, stripBom(data));
        } else if (clean.startsWith("charts/") && clean.endsWith(".tgz") && clean.indexOf('/', 7) < 0) {
          subcharts.put(clean, data);
        }
      }
    } catch (IOException ex) {
      throw new IllegalArgumentException("not a readable tar.gz archive: " + ex.getMessage(), ex);
    }
    if (top == null) {
      throw new IllegalArgumentException("the archive holds no files");
    }
    if (!root.containsKey("Chart.yaml")) {
      throw new IllegalArgumentException("Chart.yaml is missing from the chart folder \"" + top + "\"");
    }
    return new ChartArchive(top, Map.copyOf(root), java.util.Collections.unmodifiableMap(subcharts), total);
  }

  /** Up to {@code max + 1} bytes of {@code in}: more than {@code max} means over the limit. */
  static byte[] readAtMost(InputStream in, long max) throws IOException {
    return in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
  }

  private static byte[] stripBom(byte[] b) {
    if (b.length >= 3 && b[0] == BOM[0] && b[1] == BOM[1] && b[2] == BOM[2]) {
      return java.util.Arrays.copyOfRange(b, 3, b.length);
    }
    return b;
  }
}
