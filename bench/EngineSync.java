import dev.ocync.Mapping;
import dev.ocync.Registry;
import dev.ocync.SyncReport;
import dev.ocync.Syncer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The engine path of {@link Runner}: all mappings in one {@code Syncer.run}. bench/run.sh compiles
 * this only when the jar's {@code Syncer} has {@code run(List)}.
 */
public final class EngineSync {
  private EngineSync() {}

  /** A job running every repository's tags as one mapping each; fails unless the report succeeded. */
  public static Callable<String> job(Syncer syncer, Registry src, Registry tgt, List<Runner.Repo> repos) {
    List<Mapping> mappings = new ArrayList<>();
    for (Runner.Repo r : repos) {
      mappings.add(Mapping.builder()
          .source(Mapping.Endpoint.of(src, r.name()))
          .target(Mapping.Endpoint.of(tgt, r.name()))
          .tags(r.tags().toArray(String[]::new))
          .build());
    }
    return () -> {
      SyncReport report = syncer.run(mappings);
      if (!report.succeeded()) {
        throw new IllegalStateException("run failed: " + report);
      }
      return report.stats().toString();
    };
  }
}
