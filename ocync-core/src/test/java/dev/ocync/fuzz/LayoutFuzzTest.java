package dev.ocync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Fuzz targets for what the layout endpoints read from disk: {@code index.json} of a directory
 * layout, and the tar of an archive. Outcomes allowed: a value, or a {@link RegistryException} or
 * {@link IllegalArgumentException} naming the layout.
 */
class LayoutFuzzTest {
  /** A real layout (examples/image), so that entries of a fuzzed index can point at real blobs. */
  private static final Path EXAMPLE = Path.of("..", "examples", "image");
  private static Path layout;
  private static Path archive;

  private static synchronized Path layout() throws IOException {
    if (layout == null) {
      Path dir = Files.createTempDirectory("ocync-fuzz-layout");
      dir.toFile().deleteOnExit();
      try (Stream<Path> files = Files.walk(EXAMPLE)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Path to = dir.resolve(EXAMPLE.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(to);
          } else {
            Files.copy(p, to);
          }
          to.toFile().deleteOnExit();
        }
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      layout = dir;
    }
    return layout;
  }

  private static synchronized Path archive() throws IOException {
    if (archive == null) {
      archive = Files.createTempFile("ocync-fuzz-", ".tar");
      archive.toFile().deleteOnExit();
    }
    return archive;
  }

  @FuzzTest(maxDuration = "10m")
  @DictionaryFile(resourcePath = "/dev/ocync/fuzz/oci-json.dict")
  void indexJson(byte[] data) throws IOException {
    Path dir = layout();
    Files.write(dir.resolve("index.json"), data);
    try (Repository repo = OciLayout.directory(dir)) {
      readAll(repo);
    } catch (RegistryException | IllegalArgumentException refused) {
      // a typed refusal
    }
  }

  @FuzzTest(maxDuration = "10m")
  void archive(byte[] data) throws IOException {
    Path file = archive();
    Files.write(file, data);
    try (Repository repo = OciLayout.archive(file)) {
      readAll(repo);
    } catch (RegistryException | IllegalArgumentException refused) {
      // a typed refusal
    }
    // reading never writes: the archive is left exactly as it was
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  /** Everything a copy would read from a source layout: tags, what they resolve to, manifests, blobs. */
  private static void readAll(Repository repo) throws IOException {
    List<String> tags = repo.listTags();
    for (String tag : tags.subList(0, Math.min(tags.size(), 8))) {
      Optional<Descriptor> d = repo.resolve(tag);
      if (d.isEmpty()) {
        continue;
      }
      Manifest m = repo.fetchManifest(tag);
      assertThat(m.digest()).isEqualTo(d.get().digest());
      for (Descriptor blob : m.blobs()) {
        if (repo.hasBlob(blob)) {
          try (var in = repo.openBlob(blob)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
          }
        }
      }
      repo.listReferrers(m.digest(), Optional.empty());
    }
  }
}
