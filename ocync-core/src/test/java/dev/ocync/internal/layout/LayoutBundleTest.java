package dev.ocync.internal.layout;

import static dev.ocync.internal.layout.LayoutRepositoryTest.assertHolds;
import static dev.ocync.internal.layout.LayoutRepositoryTest.fallbackIndex;
import static dev.ocync.internal.layout.LayoutRepositoryTest.fallbackTag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.OciLayout;
import dev.ocync.Syncer;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Platform;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.Repository;
import dev.ocync.testing.MemoryRepository;
import dev.ocync.testing.TestImages;
import dev.ocync.testing.TestImages.Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutBundleTest {
  @TempDir Path tmp;

  private final Image app = TestImages.multiArch(51, 200);
  private final Image db = TestImages.ociImage(52, Platform.parse("linux/amd64"), 2, 200);

  private void fill(OciLayout.Bundle bundle) throws IOException {
    app.pushTo(bundle.repository("mirror/app"), Optional.of("1.4"));
    db.pushTo(bundle.repository("mirror/app"), Optional.of("1.5"));
    db.pushTo(bundle.repository("other/db"), Optional.of("1.4"));
  }

  @Test
  void directoryBundleNamesImagesRepositoryColonTag() throws IOException {
    Path dir = tmp.resolve("bundle");
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir)) {
      fill(bundle);
      assertThat(bundle.repositories()).containsExactly("mirror/app", "other/db");
      assertThat(bundle.repository("mirror/app").listTags()).containsExactly("1.4", "1.5");
      assertThat(bundle.repository("other/db").listTags()).containsExactly("1.4");
      assertThat(bundle.repository("nothing/here").listTags()).isEmpty();
      assertHolds(bundle.repository("mirror/app"), app, "1.4");
      assertHolds(bundle.repository("other/db"), db, "1.4");
      assertThat(bundle.repository("other/db").resolve("1.5")).isEmpty();
      assertThat(bundle.repository("mirror/app").location()).isEqualTo("oci:" + dir + ":mirror/app");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode e : LayoutRepositoryTest.indexJson(dir).get("manifests")) {
      names.add(e.get("annotations").get("org.opencontainers.image.ref.name").asText());
    }
    assertThat(names).containsExactly("mirror/app:1.4", "mirror/app:1.5", "other/db:1.4");
    // read back with a fresh handle
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(dir)) {
      assertHolds(bundle.repository("mirror/app"), db, "1.5");
    }
  }

  @Test
  void archiveBundleWritesOnceOnClose() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(file)) {
      fill(bundle);
      bundle.repository("mirror/app").close(); // a view's close does not write or close the bundle
      assertThat(file).doesNotExist();
      assertHolds(bundle.repository("mirror/app"), app, "1.4");
    }
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(file)) {
      assertThat(bundle.repositories()).containsExactly("mirror/app", "other/db");
      assertHolds(bundle.repository("other/db"), db, "1.4");
    }
  }

  @Test
  void wrongTagOfARepositoryListsItsTags() throws IOException {
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(tmp.resolve("b"))) {
      fill(bundle);
      assertThatThrownBy(() -> bundle.repository("other/db").fetchManifest("9"))
          .isInstanceOf(NotFoundException.class)
          .hasMessageStartingWith("no manifest tagged \"9\" in the layout; its tags are 1.4 (");
    }
  }

  @Test
  void referrersOfABundleRepositoryComeFromItsFallbackTag() throws IOException {
    Image sbom = TestImages.referrer(53, db.manifest().descriptor(), "application/spdx+json");
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(tmp.resolve("b"))) {
      fill(bundle);
      Repository repo = bundle.repository("other/db");
      sbom.pushTo(repo, Optional.empty());
      fallbackIndex(db.manifest().descriptor(), List.of(sbom)).pushTo(repo, Optional.of(fallbackTag(db.manifest().descriptor())));
      assertThat(repo.listReferrers(db.manifest().digest(), Optional.empty())).extracting(Descriptor::digest)
          .containsExactly(sbom.manifest().digest());
      // the same subject in another repository has none
      assertThat(bundle.repository("mirror/app").listReferrers(db.manifest().digest(), Optional.empty())).isEmpty();
    }
  }

  @Test
  void badNamesAndTagsAreRefused() throws IOException {
    try (OciLayout.Bundle bundle = OciLayout.directoryBundle(tmp.resolve("b"))) {
      assertThatThrownBy(() -> bundle.repository("Mirror/App")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid repository name \"Mirror/App\"");
      assertThatThrownBy(() -> bundle.repository("a//b")).isInstanceOf(IllegalArgumentException.class);
      Repository repo = bundle.repository("mirror/app");
      assertThatThrownBy(() -> db.pushTo(repo, Optional.of("a:b"))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invalid tag \"a:b\"");
    }
  }

  @Test
  void bundleMirrorsBackUnderTheSameRepositoryNames() throws IOException {
    Path file = tmp.resolve("bundle.tar");
    try (OciLayout.Bundle bundle = OciLayout.archiveBundle(file)) {
      fill(bundle);
    }
    List<String> mirrored = new ArrayList<>();
    try (Syncer syncer = Syncer.builder().build(); OciLayout.Bundle bundle = OciLayout.archiveBundle(file)) {
      for (String name : bundle.repositories()) {
        MemoryRepository target = new MemoryRepository("mem://" + name);
        Repository source = bundle.repository(name);
        for (String tag : source.listTags()) {
          syncer.copy(source, tag, target, Optional.of(tag));
          mirrored.add(name + ":" + tag + "@" + target.tags().get(tag));
        }
      }
    }
    assertThat(mirrored).containsExactly("mirror/app:1.4@" + app.manifest().digest(),
        "mirror/app:1.5@" + db.manifest().digest(), "other/db:1.4@" + db.manifest().digest());
    assertThat(Files.exists(file)).isTrue();
  }
}
