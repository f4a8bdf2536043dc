package dev.ocync.internal.layout;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary files and directories one open layout or archive has in flight, removed by a JVM
 * shutdown hook if the process is stopped (SIGTERM) before they are committed or cleaned up. The
 * hook is registered while anything is in flight and removed when nothing is, or on
 * {@link #close()}, so nothing static outlives the work. Also sweeps stale leftovers of earlier, killed runs.
 */
final class Leftovers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);

  private final Set<Path> inFlight = ConcurrentHashMap.newKeySet();
  private Thread hook;
  private boolean closed;

  /** Remembers a temporary file or directory until {@link #done}. */
  synchronized void add(Path path) {
    inFlight.add(path);
    if (hook == null && !closed) {
      Thread h = new Thread(this::deleteAll, "ocync-layout-cleanup");
      try {
        Runtime.getRuntime().addShutdownHook(h);
        hook = h;
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
  }

  /**
   * The path was committed (renamed into place) or deleted. With nothing left in flight the hook
   * goes too, so a repository that is never closed does not leave one behind.
   */
  synchronized void done(Path path) {
    inFlight.remove(path);
    if (inFlight.isEmpty()) {
      removeHook();
    }
  }

  private void deleteAll() {
    for (Path p : inFlight) {
      try {
        deleteTree(p);
      } catch (IOException | RuntimeException e) {
        // the JVM is going down; what cannot be removed now a later run sweeps
      }
    }
  }

  private void removeHook() {
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs anyway
      }
      hook = null;
    }
  }

  /** Removes the shutdown hook; what is still in flight is the caller's to clean up. */
  @Override
  public synchronized void close() {
    closed = true;
    removeHook();
  }

  /**
   * Deletes entries of {@code dir} whose name {@code matches} and that were last modified longer
   * than {@link LayoutFormat#STALE_AGE} ago. Links are never followed.
   */
  static void sweepStale(Path dir, Predicate<String> matches, String location) {
    Instant cutoff = Instant.now().minus(LayoutFormat.STALE_AGE);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> matches.test(p.getFileName().toString()))) {
      for (Path p : entries) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isSymbolicLink() && a.lastModifiedTime().toInstant().isBefore(cutoff)) {
          LOG.debug("removing {}, left by an interrupted run at {}", p, location);
          deleteTree(p);
        }
      }
    } catch (NoSuchFileException e) {
      // nothing to sweep
    } catch (IOException e) {
      LOG.debug("could not sweep leftovers in {}: {}", dir, e.toString());
    }
  }

  /** Deletes a file or a directory tree, without following links. */
  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(path);
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
