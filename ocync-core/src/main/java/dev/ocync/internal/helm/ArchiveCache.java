package dev.ocync.internal.helm;

import dev.ocync.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verified chart archives on disk, one file per sha256 ({@code sha256-<hex>.tgz}), so a restarted
 * server or a second repository over the same charts does not download them again. A hint only:
 * every read is hashed again and a file that does not match is removed (the caller downloads
 * again); a failure to write is logged, never fatal.
 *
 * <p>Safe for several processes sharing the directory without a lock: a file is written to a
 * temporary name and renamed into place (readers see a whole file or none), a reader tolerates a
 * file removed under it, and eviction deletes the least recently used files (by modification
 * time, set on each read) until the directory is within its byte limit.
 */
final class ArchiveCache {
  private static final Logger log = LoggerFactory.getLogger(ArchiveCache.class);
  private static final String PREFIX = "sha256-";
  private static final String SUFFIX = ".tgz";
  private static final String PART = ".part-";
  /** A temporary file this old was left by a process that died while writing. */
  private static final Duration STALE_PART = Duration.ofHours(1);
  /** Files looked at by one eviction pass; a directory with more is trimmed over several writes. */
  private static final int MAX_LISTED = 100_000;

  private final Path dir;
  private final long maxBytes;

  /**
   * @throws IllegalArgumentException if the directory cannot be created or is not writable
   */
  ArchiveCache(Path dir, long maxBytes) {
    this.dir = Objects.requireNonNull(dir, "dir");
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("the archive cache limit must be positive, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create the chart archive cache directory " + dir + ": " + e, e);
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
      throw new IllegalArgumentException("the chart archive cache " + dir + " is not a writable directory");
    }
  }

  Path directory() {
    return dir;
  }

  private Path file(Digest digest) {
    return dir.resolve(PREFIX + digest.encoded() + SUFFIX);
  }

  /**
   * The archive with this digest, hashed again now; empty if absent, larger than {@code limit},
   * or corrupt (then removed).
   */
  Optional<byte[]> read(Digest digest, long limit) {
    if (digest.algorithm() != Digest.Algorithm.SHA256) {
      return Optional.empty();
    }
    Path f = file(digest);
    byte[] bytes;
    try {
      if (!Files.isRegularFile(f)) {
        return Optional.empty();
      }
      if (Files.size(f) > limit) {
        remove(f, "it is over the archive size limit");
        return Optional.empty();
      }
      bytes = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // evicted by another process meanwhile
    } catch (IOException e) {
      log.warn("chart archive cache: cannot read {}: {}", f, e.toString());
      return Optional.empty();
    }
    if (bytes.length > limit || !digest.matches(bytes)) {
      remove(f, "its content does not hash to " + digest);
      return Optional.empty();
    }
    try {
      Files.setLastModifiedTime(f, FileTime.from(Instant.now())); // the LRU mark, shared across processes
    } catch (IOException e) {
      // removed meanwhile, or a read-only mount: the bytes are good either way
    }
    return Optional.of(bytes);
  }

  /** Stores verified bytes under their digest, then trims the directory to its limit. */
  void write(Digest digest, byte[] bytes) {
    if (digest.algorithm() != Digest.Algorithm.SHA256 || bytes.length > maxBytes) {
      return;
    }
    Path target = file(digest);
    Path part = null;
    try {
      part = Files.createTempFile(dir, PART, ".tmp");
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE);
          OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
        out.write(bytes);
        out.flush();
        ch.force(true); // a crash after the rename must not leave a short file under a digest name
      }
      try {
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
      part = null;
    } catch (IOException e) {
      log.warn("chart archive cache: cannot store {} in {}: {}", digest, dir, e.toString());
    } finally {
      if (part != null) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException e) {
          log.debug("chart archive cache: cannot remove {}: {}", part, e.toString());
        }
      }
    }
    evict();
  }

  private record Entry(Path path, long size, FileTime used) {}

  /** Deletes the least recently used archives until the directory holds at most the limit. */
  void evict() {
    List<Entry> entries = new ArrayList<>();
    long total = 0;
    Instant stale = Instant.now().minus(STALE_PART);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        if (entries.size() >= MAX_LISTED) {
          break;
        }
        String name = p.getFileName().toString();
        try {
          if (name.startsWith(PART)) {
            if (Files.getLastModifiedTime(p).toInstant().isBefore(stale)) {
              Files.deleteIfExists(p);
            }
            continue;
          }
          if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || !Files.isRegularFile(p)) {
            continue; // not ours: never touched
          }
          long size = Files.size(p);
          entries.add(new Entry(p, size, Files.getLastModifiedTime(p)));
          total += size;
        } catch (NoSuchFileException e) {
          // evicted by another process meanwhile
        }
      }
    } catch (IOException e) {
      log.warn("chart archive cache: cannot list {}: {}", dir, e.toString());
      return;
    }
    if (total <= maxBytes) {
      return;
    }
    entries.sort(Comparator.comparing(Entry::used).thenComparing(e -> e.path().getFileName().toString()));
    for (Entry e : entries) {
      if (total <= maxBytes) {
        break;
      }
      try {
        Files.deleteIfExists(e.path());
      } catch (IOException ex) {
        log.warn("chart archive cache: cannot evict {}: {}", e.path(), ex.toString());
      }
      total -= e.size();
    }
  }

  private void remove(Path f, String why) {
    log.warn("chart archive cache: removing {}: {}", f, why);
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      log.warn("chart archive cache: cannot remove {}: {}", f, e.toString());
    }
  }
}
