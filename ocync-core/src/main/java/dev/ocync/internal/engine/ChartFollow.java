package dev.ocync.internal.engine;

import dev.ocync.ImageFollow;
import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.internal.helm.ChartTools;
import dev.ocync.internal.layout.LayoutView;
import dev.ocync.oci.Descriptor;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Manifest;
import dev.ocync.oci.Reference;
import dev.ocync.spi.RegistryException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images of the Helm charts a mapping mirrors, for mappings that follow them: for each chart
 * version, once its copies are done, the chart layer is read once (verified against its
 * descriptor), its images are discovered, and each is mirrored to every target where the chart
 * arrived, under the mapping's {@link ImageFollow} rule; then, when asked, the relocated chart is
 * pushed. An image several charts name is copied once per target for the whole run.
 */
final class ChartFollow {
  private static final Logger LOG = LoggerFactory.getLogger(ChartFollow.class);

  /**
   * One followed image at one target: its copy and every chart version that named it, by the
   * order the chart versions were planned, so the report does not depend on which finished first.
   */
  private static final class Followed {
    final String target;
    final CompletableFuture<ImageTask.Outcome> outcome;
    private final java.util.TreeMap<Integer, String> charts = new java.util.TreeMap<>();
    /** Where the report lists it: the first (chart version, image, target) that named it. */
    private long[] first;

    Followed(String target, CompletableFuture<ImageTask.Outcome> outcome) {
      this.target = target;
      this.outcome = outcome;
    }

    synchronized void namedBy(int chart, String shown, int image, int targetIndex) {
      charts.put(chart, shown);
      long[] at = {chart, image, targetIndex};
      if (first == null || java.util.Arrays.compare(at, first) < 0) {
        first = at;
      }
    }

    synchronized List<String> charts() {
      return List.copyOf(charts.values());
    }

    synchronized long[] first() {
      return first;
    }
  }

  /** What one mapping followed, in the order its chart versions were planned. */
  private static final class PerMapping {
    final Queue<CompletableFuture<Optional<SyncReport.ChartReport>>> charts = new ConcurrentLinkedQueue<>();
    final Queue<Followed> images = new ConcurrentLinkedQueue<>();
  }

  private final Run run;
  /** Chart versions in the order they were planned, for a report that does not depend on timing. */
  private final java.util.concurrent.atomic.AtomicInteger planned = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<List<Object>, Followed> followed = new ConcurrentHashMap<>();
  private final Map<List<Object>, CompletableFuture<byte[]>> archives = new ConcurrentHashMap<>();
  private final Map<Mapping, PerMapping> mappings = java.util.Collections.synchronizedMap(new IdentityHashMap<>());

  ChartFollow(Run run) {
    this.run = run;
  }

  /**
   * Follows the images of chart version {@code tag} once its copies to {@code targets} (one
   * outcome each, in the same order) are done. The future completes when the followed images and
   * relocations have, and never fails.
   */
  CompletableFuture<Void> chartVersion(Mapping m, Side src, String tag, List<Side> targets,
      List<CompletableFuture<ImageTask.Outcome>> copies) {
    PerMapping pm = mappings.computeIfAbsent(m, k -> new PerMapping());
    int chartIndex = planned.getAndIncrement();
    java.util.concurrent.atomic.AtomicReference<ImageResult> arrivedOnce = new java.util.concurrent.atomic.AtomicReference<>();
    CompletableFuture<Optional<SyncReport.ChartReport>> report = CompletableFuture
        .allOf(copies.toArray(CompletableFuture[]::new))
        .thenCompose(v -> {
          Map<Side, Mapping.Endpoint> arrived = new LinkedHashMap<>();
          String shown = null;
          for (int i = 0; i < targets.size(); i++) {
            ImageResult r = copies.get(i).join().result();
            shown = r.source();
            if (r.status() == ImageResult.Status.SYNCED || r.status() == ImageResult.Status.SKIPPED) {
              arrived.put(targets.get(i), m.targets().get(i));
              arrivedOnce.compareAndSet(null, r);
            }
          }
          if (arrived.isEmpty()) {
            // a chart version that failed everywhere: its images are not followed
            return CompletableFuture.completedFuture(Optional.<SyncReport.ChartReport>empty());
          }
          return follow(m, pm, chartIndex, src, tag, shown, arrived);
        })
        .exceptionally(e -> {
          // the chart arrived but its manifest could not be read again: say so beside the chart
          ImageResult chart = arrivedOnce.get();
          if (chart == null || chart.sourceDigest().isEmpty()) {
            LOG.warn("following the images of {}:{} failed: {}", src.name(), tag, Retry.unwrap(e).toString());
            return Optional.empty();
          }
          return Optional.of(new SyncReport.ChartReport(chart.source(), chart.sourceDigest().get(), List.of(),
              List.of(), List.of("following its images failed: " + Retry.unwrap(e).getMessage())));
        });
    pm.charts.add(report);
    return report.thenApply(r -> null);
  }

