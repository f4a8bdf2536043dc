package dev.ocync.internal.layout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.internal.json.Json;
import dev.ocync.oci.Digest;
import dev.ocync.spi.RegistryException;
import java.io.IOException;
import java.io.InputStream;

/** Names and rules of the OCI image layout (image-spec {@code image-layout.md}). */
final class LayoutFormat {
  private LayoutFormat() {}

  static final String OCI_LAYOUT = "oci-layout";
  static final String INDEX = "index.json";
  static final String BLOBS = "blobs";
  /** The annotation that carries the tag of an {@code index.json} entry. */
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  /** What ocync writes into {@code oci-layout}. */
  static final byte[] OCI_LAYOUT_CONTENT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  /** Prefix of temporary files ocync writes inside a layout; never part of the layout. */
  static final String TEMP_PREFIX = ".ocync-";
  /** The file writers lock while they create the layout or rewrite index.json; not layout content. */
  static final String LOCK = TEMP_PREFIX + "index.lock";
  /**
   * Manifests are small (registries cap them at a few MiB); anything larger is not read into
   * memory as a manifest.
   */
  static final int MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
  /** {@code oci-layout} and {@code index.json} beyond this are not plausible. */
  static final int MAX_INDEX_BYTES = 64 * 1024 * 1024;


  /**
   * Leftovers of ocync's own naming (a temporary blob file, a staging directory nobody locks) older
   * than this are taken to be from an interrupted run and removed. A live writer touches its
   * temporary file with every write, so an hour without one means the writer is gone.
   */
  static final java.time.Duration STALE_AGE = java.time.Duration.ofHours(1);

  /**
   * Whether a layer is foreign (non-distributable): it has URLs, or a Docker foreign or OCI
   * non-distributable media type. The copy engine skips such a layer when its source lacks it
   * (as skopeo does), so a layout must not require it either. Same rule as the engine's.
   */
  static boolean isForeign(dev.ocync.oci.Descriptor blob) {
    String mt = blob.mediaType();
    return !blob.urls().isEmpty() || dev.ocync.oci.MediaType.DOCKER_FOREIGN_LAYER.equals(mt)
        || mt.startsWith("application/vnd.oci.image.layer.nondistributable.");
  }

  /** {@code blobs/<alg>/<hex>}; safe because a parsed digest is only lowercase hex. */
  static String blobPath(Digest digest) {
    return BLOBS + "/" + digest.algorithm().id() + "/" + digest.encoded();
  }

  /**
   * Checks the content of {@code oci-layout}: a JSON object whose {@code imageLayoutVersion} is
   * 1.x. Version 1.0.0 is the only one published; a later 1.x stays compatible by semver.
   */
  static void checkOciLayout(byte[] content, String location) throws RegistryException {
    JsonNode node;
    try {
      node = Json.read(content);
    } catch (JsonProcessingException e) {
      throw new RegistryException("oci-layout is not valid JSON: " + e.getOriginalMessage(),
          RegistryException.Context.of(location), e);
    } catch (IOException e) {
      throw new RegistryException("oci-layout could not be read: " + e.getMessage(),
          RegistryException.Context.of(location), e);
    }
    JsonNode version = node == null ? null : node.get("imageLayoutVersion");
    if (version == null || !version.isTextual()) {
      throw new RegistryException("oci-layout has no imageLayoutVersion", RegistryException.Context.of(location));
    }
    if (!version.asText().startsWith("1.")) {
      throw new RegistryException("oci-layout has imageLayoutVersion \"" + version.asText()
          + "\", which ocync does not support (expected 1.x, for example 1.0.0)", RegistryException.Context.of(location));
    }
  }

  /**
   * A failure to write a layout, naming it, the path and what is wrong in words: the JDK's message
   * for some of these is only the path ("/srv/file" for a file in the way of a directory).
   */
  static RegistryException writeFailure(java.nio.file.FileSystemException e, String location) {
    String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
        : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
        : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists (a file where a directory is needed?)"
        : e instanceof java.nio.file.NotDirectoryException ? "not a directory"
        : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    String path = e.getFile() == null ? "" : e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile())
        + ": ";
    return new RegistryException("cannot write the layout: " + path + why, RegistryException.Context.of(location),
        e);
  }

  /** Reads at most {@code max} bytes, failing if there are more. */
  static byte[] readLimited(InputStream in, int max, String what, String location) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    if (bytes.length > max) {
      throw new RegistryException(what + " is larger than " + max + " bytes", RegistryException.Context.of(location));
    }
    return bytes;
  }
}
