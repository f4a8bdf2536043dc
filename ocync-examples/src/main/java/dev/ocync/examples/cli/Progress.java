package dev.ocync.examples.cli;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncListener;
import dev.ocync.SyncReport;
import dev.ocync.TagSelector;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What {@code sync} shows while it runs, from {@link SyncListener} events: a line per finished
 * image (failures always; synced and cancelled-while-moving unless quiet; skipped and
 * never-started when verbose) and, on a
 * terminal, a live area below them with one line per active image and an overall line (images
 * done/total, bytes, rate).
 *
 * <p>A small renderer of our own rather than a progress-bar library: the live area is a handful
 * of lines redrawn with three ANSI sequences (cursor up, erase line, erase below) that every
 * terminal emulator in use understands, and a library would add a dependency to the shaded jar
 * and its own threads for what is 150 lines here. {@link #render(long)} is a pure function of
 * the events seen and the time, so a test can replay a recorded event sequence.
 */
final class Progress implements SyncListener, AutoCloseable {
  /** How much to say. */
  enum Level {
    QUIET, NORMAL, VERBOSE
  }

  static final int MAX_ACTIVE_LINES = 8;

  private final PrintWriter err;
  private final Level level;
  private final boolean live;
  private final LongSupplier nanos;
  private final long start;
  private final Map<String, Active> active = new LinkedHashMap<>();
  private ScheduledExecutorService ticker;
  private int total;
  private int done;
  private long bytes;
  private int drawn;

  private static final class Active {
    final String source;
    final long started;
    long bytes;

    Active(String source, long started) {
      this.source = source;
      this.started = started;
    }
  }

  Progress(PrintWriter err, Level level, boolean live, LongSupplier nanos) {
    this.err = err;
    this.level = level;
    this.live = live && level != Level.QUIET;
    this.nanos = nanos;
    this.start = nanos.getAsLong();
  }

  /** Redraws five times a second, for the elapsed times and the rate, even when no event comes. */
  Progress startTicking() {
    if (live && ticker == null) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ocync-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::redraw, 200, 200, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  @Override
  public synchronized void tagsSelected(Mapping mapping, List<String> listed, List<String> kept,
      List<TagSelector.Dropped> dropped) {
    total += kept.size() * mapping.targets().size();
  }

  @Override
  public synchronized void imageStarted(String source, String target) {
    active.put(target, new Active(source, nanos.getAsLong()));
  }

  @Override
  public synchronized void bytesMoved(String source, String target, long n) {
    bytes += n;
    // the event names the image as imageStarted did
    Active a = active.get(target);
    if (a != null) {
      a.bytes += n;
    }
  }

  @Override
  public synchronized void imageFinished(ImageResult r) {
    active.remove(r.target());
    done++;
    line(r).ifPresent(this::print);
  }

  @Override
  public synchronized void runFinished(SyncReport report) {
    erase();
  }

  /** The permanent line for a finished image, if this level shows it. */
  java.util.Optional<String> line(ImageResult r) {
    String pair = r.source() + " -> " + r.target();
    return switch (r.status()) {
      case FAILED -> java.util.Optional.of("FAILED  " + pair + "  ("
          + r.failure().map(f -> f.stage().name().toLowerCase(Locale.ROOT) + ": " + f.message()).orElse("") + ")");
      case SYNCED -> level == Level.QUIET ? java.util.Optional.empty()
          : java.util.Optional.of("synced  " + pair + "  (" + Human.bytes(r.bytes()) + ", "
              + Human.duration(r.duration()) + ")");
      // images that never started are counted in the summary, not listed one by one
      case CANCELLED -> level == Level.QUIET || !r.started() && level != Level.VERBOSE ? java.util.Optional.empty()
          : java.util.Optional.of("cancelled " + pair);
      case SKIPPED -> level != Level.VERBOSE ? java.util.Optional.empty()
          : java.util.Optional.of("skipped " + pair + "  ("
              + r.skipReason().map(s -> s.name().toLowerCase(Locale.ROOT).replace('_', ' ')).orElse("") + ")");
    };
  }

  /** The live area at time {@code now} (from the same clock as the events): active images, then the overall line. */
  synchronized List<String> render(long now) {
    List<String> out = new ArrayList<>();
    int shown = 0;
    for (Map.Entry<String, Active> e : active.entrySet()) {
      if (shown++ == MAX_ACTIVE_LINES) {
        out.add("  ... and " + (active.size() - MAX_ACTIVE_LINES) + " more");
        break;
      }
      Active a = e.getValue();
      out.add("  > " + a.source + " -> " + e.getKey() + "  " + Human.bytes(a.bytes) + "  "
          + Human.duration(Duration.ofNanos(now - a.started)));
    }
    Duration elapsed = Duration.ofNanos(now - start);
    String rate = Human.rate(bytes, elapsed);
    out.add("[" + done + "/" + total + " images] " + Human.bytes(bytes) + (rate.isEmpty() ? "" : "  " + rate)
        + "  " + Human.duration(elapsed));
    return out;
  }

  private synchronized void print(String text) {
    erase();
    err.println(text);
    draw();
  }

  private synchronized void redraw() {
    if (drawn > 0 || !active.isEmpty()) {
      erase();
      draw();
    }
  }

  private void draw() {
    if (!live) {
      err.flush();
      return;
    }
    List<String> lines = render(nanos.getAsLong());
    for (String l : lines) {
      err.print(l + "\n");
    }
    drawn = lines.size();
    err.flush();
  }

  private void erase() {
    if (drawn > 0) {
      err.print("\u001b[" + drawn + "F\u001b[J"); // up to the area's first line, erase to the end
      drawn = 0;
    }
  }

  /** Stops redrawing and removes the live area. */
  @Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      t = ticker;
      ticker = null;
    }
    if (t != null) {
      t.shutdownNow();
    }
    synchronized (this) {
      erase();
      err.flush();
    }
  }
}
