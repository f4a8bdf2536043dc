package dev.ocync.it;

import dev.ocync.Mapping;
import dev.ocync.PlatformFilter;
import dev.ocync.Registry;
import dev.ocync.TagSelector;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.MediaType;
import dev.ocync.oci.Platform;
import dev.ocync.spi.Repository;
import dev.ocync.testing.RegistryServer;
import dev.ocync.testing.Skopeo;
import dev.ocync.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The content of {@link EndToEndIT}, and its mappings (also for {@link EndToEndMain} in a child
 * process): four repositories under one prefix.
 *
 * <ul>
 *   <li>{@code app}: a buildx-style index (amd64, arm64, an attestation manifest for each, top-level
 *       annotations) tagged {@code v1.0}, {@code v1.1}, {@code v2.0-rc1}, {@code dev}; mirrored with
 *       {@code glob: v*} (the rc falls to the built-in soft exclude) and {@code platforms: linux/amd64};
 *   <li>{@code tool}: three images {@code 1.0}, {@code 1.1}, {@code 2.0}, mirrored with {@code semver: >=1.1};
 *   <li>{@code signed}: a two-platform index {@code stable} with a signature, and an SBOM with a
 *       signature of its own, kept in {@code sha256-<hex>} tag-schema indexes (distribution 2.8
 *       has no referrers API);
 *   <li>{@code bulk}: four 3 MiB images, so a run takes long enough to be killed midway.
 * </ul>
 */
final class EndToEndCorpus {
  static final String SIGNATURE = "application/vnd.example.signature";
  static final String SBOM = "application/spdx+json";
  static final List<String> BULK_TAGS = List.of("b1", "b2", "b3", "b4");

  final TestImages.Image amd64 = TestImages.ociImage(801, Platform.parse("linux/amd64"), 2, 4096);
  final TestImages.Image arm64 = TestImages.ociImage(802, Platform.parse("linux/arm64/v8"), 2, 4096);
  final TestImages.Image amd64Attestation = attestation(803);
  final TestImages.Image arm64Attestation = attestation(804);
  final TestImages.Image app = buildxIndex();
  final List<TestImages.Image> tools = List.of(TestImages.ociImage(811, Platform.parse("linux/amd64"), 1, 2048),
      TestImages.ociImage(812, Platform.parse("linux/amd64"), 1, 2048),
      TestImages.dockerImage(813, Platform.parse("linux/amd64"), 2, 2048));
  final TestImages.Image signed = TestImages.multiArch(821, 2048);
  final TestImages.Image signature = TestImages.referrer(822, signed.manifest().descriptor(), SIGNATURE);
  final TestImages.Image sbom = TestImages.referrer(823, signed.manifest().descriptor(), SBOM);
  final TestImages.Image sbomSignature = TestImages.referrer(824, sbom.manifest().descriptor(), SIGNATURE);
  final Manifest signedReferrers = ReferrersIT.referrersIndex(signature.manifest(), sbom.manifest());
  final Manifest sbomReferrers = ReferrersIT.referrersIndex(sbomSignature.manifest());
  final List<TestImages.Image> bulk = new ArrayList<>();

  EndToEndCorpus() {
    for (int i = 0; i < BULK_TAGS.size(); i++) {
      bulk.add(TestImages.ociImage(830 + i, Platform.parse("linux/amd64"), 3, 1 << 20));
    }
  }

  /** The mappings from {@code src}/{@code from}/... to {@code dst}/{@code to}/..., one per repository. */
  static List<Mapping> mappings(String src, String from, String dst, String to) {
    return List.of(
        Mapping.builder().source(src, from + "/app").target(dst, to + "/app")
            .tags(TagSelector.builder().glob("v*").build()).platforms(PlatformFilter.of("linux/amd64")).build(),
        Mapping.builder().source(src, from + "/tool").target(dst, to + "/tool")
            .tags(TagSelector.builder().semver(">=1.1").build()).build(),
        Mapping.builder().source(src, from + "/signed").target(dst, to + "/signed").tags("stable").build(),
        Mapping.builder().source(src, from + "/bulk").target(dst, to + "/bulk")
            .tags(BULK_TAGS.toArray(String[]::new)).build());
  }

