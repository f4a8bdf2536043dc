package dev.ocync.internal.config;

import java.util.List;
import java.util.Map;

/**
 * The keys each section of the configuration accepts. The binder checks input against these
 * lists, and a test checks the shipped JSON Schema against them, so neither can drift.
 */
public final class Schema {
  private Schema() {}

  public static final List<String> ROOT = List.of("global", "registries", "target_groups", "defaults", "mappings");
  public static final List<String> GLOBAL =
      List.of("max_concurrent_transfers", "cache_dir", "cache_ttl", "staging_size_limit");
  public static final List<String> REGISTRY = List.of("url", "type", "path", "auth_type", "credentials", "token",
      "max_concurrent", "head_first", "aws_profile", "tls", "pass_credentials", "allow_missing_digest");
  public static final List<String> CREDENTIALS = List.of("username", "password");
  public static final List<String> TLS = List.of("ca_file", "client_cert", "client_key", "insecure_skip_verify");
  public static final List<String> DEFAULTS = List.of("source", "targets", "tags", "platforms", "artifacts", "images");
  public static final List<String> MAPPING = List.of("from", "to", "source", "targets", "tags", "platforms", "artifacts",
      "images");
  /** The map form of {@code images}: following with options. */
  public static final List<String> IMAGES = List.of("prefix", "keep_registry_host", "relocate", "relocated_repository");
  /** The short forms of {@code images}. */
  public static final List<String> IMAGE_MODES = List.of("follow", "none");
  /** {@code semver_prerelease} is accepted only to be refused with ocync's migration message. */
  public static final List<String> TAGS = List.of("glob", "semver", "include", "exclude", "sort", "latest",
      "min_tags", "immutable_tags", "semver_prerelease");
  public static final List<String> ARTIFACTS = List.of("enabled", "include", "exclude", "require_artifacts");

  public static final List<String> REGISTRY_TYPES = List.of("registry", "oci-layout", "oci-archive", "helm");
  public static final List<String> AUTH_TYPES = List.of("anonymous", "basic", "static_token", "token",
      "docker_config", "ghcr", "ecr", "gar", "gcr", "acr");
  /** Auth types whose credentials come from an {@code AuthTypeProvider}. */
  public static final List<String> CLOUD_AUTH_TYPES = List.of("ecr", "gar", "gcr", "acr");
  public static final List<String> SORTS = List.of("semver", "alpha");

  /** Section name (as the JSON Schema's {@code $defs} names it) to its keys. */
  public static final Map<String, List<String>> SECTIONS = Map.of(
      "root", ROOT, "global", GLOBAL, "registry", REGISTRY, "credentials", CREDENTIALS, "tls", TLS,
      "defaults", DEFAULTS, "mapping", MAPPING, "tags", TAGS, "artifacts", ARTIFACTS, "images", IMAGES);

  /** ocync's migration message for the removed {@code tags.semver_prerelease}, word for word. */
  public static final String SEMVER_PRERELEASE_REMOVED = "tags.semver_prerelease has been removed. "
      + "For the previous 'exclude' default (the common case), simply delete this field; "
      + "the system-exclude default drops *-rc*, *-alpha*, *-beta*, *-pre*, *-snapshot*, *-nightly* automatically. "
      + "For 'include' mode, replace this field with: include: [\"*-rc*\", \"*-alpha*\", \"*-beta*\", \"*-pre*\", "
      + "\"*-snapshot*\", \"*-nightly*\"]. "
      + "For 'only' mode, restrict via glob: e.g., glob: [\"*-rc*\", \"*-alpha*\", \"*-beta*\"] plus include: "
      + "with the same patterns.";
}
