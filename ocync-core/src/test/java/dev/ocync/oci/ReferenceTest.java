package dev.ocync.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ReferenceTest {
  private static final String D = "sha256:" + "a".repeat(64);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      nginx                                  | docker.io/library/nginx:latest       | registry-1.docker.io
      nginx:1.27                             | docker.io/library/nginx:1.27         | registry-1.docker.io
      bitnami/redis                          | docker.io/bitnami/redis:latest       | registry-1.docker.io
      docker.io/nginx                        | docker.io/library/nginx:latest       | registry-1.docker.io
      docker.io/library/nginx:1              | docker.io/library/nginx:1            | registry-1.docker.io
      index.docker.io/nginx                  | docker.io/library/nginx:latest       | registry-1.docker.io
      ghcr.io/org/app:v1.2.3                 | ghcr.io/org/app:v1.2.3               | ghcr.io
      ghcr.io/org/team/app                   | ghcr.io/org/team/app:latest          | ghcr.io
      localhost/app                          | localhost/app:latest                 | localhost
      localhost:5000/app:dev                 | localhost:5000/app:dev               | localhost:5000
      127.0.0.1:5000/a/b:c                   | 127.0.0.1:5000/a/b:c                 | 127.0.0.1:5000
      myhost:5000/app                        | myhost:5000/app:latest               | myhost:5000
      Registry.Example.COM/app               | registry.example.com/app:latest      | registry.example.com
      quay.io/a_b/c__d/e-f.g:T_1.x-y         | quay.io/a_b/c__d/e-f.g:T_1.x-y       | quay.io
      """)
  void normalizesLikeDocker(String input, String normalized, String apiHost) {
    Reference r = Reference.parse(input);
    assertThat(r.toString()).isEqualTo(normalized);
    assertThat(r.apiHost()).isEqualTo(apiHost);
  }

  @Test
  void digestOnlyGetsNoDefaultTag() {
    Reference r = Reference.parse("ghcr.io/org/app@" + D);
    assertThat(r.tag()).isEmpty();
    assertThat(r.digest()).contains(Digest.parse(D));
    assertThat(r.identifier()).isEqualTo(D);
    assertThat(r.toString()).isEqualTo("ghcr.io/org/app@" + D);
  }

  @Test
  void tagAndDigestKeepsBothAndDigestWins() {
    Reference r = Reference.parse("nginx:1.27@" + D);
    assertThat(r.tag()).contains("1.27");
    assertThat(r.digest()).contains(Digest.parse(D));
    assertThat(r.identifier()).isEqualTo(D);
    assertThat(r.repository()).isEqualTo("library/nginx");
  }

  @Test
  void partsAndEquality() {
    Reference r = Reference.parse("localhost:5000/team/app:1");
    assertThat(r.registry()).isEqualTo("localhost:5000");
    assertThat(r.repository()).isEqualTo("team/app");
    assertThat(r.tag()).contains("1");
    assertThat(r.name()).isEqualTo("localhost:5000/team/app");
    assertThat(r).isEqualTo(Reference.parse("localhost:5000/team/app:1"));
    assertThat(r.withTag("2").toString()).isEqualTo("localhost:5000/team/app:2");
    assertThat(Reference.of("ghcr.io", "a/b", Optional.of("x"), Optional.empty()).toString())
        .isEqualTo("ghcr.io/a/b:x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " nginx", "nginx ", "Nginx", "library/Nginx", "a//b", "a/", "/a", "a:b:c",
      "nginx:-bad", "nginx:" + "t" + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "nginx@sha256:abc", "nginx@md5:" + "0123456789abcdef0123456789abcdef", "host:0/app", "host:99999/app",
      "ho_st.io:5000/app", "a..b", "a__-b"})
  void rejectsBadInputNamingIt(String input) {
    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid reference \"" + input + "\"");
  }

  @Test
  void explainsWhichRuleBroke() {
    assertThatThrownBy(() -> Reference.parse("ghcr.io/Org/app"))
        .hasMessageContaining("uppercase");
    assertThatThrownBy(() -> Reference.parse("ghcr.io/org/app@sha256:1234"))
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(() -> Reference.parse("localhost:70000/app"))
        .hasMessageContaining("port");
  }

  /** Docker's rules (distribution/reference): what the first component is, and what case may appear where. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      myhost/foo                          | docker.io/myhost/foo:latest
      MyHost/foo                          | MyHost/foo:latest
      LOCALHOST/foo                       | localhost/foo:latest
      LocalHost:5000/foo                  | localhost:5000/foo:latest
      MyHost.io/foo                       | myhost.io/foo:latest
      INDEX.DOCKER.IO/foo                 | docker.io/library/foo:latest
      DOCKER.IO/foo/bar                   | docker.io/foo/bar:latest
      [::1]/foo                           | [::1]/foo:latest
      [::1]:5000/foo                      | [::1]:5000/foo:latest
      [0:0:0:0:0:0:0:1]:5000/foo          | [::1]:5000/foo:latest
      [0000:0000::0001]/foo               | [::1]/foo:latest
      [2001:DB8:0:0:1:0:0:1]:443/a        | [2001:db8::1:0:0:1]:443/a:latest
      [2001:db8:0:0:0:0:2:1]/a            | [2001:db8::2:1]/a:latest
      [::ffff:127.0.0.1]:5000/a           | [::ffff:127.0.0.1]:5000/a:latest
      """)
  void firstComponentFollowsDockersRules(String input, String normalized) {
    Reference r = Reference.parse(input);
    assertThat(r).hasToString(normalized);
    // the normalized form is stable
    assertThat(Reference.parse(r.toString())).isEqualTo(r);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      MyHost.io/Foo           | invalid reference "MyHost.io/Foo": repository "Foo" has uppercase letters in "Foo" (repository names must be lowercase)
      Foo                     | invalid reference "Foo": repository "library/Foo" has uppercase letters in "Foo" (repository names must be lowercase)
      [.]:5000/foo            | invalid reference "[.]:5000/foo": "[.]" is not a valid IPv6 address
      [::1::2]/foo            | invalid reference "[::1::2]/foo": "[::1::2]" is not a valid IPv6 address
      [fe80::1%eth0]/foo      | invalid reference "[fe80::1%eth0]/foo": "[fe80::1%eth0]" is not a valid IPv6 address
      [example.com]/foo       | invalid reference "[example.com]/foo": "[example.com]" is not a valid IPv6 address
      [::1/foo                | invalid reference "[::1/foo": "[::1" is not a valid IPv6 address
      [::1:5000/foo           | invalid reference "[::1:5000/foo": "[::1:5000" is not a valid IPv6 address
      [İ:A0:1]/v              | invalid reference "[İ:A0:1]/v": "[İ:A0:1]" is not a valid IPv6 address
      İ.io:5000/v             | invalid reference "İ.io:5000/v": "İ.io:5000" is not a valid registry host[:port]
      """)
  void refusesBadHostsAndUpperCasePathsWithClearMessages(String input, String message) {
    assertThatThrownBy(() -> Reference.parse(input))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
