package dev.ocync.it;

import dev.ocync.Mapping;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import java.util.ArrayList;
import java.util.List;

/** A mirror run in a process of its own, for {@link KillMidRunIT}: {@code SRC DST TAG REPO...}. */
public final class MirrorMain {
  private MirrorMain() {}

  public static void main(String[] args) throws Exception {
    List<Mapping> mappings = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      mappings.add(Mapping.builder().source(args[0], args[i]).target(args[1], args[i]).tags(args[2]).build());
    }
    try (Syncer syncer = Syncer.builder().concurrency(2).imagesInFlight(2).blobsInFlightPerRegistry(2).build()) {
      SyncReport report = syncer.run(mappings);
      System.out.println(report);
      System.exit(report.succeeded() ? 0 : 1);
    }
  }
}
