package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.auth.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ocync's merge rules, target groups, auth types and endpoint kinds. */
class MergeAndEndpointTest {
  static OcyncConfig parse(String yaml) throws ConfigException {
    return OcyncConfig.parse(yaml, "c.yaml", Map.of());
  }

  @Test
  void exactTagFastPathOnlyWithoutAnyDefaultsTagsBlock() throws IOException {
    String mapping = "registries: {hub: {url: docker.io}}\nmappings:\n"
        + "  - {from: a, source: hub, targets: hub, tags: {glob: [\"1.0\", \"1.1\"]}}\n";
    try (OcyncConfig c = parse(mapping)) {
      assertThat(c.mappings().get(0).tags().exactTags()).contains(List.of("1.0", "1.1"));
    }
    try (OcyncConfig c = parse("defaults: {tags: {}}\n" + mapping)) {
      assertThat(c.mappings().get(0).tags().exactTags()).isEmpty();
      assertThat(c.mappings().get(0).tags().select(List.of("1.0", "1.2")).kept()).containsExactly("1.0");
    }
    // listing, ocync's built-in excludes apply to a literal glob once a defaults.tags block exists
    String rc = mapping.replace("[\"1.0\", \"1.1\"]", "[\"2.0-rc1\"]");
    try (OcyncConfig c = parse(rc)) {
      assertThat(c.mappings().get(0).tags().exactTags()).contains(List.of("2.0-rc1"));
    }
    try (OcyncConfig c = parse("defaults: {tags: {}}\n" + rc)) {
      assertThat(c.mappings().get(0).tags().select(List.of("2.0-rc1")).kept()).isEmpty();
    }
  }

  @Test
  void excludeTiersHardFromTheMappingSoftFromDefaults() throws IOException {
    // ocync's semver-tracking recipe: the include glob rescues *-dev from the defaults' soft exclude
    String yaml = """
        registries: {cgr: {url: cgr.dev}, ecr: {url: "123456789012.dkr.ecr.us-east-1.amazonaws.com"}}
        defaults:
          source: cgr
          targets: ecr
          tags:
            exclude: ["*-dev", "*-r[0-9]*"]
        mappings:
          - from: chainguard/python
            to: python
            tags:
              semver: ">=3.12, <3.13"
              include: ["*-dev"]
              sort: semver
              latest: 10
          - from: chainguard/go
            tags:
              exclude: ["*-dev"]
              include: ["*-dev"]
        """;
    try (OcyncConfig c = parse(yaml)) {
      assertThat(c.mappings().get(0).tags().select(List.of("3.12.1", "3.12.1-dev", "3.12.1-r1", "3.13.0")).kept())
          .containsExactlyInAnyOrder("3.12.1", "3.12.1-dev");
      // the mapping's own exclude is hard: the include glob cannot rescue from it
      assertThat(c.mappings().get(1).tags().select(List.of("1.22", "1.22-dev")).kept()).containsExactly("1.22");
      assertThat(c.mappings().get(1).to()).isEqualTo("chainguard/go");
    }
  }

  @Test
  void mappingValuesReplacePlatformsAndArtifactsWholesale() throws IOException {
    String yaml = """
        registries: {hub: {url: docker.io}}
        defaults:
          source: hub
          targets: hub
          tags: {}
          platforms: [linux/amd64, linux/arm64]
          artifacts: {enabled: false}
        mappings:
          - {from: a}
          - {from: b, platforms: [linux/arm/v7], artifacts: {include: [application/vnd.dev.cosign.artifact.sig.v1+json]}}
        """;
    try (OcyncConfig c = parse(yaml)) {
      assertThat(c.mappings().get(0).platforms().platforms()).hasSize(2);
      assertThat(c.mappings().get(0).artifacts().enabled()).isFalse();
      assertThat(c.mappings().get(1).platforms().platforms()).singleElement()
          .satisfies(p -> assertThat(p.variant()).contains("v7"));
      assertThat(c.mappings().get(1).artifacts().enabled()).isTrue();
      assertThat(c.mappings().get(1).artifacts().include()).hasSize(1);
    }
  }

