import dev.ocync.Registry;
import dev.ocync.Syncer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The benchmark's in-code ocync run (bench/run.sh compiles it against ocync.jar): the corpus's
 * mappings built in code, run through one {@link Syncer}. With {@code Syncer.run} on the class
 * path (EngineSync.java compiled beside this) every mapping goes to the engine in one call;
 * otherwise each tag is copied with {@code Syncer.copy}, one after another.
 *
 * <pre>
 * java -cp ocync.jar:classes Runner SRC_HOST TGT_HOST MAPPINGS_FILE process|host
 * </pre>
 *
 * <p>MAPPINGS_FILE: one line per repository, {@code repo tag tag ...}; referrer fallback tags
 * ({@code sha256-<hex>}) are left out, as the CLI's generated config leaves them out: they travel
 * with their subject through the referrer stage. Mode {@code process} runs
 * once; {@code host} runs twice in one JVM (what a service on a schedule pays the second time)
 * and between the runs sends each registry a GET for {@value #MARKER} so the access logs can be
 * split. Each run prints one line {@code BENCH {"run":n,"engine":...,"wallMs":...,"cpuMs":...}}.
 */
public final class Runner {
  static final String MARKER = "/v2/ocync-bench-marker/tags/list";

  private Runner() {}

  /** A mapping of one repository with its tags. */
  record Repo(String name, List<String> tags) {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4 || !(args[3].equals("process") || args[3].equals("host"))) {
      System.err.println("usage: Runner SRC_HOST TGT_HOST MAPPINGS_FILE process|host");
      System.exit(2);
    }
    List<Repo> repos = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[2]))) {
      String[] f = line.trim().split("\\s+");
      // referrer fallback tags (sha256-<hex>) travel with their subject, as in the CLI's config
      List<String> tags = Arrays.stream(f).skip(1).filter(t -> !t.startsWith("sha256-")).toList();
      if (!tags.isEmpty()) {
        repos.add(new Repo(f[0], tags));
      }
    }
    int runs = args[3].equals("host") ? 2 : 1;
    boolean failed = false;
    try (Registry src = Registry.builder(args[0]).plainHttp(true).build();
         Registry tgt = Registry.builder(args[1]).plainHttp(true).build();
         Syncer syncer = Syncer.builder().registry(src).registry(tgt).build()) {
      Optional<Callable<String>> engineJob = engineJob(syncer, src, tgt, repos);
      Callable<String> job = engineJob.orElse(() -> copyEach(syncer, src, tgt, repos));
      String engine = engineJob.isPresent() ? "Syncer.run" : "Syncer.copy per tag";
      for (int run = 1; run <= runs; run++) {
        if (run > 1) {
          marker(args[0]);
          marker(args[1]);
        }
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        String summary;
        try {
          summary = job.call();
        } catch (Exception e) {
          summary = "FAILED: " + e;
          failed = true;
        }
        long wall = System.nanoTime() - t0;
        long cpu = cpuNanos() - cpu0;
        System.out.printf("BENCH {\"run\":%d,\"engine\":\"%s\",\"wallMs\":%d,\"cpuMs\":%d,\"summary\":\"%s\"}%n",
            run, engine, wall / 1_000_000, cpu / 1_000_000, summary.replace("\\", "\\\\").replace("\"", "'"));
        if (summary.startsWith("FAILED")) {
          System.err.println(summary);
        }
      }
    }
    System.exit(failed ? 1 : 0);
  }

  /** The engine job when EngineSync (compiled only against a jar with Syncer.run) is present. */
  @SuppressWarnings("unchecked")
  private static Optional<Callable<String>> engineJob(Syncer syncer, Registry src, Registry tgt, List<Repo> repos)
      throws ReflectiveOperationException {
    Class<?> c;
    try {
      c = Class.forName("EngineSync");
    } catch (ClassNotFoundException e) {
      return Optional.empty();
    }
    return Optional.of((Callable<String>) c.getMethod("job", Syncer.class, Registry.class, Registry.class, List.class)
        .invoke(null, syncer, src, tgt, repos));
  }

  private static String copyEach(Syncer syncer, Registry src, Registry tgt, List<Repo> repos) throws IOException {
    int copied = 0;
    int unchanged = 0;
    for (Repo r : repos) {
      for (String tag : r.tags()) {
        if (syncer.copy(src.repository(r.name()), tag, tgt.repository(r.name()), Optional.of(tag)).unchanged()) {
          unchanged++;
        } else {
          copied++;
        }
      }
    }
    return "copied " + copied + ", unchanged " + unchanged;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void marker(String host) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + MARKER).toURL().openConnection();
      c.getResponseCode();
      c.disconnect();
    } catch (IOException e) {
      System.err.println("marker to " + host + " failed: " + e);
    }
  }
}
