package dev.ocync;

import dev.ocync.auth.CredentialProvider;
import dev.ocync.internal.engine.Copier;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Copies images, indexes and artifacts between endpoints, verifying every byte. Everything a run
 * needs hangs off its {@code Syncer}: two of them in one JVM never interfere. Thread-safe; close it
 * when done to release the registries it opened.
 *
 * <pre>{@code
 * try (Syncer syncer = Syncer.builder().credentials(CredentialProvider.defaults()).build()) {
 *   CopyResult r = syncer.copy("oci:./image:1.0", "oci-archive:/tmp/image.tar:1.0");
 *   System.out.println(r);
 * }
 * }</pre>
 */
public final class Syncer implements Closeable {
  private final CredentialProvider credentials;
  private final Map<String, Registry> registries;
  private final int concurrency;
  private final Copier copier;

  private Syncer(Builder b) {
    this.credentials = b.credentials;
    this.registries = Map.copyOf(b.registries);
    this.concurrency = b.concurrency;
    this.copier = new Copier(this);
  }

  /** A builder with anonymous credentials and default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Copies one image by tag or digest between two locations, with every child of an index. Blobs
   * and child manifests already at the target are skipped; if the target tag already names the
   * same manifest nothing is done and the result says {@link CopyResult#unchanged() unchanged}.
   *
   * <p>Locations, as skopeo spells them: {@code oci:DIR[:TAG]} or {@code oci:DIR@sha256:...}
   * (layout directory), {@code oci-archive:FILE[:TAG]} (layout tar), or a registry reference,
   * optionally prefixed {@code docker://} ({@code ghcr.io/org/app:1.0},
   * {@code 127.0.0.1:5000/app@sha256:...}). For layouts, the tag is what follows the last
   * {@code :} when that is a valid tag without {@code /}. A source layout without a tag must hold
   * exactly one tag; a registry source without one means {@code latest}. A target without a tag
   * gets the source's tag, or none (stored by digest) when the source was given by digest alone; a
   * target cannot name a digest.
   *
   * <p>Registries configured with {@link Builder#registry} are used for their host; others are
   * opened on demand with {@link #credentials()} and kept until {@link #close()}. Layouts and
   * archives are opened for this copy and closed after it (closing an archive writes it).
   *
   * @throws IllegalArgumentException if a location does not parse (naming it and the accepted
   *     forms), or a source layout without a tag holds no or several tags
   * @throws dev.ocync.spi.RegistryException if the copy fails, naming source, target and
   *     reference; no manifest of the failed copy is left at the target
   */
  public CopyResult copy(String source, String target) throws IOException {
    return CopyResult.of(
        copier.copy(Objects.requireNonNull(source, "source"), Objects.requireNonNull(target, "target")));
  }

  /**
   * Copies the manifest {@code reference} (a tag or digest) from {@code source} to {@code target},
   * tagging it {@code tag} there, or storing it by digest only when {@code tag} is empty. The
   * repositories stay open; the caller closes them.
   *
   * @throws IllegalArgumentException if {@code reference} is neither a tag nor a digest, or
   *     {@code tag} is not a valid tag
   * @throws dev.ocync.spi.RegistryException if the copy fails; see {@link #copy(String, String)}
   */
  public CopyResult copy(Repository source, String reference, Repository target, Optional<String> tag)
      throws IOException {
    return CopyResult.of(copier.copy(Objects.requireNonNull(source, "source"),
        Objects.requireNonNull(reference, "reference"), Objects.requireNonNull(target, "target"),
        Objects.requireNonNull(tag, "tag")));
  }

  /** Where credentials come from for registries this syncer opens itself. */
  public CredentialProvider credentials() {
    return credentials;
  }

  /** Registries configured explicitly, by host; others are opened on demand with default settings. */
  public Map<String, Registry> registries() {
    return registries;
  }

  /** How many blobs (and child manifests) move at once, on threads this syncer owns. */
  public int concurrency() {
    return concurrency;
  }

  /**
   * Waits for running copies, stops the syncer's threads and closes the registries it opened
   * itself (not the ones handed to the builder). A closed syncer refuses to copy.
   */
  @Override
  public void close() throws IOException {
    copier.close();
  }

  /** Builds a {@link Syncer}. Setters validate eagerly. */
  public static final class Builder {
    private CredentialProvider credentials = CredentialProvider.anonymous();
    private final Map<String, Registry> registries = new LinkedHashMap<>();
    private int concurrency = 4;

    private Builder() {}

    /** Credentials for registries opened on demand; anonymous by default. */
    public Builder credentials(CredentialProvider provider) {
      this.credentials = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Use this registry (its TLS, auth, timeouts) for references to its host. */
    public Builder registry(Registry registry) {
      Objects.requireNonNull(registry, "registry");
      registries.put(registry.host(), registry);
      return this;
    }

    /** How many blobs move at once, 1 to 64; 4 by default. */
    public Builder concurrency(int n) {
      if (n < 1 || n > 64) {
        throw new IllegalArgumentException("concurrency must be 1 to 64, got " + n);
      }
      this.concurrency = n;
      return this;
    }

    /** Builds the syncer. */
    public Syncer build() {
      return new Syncer(this);
    }
  }

  @Override
  public String toString() {
    List<String> hosts = new ArrayList<>(registries.keySet());
    return "Syncer{registries=" + hosts + ", concurrency=" + concurrency + "}";
  }
}
