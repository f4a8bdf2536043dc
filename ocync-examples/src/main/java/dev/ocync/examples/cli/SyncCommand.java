package dev.ocync.examples.cli;

import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.SyncRun;
import dev.ocync.Syncer;
import dev.ocync.TagSelector;
import dev.ocync.config.Endpoint;
import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** {@code ocync sync -c CONFIG}: every mapping of a config file, once. */
final class SyncCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("sync", new String[] {
      "Runs every mapping of an ocync config file once: lists and selects tags, skips what",
      "the targets already have, copies the rest byte for byte, verifying every digest.",
      "Progress and the summary go to stderr; --json - puts the report on stdout.",
      ""
    }, new String[] {
      "",
      "Exit codes: 0 all ok, 1 some images failed, 2 all failed (or a fatal error),",
      "3 config error (also min_tags not met), 4 authentication refused (the registry is named).",
      "SIGINT/SIGTERM: no new images start, images in flight may finish within --drain-timeout,",
      "then the rest is cancelled; the report and the cache are written, and the exit code says",
      "what was done.",
      "",
      "Example (no network): ocync sync -c examples/config/local-layouts.yaml"
    }, 90, false, new Cli.Option[] {
      Cli.Option.value(Cli.Type.PATH, "CONFIG", "The config file (YAML or JSON).", "-c", "--config").asRequired(),
      Cli.Option.flag("List and select tags and compare with the targets; write nothing.", "--dry-run"),
      Cli.Option.value(Cli.Type.STRING, "FILE|-", "Write the JSON report to FILE, or to stdout with -.", "--json"),
      Cli.Option.value(Cli.Type.STRING, "DURATION",
          "On SIGINT/SIGTERM, how long images in flight may go on before they are cancelled"
          + " (default: ${DEFAULT-VALUE}, inside Kubernetes' 30s grace period).", "--drain-timeout", "--drain")
          .withDefault("25s"),
      Cli.Option.value(Cli.Type.STRING, "I/N",
          "Run worker I's share (0-based) of N: images split by source repository and tag, disjoint"
          + " and covering. N alone takes I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).", "--shard"),
      Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG
    }, new Cli.Positional[0]);

  Path config;
  boolean dryRun;
  String json;
  String drain;
  String shard;

  SyncCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    config = p.path("--config");
    dryRun = p.flag("--dry-run");
    json = p.string("--json");
    drain = p.string("--drain-timeout");
    shard = p.string("--shard");
    verbosity = Verbosity.of(p);
  }

  @Override
  int call() throws IOException {
    Progress.Level level = verbosity.level();
    Duration drainDeadline = Durations.parse(drain, "--drain-timeout");
    Optional<Shard> worker;
    try {
      worker = Optional.ofNullable(shard).map(t -> Shard.parse(t, env()));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    PrintWriter err = err();
    Optional<OcyncConfig> loaded = ConfigFiles.load(config, env(), err, level);
    if (loaded.isEmpty()) {
      return Exit.CONFIG;
    }
    try (OcyncConfig cfg = loaded.get()) {
      List<Mapping> mappings;
      try {
        mappings = worker.isPresent() ? shardMappings(cfg, worker.get(), level, err) : cfg.coreMappings();
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        err.println("error: config " + config + ": " + e.getMessage());
        return Exit.CONFIG;
      }
      if (mappings.isEmpty()) {
        if (level != Progress.Level.QUIET) {
          err.println("summary: shard " + worker.orElseThrow() + " has no images of this config");
        }
        return Exit.OK;
      }
      Optional<SyncReport> report = run(cfg, mappings, level, drainDeadline, err);
      if (report.isEmpty()) {
        return Exit.ALL_FAILED;
      }
      return finish(cfg, report.get(), level, err);
    }
  }

  private List<Mapping> shardMappings(OcyncConfig cfg, Shard worker, Progress.Level level, PrintWriter err) {
    List<Mapping> out = new java.util.ArrayList<>();
    int total = 0;
    int mine = 0;
    for (Shard.Part p : worker.parts(cfg.mappings())) {
      p.mapping().ifPresent(out::add);
      total += p.total() * p.config().targets().size();
      mine += p.mine() * p.config().targets().size();
      if (dryRun && level != Progress.Level.QUIET) {
        err.println("shard " + worker + ": " + p.config().from() + ": " + p.mine() + " of " + p.total() + " tags");
      }
    }
    if (level != Progress.Level.QUIET) {
      err.println("shard " + worker + ": " + mine + " of " + total + " images");
    }
    return out;
  }

  private Optional<SyncReport> run(OcyncConfig cfg, List<Mapping> mappings, Progress.Level level, Duration deadline,
      PrintWriter err) throws IOException {
    boolean terminal = System.console() != null && parent.signals;
    try (Progress progress = new Progress(err, level, terminal, System::nanoTime).startTicking();
        Syncer syncer = cfg.syncerBuilder().dryRun(dryRun).listener(progress).build()) {
      SyncRun run = syncer.start(mappings);
      long[] stoppedAt = {0};
      try (StopSignals signals = StopSignals.install(parent.signals, () -> {
        stoppedAt[0] = System.nanoTime();
        err.println("stopping: no new images start; images in flight may finish within "
            + Human.duration(deadline) + ", then they are cancelled");
        err.flush();
        run.drain(deadline);
      })) {
        Optional<SyncReport> report = await(run, stoppedAt, deadline);
        if (report.isEmpty()) {
          err.println("error: the run did not stop within " + Human.duration(STOP_GRACE)
              + " of the drain deadline; no report was written");
          err.flush();
          Runtime.getRuntime().halt(Exit.ALL_FAILED); // closing the syncer would wait for them
        }
        return report;
      }
    }
  }

  /** After the drain deadline's cancel, how long the run may take to wind down before the process gives up. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(4);

  private static Optional<SyncReport> await(SyncRun run, long[] stoppedAt, Duration deadline) {
    CompletableFuture<SyncReport> f = run.completion().toCompletableFuture();
    while (true) {
      try {
        return Optional.of(f.get(200, TimeUnit.MILLISECONDS));
      } catch (TimeoutException e) {
        long at = stoppedAt[0];
        if (at != 0 && System.nanoTime() - at > deadline.plus(STOP_GRACE).toNanos()) {
          return Optional.empty();
        }
      } catch (InterruptedException e) {
        run.cancel();
        Thread.currentThread().interrupt();
        return Optional.of(run.await());
      } catch (ExecutionException e) {
        throw new IllegalStateException("the engine failed a run's report", e.getCause());
      }
    }
  }

  private int finish(OcyncConfig cfg, SyncReport report, Progress.Level level, PrintWriter err) throws IOException {
    if (json != null) {
      if (json.equals("-")) {
        PrintWriter out = out();
        out.println(report.toJson());
        out.flush();
      } else {
        Files.writeString(Path.of(json), report.toJson() + "\n", StandardCharsets.UTF_8);
      }
    }
    for (SyncReport.MappingReport m : report.mappings()) {
      if (dryRun && level != Progress.Level.QUIET) {
        dryRunLines(m, level == Progress.Level.VERBOSE).forEach(err::println);
      }
      for (SyncReport.Problem p : m.problems()) {
        if (Exit.isAuthentication(p)) {
          String host = p.registry().orElse(m.source());
          err.println("error: authentication refused by registry " + host + aliasOf(cfg, host) + ": " + p.message());
        } else {
          err.println("error: " + p.message());
        }
      }
    }
    for (SyncReport.ChartReport c : report.charts()) {
      if (dryRun && level != Progress.Level.QUIET) {
        chartLines(c).forEach(err::println);
      }
      c.problems().forEach(p -> err.println("error: chart " + c.chart() + ": " + p));
    }
    int code = Exit.of(report);
    if (code == Exit.AUTH && Exit.authProblem(report).isEmpty()) {
      String host = Exit.authRegistry(report).orElseThrow();
      err.println("error: authentication refused by registry " + host + aliasOf(cfg, host)
          + ": every image failed on it");
    }
    if (level != Progress.Level.QUIET) {
      err.println(summary(report));
    }
    err.flush();
    return code;
  }

  private static String aliasOf(OcyncConfig cfg, String host) {
    return cfg.registries().values().stream()
        .filter(e -> e.registry().map(r -> r.host().equals(host)).orElse(false))
        .map(Endpoint::alias).findFirst().map(a -> " (registries." + a + ")").orElse("");
  }

  /** The one-line summary: mappings, synced, skipped, failed, bytes, duration. */
  static String summary(SyncReport r) {
    var s = r.stats();
    String prefix = r.dryRun() ? "dry-run summary: " : "summary: ";
    return prefix + r.mappings().size() + (r.mappings().size() == 1 ? " mapping" : " mappings") + " | "
        + s.synced() + (r.dryRun() ? " to sync, " : " synced, ") + s.skipped() + " skipped, " + s.failed() + " failed"
        + (s.cancelled() > 0 ? ", " + s.cancelled() + " cancelled" : "")
        + " | " + Human.bytes(s.bytes()) + " in " + Human.duration(r.duration())
        + (r.cancelled() ? " (stopped early)" : "");
  }

  /** What a dry run says about one chart version: each image it names, where found, and where it would go. */
  static List<String> chartLines(SyncReport.ChartReport c) {
    List<String> out = new java.util.ArrayList<>();
    out.add("dry-run: chart " + c.chart() + " names " + c.images().size() + (c.images().size() == 1 ? " image"
        : " images"));
    for (SyncReport.ChartImage i : c.images()) {
      out.add("  " + i.reference() + i.followedAs().map(f -> " (as " + f + ")").orElse("") + "  in "
          + String.join("; ", i.foundIn()) + i.notFollowed().map(w -> "  not followed: " + w).orElse(""));
    }
    for (SyncReport.Relocation r : c.relocations()) {
      out.add("  relocated chart " + r.target() + " " + r.relocatedDigest() + ", " + r.rewrites().size()
          + " references rewritten");
    }
    return out;
  }

  /** What a dry run says about one mapping: the kept tags and the dropped ones by reason. */
  static List<String> dryRunLines(SyncReport.MappingReport m, boolean all) {
    List<String> out = new java.util.ArrayList<>();
    out.add("dry-run: " + m.source() + " -> " + String.join(", ", m.targets()));
    m.listed().ifPresent(l -> out.add("  source tags: " + l.size()));
    out.add("  kept (" + m.kept().size() + "): " + sample(m.kept(), all));
    if (!m.dropped().isEmpty()) {
      out.add("  dropped (" + m.dropped().size() + "):");
      Map<TagSelector.DropReason, List<String>> byReason = m.dropped().stream().collect(Collectors.groupingBy(
          TagSelector.Dropped::reason, java.util.TreeMap::new,
          Collectors.mapping(TagSelector.Dropped::tag, Collectors.toList())));
      byReason.forEach((reason, tags) -> out.add("    " + tags.size() + "  by "
          + reason.name().toLowerCase(Locale.ROOT).replace('_', ' ') + "  " + sample(tags, all)));
    }
    return out;
  }

  private static String sample(List<String> tags, boolean all) {
    int max = all ? Integer.MAX_VALUE : 5;
    String shown = tags.stream().limit(max).collect(Collectors.joining(", "));
    return tags.size() > max ? shown + ", ... (-v for all)" : shown;
  }
}
