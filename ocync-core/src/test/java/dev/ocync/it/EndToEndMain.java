package dev.ocync.it;

import dev.ocync.SyncReport;
import dev.ocync.Syncer;

/** {@link EndToEndIT}'s mirror run in a process of its own, to be killed: {@code SRC FROM DST TO}. */
public final class EndToEndMain {
  private EndToEndMain() {}

  public static void main(String[] args) throws Exception {
    try (Syncer syncer = Syncer.builder().concurrency(2).imagesInFlight(1).blobsInFlightPerRegistry(1).build()) {
      SyncReport report = syncer.run(EndToEndCorpus.mappings(args[0], args[1], args[2], args[3]));
      System.out.println(report);
      System.exit(report.succeeded() ? 0 : 1);
    }
  }
}
