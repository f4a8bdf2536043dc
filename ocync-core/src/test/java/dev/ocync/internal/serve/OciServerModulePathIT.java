package dev.ocync.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The server works with ocync-core on the module path, and says what is missing when Jetty is not resolved. */
class OciServerModulePathIT {
  /** The jars ocync-core and Jetty need, as modules; everything else stays on the class path. */
  private static final Pattern MODULE = Pattern.compile(
      ".*/(ocync-core-[^/]*(?<!-tests)\\.jar|jackson-[^/]*|httpclient5-[^/]*|httpcore5-[^/]*|commons-compress-[^/]*"
          + "|commons-io-[^/]*|commons-codec-[^/]*|commons-lang3-[^/]*|slf4j-[^/]*|semver4j-[^/]*|jetty-[^/]*)");

  private static String run(boolean addJetty) throws Exception {
    List<String> modules = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String e = entry.replace(File.separatorChar, '/');
      (MODULE.matcher(e).matches() ? modules : classes).add(entry);
    }
    assertThat(modules).as("ocync-core's jar is on the test class path").anyMatch(m -> m.contains("ocync-core-"));
    return ServeFixtures.runJava(List.of("--module-path", String.join(File.pathSeparator, modules),
        "--add-modules", "dev.ocync.core" + (addJetty ? ",org.eclipse.jetty.server" : ""),
        "-cp", String.join(File.pathSeparator, classes), "dev.ocync.servetest.ModulePathChild"), 60);
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
