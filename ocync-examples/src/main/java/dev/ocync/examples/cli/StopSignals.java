package dev.ocync.examples.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM while a run is going: call {@code onStop} once (on the JVM's signal thread)
 * instead of the JVM's default, which would exit at once and lose the report. A shutdown hook
 * cannot do this: by the time it runs the JVM is exiting and the exit code can no longer be
 * chosen. A second signal is the user insisting: the default (exit) applies. Closing restores
 * the previous handlers.
 */
final class StopSignals implements AutoCloseable {
  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();

  private StopSignals() {}

  /** Installs the handlers; with {@code enabled} false (in-process callers, tests) it does nothing. */
  static StopSignals install(boolean enabled, Runnable onStop) {
    StopSignals s = new StopSignals();
    if (!enabled) {
      return s;
    }
    AtomicBoolean stopping = new AtomicBoolean();
    for (String name : List.of("INT", "TERM")) {
      try {
        Signal signal = new Signal(name);
        SignalHandler[] before = new SignalHandler[1];
        before[0] = Signal.handle(signal, sig -> {
          if (stopping.compareAndSet(false, true)) {
            onStop.run();
          } else if (before[0] != null && before[0] != SignalHandler.SIG_IGN) {
            before[0].handle(sig);
          }
        });
        s.signals.add(signal);
        s.previous.add(before[0]);
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // a platform without this signal (or it is reserved): keep the JVM's default for it
      }
    }
    return s;
  }

  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      Signal.handle(signals.get(i), previous.get(i));
    }
  }
}
