package dev.ocync.internal.layout;

import dev.ocync.OciLayout;
import dev.ocync.oci.Digest;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RepositoryContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** Every OCI layout endpoint keeps the {@link Repository} contract. */
class LayoutContractTest {

  private static Path at(Path dir, String name, String suffix) {
    return dir.resolve(name.replace('/', '_') + suffix);
  }

  /** Overwrites the blob file of {@code digest} in the layout directory {@code layout}. */
  private static boolean overwrite(Path layout, Digest digest, byte[] bytes) throws IOException {
    Path file = layout.resolve("blobs").resolve(digest.algorithm().id()).resolve(digest.encoded());
    if (!Files.isRegularFile(file)) {
      throw new AssertionError("no blob file " + file);
    }
    Files.write(file, bytes);
    return true;
  }

  /** {@link OciLayout#directory}: a reopened directory reads what was written. */
  @Nested
  class Directory extends RepositoryContract {
    @TempDir Path dir;

    @Override
    protected Repository create(String name) {
      return OciLayout.directory(at(dir, name, ""));
    }

    @Override
    protected Repository reopen(Repository written, String name) {
      return OciLayout.directory(at(dir, name, ""));
    }

    @Override
    protected boolean tamper(String name, Digest digest, byte[] bytes) throws IOException {
      return overwrite(at(dir, name, ""), digest, bytes);
    }
  }

  /** {@link OciLayout#archive}: written on close, then reopened and read. */
  @Nested
  class Archive extends RepositoryContract {
    @TempDir Path dir;

    @Override
    protected Repository create(String name) {
      return OciLayout.archive(at(dir, name, ".tar"));
    }

    @Override
    protected Repository reopen(Repository written, String name) {
      return OciLayout.archive(at(dir, name, ".tar"));
    }
  }

  /** Views of one bundle: all repositories of a test share it; reopening opens the bundle anew. */
  abstract static class BundleContract extends RepositoryContract {
    @TempDir Path dir;
    private OciLayout.Bundle bundle;

    abstract OciLayout.Bundle open(Path dir);

    @Override
    protected Repository create(String name) {
      if (bundle == null) {
        bundle = open(dir);
      }
      return bundle.repository(name);
    }

    @Override
    protected Repository reopen(Repository written, String name) throws IOException {
      bundle.close();
      bundle = open(dir);
      return bundle.repository(name);
    }

    @AfterEach
    void closeBundle() throws IOException {
      if (bundle != null) {
        bundle.close();
      }
    }
  }

  /** Views of {@link OciLayout#directoryBundle}. */
  @Nested
  class DirectoryBundle extends BundleContract {
    @Override
    OciLayout.Bundle open(Path dir) {
      return OciLayout.directoryBundle(dir.resolve("bundle"));
    }

    @Override
    protected boolean tamper(String name, Digest digest, byte[] bytes) throws IOException {
      return overwrite(dir.resolve("bundle"), digest, bytes);
    }
  }

  /** Views of {@link OciLayout#archiveBundle}: the file is written when the bundle closes. */
  @Nested
  class ArchiveBundle extends BundleContract {
    @Override
    OciLayout.Bundle open(Path dir) {
      return OciLayout.archiveBundle(dir.resolve("bundle.tar"));
    }
  }
}