  /** Seeds the source with skopeo (images) and plain pushes of the referrers and their tag-schema indexes. */
  void seed(RegistryServer upstream, String prefix) throws IOException {
    Seed.registry(app, upstream, prefix + "/app", "v1.0");
    List<String> both = new ArrayList<>(Skopeo.srcFlags(upstream));
    both.addAll(Skopeo.destFlags(upstream));
    for (String tag : List.of("v1.1", "v2.0-rc1", "dev")) {
      Skopeo.copyAll(Skopeo.docker(upstream, prefix + "/app:v1.0"), Skopeo.docker(upstream, prefix + "/app:" + tag),
          both);
    }
    List<String> toolTags = List.of("1.0", "1.1", "2.0");
    for (int i = 0; i < tools.size(); i++) {
      Seed.registry(tools.get(i), upstream, prefix + "/tool", toolTags.get(i));
    }
    Seed.registry(signed, upstream, prefix + "/signed", "stable");
    try (Registry registry = Registry.of(upstream.host())) {
      Repository repo = registry.repository(prefix + "/signed");
      for (TestImages.Image r : List.of(signature, sbom, sbomSignature)) {
        r.pushTo(repo, Optional.empty());
      }
      repo.pushManifest(signedReferrers, Optional.of("sha256-" + signed.manifest().digest().encoded()));
      repo.pushManifest(sbomReferrers, Optional.of("sha256-" + sbom.manifest().digest().encoded()));
    }
    for (int i = 0; i < bulk.size(); i++) {
      Seed.registry(bulk.get(i), upstream, prefix + "/bulk", BULK_TAGS.get(i));
    }
  }

  /** A buildx attestation manifest: an empty-ish config and one in-toto layer. */
  private static TestImages.Image attestation(long seed) {
    TestImages.Blob config = TestImages.blob(MediaType.OCI_CONFIG, ("{\"architecture\":\"unknown\",\"os\":\"unknown\","
        + "\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"seed\":" + seed + "}")
        .getBytes(StandardCharsets.UTF_8));
    TestImages.Blob statement = TestImages.blob("application/vnd.in-toto+json",
        ("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8));
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"config\":"
        + TestImages.descriptorJson(config.descriptor(), Optional.empty()) + ",\"layers\":["
        + TestImages.descriptorJson(statement.descriptor(), Optional.empty()).replaceFirst("}$",
            ",\"annotations\":{\"in-toto.io/predicate-type\":\"https://slsa.dev/provenance/v0.2\"}}")
        + "]}";
    return new TestImages.Image(Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_MANIFEST),
        List.of(config, statement), List.of());
  }

  /** The index as buildx writes it: images, then an attestation per image naming it, and annotations. */
  private TestImages.Image buildxIndex() {
    String json = "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"" + MediaType.OCI_INDEX + "\",\n  \"manifests\": [\n"
        + "    " + entry(amd64.manifest().descriptor(), "{\"architecture\":\"amd64\",\"os\":\"linux\"}", "") + ",\n"
        + "    " + entry(arm64.manifest().descriptor(),
            "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}", "") + ",\n"
        + "    " + entry(amd64Attestation.manifest().descriptor(), "{\"architecture\":\"unknown\",\"os\":\"unknown\"}",
            attestationOf(amd64.manifest().descriptor())) + ",\n"
        + "    " + entry(arm64Attestation.manifest().descriptor(), "{\"architecture\":\"unknown\",\"os\":\"unknown\"}",
            attestationOf(arm64.manifest().descriptor())) + "\n"
        + "  ],\n  \"annotations\": {\"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\"}\n}\n";
    return new TestImages.Image(Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaType.OCI_INDEX), List.of(),
        List.of(amd64, arm64, amd64Attestation, arm64Attestation));
  }

  private static String entry(Descriptor d, String platform, String annotations) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size()
        + ",\"platform\":" + platform + annotations + "}";
  }

  private static String attestationOf(Descriptor subject) {
    return ",\"annotations\":{\"vnd.docker.reference.digest\":\"" + subject.digest()
        + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"}";
  }
}
