package dev.ocync.spi;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A content-addressed view of one repository at one endpoint: a registry repository, an OCI
 * layout directory, an OCI layout archive, or anything a host application plugs in. The copy
 * engine only ever talks to this interface.
 *
 * <p>Contract for implementations:
 *
 * <ul>
 *   <li>Safe for concurrent use: the engine runs many transfers against one repository at once.
 *   <li>A missing tag, manifest or blob is {@link NotFoundException}, or an empty result where
 *       the method returns {@code Optional}/{@code boolean}.
 *   <li>{@link #pushBlob} and {@link #pushManifest} commit only content that matches its
 *       descriptor: exactly {@code size} bytes hashing to {@code digest}. If the content does not
 *       match, or reading it throws, nothing is committed and the failure propagates.
 *   <li>Manifests are stored byte for byte; they are never re-serialized.
 *   <li>Secrets never appear in messages or {@code toString}.
 * </ul>
 */
public interface Repository extends Closeable {

  /**
   * Where this repository lives, for messages and reports, for example
   * {@code 127.0.0.1:5000/library/nginx} or {@code oci:/srv/mirror}. Never contains secrets.
   */
  String location();

  /**
   * Resolves a tag or digest to the descriptor of the manifest it names, without fetching the
   * manifest where the endpoint allows it (a registry answers a HEAD request).
   *
   * @param reference a tag or a digest string
   * @return the manifest's media type, digest and size, or empty if there is no such manifest
   */
  Optional<Descriptor> resolve(String reference) throws IOException;

  /**
   * Fetches a manifest by tag or digest, verified against the digest when one was given.
   *
   * @throws NotFoundException if there is no such manifest
   */
  Manifest fetchManifest(String reference) throws IOException;

  /**
   * Stores a manifest, byte for byte. Every blob and child manifest it references must already be
   * present. With a tag, the tag then points at it; without, it is stored by digest only.
   */
  void pushManifest(Manifest manifest, Optional<String> tag) throws IOException;

  /** Whether the blob is present here. */
  boolean hasBlob(Descriptor blob) throws IOException;

  /**
   * Opens a blob for reading. The bytes are those stored; callers verify them against the
   * descriptor while they stream.
   *
   * @throws NotFoundException if the blob is not here
   */
  InputStream openBlob(Descriptor blob) throws IOException;

  /**
   * Stores a blob read from {@code content}, which the caller closes. Commits only if the content
   * is exactly {@code blob.size()} bytes hashing to {@code blob.digest()}.
   *
   * @throws DigestMismatchException if the content does not match the descriptor
   */
  void pushBlob(Descriptor blob, InputStream content) throws IOException;

  /**
   * Makes a blob that is present in {@code source} present here without moving its bytes, where
   * the endpoint can (a cross-repository mount on the same registry).
   *
   * @return true if the blob is now present here; false if a mount was not possible, in which
   *     case the caller uploads it
   */
  default boolean mountBlob(Descriptor blob, Repository source) throws IOException {
    return false;
  }

  /**
   * All tags, in the order the endpoint returns them, across every page.
   *
   * @throws NotFoundException if the repository does not exist, where the endpoint tells that
   *     apart from one without tags: a registry knows a repository only once a manifest was pushed
   *     to it (distribution answers {@code NAME_UNKNOWN}, blobs or not), a layout once it was
   *     written; others answer an empty list
   */
  List<String> listTags() throws IOException;

  /**
   * Manifests whose {@code subject} is {@code subject}: signatures, SBOMs, attestations.
   *
   * @param artifactType only referrers of this artifact type, or all when empty
   */
  List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException;

  /**
   * Whether this endpoint keeps the referrers index itself: a manifest pushed here with a
   * {@code subject} is then listed by {@link #listReferrers} of that subject with nothing more to
   * do (a registry with the OCI referrers API). When false, whoever pushes a referrer maintains the
   * tag-schema index, an OCI index tagged {@code <alg>-<hex>} of the subject's digest (OCI
   * distribution spec, "Referrers Tag Schema"), so that other tools find the referrer.
   *
   * <p>Endpoints that cannot tell answer false, which is always safe: the tag-schema index is then
   * written where it was not needed. A registry answers from what it has shown (the
   * {@code OCI-Subject} header on a manifest push, or its referrers endpoint), asking it once if
   * nothing has; ask after something was pushed to the repository, because a repository that does
   * not exist yet cannot tell.
   */
  default boolean keepsReferrersIndex() throws IOException {
    return false;
  }

  /**
   * Whether this endpoint only serves content: its push and mount methods always fail. A
   * classic Helm chart repository is one; a copy must not name it as a target.
   */
  default boolean readOnly() {
    return false;
  }

  /** Releases what the repository holds; an archive being written is completed here. */
  @Override
  default void close() throws IOException {}
}