  @Test
  void targetGroupsExpandAndListsDeduplicate() throws IOException {
    String yaml = """
        registries: {a: {url: a.example}, b: {url: b.example}, c: {url: c.example}}
        target_groups: {both: [a, b]}
        mappings:
          - {from: x, source: c, targets: both, tags: {}}
          - {from: y, source: c, targets: [b, a, b], tags: {}}
          - {from: z, source: c, targets: c, tags: {}}
        """;
    try (OcyncConfig c = parse(yaml)) {
      assertThat(c.mappings()).extracting(m -> m.targets().stream().map(Endpoint::alias).toList())
          .containsExactly(List.of("a", "b"), List.of("b", "a"), List.of("c"));
    }
  }

  @Test
  void authTypesBuildTheirProviders(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"d.example\":{\"auth\":\"dTpwdw==\"}}}");
    String yaml = """
        registries:
          anon: {url: anon.example, auth_type: anonymous}
          basic: {url: basic.example, auth_type: basic, credentials: {username: u, password: "${PW}"}}
          tok: {url: tok.example, auth_type: token, token: "${TOKEN}"}
          dock: {url: d.example, auth_type: docker_config}
          gar: {url: europe-docker.pkg.dev, auth_type: gar}
          auto: {url: us-docker.pkg.dev}
        mappings: []
        """;
    Map<String, String> env = Map.of("PW", "pw", "TOKEN", "tk", "DOCKER_CONFIG", dir.toString());
    FakeEcrAuth.CALLS.clear();
    try (OcyncConfig c = OcyncConfig.parse(yaml, "c.yaml", env)) {
      assertThat(creds(c, "anon")).isEmpty();
      assertThat(creds(c, "basic")).contains(Credentials.basic("u", "pw"));
      assertThat(creds(c, "tok")).contains(Credentials.bearer("tk"));
      assertThat(creds(c, "dock")).contains(Credentials.basic("u", "pw"));
      assertThat(creds(c, "gar")).contains(Credentials.basic("oauth2accesstoken", "t0ken"));
      assertThat(FakeEcrAuth.CALLS).containsExactly("europe-docker.pkg.dev {}", "us-docker.pkg.dev {}");
      assertThat(c.registries().toString() + c.mappings()).doesNotContain("pw").doesNotContain("tk");
    }
  }

  private static Optional<Credentials> creds(OcyncConfig c, String alias) throws IOException {
    var r = c.registries().get(alias).registry().orElseThrow();
    return r.credentials().credentials(r.host());
  }

  @Test
  void layoutAndTlsRules(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("ca.pem"), "not checked here");
    String yaml = """
        registries:
          l: {type: oci-layout, path: out, url: x.example}
          r: {url: r.example, path: out}
          t: {url: t.example, tls: {ca_file: ca.pem, client_cert: missing.pem}}
        mappings: []
        """;
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, yaml);
    try {
      OcyncConfig.load(file, Map.of()).close();
      throw new AssertionError("expected problems");
    } catch (ConfigException e) {
      assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
          "`url` does not apply to type oci-layout; use `path`",
          "`path` applies only to types oci-layout and oci-archive; a registry has a `url`",
          "`client_cert` and `client_key` go together; `client_key` is missing",
          "no such file: " + dir.resolve("missing.pem"));
    }
  }

  @Test
  void explicitDockerConfigWithoutAFileIsAProblem(@TempDir Path dir) {
    String yaml = "registries: {d: {url: d.example, auth_type: docker_config}}\nmappings: []\n";
    try {
      OcyncConfig.parse(yaml, "c.yaml", Map.of("DOCKER_CONFIG", dir.toString())).close();
      throw new AssertionError("expected a problem");
    } catch (IOException e) {
      assertThat(e).hasMessageContaining("c.yaml:1:45: registries.d.auth_type: registries.d: auth_type "
          + "'docker_config' but there is no Docker config file");
    }
  }
}
