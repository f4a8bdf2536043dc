package dev.ocync.internal.layout;

import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The files of a layout directory. Every file is opened through its real path, which must lie
 * under the root's real path: a symbolic link inside the layout that leads elsewhere (a blob
 * pointing at {@code /etc/passwd}) is refused rather than followed.
 */
final class DirectoryStore implements LayoutStore {
  private final Path root;
  private final String location;
  private volatile Path realRoot;

  DirectoryStore(Path root, String location) {
    this.root = root;
    this.location = location;
  }

  Path root() {
    return root;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public boolean absent() {
    return !Files.exists(root);
  }

  @Override
  public boolean empty() throws IOException {
    if (!Files.isDirectory(root)) {
      throw new RegistryException("not an OCI image layout: " + root + " is not a directory",
          RegistryException.Context.of(location));
    }
    // A temporary file of a concurrent first write does not make the directory a non-layout.
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root,
        p -> !p.getFileName().toString().startsWith(LayoutFormat.TEMP_PREFIX))) {
      return !entries.iterator().hasNext();
    }
  }

  /** The root's real path, once the root exists. */
  Path realRoot() throws IOException {
    Path r = realRoot;
    if (r == null) {
      r = root.toRealPath();
      realRoot = r;
    }
    return r;
  }

  /**
   * The real path of {@code relative} if it exists, after checking it does not lead outside the
   * layout.
   */
  Optional<Path> existing(String relative) throws IOException {
    Path path = root.resolve(relative);
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    Path real;
    try {
      real = path.toRealPath();
    } catch (NoSuchFileException e) {
      return Optional.empty(); // a dangling link leads nowhere: nothing to read
    }
    checkInside(real, relative);
    return Optional.of(real);
  }

  /** Fails unless {@code real} (a real path) is under the root. */
  void checkInside(Path real, String relative) throws IOException {
    if (!real.startsWith(realRoot())) {
      throw new RegistryException("refusing to follow " + relative + ": it is a symbolic link that leads outside"
          + " the layout (to " + real + ")", RegistryException.Context.of(location));
    }
  }

  @Override
  public Optional<InputStream> open(String path) throws IOException {
    Optional<Path> real = existing(path);
    if (real.isEmpty() || !Files.isRegularFile(real.get())) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.newInputStream(real.get()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public OptionalLong size(String path) throws IOException {
    Optional<Path> real = existing(path);
    if (real.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      BasicFileAttributes a = Files.readAttributes(real.get(), BasicFileAttributes.class);
      return a.isRegularFile() ? OptionalLong.of(a.size()) : OptionalLong.empty();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public String absentMessage() {
    return "no such OCI layout directory: " + root;
  }

  /**
   * Creates the directory {@code relative} and its parents inside the root, one component at a
   * time, checking each existing one first: a {@code blobs} symbolic link that leads elsewhere is
   * refused before anything is created through it.
   */
  Path createDirectories(String relative) throws IOException {
    Path dir = root;
    StringBuilder walked = new StringBuilder();
    for (String part : relative.split("/")) {
      walked.append(walked.length() == 0 ? "" : "/").append(part);
      dir = dir.resolve(part);
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Path real;
        try {
          real = dir.toRealPath();
        } catch (NoSuchFileException e) {
          throw new RegistryException("refusing to write through " + walked + ": it is a dangling symbolic link",
              RegistryException.Context.of(location));
        }
        checkInside(real, walked.toString());
        if (!Files.isDirectory(real)) {
          throw new RegistryException("cannot write the layout: " + dir + " is not a directory",
              RegistryException.Context.of(location));
        }
      } else {
        try {
          Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // a concurrent writer created it first: check what it is
          checkInside(dir.toRealPath(), walked.toString());
        }
      }
    }
    return dir;
  }
}
