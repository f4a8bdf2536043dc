package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.testing.ModulePath;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server works with ocync-core on the module path, and says what is missing when Jetty is not resolved. */
class OciServerModulePathIT {
  private static String run(boolean addJetty) throws Exception {
    ModulePath path = ModulePath.ofTestClassPath(true);
    assertThat(path.modules()).as("ocync-core's jar is on the test class path").anyMatch(m -> m.contains("ocync-core-"));
    return ServeFixtures.runJava(List.of("--module-path", path.modulePathArgument(),
        "--add-modules", "dev.ocync.core" + (addJetty ? ",org.eclipse.jetty.server" : ""),
        "-cp", String.join(File.pathSeparator, path.classPath()), "dev.ocync.servetest.ModulePathChild"), 60);
  }

  @Test
  void servesWithJettyResolvedOnTheModulePath() throws Exception {
    String out = run(true);
    assertThat(out).contains("named=true").contains("status=200 api=registry/2.0");
  }

  @Test
  void saysWhatToAddWhenJettyIsNotResolved() throws Exception {
    String out = run(false);
    assertThat(out).contains("named=true").contains("refused=OciServer needs Jetty")
        .contains("--add-modules org.eclipse.jetty.server");
  }
}
