package dev.ocync.internal.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ocync.ImageResult;
import dev.ocync.SyncReport;
import dev.ocync.SyncStats;
import dev.ocync.TagSelector;
import dev.ocync.internal.json.Json;

/**
 * A {@link SyncReport} as JSON, field by field in a fixed order, so the shape is what
 * {@code dev/ocync/sync-report.schema.json} says and does not move with the Java classes. Absent
 * values are left out rather than written as null.
 */
public final class ReportJson {
  /** The version of the shape; raised only for incompatible changes. */
  public static final int SCHEMA_VERSION = 1;

  private ReportJson() {}

  /** The report as pretty-printed JSON. */
  public static String write(SyncReport report) {
    ObjectNode root = Json.object();
    root.put("schemaVersion", SCHEMA_VERSION);
    root.put("startedAt", report.started().toString());
    root.put("durationMillis", report.duration().toMillis());
    root.put("dryRun", report.dryRun());
    root.put("cancelled", report.cancelled());
    root.put("succeeded", report.succeeded());
    stats(root.putObject("stats"), report.stats());
    ArrayNode mappings = root.putArray("mappings");
    for (SyncReport.MappingReport m : report.mappings()) {
      ObjectNode n = mappings.addObject();
      n.put("source", m.source());
      m.targets().forEach(n.putArray("targets")::add);
      m.listed().ifPresent(l -> n.put("tagsListed", l.size()));
      m.kept().forEach(n.putArray("kept")::add);
      ArrayNode dropped = n.putArray("dropped");
      for (TagSelector.Dropped d : m.dropped()) {
        dropped.addObject().put("tag", d.tag()).put("reason", d.reason().name());
      }
      ArrayNode problems = n.putArray("problems");
      for (SyncReport.Problem p : m.problems()) {
        ObjectNode pn = problems.addObject().put("kind", p.kind().name()).put("message", p.message());
        p.registry().ifPresent(r -> pn.put("registry", r));
        p.httpStatus().ifPresent(st -> pn.put("httpStatus", st));
        pn.put("authentication", p.authentication());
      }
    }
    ArrayNode images = root.putArray("images");
    for (ImageResult r : report.images()) {
      ObjectNode n = images.addObject();
      n.put("source", r.source());
      n.put("target", r.target());
      r.tag().ifPresent(t -> n.put("tag", t));
      n.put("status", r.status().name());
      r.skipReason().ifPresent(s -> n.put("skipReason", s.name()));
      r.failure().ifPresent(f -> {
        ObjectNode fn = n.putObject("failure");
        fn.put("stage", f.stage().name());
        fn.put("message", f.message());
        fn.put("registry", f.registry());
        f.httpStatus().ifPresent(s -> fn.put("httpStatus", s));
        f.error().errorCode().ifPresent(c -> fn.put("errorCode", c));
        fn.put("authentication", f.authentication());
      });
      r.sourceDigest().ifPresent(d -> n.put("sourceDigest", d.toString()));
      r.targetDigest().ifPresent(d -> n.put("targetDigest", d.toString()));
      n.put("filtered", r.filtered());
      r.replacedDigest().ifPresent(d -> n.put("replacedDigest", d.toString()));
      n.put("started", r.started());
      n.put("bytes", r.bytes());
      n.put("blobsCopied", r.blobsCopied());
      n.put("blobsSkipped", r.blobsSkipped());
      n.put("blobsMounted", r.blobsMounted());
      n.put("manifestsCopied", r.manifestsCopied());
      n.put("referrersCopied", r.referrersCopied());
      n.put("durationMillis", r.duration().toMillis());
      if (!r.charts().isEmpty()) {
        r.charts().forEach(n.putArray("charts")::add);
      }
    }
    if (!report.charts().isEmpty()) {
      charts(root.putArray("charts"), report.charts());
    }
    return Json.pretty(root);
  }

  private static void charts(ArrayNode out, java.util.List<SyncReport.ChartReport> charts) {
    for (SyncReport.ChartReport c : charts) {
      ObjectNode n = out.addObject();
      n.put("chart", c.chart());
      n.put("digest", c.digest().toString());
      ArrayNode images = n.putArray("images");
      for (SyncReport.ChartImage i : c.images()) {
        ObjectNode in = images.addObject();
        in.put("reference", i.reference());
        i.foundIn().forEach(in.putArray("foundIn")::add);
        i.followedAs().ifPresent(w -> in.put("followedAs", w));
        i.notFollowed().ifPresent(w -> in.put("notFollowed", w));
      }
      ArrayNode relocations = n.putArray("relocations");
      for (SyncReport.Relocation r : c.relocations()) {
        ObjectNode rn = relocations.addObject();
        rn.put("target", r.target());
        rn.put("originalDigest", r.originalDigest().toString());
        rn.put("relocatedDigest", r.relocatedDigest().toString());
        ArrayNode rewrites = rn.putArray("rewrites");
        for (SyncReport.Rewrite w : r.rewrites()) {
          rewrites.addObject().put("file", w.file()).put("line", w.line()).put("from", w.from()).put("to", w.to());
        }
      }
      c.problems().forEach(n.putArray("problems")::add);
    }
  }

  private static void stats(ObjectNode n, SyncStats s) {
    n.put("images", s.images());
    n.put("synced", s.synced());
    n.put("skipped", s.skipped());
    n.put("failed", s.failed());
    n.put("cancelled", s.cancelled());
    n.put("bytes", s.bytes());
    n.put("blobsCopied", s.blobsCopied());
    n.put("blobsSkipped", s.blobsSkipped());
    n.put("blobsMounted", s.blobsMounted());
    n.put("manifestsCopied", s.manifestsCopied());
    n.put("referrersCopied", s.referrersCopied());
  }
}
