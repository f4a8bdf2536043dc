package dev.ocync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ocync.internal.engine.Location;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.oci.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Fuzz targets for the OCI model's parsers. Outcomes allowed: a value that keeps its promises, or
 * an {@link IllegalArgumentException}. In a normal build these run once per input under
 * {@code src/test/resources/dev/ocync/fuzz/ModelFuzzTestInputs}; docs/fuzzing.md says how to fuzz.
 */
class ModelFuzzTest {

  @FuzzTest(maxDuration = "10m")
  @DictionaryFile(resourcePath = "/dev/ocync/fuzz/oci-json.dict")
  void manifest(byte[] data) {
    // the first byte picks the Content-Type it arrived with, as a registry or a layout would supply it
    Optional<String> contentType = data.length == 0 ? Optional.empty() : switch (data[0] & 7) {
      case 0 -> Optional.of(MediaType.OCI_MANIFEST);
      case 1 -> Optional.of(MediaType.OCI_INDEX);
      case 2 -> Optional.of(MediaType.DOCKER_MANIFEST);
      case 3 -> Optional.of(MediaType.DOCKER_MANIFEST_LIST);
      case 4 -> Optional.of("application/json; charset=utf-8");
      default -> Optional.empty();
    };
    Manifest m;
    try {
      m = Manifest.parse(data, contentType);
    } catch (IllegalArgumentException refused) {
      return;
    }
    // a parsed manifest is exactly the bytes it came from, and its view is consistent with its type
    assertThat(m.bytes()).isEqualTo(data);
    assertThat(m.digest()).isEqualTo(Digest.sha256(data));
    assertThat(MediaType.isManifest(m.mediaType())).isTrue();
    if (m.isIndex()) {
      assertThat(m.blobs()).isEmpty();
    } else {
      assertThat(m.manifests()).isEmpty();
      assertThat(m.config()).isPresent();
    }
    for (Descriptor d : m.manifests()) {
      assertThat(d.size()).isNotNegative();
    }
  }

  @FuzzTest(maxDuration = "10m")
  void reference(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    Reference r;
    try {
      r = Reference.parse(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    // the normalized form is a fixed point: printing and parsing again gives the same reference
    assertThat(Reference.parse(r.toString())).isEqualTo(r);
    assertThat(r.tag().isPresent() || r.digest().isPresent()).isTrue();
  }

  @FuzzTest(maxDuration = "10m")
  void digest(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    Digest d;
    try {
      d = Digest.parse(text);
    } catch (IllegalArgumentException refused) {
      assertThat(Digest.isDigest(text)).isFalse();
      return;
    }
    assertThat(d.toString()).isEqualTo(text);
    assertThat(d.encoded()).hasSize(d.algorithm().hexLength());
  }

  @FuzzTest(maxDuration = "10m")
  void platform(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    Platform p;
    try {
      p = Platform.parse(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertThat(p.toString()).isEqualTo(text);
    assertThat(Platform.parse(p.toString())).isEqualTo(p);
  }

  /** Locations as the CLI and {@code Syncer.copy(String, String)} take them; credentials never echo. */
  @FuzzTest(maxDuration = "10m")
  void location(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    try {
      Location l = Location.parse(text);
      assertThat(l.reference().isPresent()).isNotEqualTo(l.path().isPresent());
    } catch (IllegalArgumentException refused) {
      // a layout's path is a path: an '@' in it is no userinfo, and the message quotes it as written
      String lower = text.strip().toLowerCase(java.util.Locale.ROOT);
      boolean layout = lower.startsWith("oci:") || lower.startsWith("oci-archive:");
      String stripped = Location.withoutUserinfo(text.strip());
      if (!layout && !stripped.equals(text.strip())) {
        assertThat(refused.getMessage()).doesNotContain(text.strip());
      }
    }
  }
}
