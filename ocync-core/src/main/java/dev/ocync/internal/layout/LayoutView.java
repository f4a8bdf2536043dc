package dev.ocync.internal.layout;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.Reference;
import dev.ocync.spi.DigestMismatchException;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A layout as a {@link Repository}: the whole layout with plain tags (as {@code skopeo copy}
 * writes a single-repository layout), or one repository of a bundle, whose tags are the
 * {@code ref.name} values {@code <repository>:<tag>}.
 */
public final class LayoutView implements Repository {
  private final LayoutBase base;
  private final Optional<String> repository;
  private final boolean ownsBase;

  LayoutView(LayoutBase base, Optional<String> repository, boolean ownsBase) {
    this.base = base;
    this.repository = repository;
    this.ownsBase = ownsBase;
  }

  /** The repository of a bundle this view shows; empty for a plain layout. */
  Optional<String> repository() {
    return repository;
  }

  /** Whether this is one repository of a bundle (which has sibling repositories). */
  public boolean bundled() {
    return repository.isPresent();
  }

  /** The repository of the bundle this view shows. @throws IllegalStateException for a plain layout */
  public String bundleRepository() {
    return repository.orElseThrow(() -> new IllegalStateException(location() + " holds one repository"));
  }

  /**
   * Another repository of the same bundle, for content that goes beside this one (the images a
   * chart names).
   *
   * @throws IllegalStateException for a plain layout, which holds one repository
   * @throws IllegalArgumentException if {@code name} is not a repository path
   */
  public Repository sibling(String name) {
    if (repository.isEmpty()) {
      throw new IllegalStateException(location() + " holds one repository");
    }
    if (!LayoutBundle.isRepositoryName(name)) {
      throw new IllegalArgumentException("invalid repository name \"" + name + "\" for " + base.location());
    }
    return new LayoutView(base, Optional.of(name), false);
  }

  private String refName(String tag) {
    return repository.map(r -> r + ":" + tag).orElse(tag);
  }

  @Override
  public String location() {
    return base.location() + repository.map(r -> ":" + r).orElse("");
  }

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    Objects.requireNonNull(reference, "reference");
    return named(() -> base.reader().resolve(Digest.isDigest(reference) ? reference : refName(reference)));
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    Objects.requireNonNull(reference, "reference");
    return named(() -> base.reader().fetchManifest(Digest.isDigest(reference) ? reference : refName(reference),
        reference, this::listTags));
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(tag, "tag");
    if (tag.isPresent()) {
      String t = tag.get();
      boolean valid = repository.isPresent() ? Reference.isTag(t) : !t.isBlank() && !Digest.isDigest(t);
      if (!valid) {
        throw new IllegalArgumentException("invalid tag \"" + t + "\" for " + location() + ": "
            + (repository.isPresent() ? "a tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"
                : "a tag must be non-blank and not a digest"));
      }
    }
    named(() -> {
      base.pushManifest(manifest, tag.map(this::refName));
      return null;
    });
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    Objects.requireNonNull(blob, "blob");
    return named(() -> base.reader().hasBlob(blob));
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    Objects.requireNonNull(blob, "blob");
    return named(() -> base.reader().openBlob(blob.digest()));
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    Objects.requireNonNull(blob, "blob");
    Objects.requireNonNull(content, "content");
    named(() -> {
      base.pushBlob(blob, content);
      return null;
    });
  }

  @Override
  public List<String> listTags() throws IOException {
    List<String> names = named(() -> base.reader().refNames());
    if (repository.isEmpty()) {
      return names;
    }
    String prefix = repository.get() + ":";
    List<String> tags = new ArrayList<>();
    for (String n : names) {
      if (n.startsWith(prefix) && Reference.isTag(n.substring(prefix.length()))) {
        tags.add(n.substring(prefix.length()));
      }
    }
    return tags;
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(artifactType, "artifactType");
    return named(() -> base.reader().listReferrers(subject, artifactType, refName(LayoutReader.fallbackTag(subject))));
  }

  /**
   * Closes the layout when this view opened it; a repository view of a bundle does nothing here
   * (the bundle is closed once, and writes an archive then).
   */
  @Override
  public void close() throws IOException {
    if (ownsBase) {
      base.close();
    }
  }

  private interface LayoutCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}; for a repository of a bundle, a failure names the repository as well as the
   * layout, which alone does not say which of its repositories was asked.
   */
  private <T> T named(LayoutCall<T> call) throws IOException {
    try {
      return call.call();
    } catch (RegistryException e) {
      if (repository.isEmpty() || e.repository().isPresent()) {
        throw e;
      }
      RegistryException.Context c = e.context().repository(repository.get());
      if (e.getClass() == NotFoundException.class) {
        throw new NotFoundException(e.reason(), c, e);
      } else if (e.getClass() == DigestMismatchException.class) {
        DigestMismatchException d = (DigestMismatchException) e;
        DigestMismatchException named = new DigestMismatchException(e.reason(), c, d.expected(), d.actual());
        named.addSuppressed(e); // its constructor takes no cause
        throw named;
      } else if (e.getClass() == RegistryException.class) {
        throw new RegistryException(e.reason(), c, e);
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return location();
  }
}
