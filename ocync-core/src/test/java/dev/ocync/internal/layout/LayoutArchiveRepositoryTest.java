package dev.ocync.internal.layout;

import static dev.ocync.internal.layout.LayoutRepositoryTest.assertHolds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.OciLayout;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.Platform;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Blob;
import dev.ocync.testing.TestImages.Image;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutArchiveRepositoryTest {
  @TempDir Path tmp;

  private final Image multi = TestImages.multiArch(21, 300);
  private final Image docker = TestImages.dockerImage(22, Platform.parse("linux/arm64/v8"), 2, 200);
  private final Image sbom = TestImages.referrer(23, multi.manifest().descriptor(), "application/spdx+json");

  private void writeAll(Path file) throws IOException {
    try (Repository repo = OciLayout.archive(file)) {
      assertThat(repo.location()).isEqualTo("oci-archive:" + file.toAbsolutePath());
      multi.pushTo(repo, Optional.of("multi"));
      docker.pushTo(repo, Optional.of("docker"));
      sbom.pushTo(repo, Optional.empty());
      LayoutRepositoryTest.fallbackIndex(multi.manifest().descriptor(), List.of(sbom))
          .pushTo(repo, Optional.of(LayoutRepositoryTest.fallbackTag(multi.manifest().descriptor())));
      // staged content is readable before close
      assertHolds(repo, multi, "multi");
      assertThat(Files.exists(file)).isFalse();
    }
  }

  private List<String> entryNames(Path tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
        assertThat(e.getModTime().getTime()).isZero();
        assertThat(e.getLongUserId()).isZero();
        assertThat(e.getLongGroupId()).isZero();
        assertThat(e.getUserName()).isEmpty();
        assertThat(e.getMode()).isEqualTo(e.isDirectory() ? 040755 : 0100644);
      }
    }
    return names;
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      // The writers' lock file next to an archive stays, as a directory layout's does.
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".ocync-lock")).sorted().toList();
    }
  }

  @Test
  void roundTrip() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    writeAll(file);
    assertThat(siblings()).containsExactly("bundle.tar"); // staging directory and temp file are gone
    List<String> names = entryNames(file);
    assertThat(names.subList(0, 4)).containsExactly("oci-layout", "index.json", "blobs/", "blobs/sha256/");
    List<String> blobs = names.subList(4, names.size());
    java.util.Set<String> expected = new java.util.TreeSet<>();
    Image fallback = LayoutRepositoryTest.fallbackIndex(multi.manifest().descriptor(), List.of(sbom));
    for (Image image : List.of(multi, docker, sbom, fallback)) {
      image.allBlobs().forEach(b -> expected.add(LayoutFormat.blobPath(b.descriptor().digest())));
      image.allManifests().forEach(m -> expected.add(LayoutFormat.blobPath(m.digest())));
    }
    assertThat(blobs).containsExactlyElementsOf(expected);
    try (Repository repo = OciLayout.archive(file)) {
      assertHolds(repo, multi, "multi");
      assertHolds(repo, docker, "docker");
      assertThat(repo.listTags())
          .containsExactly("multi", "docker", LayoutRepositoryTest.fallbackTag(multi.manifest().descriptor()));
      assertThat(repo.listReferrers(multi.manifest().digest(), Optional.empty()))
          .extracting(Descriptor::digest).containsExactly(sbom.manifest().digest());
    }
  }

  @Test
  void sameContentGivesSameBytes() throws IOException {
    Path a = tmp.resolve("a.tar");
    Path b = tmp.resolve("b.tar");
    writeAll(a);
    writeAll(b);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
  }

  @Test
  void existingContentIsKeptWhenAppending() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    try (Repository repo = OciLayout.archive(file)) {
      multi.pushTo(repo, Optional.of("multi"));
    }
    try (Repository repo = OciLayout.archive(file)) {
      assertThat(repo.listTags()).containsExactly("multi");
      docker.pushTo(repo, Optional.of("docker"));
    }
    try (Repository repo = OciLayout.archive(file)) {
      assertThat(repo.listTags()).containsExactly("multi", "docker");
      assertHolds(repo, multi, "multi");
      assertHolds(repo, docker, "docker");
    }
    assertThat(siblings()).containsExactly("bundle.tar");
    // appending in two steps gives the same archive as writing both at once
    Path once = tmp.resolve("once.tar");
    try (Repository repo = OciLayout.archive(once)) {
      multi.pushTo(repo, Optional.of("multi"));
      docker.pushTo(repo, Optional.of("docker"));
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(once));
  }

  @Test
  void writingThroughASymbolicLinkUpdatesTheFileItLeadsTo() throws IOException {
    Path real = tmp.resolve("store").resolve("real.tar");
    Files.createDirectories(real.getParent());
    try (Repository repo = OciLayout.archive(real)) {
      multi.pushTo(repo, Optional.of("multi"));
    }
    Path link = Files.createSymbolicLink(tmp.resolve("link.tar"), real);

    try (Repository repo = OciLayout.archive(link)) {
      assertHolds(repo, multi, "multi"); // reading follows the link
      docker.pushTo(repo, Optional.of("docker"));
    }

    assertThat(Files.isSymbolicLink(link)).isTrue();
    try (Repository repo = OciLayout.archive(real)) {
      assertHolds(repo, multi, "multi");
      assertHolds(repo, docker, "docker");
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("store", "link.tar");
    }
  }

  @Test
  void nothingWrittenLeavesTheFileAlone() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    try (Repository repo = OciLayout.archive(file)) {
      assertThat(repo.resolve("x")).isEmpty();
    }
    assertThat(Files.exists(file)).isFalse();
    try (Repository repo = OciLayout.archive(file)) {
      multi.pushTo(repo, Optional.of("multi"));
    }
    Files.setLastModifiedTime(file, FileTime.fromMillis(5000));
    byte[] before = Files.readAllBytes(file);
    try (Repository repo = OciLayout.archive(file)) {
      multi.pushTo(repo, Optional.of("multi")); // all present: no change
      Blob layer = docker.allBlobs().get(1);
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), new ByteArrayInputStream(new byte[3])))
          .isInstanceOf(DigestMismatchException.class);
    }
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(5000);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(siblings()).containsExactly("bundle.tar");
  }

  @Test
  void copyThatStopsBeforeItsTopManifestLeavesNoArchive() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    try (Repository repo = OciLayout.archive(file)) {
      for (Blob b : multi.allBlobs()) {
        repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes()));
      }
      repo.pushManifest(multi.children().get(0).manifest(), Optional.empty());
      // the copy fails here (its second child cannot be pushed): the index and its tag never are
      Manifest withMissingLayer = docker.manifest();
      assertThatThrownBy(() -> repo.pushManifest(withMissingLayer, Optional.empty()))
          .isInstanceOf(RegistryException.class);
    }
    assertThat(Files.exists(file)).isFalse();
    assertThat(siblings()).isEmpty();
  }

  @Test
  void mismatchingBlobIsNotArchived() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    Blob layer = docker.allBlobs().get(1);
    try (Repository repo = OciLayout.archive(file)) {
      multi.pushTo(repo, Optional.of("multi"));
      assertThatThrownBy(() -> repo.pushBlob(layer.descriptor(), new ByteArrayInputStream(new byte[3])))
          .isInstanceOf(DigestMismatchException.class);
      assertThatThrownBy(() -> repo.pushManifest(docker.manifest(), Optional.of("docker")))
          .isInstanceOf(RegistryException.class).hasMessageContaining(layer.descriptor().digest().toString());
    }
    assertThat(entryNames(file)).noneMatch(n -> n.endsWith(layer.descriptor().digest().encoded()));
    try (Repository repo = OciLayout.archive(file)) {
      assertThat(repo.listTags()).containsExactly("multi");
    }
  }

  @Test
  void missingArchiveIsNamedOnRead() throws IOException {
    Path file = tmp.resolve("missing.tar");
    try (Repository repo = OciLayout.archive(file)) {
      assertThatThrownBy(() -> repo.fetchManifest("v1")).isInstanceOf(NotFoundException.class)
          .hasMessageContaining(file.toString());
      assertThatThrownBy(() -> repo.openBlob(multi.allBlobs().get(0).descriptor()))
          .isInstanceOf(NotFoundException.class).hasMessageContaining(file.toString());
      assertThatThrownBy(repo::listTags).isInstanceOf(NotFoundException.class).hasMessageContaining(file.toString());
      assertThat(repo.hasBlob(multi.allBlobs().get(0).descriptor())).isFalse();
    }
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void fileThatIsNotATarIsRefused() throws IOException {
    Path file = Files.writeString(tmp.resolve("notes.tar"), "just some text, definitely not a tar header");
    try (Repository repo = OciLayout.archive(file)) {
      assertThatThrownBy(repo::listTags).isInstanceOf(RegistryException.class).hasMessageContaining(file.toString());
    }
  }

  /** A tar holding a copy of a layout directory, plus whatever {@code extra} adds. */
  private Path tarOf(Path layout, String prefix, TarExtra extra) throws IOException {
    Path file = tmp.resolve("crafted-" + System.nanoTime() + ".tar");
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      List<Path> files;
      try (Stream<Path> s = Files.walk(layout)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        String name = prefix + layout.relativize(f).toString().replace('\\', '/');
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(Files.size(f));
        out.putArchiveEntry(e);
        Files.copy(f, out);
        out.closeArchiveEntry();
      }
      extra.add(out);
    }
    return file;
  }

  interface TarExtra {
    void add(TarArchiveOutputStream out) throws IOException;
  }

  private static void addFile(TarArchiveOutputStream out, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    out.putArchiveEntry(e);
    out.write(content);
    out.closeArchiveEntry();
  }

  private static void addLink(TarArchiveOutputStream out, String name, String target, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setLinkName(target);
    out.putArchiveEntry(e);
    out.closeArchiveEntry();
  }

  private Path layoutDir() throws IOException {
    Path dir = tmp.resolve("layout-" + System.nanoTime());
    try (Repository repo = OciLayout.directory(dir)) {
      multi.pushTo(repo, Optional.of("multi"));
    }
    return dir;
  }

  @Test
  void dotSlashPrefixesAndLinksInsideAreAccepted() throws IOException {
    Path dir = layoutDir();
    Blob layer = multi.allBlobs().get(1);
    String blob = LayoutFormat.blobPath(layer.descriptor().digest());
    Path file = tarOf(dir, "./", out -> {
      addLink(out, "./blobs/sha256/aa-symlink", layer.descriptor().digest().encoded(), TarConstants.LF_SYMLINK);
      addLink(out, "hardlink", blob, TarConstants.LF_LINK);
    });
    try (Repository repo = OciLayout.archive(file)) {
      assertHolds(repo, multi, "multi");
    }
    try (TarIndex index = TarIndex.open(file, "test")) {
      try (InputStream a = index.open("blobs/sha256/aa-symlink").orElseThrow();
          InputStream b = index.open("hardlink").orElseThrow()) {
        assertThat(a.readAllBytes()).isEqualTo(layer.bytes());
        assertThat(b.readAllBytes()).isEqualTo(layer.bytes());
      }
    }
  }

  @Test
  void entriesEscapingTheRootAreRefusedBeforeAnyUse() throws IOException {
    Path dir = layoutDir();
    byte[] evil = "evil".getBytes(StandardCharsets.UTF_8);
    List<Object[]> cases = List.of(
        new Object[] {"../evil", (TarExtra) out -> addFile(out, "../evil", evil)},
        new Object[] {"blobs/../../evil", (TarExtra) out -> addFile(out, "blobs/../../evil", evil)},
        new Object[] {"/etc/evil", (TarExtra) out -> addFile(out, "/etc/evil", evil)},
        new Object[] {"blobs/sha256/passwd",
            (TarExtra) out -> addLink(out, "blobs/sha256/passwd", "/etc/passwd", TarConstants.LF_SYMLINK)},
        new Object[] {"blobs/sha256/up",
            (TarExtra) out -> addLink(out, "blobs/sha256/up", "../../../etc/passwd", TarConstants.LF_SYMLINK)},
        new Object[] {"hard", (TarExtra) out -> addLink(out, "hard", "../outside", TarConstants.LF_LINK)});
    for (Object[] c : cases) {
      String entry = (String) c[0];
      Path file = tarOf(dir, "", (TarExtra) c[1]);
      byte[] before = Files.readAllBytes(file);
      try (Repository repo = OciLayout.archive(file)) {
        assertThatThrownBy(() -> repo.resolve("multi")).as(entry).isInstanceOf(RegistryException.class)
            .hasMessageContaining("\"" + entry + "\"").hasMessageContaining(file.toString());
        Blob b = docker.allBlobs().get(0);
        assertThatThrownBy(() -> repo.pushBlob(b.descriptor(), new ByteArrayInputStream(b.bytes())))
            .as(entry).isInstanceOf(RegistryException.class);
      }
      assertThat(Files.readAllBytes(file)).as(entry).isEqualTo(before);
    }
    assertThat(Files.exists(tmp.resolve("evil"))).isFalse();
    assertThat(Files.exists(tmp.getParent().resolve("evil"))).isFalse();
  }

  @Test
  void archiveWithoutOciLayoutIsRefused() throws IOException {
    Path file = tmp.resolve("other.tar");
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(file))) {
      addFile(out, "readme.txt", "hello".getBytes(StandardCharsets.UTF_8));
    }
    try (Repository repo = OciLayout.archive(file)) {
      assertThatThrownBy(repo::listTags).isInstanceOf(RegistryException.class)
          .hasMessageContaining("oci-layout").hasMessageContaining(file.toString());
    }
  }

  @Test
  void corruptManifestInArchiveIsReported() throws IOException {
    Path dir = layoutDir();
    Path blob = dir.resolve(LayoutFormat.blobPath(multi.manifest().digest()));
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length - 2] = ' ';
    Files.write(blob, bytes);
    Path file = tarOf(dir, "", out -> { });
    try (Repository repo = OciLayout.archive(file)) {
      assertThatThrownBy(() -> repo.fetchManifest("multi")).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(multi.manifest().digest().toString());
    }
  }

  @Test
  void closedArchiveRefusesUse() throws IOException {
    Repository repo = OciLayout.archive(tmp.resolve("x.tar"));
    repo.close();
    assertThatThrownBy(() -> repo.resolve("v1")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("x.tar");
  }

}
