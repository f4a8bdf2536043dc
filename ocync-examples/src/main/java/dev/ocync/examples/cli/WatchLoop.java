package dev.ocync.examples.cli;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.SyncRun;
import dev.ocync.Syncer;
import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cycles of {@code watch}: re-read the config (a broken edit keeps the last good one, and says
 * so), run it on a syncer kept between cycles while the config is unchanged (so connections,
 * tokens and the in-memory transfer state carry over), and say something about a mapping only
 * when its outcome changes: it moved content, or its failures started, changed or stopped.
 */
final class WatchLoop implements AutoCloseable {
  private final Path file;
  private final Map<String, String> env;
  private final PrintWriter err;
  private final Progress.Level level;
  private final Map<String, String> failures = new HashMap<>();
  private String goodText;
  private OcyncConfig config;
  private Syncer syncer;
  private List<Mapping> mappings;
  private volatile SyncRun current;
  private volatile boolean stopped;
  private volatile Duration drain = Duration.ZERO;
  private Optional<SyncReport> last = Optional.empty();

  WatchLoop(Path file, Map<String, String> env, PrintWriter err, Progress.Level level) {
    this.file = file;
    this.env = env;
    this.err = err;
    this.level = level;
  }

  /** One cycle; the run's exit code, or {@link Exit#CONFIG} when there is no good config to run. */
  int cycle() {
    reload();
    if (config == null || stopped) {
      return Exit.CONFIG;
    }
    SyncRun run = syncer.start(mappings);
    current = run;
    if (stopped) {
      run.drain(drain);
    }
    SyncReport report = run.await();
    current = null;
    last = Optional.of(report);
    boolean said = false;
    for (SyncReport.MappingReport m : report.mappings()) {
      said |= outcome(m, report);
    }
    if (said && level != Progress.Level.QUIET) {
      err.println(SyncCommand.summary(report));
    }
    err.flush();
    return Exit.of(report);
  }

  /** The last cycle's report. */
  Optional<SyncReport> lastReport() {
    return last;
  }

  /**
   * Stops: the running cycle is drained (no new image starts, those in flight may finish within
   * {@code deadline}, then they are cancelled), no other cycle starts. Any thread.
   */
  void stop(Duration deadline) {
    drain = deadline;
    stopped = true;
    SyncRun r = current;
    if (r != null) {
      r.drain(deadline);
    }
  }

  private boolean outcome(SyncReport.MappingReport m, SyncReport report) {
    String key = m.source() + " -> " + m.targets();
    int synced = 0;
    int skipped = 0;
    int failed = m.problems().size();
    long bytes = 0;
    StringBuilder why = new StringBuilder();
    m.problems().forEach(p -> why.append(p.message()).append('\n'));
    for (ImageResult r : report.images()) {
      if (!r.source().startsWith(m.source() + ":") && !r.source().startsWith(m.source() + "@")) {
        continue;
      }
      switch (r.status()) {
        case SYNCED -> synced++;
        case SKIPPED -> skipped++;
        default -> {
          failed++;
          r.failure().ifPresent(f -> why.append(r.target()).append(": ").append(f.message()).append('\n'));
        }
      }
      bytes += r.bytes();
    }
    String before = failures.getOrDefault(key, "");
    String now = why.toString();
    boolean changed = synced > 0 || !before.equals(now);
    if (now.isEmpty()) {
      failures.remove(key);
    } else {
      failures.put(key, now);
    }
    if (!changed || level == Progress.Level.QUIET && failed == 0) {
      return false;
    }
    err.println(m.source() + " -> " + String.join(", ", m.targets()) + ": synced " + synced + ", skipped " + skipped
        + ", failed " + failed + " (" + Human.bytes(bytes) + ")" + (failed == 0 && !before.isEmpty() ? " [recovered]" : ""));
    if (failed > 0) {
      now.lines().forEach(l -> err.println("  " + l));
    }
    return true;
  }

  private void reload() {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      text = null; // reported by the load below
    }
    if (config != null && text != null && text.equals(goodText)) {
      return;
    }
    StringWriter problems = new StringWriter();
    PrintWriter sink = new PrintWriter(problems);
    Optional<OcyncConfig> loaded = ConfigFiles.load(file, env, sink, level);
    sink.flush();
    Optional<List<Mapping>> built = Optional.empty();
    if (loaded.isPresent()) {
      try {
        built = Optional.of(loaded.get().coreMappings());
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        sink.println("error: config " + file + ": " + e.getMessage());
        sink.flush();
        closeQuietly(loaded.get());
      }
    }
    if (built.isEmpty()) {
      if (config != null) {
        err.print(problems.toString().replaceFirst("^error: ", "warning: keeping the last good config; "));
      } else {
        err.print(problems);
      }
      err.flush();
      return;
    }
    err.print(problems); // warnings of the new config
    if (config != null) {
      err.println("config " + file + " changed; running the new one");
    }
    close();
    config = loaded.get();
    mappings = built.get();
    syncer = config.syncerBuilder().build();
    goodText = text;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // releasing a config that is being replaced: nothing left to tell the user
    }
  }

  @Override
  public void close() {
    if (syncer != null) {
      closeQuietly(syncer);
      syncer = null;
    }
    if (config != null) {
      closeQuietly(config);
      config = null;
    }
  }
}
