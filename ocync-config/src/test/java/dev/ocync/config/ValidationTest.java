package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of problem, with its message, line, column and key path; all of them at once. */
class ValidationTest {
  static final String HEAD = """
      registries:
        hub: {url: docker.io}
        mirror: {url: "http://127.0.0.1:5000"}
      """;

  static List<ConfigProblem> problems(String yaml) {
    try {
      OcyncConfig.parse(yaml, "c.yaml", Map.of()).close();
    } catch (ConfigException e) {
      return e.problems();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected problems in:\n" + yaml);
  }

  static ConfigProblem only(String yaml) {
    List<ConfigProblem> p = problems(yaml);
    assertThat(p).hasSize(1);
    return p.get(0);
  }

  static void at(ConfigProblem p, int line, int column, String path, String message) {
    assertThat(p.line()).as("line of %s", p).isEqualTo(line);
    assertThat(p.column()).as("column of %s", p).isEqualTo(column);
    assertThat(p.path()).isEqualTo(path);
    assertThat(p.message()).contains(message);
  }

  @Test
  void unknownKeyWithSuggestion() {
    ConfigProblem p = only(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags: {}
            platfroms: [linux/amd64]
        """);
    at(p, 9, 5, "mappings[0].platfroms", "unknown key `platfroms`; did you mean `platforms`?");
  }

  @Test
  void unknownKeyFarFromAnyListsTheKeys() {
    ConfigProblem p = only(HEAD + "mappings: []\nbogus: 1\n");
    at(p, 5, 1, "bogus", "unknown key `bogus` (expected one of global, registries");
  }

  @Test
  void wrongTypes() {
    List<ConfigProblem> p = problems(HEAD + """
        global:
          max_concurrent_transfers: many
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags: {glob: 1.25, latest: -1}
        """);
    assertThat(p).hasSize(3);
    at(p.get(0), 5, 29, "global.max_concurrent_transfers", "expected a whole number, got a string");
    at(p.get(1), 10, 18, "mappings[0].tags.glob", "expected a string or a list of strings, got a number");
    at(p.get(2), 10, 32, "mappings[0].tags.latest", "mappings[0].tags.latest must be >= 0");
  }

  @Test
  void duplicateKey() {
    ConfigProblem p = only(HEAD + """
        mappings:
          - from: a
            from: b
            source: hub
            targets: mirror
            tags: {}
        """);
    at(p, 6, 5, "", "duplicate key `from` (first at line 5)");
  }

  @Test
  void unknownAliases() {
    List<ConfigProblem> p = problems(HEAD + """
        target_groups:
          prod: [mirror, mirorr]
        mappings:
          - from: a
            source: hubb
            targets: prd
            tags: {}
        """);
    assertThat(p).hasSize(3);
    at(p.get(0), 5, 18, "target_groups.prod[1]", "target group 'prod' references unknown registry 'mirorr'; "
        + "did you mean `mirror`?");
    at(p.get(1), 8, 13, "mappings[0].source", "mapping 'a' references unknown registry 'hubb'; did you mean `hub`?");
    at(p.get(2), 9, 14, "mappings[0].targets", "mapping 'a' references unknown target group or registry 'prd'; "
        + "did you mean `prod`?");
  }

  @Test
  void defaultsAreCheckedOnceNotPerMapping() {
    List<ConfigProblem> p = problems(HEAD + """
        defaults: {source: hubb, targets: [mirror, nope], tags: {}}
        mappings:
          - {from: a}
          - {from: b}
        """);
    assertThat(p).extracting(ConfigProblem::toString).containsExactly(
        "c.yaml:4:20: defaults.source: defaults references unknown registry 'hubb'; did you mean `hub`?",
        "c.yaml:4:44: defaults.targets[1]: defaults references unknown registry 'nope'");
  }

  @Test
  void mappingWithoutSourceOrTags() {
    List<ConfigProblem> p = problems(HEAD + """
        mappings:
          - from: a
            targets: mirror
        """);
    assertThat(p).hasSize(2);
    at(p.get(0), 5, 5, "mappings[0].source", "mapping 'a': no source registry (set mapping.source or defaults.source)");
    at(p.get(1), 5, 5, "mappings[0].tags", "mapping 'a' is missing a tags block (and no defaults.tags is set)");
  }

  @Test
  void badGlobSemverAndPlatform() {
    List<ConfigProblem> p = problems(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags:
              glob: ["v1.*", "[oops"]
              semver: ">=1.0-rc1"
            platforms: [linux/amd64, linux]
        """);
    assertThat(p).hasSize(3);
    at(p.get(0), 9, 22, "mappings[0].tags.glob[1]", "invalid glob pattern \"[oops\"");
    at(p.get(1), 10, 15, "mappings[0].tags.semver", "invalid version range '>=1.0-rc1'");
    at(p.get(2), 11, 30, "mappings[0].platforms[1]", "invalid platform 'linux' (expected os/arch or os/arch/variant)");
  }

  @Test
  void badDurationAndSize() {
    List<ConfigProblem> p = problems(HEAD + """
        global:
          cache_ttl: 12 hours
          staging_size_limit: 2GiB
        mappings: []
        """);
    assertThat(p).hasSize(2);
    at(p.get(0), 5, 14, "global.cache_ttl",
        "global.cache_ttl '12 hours' is not a valid duration (e.g. \"12h\", \"30m\", \"0\")");
    at(p.get(1), 6, 23, "global.staging_size_limit",
        "global.staging_size_limit '2GiB' is not a valid size (e.g. \"2GB\", \"500MB\", \"0\")");
  }

  @Test
  void requireArtifactsWithArtifactsDisabled() {
    ConfigProblem p = only(HEAD + """
        defaults:
          artifacts:
            enabled: false
            require_artifacts: true
        mappings: []
        """);
    at(p, 7, 5, "defaults.artifacts.require_artifacts", "defaults: require_artifacts is true but artifacts.enabled "
        + "is false (cannot require artifacts while disabling their transfer)");
  }

  @Test
  void helmIsASourceButNeverATarget() {
    List<ConfigProblem> p = problems(HEAD + """
          charts: {type: helm, url: "https://charts.jetstack.io"}
        mappings:
          - {from: cert-manager, source: charts, targets: mirror, tags: {}}
          - {from: x, source: hub, targets: charts, tags: {}}
        """);
    assertThat(p).hasSize(1);
    at(p.get(0), 7, 37, "mappings[1].targets", "target 'charts' is a classic Helm repository (type helm), which is "
        + "read-only and cannot be a target");
  }

  @Test
  void aChartNameHasNoSlashAndMustDoAsARepositoryWithoutTo() {
    List<ConfigProblem> p = problems(HEAD + """
          charts: {type: helm, url: "https://charts.example.com/stable"}
        mappings:
          - {from: stable/nginx, source: charts, targets: mirror, tags: {}}
          - {from: MyChart, source: charts, targets: mirror, tags: {}}
          - {from: MyChart, to: charts/mychart, source: charts, targets: mirror, tags: {}}
        """);
    assertThat(p).hasSize(2);
    at(p.get(0), 6, 12, "mappings[0].from", "'stable/nginx' is not a chart name");
    at(p.get(1), 7, 12, "mappings[1].from", "chart 'MyChart' is not a valid repository name");
    assertThat(p.get(1).message()).contains("set `to`");
  }

  @Test
  void helmOnlyKeysAreCheckedAgainstTheType() {
    List<ConfigProblem> p = problems("""
        registries:
          charts: {type: helm, url: "https://charts.example.com", head_first: true, pass_credentials: true}
          mirror: {url: "http://127.0.0.1:5000", allow_missing_digest: true}
        mappings: []
        """);
    assertThat(p).hasSize(2);
    at(p.get(0), 2, 59, "registries.charts.head_first", "`head_first` does not apply to type helm");
    at(p.get(1), 3, 42, "registries.mirror.allow_missing_digest", "`allow_missing_digest` applies only to type helm");
  }

  @Test
  void latestWithoutSortIsCheckedAfterMerging() {
    ConfigProblem p = only(HEAD + """
        defaults:
          tags: {semver: ">=1"}
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags:
              latest: 3
        """);
    at(p, 11, 7, "mappings[0].tags.latest", "mapping 'a': tags.latest requires tags.sort to be set (in the "
        + "mapping's tags or in defaults.tags)");
  }

  @Test
  void removedSemverPrerelease() {
    ConfigProblem p = only(HEAD + """
        mappings:
          - from: a
            source: hub
            targets: mirror
            tags:
              semver_prerelease: include
        """);
    at(p, 9, 7, "mappings[0].tags.semver_prerelease", "tags.semver_prerelease has been removed. For the previous "
        + "'exclude' default (the common case), simply delete this field;");
  }

  @Test
  void registryRules() {
    List<ConfigProblem> p = problems("""
        registries:
          a: {url: "https://host/with/path"}
          b: {auth_type: basic, url: b.example}
          c: {url: c.example, auth_type: ecr}
          d: {type: oci-layout}
          e: {url: e.example, auth_type: basci}
          f: {url: f.example, aws_profile: prod}
        mappings: []
        """);
    assertThat(p).extracting(ConfigProblem::toString).containsExactly(
        "c.yaml:2:12: registries.a.url: invalid registry \"https://host/with/path\": expected host[:port] or an "
            + "http(s) URL without a path",
        "c.yaml:3:18: registries.b.credentials: registries.b: auth_type 'basic' requires 'credentials' with "
            + "'username' and 'password'",
        "c.yaml:4:34: registries.c.auth_type: registries.c: auth_type 'ecr' needs a credential provider for 'ecr', "
            + "and none is installed (put an implementation of dev.ocync.config.AuthTypeProvider for 'ecr' on the "
            + "class or module path)",
        "c.yaml:5:6: registries.d.path: registries.d: type oci-layout requires `path`",
        "c.yaml:6:34: registries.e.auth_type: unknown auth_type 'basci' (expected one of anonymous, basic, "
            + "static_token, token, docker_config, ghcr, ecr, gar, gcr, acr); did you mean `basic`?",
        "c.yaml:7:36: registries.f.aws_profile: registries.f: aws_profile requires explicit 'auth_type: ecr'");
  }

  @Test
  void allProblemsAtOnceOnePerLine() {
    assertThatThrownBy(() -> OcyncConfig.parse(HEAD + """
        mappings:
          - {from: a, source: nope, targets: mirror, tags: {}}
          - {from: b, source: hub, targets: mirror, tags: {sort: newest}}
        """, "c.yaml", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("2 problems in the configuration:\n"
            + "c.yaml:5:23: mappings[0].source: mapping 'a' references unknown registry 'nope'\n"
            + "c.yaml:6:58: mappings[1].tags.sort: unknown sort 'newest' (expected one of semver, alpha)");
  }

  @Test
  void platformsMustBeANonEmptyList() {
    List<ConfigProblem> p = problems(HEAD + """
        defaults:
          platforms: all
        mappings:
          - {from: a, source: hub, targets: mirror, tags: {}, platforms: []}
        """);
    assertThat(p).hasSize(2);
    at(p.get(0), 5, 14, "defaults.platforms", "expected a list of platforms (os/arch or os/arch/variant), got 'all'; "
        + "omit `platforms` to keep every platform");
    at(p.get(1), 7, 66, "mappings[0].platforms", "platforms list must not be empty");
  }

  @Test
  void mappingsAreRequiredAndMustBeAList() {
    at(only(HEAD), 1, 1, "mappings", "`mappings` is required (a list of mappings)");
    at(only(HEAD + "mappings: {from: a}\n"), 4, 11, "mappings", "expected a list of mappings, got a mapping");
    at(only(""), 0, 0, "", "the configuration is empty; `mappings` is required");
  }

  @Test
  void duplicateKeyInJson() {
    List<ConfigProblem> p;
    try {
      OcyncConfig.parse("{\"mappings\": [],\n \"mappings\": []}", "c.json", Map.of()).close();
      throw new AssertionError("expected a problem");
    } catch (ConfigException e) {
      p = e.problems();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertThat(p).singleElement().hasToString("c.json:2:2: duplicate key `mappings` (first at line 1)");
  }

  @Test
  void syntaxErrorHasAPosition() {
    ConfigProblem p = only("mappings: [\n  - a\n");
    assertThat(p.line()).isPositive();
    assertThat(p.message()).startsWith("not valid YAML: ");
  }
}
