package dev.ocync.internal.helm;

import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.spi.NotFoundException;
import dev.ocync.spi.RegistryException;
import dev.ocync.spi.RegistryException.Context;
import dev.ocync.spi.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * One chart of a classic repository as a read-only OCI repository: tags are the chart's versions
 * ({@code +} as {@code _}), manifests the artifacts {@code helm push} would write, blobs the Helm
 * config, the untouched archive and its provenance file.
 */
final class ChartRepository implements Repository {
  private final ChartSource source;
  private final String chart;

  ChartRepository(ChartSource source, String chart) {
    this.source = source;
    this.chart = chart;
  }

  ChartSource source() {
    return source;
  }

  @Override
  public String location() {
    return source.settings().shown() + " chart " + chart;
  }

  private Context context(String reference) {
    return Context.of(source.settings().shown()).repository(chart).reference(reference);
  }

  @Override
  public Optional<Descriptor> resolve(String reference) throws IOException {
    return find(reference).map(l -> l.artifact().manifest().descriptor());
  }

  /** The loaded version a tag or manifest digest names; a version that fails verification throws. */
  private Optional<ChartSource.Loaded> find(String reference) throws IOException {
    if (Digest.isDigest(reference)) {
      Digest d = Digest.parse(reference);
      Optional<ChartSource.Loaded> known = source.loaded(chart, d);
      if (known.isPresent()) {
        return known;
      }
      // the digest of a version not presented yet: every version must be loaded to know
      for (ChartIndex.Entry e : source.versions(chart)) {
        ChartSource.Loaded l = source.load(e);
        if (l.artifact().manifest().digest().equals(d)) {
          return Optional.of(l);
        }
      }
      return Optional.empty();
    }
    Optional<ChartIndex.Entry> e = source.entry(chart, reference);
    return e.isEmpty() ? Optional.empty() : Optional.of(source.load(e.get()));
  }

  @Override
  public Manifest fetchManifest(String reference) throws IOException {
    return find(reference).map(l -> l.artifact().manifest()).orElseThrow(() -> new NotFoundException(
        "chart " + chart + " has no version with tag or digest " + reference + " in index.yaml", context(reference)));
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return bytes(blob).isPresent();
  }

  private Optional<byte[]> bytes(Descriptor blob) throws IOException {
    Optional<byte[]> b = source.blob(blob.digest());
    if (b.isPresent()) {
      return b;
    }
    // a chart layer asked for before its manifest: the index digest names the version
    for (ChartIndex.Entry e : source.versions(chart)) {
      if (e.digest().map(d -> blob.digest().encoded().equalsIgnoreCase(d.replaceFirst("^sha256:", ""))).orElse(false)) {
        source.load(e);
        return source.blob(blob.digest());
      }
    }
    return Optional.empty();
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return new ByteArrayInputStream(bytes(blob).orElseThrow(() -> new NotFoundException(
        "chart " + chart + " has no blob " + blob.digest(), context(blob.digest().toString()))));
  }

  private RegistryException readOnly(String what) {
    return new RegistryException("cannot " + what + ": a classic Helm chart repository is read-only", context(chart));
  }

  @Override
  public void pushManifest(Manifest manifest, Optional<String> tag) throws IOException {
    throw readOnly("push a manifest");
  }

  @Override
  public void pushBlob(Descriptor blob, InputStream content) throws IOException {
    throw readOnly("push a blob");
  }

  @Override
  public boolean mountBlob(Descriptor blob, Repository from) throws IOException {
    throw readOnly("mount a blob");
  }

  @Override
  public List<String> listTags() throws IOException {
    return source.tags(chart);
  }

  @Override
  public List<Descriptor> listReferrers(Digest subject, Optional<String> artifactType) {
    return List.of();
  }

  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public String toString() {
    return "ChartRepository{" + location() + "}";
  }
}
