package dev.ocync.internal.layout;

import dev.ocync.oci.Reference;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A layout holding many repositories: each image is named {@code <repository>:<tag>} in
 * {@code org.opencontainers.image.ref.name}. The repository views share this one open layout (its
 * index and, for an archive, its writer, which writes once when the bundle is closed).
 */
public final class LayoutBundle implements Closeable {
  private static final Pattern REPOSITORY =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  private static final int MAX_NAME = 255;

  private final LayoutBase base;

  private LayoutBundle(LayoutBase base) {
    this.base = base;
  }

  /** A bundle in a layout directory. */
  public static LayoutBundle directory(Path dir, boolean verifyBlobs) {
    return new LayoutBundle(LayoutRepository.base(dir, verifyBlobs));
  }

  /** A bundle in a layout archive. */
  public static LayoutBundle archive(Path file, boolean verifyBlobs) {
    return new LayoutBundle(LayoutArchiveRepository.base(file, verifyBlobs));
  }

  public String location() {
    return base.location();
  }

  /** Whether {@code name} is a repository path a bundle can hold ({@code mirror/app}). */
  public static boolean isRepositoryName(String name) {
    return name.length() <= MAX_NAME && REPOSITORY.matcher(name).matches();
  }

  /** The view of one repository; closing it does nothing. */
  public Repository repository(String name) {
    Objects.requireNonNull(name, "name");
    if (!isRepositoryName(name)) {
      throw new IllegalArgumentException("invalid repository name \"" + name + "\" for " + base.location()
          + ": expected lowercase path components separated by /, such as mirror/app");
    }
    return new LayoutView(base, Optional.of(name), false);
  }

  /** The repositories that have at least one tag, sorted. */
  public List<String> repositories() throws IOException {
    TreeSet<String> out = new TreeSet<>();
    for (String n : base.reader().refNames()) {
      int colon = n.lastIndexOf(':');
      if (colon > 0 && Reference.isTag(n.substring(colon + 1)) && isRepositoryName(n.substring(0, colon))) {
        out.add(n.substring(0, colon));
      }
    }
    return new ArrayList<>(out);
  }

  /** Closes the layout; an archive is written now if a copy into it completed. */
  @Override
  public void close() throws IOException {
    base.close();
  }

  @Override
  public String toString() {
    return base.location();
  }
}
