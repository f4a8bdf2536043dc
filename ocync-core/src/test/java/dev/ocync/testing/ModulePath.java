package dev.ocync.testing;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits the test class path into what a consumer's build would put on the module path (ocync-core
 * and its runtime dependencies) and the rest. A new runtime dependency of ocync-core belongs in
 * {@link #RUNTIME}: the module-path tests then prove it resolves as a module.
 */
public final class ModulePath {
  private static final Pattern RUNTIME = Pattern.compile(
      "(ocync-core(-[0-9][^/]*)?(?<!-tests)\\.jar|ocync-core/target/classes|jackson-[a-z-]+-[0-9][^/]*\\.jar"
          + "|httpclient5-[0-9][^/]*\\.jar|httpcore5(-h2)?-[0-9][^/]*\\.jar"
          + "|commons-(compress|io|lang3|codec)-[0-9][^/]*\\.jar|slf4j-api-[0-9][^/]*\\.jar"
          + "|semver4j-[0-9][^/]*\\.jar|snakeyaml-[0-9][^/]*\\.jar)$");
  /** Optional at run time (only OciServer needs it). */
  private static final Pattern JETTY = Pattern.compile("jetty-[a-z-]+-[0-9][^/]*\\.jar$");

  private final List<String> modules = new ArrayList<>();
  private final List<String> classPath = new ArrayList<>();

  private ModulePath(boolean withJetty) {
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String e = entry.replace(File.separatorChar, '/');
      boolean module = RUNTIME.matcher(e).find() || (withJetty && JETTY.matcher(e).find());
      (module ? modules : classPath).add(entry);
    }
  }

  /** This JVM's class path, split; Jetty goes on the module path when {@code withJetty}. */
  public static ModulePath ofTestClassPath(boolean withJetty) {
    return new ModulePath(withJetty);
  }

  /** The module path entries. */
  public List<String> modules() {
    return List.copyOf(modules);
  }

  /** Everything else on the test class path. */
  public List<String> classPath() {
    return List.copyOf(classPath);
  }

  /** The module path as one {@code --module-path} argument. */
  public String modulePathArgument() {
    return String.join(File.pathSeparator, modules);
  }
}
