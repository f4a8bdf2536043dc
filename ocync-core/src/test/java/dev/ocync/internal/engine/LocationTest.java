package dev.ocync.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ocync.internal.engine.Location.Kind;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocationTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      oci:examples/image:1.0          | LAYOUT   | examples/image   | 1.0    | -
      oci:examples/image              | LAYOUT   | examples/image   | -      | -
      oci:/tmp/x                      | LAYOUT   | /tmp/x           | -      | -
      oci:/srv/a:b/c                  | LAYOUT   | /srv/a:b/c       | -      | -
      oci:/srv/a:b/c:v2               | LAYOUT   | /srv/a:b/c       | v2     | -
      oci:C:/images/app               | LAYOUT   | C:/images/app    | -      | -
      oci:dir@SHA                     | LAYOUT   | dir              | -      | SHA
      oci:/tmp/a@b                    | LAYOUT   | /tmp/a@b         | -      | -
      oci-archive:/tmp/x.tar:1.0      | ARCHIVE  | /tmp/x.tar       | 1.0    | -
      oci-archive:x.tar               | ARCHIVE  | x.tar            | -      | -
      oci-archive:x.tar@SHA           | ARCHIVE  | x.tar            | -      | SHA
      """)
  void parsesLayouts(String text, Kind kind, String path, String tag, String digest) {
    Location l = Location.parse(text.replace("SHA", DIGEST));
    assertThat(l.kind()).isEqualTo(kind);
    assertThat(l.path()).contains(Path.of(path));
    assertThat(l.tag()).isEqualTo(Optional.ofNullable(tag));
    assertThat(l.digest().map(Object::toString)).isEqualTo(Optional.ofNullable(digest).map(d -> DIGEST));
    assertThat(l.reference()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      docker://ghcr.io/org/app:1.0       | ghcr.io/org/app:1.0                 | 1.0    | false
      ghcr.io/org/app:1.0                | ghcr.io/org/app:1.0                 | 1.0    | false
      nginx                              | docker.io/library/nginx:latest      | -      | false
      docker://nginx                     | docker.io/library/nginx:latest      | -      | false
      127.0.0.1:5000/app                 | 127.0.0.1:5000/app:latest           | -      | false
      localhost:5000/team/app:v2         | localhost:5000/team/app:v2          | v2     | false
      127.0.0.1:5000/app@SHA             | 127.0.0.1:5000/app@SHA              | -      | true
      127.0.0.1:5000/app:1.0@SHA         | 127.0.0.1:5000/app:1.0@SHA          | 1.0    | true
      """)
  void parsesRegistryReferences(String text, String normalized, String tag, boolean digest) {
    Location l = Location.parse(text.replace("SHA", DIGEST));
    assertThat(l.kind()).isEqualTo(Kind.REGISTRY);
    assertThat(l.reference().orElseThrow()).hasToString(normalized.replace("SHA", DIGEST));
    assertThat(l.tag()).isEqualTo(Optional.ofNullable(tag));
    assertThat(l.digest().isPresent()).isEqualTo(digest);
    assertThat(l.path()).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', textBlock = """
      ''                          | it is empty
      ' oci:x'                    | leading or trailing blanks
      oci:                        | the directory is missing
      oci::1.0                    | the directory is missing
      oci-archive:                | the file is missing
      oci:dir:bad!tag             | tag "bad!tag" must match
      oci:dir@sha256:abc          | sha256 needs 64 hex digits
      dir:/tmp/x                  | the transport "dir:" is not supported
      docker-archive:x.tar        | the transport "docker-archive:" is not supported
      https://ghcr.io/org/app     | the transport "https:" is not supported
      docker://Ghcr.io/Org/App    | uppercase
      ghcr.io/org/app:bad!tag     | tag "bad!tag"
      """)
  void rejectsBadLocationsNamingThemAndTheForms(String text, String why) {
    assertThatThrownBy(() -> Location.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid location \"" + text + "\"")
        .hasMessageContaining(why)
        .hasMessageContaining("expected oci:DIR[:TAG], oci:DIR@sha256:..., oci-archive:FILE[:TAG], docker://");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      oci:examples/image:1.0     | oci:examples/image
      oci-archive:/tmp/x.tar     | oci-archive:/tmp/x.tar
      docker://nginx:1.27        | docker.io/library/nginx
      """)
  void displaysWithoutReference(String text, String shown) {
    assertThat(Location.parse(text).display(Optional.empty(), Optional.empty())).isEqualTo(shown);
    assertThat(Location.parse(text).display(Optional.of("v9"), Optional.empty())).isEqualTo(shown + ":v9");
  }
}
