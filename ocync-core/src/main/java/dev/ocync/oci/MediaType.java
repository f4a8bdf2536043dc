package dev.ocync.oci;

import java.util.List;

/**
 * Media types ocync knows by name. Unknown media types are carried through untouched; these
 * constants only decide how a manifest is walked.
 */
public final class MediaType {
  private MediaType() {}

  /** OCI image manifest. */
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  /** OCI image index. */
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  /** OCI image config. */
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  /** OCI uncompressed layer. */
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  /** OCI gzip layer. */
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  /** OCI zstd layer. */
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  /** OCI non-distributable layer (deprecated by the spec, still met in the wild). */
  public static final String OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  /** OCI non-distributable gzip layer. */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  /** OCI non-distributable zstd layer. */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
  /** The empty descriptor's media type ({@code {}}, two bytes). */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  /** Docker image manifest, schema 2. */
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  /** Docker manifest list. */
  public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  /** Docker image config. */
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  /** Docker gzip layer. */
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  /** Docker foreign layer (has {@code urls}, never pushed by Docker itself). */
  public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  /** Docker schema 1 manifest: not supported, its digest is not over its bytes. */
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  /** Signed Docker schema 1 manifest: not supported. */
  public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

  /** Helm chart config. */
  public static final String HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
  /** Helm chart content layer. */
  public static final String HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
  /** Helm provenance layer. */
  public static final String HELM_PROVENANCE = "application/vnd.cncf.helm.chart.provenance.v1.prov";

  /** The manifest types ocync reads, in the order sent in {@code Accept}. */
  public static final List<String> MANIFEST_TYPES =
      List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

  /** Whether {@code mediaType} names an index (OCI index or Docker manifest list). */
  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  /** Whether {@code mediaType} names a single-image manifest (OCI or Docker schema 2). */
  public static boolean isImageManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /** Whether {@code mediaType} is one of the four manifest types ocync copies. */
  public static boolean isManifest(String mediaType) {
    return isIndex(mediaType) || isImageManifest(mediaType);
  }

  /** Whether {@code mediaType} is a Docker schema 1 manifest. */
  public static boolean isSchema1(String mediaType) {
    return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
  }

  /** The media type without parameters ({@code ; charset=...}) and surrounding blanks, lowercased. */
  public static String essence(String contentType) {
    int semi = contentType.indexOf(';');
    String base = semi < 0 ? contentType : contentType.substring(0, semi);
    return base.trim().toLowerCase(java.util.Locale.ROOT);
  }
}
