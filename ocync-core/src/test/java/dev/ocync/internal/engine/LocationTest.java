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
      oci://x                     | the transport "oci://" is not supported
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

  private static final String FORMS_SUFFIX = "; " + Location.FORMS;

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      oic:/tmp/x                  | unknown transport "oic:" (did you mean "oci:"?)
      OIC:/tmp/x                  | unknown transport "OIC:" (did you mean "oci:"?)
      oci-arhive:x.tar            | unknown transport "oci-arhive:" (did you mean "oci-archive:"?)
      oci-archvie:/tmp/x.tar:1.0  | unknown transport "oci-archvie:" (did you mean "oci-archive:"?)
      dokcer://nginx              | unknown transport "dokcer://" (did you mean "docker://"?)
      htps://ghcr.io/org/app      | unknown transport "htps://" (did you mean "https://"?)
      docker:nginx                | unknown transport "docker:" (did you mean "docker://"?)
      s3://bucket/x               | unknown transport "s3://"
      foo:/tmp/x                  | unknown transport "foo:"
      oci-ahttprchive:://tm/[     | unknown transport "oci-ahttprchive:"
      /tmp/x                      | looks like a path: use "oci:/tmp/x"
      ./x                         | looks like a path: use "oci:./x"
      ../images/app:1.0           | looks like a path: use "oci:../images/app:1.0"
      out.tar                     | looks like a file: use "oci-archive:out.tar"
      127.0.0.1:6301              | no repository after the registry "127.0.0.1:6301"; add /REPOSITORY, for example 127.0.0.1:6301/app:1.0
      localhost:5000              | no repository after the registry "localhost:5000"; add /REPOSITORY, for example localhost:5000/app:1.0
      docker://ghcr.io            | no repository after the registry "ghcr.io"; add /REPOSITORY, for example ghcr.io/app:1.0
      https://myhost:5000/        | no repository after the registry "myhost:5000"; add /REPOSITORY, for example https://myhost:5000/app:1.0
      [.]:5000/foo                | invalid reference "[.]:5000/foo": "[.]" is not a valid IPv6 address
      https://oci-ar@sha256:76ccc8709e9425661f771169d7d23c062ae0ee966c2559faf8ddf4a5c76ec6d3 | invalid reference "oci-ar@sha256:76ccc8709e9425661f771169d7d23c062ae0ee966c2559faf8ddf4a5c76ec6d3": no repository after the registry; add /REPOSITORY after the host, for example HOST/app@sha256:...
      """)
  void saysWhatWentWrongInTheUsersTerms(String text, String why) {
    assertThatThrownBy(() -> Location.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid location \"" + text + "\": " + why + FORMS_SUFFIX);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://alice:s3cret@ghcr.io/org/app:1.0     | https://ghcr.io/org/app:1.0
      http://alice:s3cret@127.0.0.1:5000/app       | http://127.0.0.1:5000/app
      docker://alice:s3cret@ghcr.io/org/app        | docker://ghcr.io/org/app
      alice:s3cret@ghcr.io/org/app                 | ghcr.io/org/app
      https://alice:pa/ss@ghcr.io/org/app          | https://ghcr.io/org/app
      docker://alice:pa@ss@ghcr.io/app@SHA         | docker://ghcr.io/app@SHA
      ' https://alice:s3cret@ghcr.io/org/app'      | https://ghcr.io/org/app
      """)
  void neverQuotesCredentialsOfALocation(String text, String shown) {
    String t = text.replace("SHA", DIGEST);
    assertThatThrownBy(() -> Location.parse(t))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid location \"" + shown.replace("SHA", DIGEST) + "\": it carries credentials"
            + " (user:password@ before the host), which ocync never takes from a location (they would show up in"
            + " logs and process lists); give them as credentials of the registry instead" + FORMS_SUFFIX)
        .satisfies(e -> assertThat(e.toString()).doesNotContain("s3cret").doesNotContain("alice").doesNotContain("pa/ss"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      http://127.0.0.1:5000/app:1.0       | http   | 127.0.0.1:5000/app:1.0          | 1.0
      https://127.0.0.1:5000/team/app     | https  | 127.0.0.1:5000/team/app:latest  | -
      HTTPS://Registry.Example.com/app@SHA | https | registry.example.com/app@SHA    | -
      https://myhost/app:v2               | https  | myhost/app:v2                   | v2
      https://docker.io/nginx             | https  | docker.io/library/nginx:latest  | -
      docker://127.0.0.1:5000/app         | -      | 127.0.0.1:5000/app:latest       | -
      127.0.0.1:5000/app                  | -      | 127.0.0.1:5000/app:latest       | -
      """)
  void acceptsHttpAndHttpsPrefixesKeepingTheScheme(String text, String scheme, String normalized, String tag) {
    Location l = Location.parse(text.replace("SHA", DIGEST));
    assertThat(l.kind()).isEqualTo(Kind.REGISTRY);
    assertThat(l.scheme()).isEqualTo(Optional.ofNullable(scheme));
    assertThat(l.reference().orElseThrow()).hasToString(normalized.replace("SHA", DIGEST));
    assertThat(l.tag()).isEqualTo(Optional.ofNullable(tag));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      app:1.0                  | docker.io/library/app:1.0
      api:v1                   | docker.io/library/api:v1
      ocean:latest             | docker.io/library/ocean:latest
      localhost:5000/x         | localhost:5000/x:latest
      myhost:5000/x            | myhost:5000/x:latest
      registry.example.com/out.tar:1 | registry.example.com/out.tar:1
      """)
  void keepsReferencesThatLookLikeTyposOrFilesButAreNot(String text, String normalized) {
    assertThat(Location.parse(text).reference().orElseThrow()).hasToString(normalized);
  }
}
