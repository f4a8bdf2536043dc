// The demo mirror in JShell, from the repository root, after `mvn -B -DskipTests package`:
//   jshell --class-path ocync-examples/target/ocync.jar examples/jshell/mirror.jsh
import dev.ocync.*;
import dev.ocync.config.*;
import java.nio.file.Path;

try (OcyncConfig config = OcyncConfig.load(Path.of("examples/config/local-layouts.yaml"));
     Syncer syncer = config.syncerBuilder().build()) {
  SyncReport report = syncer.run(config.coreMappings());
  report.images().forEach(r -> System.out.println(r.status() + " " + r.source() + " -> " + r.target()));
  System.out.println(report.stats());
}
/exit