  private CompletableFuture<Optional<SyncReport.ChartReport>> follow(Mapping m, PerMapping pm, int chartIndex,
      Side src, String tag, String shown, Map<Side, Mapping.Endpoint> targets) {
    ImageFollow rule = m.imageFollow().orElseThrow();
    return run.resolveSource(src, tag)
        .thenCompose(d -> run.sourceManifest(src, d, "manifest " + tag))
        .thenCompose(manifest -> {
          if (!ChartTools.isChart(manifest)) {
            return CompletableFuture.completedFuture(Optional.<SyncReport.ChartReport>empty());
          }
          List<String> problems = new ArrayList<>();
          Optional<Descriptor> layer = ChartTools.chartLayer(manifest);
          if (layer.isEmpty()) {
            problems.add("the chart artifact has no chart content layer");
          } else if (layer.get().size() > ChartTools.MAX_CHART_BYTES) {
            problems.add("the chart content layer is " + layer.get().size() + " bytes, more than the "
                + ChartTools.MAX_CHART_BYTES + " a chart may have");
          }
          if (!problems.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of(new SyncReport.ChartReport(shown,
                manifest.digest(), List.of(), List.of(), problems)));
          }
          return archive(src, layer.get()).thenCompose(tgz -> followImages(m, rule, pm, chartIndex, src, tag, shown,
              targets, manifest, tgz)).exceptionally(e -> Optional.of(new SyncReport.ChartReport(shown, manifest.digest(),
                  List.of(), List.of(), List.of("reading the chart archive failed: " + Retry.unwrap(e).getMessage()))));
        });
  }

  private CompletableFuture<Optional<SyncReport.ChartReport>> followImages(Mapping m, ImageFollow rule,
      PerMapping pm, int chartIndex, Side src, String tag, String shown, Map<Side, Mapping.Endpoint> targets, Manifest chart,
      byte[] tgz) {
    List<ChartTools.FoundImage> found;
    Optional<String> appVersion;
    try {
      found = ChartTools.discover(tgz);
      appVersion = ChartTools.appVersion(tgz).filter(Reference::isTag);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(Optional.of(new SyncReport.ChartReport(shown, chart.digest(),
          List.of(), List.of(), List.of("the chart archive is refused: " + e.getMessage()))));
    }
    List<SyncReport.ChartImage> images = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    // per target: discovered reference -> its copy there
    Map<Side, Map<String, Followed>> perTarget = new LinkedHashMap<>();
    targets.keySet().forEach(t -> perTarget.put(t, new LinkedHashMap<>()));
    for (ChartTools.FoundImage f : found) {
      Optional<String> followedAs = Optional.empty();
      Optional<String> why = Optional.empty();
      if (!namesTagOrDigest(f.reference())) {
        // the chart's own values only: a vendored subchart renders with its own appVersion
        boolean own = f.foundIn().stream().anyMatch(w -> !w.startsWith("charts/"));
        if (own && appVersion.isPresent()) {
          followedAs = Optional.of(f.reference() + ":" + appVersion.get());
        } else {
          why = Optional.of(own ? "names no tag or digest, and the chart has no appVersion usable as a tag"
              : "names no tag or digest; its subchart's templates choose one");
        }
      }
      images.add(new SyncReport.ChartImage(f.reference(), f.foundIn(), followedAs, why));
      if (why.isPresent()) {
        continue;
      }
      Reference ref = Reference.parse(followedAs.orElse(f.reference()));
      int targetIndex = 0;
      for (Map.Entry<Side, Mapping.Endpoint> t : targets.entrySet()) {
        targetIndex++;
        try {
          Side target = imageTarget(t.getKey(), t.getValue(), rule.targetRepository(chartPath(t.getKey()),
              f.reference()));
          Followed copy = followed.computeIfAbsent(List.of(target.name(), ref.toString()), k -> {
            Followed n = new Followed(target.name(), copy(m, ref, target));
            pm.images.add(n);
            run.track(n.outcome);
            return n;
          });
          copy.namedBy(chartIndex, shown, images.size(), targetIndex);
          perTarget.get(t.getKey()).put(f.reference(), copy);
        } catch (RuntimeException e) {
          problems.add(f.reference() + " cannot be followed to " + t.getKey().name() + ": " + e.getMessage());
        }
      }
    }
    List<CompletableFuture<Optional<SyncReport.Relocation>>> relocations = new ArrayList<>();
    if (rule.relocate()) {
      for (Map.Entry<Side, Mapping.Endpoint> t : targets.entrySet()) {
        relocations.add(relocate(rule, t.getKey(), t.getValue(), tag, chart, tgz, perTarget.get(t.getKey()),
            problems));
      }
    }
    List<CompletableFuture<?>> waits = new ArrayList<>(relocations);
    perTarget.values().forEach(byRef -> byRef.values().forEach(c -> waits.add(c.outcome)));
    return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).handle((v, e) -> {
      List<SyncReport.Relocation> done = new ArrayList<>();
      for (CompletableFuture<Optional<SyncReport.Relocation>> r : relocations) {
        r.join().ifPresent(done::add);
      }
      synchronized (problems) {
        return Optional.of(new SyncReport.ChartReport(shown, chart.digest(), images, done, problems));
      }
    });
  }

  /** Whether a reference as written names a tag or a digest (else parsing would make it {@code latest}). */
  static boolean namesTagOrDigest(String written) {
    return written.contains("@") || namesTag(written);
  }

  /** Whether a reference as written names a tag: a colon in its last path segment, before any digest. */
  static boolean namesTag(String written) {
    int at = written.indexOf('@');
    String name = at < 0 ? written : written.substring(0, at);
    return name.substring(name.lastIndexOf('/') + 1).contains(":");
  }

  /**
   * One image to one target: the exact tag or digest the chart names; a tag with a digest is
   * copied by the digest and tagged, once the source's tag is seen to name that digest.
   */
  private CompletableFuture<ImageTask.Outcome> copy(Mapping m, Reference ref, Side target) {
    Side source = run.side(Mapping.Endpoint.of(ref.registry(), ref.repository()));
    Optional<String> tag = ref.tag();
    String reference = ref.digest().map(Digest::toString).orElseGet(() -> tag.orElseThrow());
    ImageTask task = new ImageTask(run, source, reference, target, tag, m.platformFilter(), m.artifactPolicy(),
        true, false);
    if (ref.digest().isEmpty() || tag.isEmpty()) {
      return run.submit(task);
    }
    Digest pinned = ref.digest().get();
    return run.resolveSource(source, tag.get()).handle((d, e) -> {
      if (e == null && d.digest().equals(pinned)) {
        return run.submit(task);
      }
      String why = e != null ? "looking up its tag failed: " + Retry.unwrap(e).getMessage()
          : "the tag " + tag.get() + " names " + d.digest() + ", not the digest the chart pins";
      RegistryException error = new RegistryException(ref + ": " + why,
          RegistryException.Context.of(source.repo().location()).reference(tag.get()));
      ImageResult r = new ImageResult(ref.toString(), target.name() + ":" + tag.get(), tag,
          ImageResult.Status.FAILED, Optional.empty(),
          Optional.of(new ImageResult.Failure(ImageResult.Stage.MANIFEST_PULL, error)), Optional.empty(),
          Optional.empty(), Optional.empty(), true, 0, 0, 0, 0, 0, 0, Duration.ZERO);
      run.listener().imageStarted(r.source(), r.target());
      run.listener().imageFinished(r);
      return CompletableFuture.completedFuture(new ImageTask.Outcome(r, "", false, 0, List.of(),
          Optional.of(error)));
    }).thenCompose(f -> f);
  }

  /** The chart's repository path at a target: a registry path, or the repository of a bundle. */
  private static String chartPath(Side t) {
    if (t.path().isPresent()) {
      return t.path().get();
    }
    if (t.repo() instanceof LayoutView v && v.bundled()) {
      return v.bundleRepository();
    }
    throw new IllegalArgumentException(t.name() + " holds a single repository");
  }

  /** The repository {@code path} beside the chart's target: on the same registry, or in the same bundle. */
  private Side imageTarget(Side chartTarget, Mapping.Endpoint endpoint, String path) {
    if (chartTarget.path().isPresent()) {
      return run.side(beside(endpoint, path));
    }
    return run.side(Mapping.Endpoint.of(((LayoutView) chartTarget.repo()).sibling(path)));
  }

  /** Repository {@code path} on the registry of {@code endpoint}, with the same registry settings. */
  private static Mapping.Endpoint beside(Mapping.Endpoint endpoint, String path) {
    return endpoint.registry().map(r -> Mapping.Endpoint.of(r, path))
        .orElseGet(() -> Mapping.Endpoint.of(endpoint.host().orElseThrow(), path));
  }

  /**
   * The chart layer's bytes, read once per run and source, verified against the descriptor:
   * through the run's staging file of that blob (shared with the chart's own copies to several
   * registries), or from the source when it does not fit the staging limit.
   */
  private CompletableFuture<byte[]> archive(Side src, Descriptor layer) {
    return archives.computeIfAbsent(List.of(src.repo(), layer.digest()), k -> run.staged(src, layer)
        .exceptionally(e -> Optional.empty())
        .thenCompose(staged -> run.retried("reading chart layer " + layer.digest() + " from " + src.name(), () -> {
          // a staged file was verified as it was written; the source's stream is verified here
          try (InputStream raw = staged.isPresent() ? java.nio.file.Files.newInputStream(staged.get())
                  : src.repo().openBlob(layer);
              VerifyingInputStream in = new VerifyingInputStream(raw, layer, src.repo().location())) {
            byte[] bytes = in.readNBytes((int) layer.size() + 1);
            in.verifyConsumed();
            return bytes;
          }
        })));
  }

  /**
   * The relocated chart at one target, once every image it names there arrived: its values name
   * the mirrored references. Empty (with a problem) when an image did not arrive or the chart
   * cannot be relocated; empty without one for a bundle, which has no registry host to name.
   */
  private CompletableFuture<Optional<SyncReport.Relocation>> relocate(ImageFollow rule, Side target,
      Mapping.Endpoint endpoint, String tag, Manifest chart, byte[] tgz, Map<String, Followed> copies, List<String> problems) {
    if (target.path().isEmpty()) {
      LOG.warn("{}: relocation needs a registry target; a bundle has no registry host for values.yaml to name",
          target.name());
      return CompletableFuture.completedFuture(Optional.empty());
    }
    List<CompletableFuture<ImageTask.Outcome>> outcomes = new ArrayList<>();
    copies.values().forEach(c -> outcomes.add(c.outcome));
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      Map<String, String> mirrors = new LinkedHashMap<>();
      for (Map.Entry<String, Followed> e : copies.entrySet()) {
        ImageResult r = e.getValue().outcome.join().result();
        if (r.status() != ImageResult.Status.SYNCED && r.status() != ImageResult.Status.SKIPPED) {
          synchronized (problems) {
            problems.add("not relocated for " + target.name() + ": " + e.getKey() + " did not arrive there");
          }
          return CompletableFuture.completedFuture(Optional.<SyncReport.Relocation>empty());
        }
        mirrors.put(e.getKey(), mirrored(e.getKey(), e.getValue().target, r));
      }
      ChartTools.Relocated relocated;
      Side dest;
      try {
        relocated = ChartTools.relocate(tgz, mirrors, chart);
        dest = run.side(beside(endpoint, rule.relocatedRepository(target.path().get())));
      } catch (IllegalArgumentException e) {
        synchronized (problems) {
          problems.add("not relocated for " + target.name() + ": " + e.getMessage());
        }
        return CompletableFuture.completedFuture(Optional.<SyncReport.Relocation>empty());
      }
      List<SyncReport.Rewrite> rewrites = new ArrayList<>();
      relocated.rewrites().forEach(w -> rewrites.add(new SyncReport.Rewrite(w.file(), w.line(), w.from(), w.to())));
      SyncReport.Relocation result = new SyncReport.Relocation(dest.name() + ":" + tag, chart.digest(),
          relocated.manifest().digest(), rewrites);
      if (run.dryRun()) {
        return CompletableFuture.completedFuture(Optional.of(result));
      }
      return run.retried("pushing the relocated chart to " + dest.name() + ":" + tag, () -> {
        push(dest, relocated, tag);
        return Optional.of(result);
      }).exceptionally(e -> {
        synchronized (problems) {
          problems.add("pushing the relocated chart to " + dest.name() + ":" + tag + " failed: "
              + Retry.unwrap(e).getMessage());
        }
        return Optional.empty();
      });
    });
  }

  /** The mirrored reference: the target repository with the tag and digest where the chart wrote them. */
  private static String mirrored(String written, String repository, ImageResult r) {
    Reference ref = Reference.parse(written);
    StringBuilder sb = new StringBuilder(repository);
    if (namesTag(written)) {
      ref.tag().ifPresent(t -> sb.append(':').append(t));
    }
    if (ref.digest().isPresent()) {
      sb.append('@').append(r.targetDigest().orElse(ref.digest().get()));
    }
    return sb.toString();
  }

  /** Blobs first, then the manifest with its tag; what is already there is left alone. */
  private static void push(Side dest, ChartTools.Relocated relocated, String tag) throws IOException {
    Manifest m = relocated.manifest();
    Optional<Descriptor> there = dest.repo().resolve(tag);
    if (there.isPresent() && there.get().digest().equals(m.digest())) {
      return;
    }
    Descriptor config = m.config().orElseThrow();
    if (!dest.repo().hasBlob(config)) {
      dest.repo().pushBlob(config, new ByteArrayInputStream(relocated.config()));
    }
    for (Descriptor layer : m.layers()) {
      if (!dest.repo().hasBlob(layer)) {
        dest.repo().pushBlob(layer, new ByteArrayInputStream(relocated.archive()));
      }
    }
    dest.repo().pushManifest(m, Optional.of(tag));
  }

  /** The chart reports of {@code m}, in plan order (after the run settled). */
  List<SyncReport.ChartReport> reports(Mapping m) {
    PerMapping pm = mappings.get(m);
    List<SyncReport.ChartReport> out = new ArrayList<>();
    if (pm != null) {
      pm.charts.forEach(f -> f.getNow(Optional.empty()).ifPresent(out::add));
    }
    return out;
  }

  /** The followed images of {@code m}, each naming the chart versions that brought it (after the run settled). */
  List<ImageResult> images(Mapping m) {
    PerMapping pm = mappings.get(m);
    List<ImageResult> out = new ArrayList<>();
    if (pm != null) {
      List<Followed> sorted = new ArrayList<>(pm.images);
      sorted.sort((a, b) -> java.util.Arrays.compare(a.first(), b.first()));
      for (Followed f : sorted) {
        out.add(f.outcome.join().result().withCharts(f.charts()));
      }
    }
    return out;
  }
}
