package dev.ocync.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code ocync watch -c CONFIG --interval DURATION}: sync again and again in one JVM. */
final class WatchCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("watch", new String[] {
      "Runs the config's mappings every --interval in one JVM, which keeps connections, tokens",
      "and the transfer state between cycles. The file is re-read each cycle; a broken edit keeps",
      "the last good config and says so. Quiet in steady state: a line only when a mapping moves",
      "content or its failures change. --health serves /healthz (always ok) and /readyz (ok while",
      "the last cycle without total failure finished within two intervals).",
      ""
    }, new String[] {"", "SIGINT/SIGTERM: the running cycle is drained (images in flight may finish within",
      "--drain-timeout, then they are cancelled), its report is written, and watch exits.",
      "Exit codes: 0 stopped by SIGINT/SIGTERM, 3 the config was never valid."
    }, 90, false, new Cli.Option[] {
      Cli.Option.value(Cli.Type.PATH, "CONFIG", "The config file.", "-c", "--config").asRequired(),
      Cli.Option.value(Cli.Type.STRING, "DURATION",
          "Time between the start of one cycle and the next, at least 1s (default: ${DEFAULT-VALUE}).", "--interval")
          .withDefault("5m"),
      Cli.Option.value(Cli.Type.STRING, "ADDR", "Serve /healthz and /readyz on HOST:PORT or PORT (loopback).",
          "--health"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "Write each cycle's JSON report to FILE.", "--json"),
      Cli.Option.value(Cli.Type.STRING, "DURATION",
          "On SIGINT/SIGTERM, how long images in flight may go on before they are cancelled"
          + " (default: ${DEFAULT-VALUE}).", "--drain-timeout").withDefault("25s"),
      Cli.Option.value(Cli.Type.INT, "N", "Stop after N cycles (0: never); for tests.", "--cycles")
          .withDefault("0").asHidden(),
      Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG
    }, new Cli.Positional[0]);

  Path config;
  String interval;
  String health;
  Path json;
  String drain;
  int cycles;

  WatchCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    config = p.path("--config");
    interval = p.string("--interval");
    health = p.string("--health");
    json = p.path("--json");
    drain = p.string("--drain-timeout");
    cycles = p.integer("--cycles");
    verbosity = Verbosity.of(p);
  }

  @Override
  int call() throws IOException, InterruptedException {
    Progress.Level level = verbosity.level();
    Duration every = Durations.parse(interval, "--interval");
    if (every.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new UsageException("--interval must be at least 1s, got " + interval);
    }
    Duration drainDeadline = Durations.parse(drain, "--drain-timeout");
    PrintWriter err = err();
    CountDownLatch stop = new CountDownLatch(1);
    try (Health h = new Health(every, System::nanoTime);
        WatchLoop loop = new WatchLoop(config, env(), err, level);
        StopSignals signals = StopSignals.install(parent.signals, () -> {
          err.println("stopping: no new images start; images in flight may finish within "
              + Human.duration(drainDeadline));
          err.flush();
          stop.countDown();
        })) {
      if (health != null) {
        try {
          h.serve(health);
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
        if (level != Progress.Level.QUIET) {
          err.println("health on " + health + " (port " + h.port() + "): /healthz, /readyz");
        }
      }
      Thread stopper = new Thread(() -> {
        try {
          stop.await();
          loop.stop(drainDeadline);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "ocync-watch-stop");
      stopper.setDaemon(true);
      stopper.start();
      boolean everValid = false;
      for (int n = 1; cycles == 0 || n <= cycles; n++) {
        long started = System.nanoTime();
        int code = loop.cycle();
        if (stop.getCount() == 0) {
          // the drained cycle's report is the last word
          if (json != null && loop.lastReport().isPresent()) {
            Files.writeString(json, loop.lastReport().get().toJson() + "\n", StandardCharsets.UTF_8);
          }
          break;
        }
        if (code == Exit.CONFIG && !everValid && !loop.lastReport().isPresent()) {
          return Exit.CONFIG;
        }
        everValid = true;
        h.cycleFinished(code);
        if (json != null && loop.lastReport().isPresent()) {
          Files.writeString(json, loop.lastReport().get().toJson() + "\n", StandardCharsets.UTF_8);
        }
        if (cycles != 0 && n == cycles) {
          break;
        }
        long wait = every.toNanos() - (System.nanoTime() - started);
        if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
          break;
        }
      }
      stopper.interrupt();
      return Exit.OK;
    }
  }
}
