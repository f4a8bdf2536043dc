package dev.ocync.internal.engine;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** A repository that forwards everything to another; tests override what they want to break or record. */
public class ForwardingRepository implements Repository {
  final Repository delegate;

  public ForwardingRepository(Repository delegate) {
    this.delegate = delegate;
  }

  @Override
  public String location() {
    return delegate.location();
  }

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    return delegate.resolve(reference);
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    return delegate.fetchManifest(reference);
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    delegate.pushManifest(manifest, tag);
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return delegate.hasBlob(blob);
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return delegate.openBlob(blob);
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    delegate.pushBlob(blob, content);
  }

  @Override
  public boolean mountBlob(Descriptor blob, Repository source) throws IOException {
    return delegate.mountBlob(blob, source);
  }

  @Override
  public List<String> listTags() throws IOException {
    return delegate.listTags();
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) throws IOException {
    return delegate.listReferrers(subject, artifactType);
  }

  @Override
  public boolean keepsReferrersIndex() throws IOException {
    return delegate.keepsReferrersIndex();
  }

  @Override
  public String toString() {
    return location();
  }
}
