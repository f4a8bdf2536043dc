package dev.ocync;

import dev.ocync.internal.engine.ReportJson;
import dev.ocync.internal.text.Decimals;
import dev.ocync.oci.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import dev.ocync.spi.RegistryException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything a {@link Syncer#run} did: one {@link ImageResult} per image and target, what each
 * mapping selected and any problem it had, and the totals. A run never throws for an endpoint's
 * failure; it is here. Immutable.
 *
 * <p>{@link #toJson()} writes a stable, documented shape, described by the JSON Schema
 * {@code dev/ocync/sync-report.schema.json} shipped in the jar and returned by {@link #jsonSchema()}.
 */
public final class SyncReport {
  private final Instant started;
  private final Duration duration;
  private final boolean dryRun;
  private final boolean cancelled;
  private final List<MappingReport> mappings;
  private final List<ImageResult> images;
  private final List<ChartReport> charts;
  private final SyncStats stats;

  /** What went wrong with a mapping as a whole (its images, if any, are in {@link SyncReport#images()}). */
  public enum ProblemKind {
    /** The source's tags could not be listed: no image of the mapping ran. */
    TAG_LISTING_FAILED,
    /** Fewer tags were kept than {@code min_tags}: no image of the mapping ran. */
    TOO_FEW_TAGS,
    /** The run was cancelled before this mapping's tags were chosen. */
    CANCELLED
  }

  /**
   * A problem of a mapping, with a message naming the source and the cause, and what is known of
   * that cause as data (so a caller tells a refused login from a broken registry without reading
   * the message).
   *
   * @param kind what went wrong
   * @param message names the source and the cause
   * @param registry the registry (or layout path) that failed, when the cause came from one
   * @param httpStatus the HTTP status of the failed response, when there was one
   * @param authentication whether the cause is an authentication or authorization failure: HTTP
   *     401 or 403 from the registry or its token service, or credentials that could not be looked
   *     up (a credential helper that failed)
   */
  public record Problem(ProblemKind kind, String message, Optional<String> registry, OptionalInt httpStatus,
      boolean authentication) {
    /** A problem; all are required. */
    public Problem {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(httpStatus, "httpStatus");
    }

    /** A problem with no registry failure behind it (too few tags, a cancel). */
    public Problem(ProblemKind kind, String message) {
      this(kind, message, Optional.empty(), OptionalInt.empty(), false);
    }

    /** A problem caused by {@code cause}: its registry, HTTP status and whether it is an authentication failure. */
    public static Problem of(ProblemKind kind, String message, RegistryException cause) {
      return new Problem(kind, message, Optional.of(cause.registry()), cause.status(),
          ImageResult.Failure.isAuthentication(cause));
    }
  }

  /**
   * What one mapping selected.
   *
   * @param source the source repository ({@code docker.io/library/nginx})
   * @param targets the target repositories
   * @param listed the tags the source listed, or empty when tags were given literally (no listing)
   * @param kept the tags mirrored, in mirror order
   * @param dropped the tags not mirrored, with the reason for each
   * @param problems what failed for the mapping as a whole
   */
  public record MappingReport(String source, List<String> targets, Optional<List<String>> listed,
      List<String> kept, List<TagSelector.Dropped> dropped, List<Problem> problems) {
    /** A mapping's report; the lists are copied. */
    public MappingReport {
      Objects.requireNonNull(source, "source");
      targets = List.copyOf(targets);
      listed = listed.map(List::copyOf);
      kept = List.copyOf(kept);
      dropped = List.copyOf(dropped);
      problems = List.copyOf(problems);
    }
  }

  /**
   * One Helm chart version a mapping that {@linkplain Mapping.Builder#followImages follows images}
   * mirrored: the images it names and, when relocation is on, the relocated chart at each target.
   *
   * @param chart the chart version at the source ({@code charts.example.com/cert-manager:v1.14.5})
   * @param digest the chart's manifest digest
   * @param images every image the chart names, in the order found
   * @param relocations the relocated chart pushed (or, in a dry run, that would be) at each target
   * @param problems what kept the chart's images or relocation from being done (an archive that
   *     does not load, a relocation refused); each makes the run not {@linkplain #succeeded() succeed}
   */
  public record ChartReport(String chart, Digest digest, List<ChartImage> images, List<Relocation> relocations,
      List<String> problems) {
    /** A chart's report; the lists are copied. */
    public ChartReport {
      Objects.requireNonNull(chart, "chart");
      Objects.requireNonNull(digest, "digest");
      images = List.copyOf(images);
      relocations = List.copyOf(relocations);
      problems = List.copyOf(problems);
    }
  }

  /**
   * An image a chart names.
   *
   * @param reference as the chart writes it ({@code quay.io/jetstack/cert-manager-controller:v1.14.5})
   * @param foundIn every place it was found ({@code values.yaml image.repository {registry, repository, tag}})
   * @param followedAs the reference mirrored, where it differs from the one written: an image the
   *     chart itself names without a tag or digest is followed with the chart's {@code appVersion}
   *     as its tag, as charts conventionally render it
   * @param notFollowed why it was not mirrored, when it was not (no tag, digest or usable
   *     {@code appVersion}); the images that were are in {@link SyncReport#images()}, naming this
   *     chart in {@link ImageResult#charts()}
   */
  public record ChartImage(String reference, List<String> foundIn, Optional<String> followedAs,
      Optional<String> notFollowed) {
    /** An image; the list is copied. */
    public ChartImage {
      Objects.requireNonNull(reference, "reference");
      foundIn = List.copyOf(foundIn);
      Objects.requireNonNull(followedAs, "followedAs");
      Objects.requireNonNull(notFollowed, "notFollowed");
    }
  }

  /**
   * A relocated chart: a second artifact whose {@code values.yaml} names the mirrored images.
   *
   * @param target where it was pushed ({@code registry.example.com/charts/relocated/cert-manager:v1.14.5})
   * @param originalDigest the untouched chart's manifest digest
   * @param relocatedDigest the relocated chart's manifest digest
   * @param rewrites every reference rewritten, in document order
   */
  public record Relocation(String target, Digest originalDigest, Digest relocatedDigest, List<Rewrite> rewrites) {
    /** A relocation; the list is copied. */
    public Relocation {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(originalDigest, "originalDigest");
      Objects.requireNonNull(relocatedDigest, "relocatedDigest");
      rewrites = List.copyOf(rewrites);
    }
  }

  /**
   * One image reference rewritten by relocation.
   *
   * @param file the chart file ({@code values.yaml}, {@code charts/sub-1.0.0.tgz/values.yaml})
   * @param line its 1-based line
   * @param from the reference before
   * @param to the reference after
   */
  public record Rewrite(String file, int line, String from, String to) {
    /** A rewrite; all are required. */
    public Rewrite {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /** A report; the engine builds these. */
  public SyncReport(Instant started, Duration duration, boolean dryRun, boolean cancelled,
      List<MappingReport> mappings, List<ImageResult> images) {
    this(started, duration, dryRun, cancelled, mappings, images, List.of());
  }

  /** A report with the Helm charts whose images were followed; the engine builds these. */
  public SyncReport(Instant started, Duration duration, boolean dryRun, boolean cancelled,
      List<MappingReport> mappings, List<ImageResult> images, List<ChartReport> charts) {
    this.charts = List.copyOf(charts);
    this.started = Objects.requireNonNull(started, "started");
    this.duration = Objects.requireNonNull(duration, "duration");
    this.dryRun = dryRun;
    this.cancelled = cancelled;
    this.mappings = List.copyOf(mappings);
    this.images = List.copyOf(images);
    SyncStats s = SyncStats.ZERO;
    for (ImageResult r : images) {
      s = s.plus(r.stats());
    }
    this.stats = s;
  }

  /** When the run started. */
  public Instant started() {
    return started;
  }

  /** Wall time of the run. */
  public Duration duration() {
    return duration;
  }

  /** Whether this was a dry run: nothing was written, counts say what would have moved. */
  public boolean dryRun() {
    return dryRun;
  }

  /** Whether the run was cancelled; images not finished are {@link ImageResult.Status#CANCELLED}. */
  public boolean cancelled() {
    return cancelled;
  }

  /** One report per mapping, in the order given. */
  public List<MappingReport> mappings() {
    return mappings;
  }

  /** One result per image and target, by mapping, tag and target in the order given. */
  public List<ImageResult> images() {
    return images;
  }

  /** The Helm chart versions whose images were followed, by mapping and tag in the order given. */
  public List<ChartReport> charts() {
    return charts;
  }

  /** The totals of {@link #images()}. */
  public SyncStats stats() {
    return stats;
  }

  /** Whether nothing failed: no failed image, no mapping problem, not cancelled. */
  public boolean succeeded() {
    return !cancelled && stats.failed() == 0 && stats.cancelled() == 0
        && mappings.stream().allMatch(m -> m.problems().isEmpty())
        && charts.stream().allMatch(c -> c.problems().isEmpty());
  }

  /** The report as JSON in the shape of {@code dev/ocync/sync-report.schema.json}, pretty-printed. */
  public String toJson() {
    return ReportJson.write(this);
  }

  /** The JSON Schema (draft 2020-12) of {@link #toJson()}. */
  public static String jsonSchema() {
    try (java.io.InputStream in = SyncReport.class.getResourceAsStream("sync-report.schema.json")) {
      if (in == null) {
        throw new IllegalStateException("sync-report.schema.json is missing from the ocync-core jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read sync-report.schema.json from the ocync-core jar", e);
    }
  }

  /** A few lines for humans: totals, then every failed image and mapping problem. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(dryRun ? "Dry run: " : "Sync: ").append(stats.synced())
        .append(dryRun ? " to transfer, " : " synced, ").append(stats.skipped()).append(" skipped, ")
        .append(stats.failed()).append(" failed");
    if (stats.cancelled() > 0 || cancelled) {
      sb.append(", ").append(stats.cancelled()).append(" cancelled");
    }
    sb.append("; ").append(stats.blobsCopied()).append(" blobs (").append(CopyResult.humanBytes(stats.bytes()))
        .append("), ").append(stats.blobsMounted()).append(" mounted, in ")
        .append(Decimals.oneDecimal(duration.toMillis() / 1000.0)).append(" s");
    for (MappingReport m : mappings) {
      for (Problem p : m.problems()) {
        sb.append("\n  ").append(p.kind()).append(' ').append(p.message());
      }
    }
    for (ImageResult r : images) {
      if (r.status() == ImageResult.Status.FAILED) {
        sb.append("\n  ").append(r);
      }
    }
    for (ChartReport c : charts) {
      for (String p : c.problems()) {
        sb.append("\n  CHART ").append(c.chart()).append(": ").append(p);
      }
    }
    return sb.toString();
  }
}
