package dev.ocync.examples.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.testing.RegistryServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 item 20: ocync-core as a named module. A consumer module ({@code requires dev.ocync.core})
 * is compiled and run on the module path, in its own JVM, against a real registry: it pushes an
 * image, lists the tags and resolves the tag. On the class path nothing of this is checked, which
 * is how a missing {@code requires jdk.net} went unnoticed.
 */
@Timeout(180)
class ModulePathIT {
  /**
   * ocync-core and its runtime dependencies, as a consumer's build would put them on the module path.
   * A new runtime dependency of ocync-core must be added here: this test then proves it resolves as a module.
   */
  private static final Pattern RUNTIME = Pattern.compile(
      "(ocync-core(-[0-9][^/]*)?(?<!-tests)\\.jar|ocync-core/target/classes|jackson-[a-z-]+-[0-9][^/]*\\.jar"
          + "|httpclient5-[0-9][^/]*\\.jar|httpcore5(-h2)?-[0-9][^/]*\\.jar|commons-(compress|io|lang3|codec)-[0-9][^/]*\\.jar"
          + "|slf4j-api-[0-9][^/]*\\.jar|semver4j-[0-9][^/]*\\.jar|snakeyaml-[0-9][^/]*\\.jar)$");

  private static final String MODULE_INFO = "module consumer {\n  requires dev.ocync.core;\n}\n";

  private static final String MAIN = String.join("\n",
      "package consumer;",
      "",
      "import dev.ocync.Registry;",
      "import dev.ocync.oci.Descriptor;",
      "import dev.ocync.oci.Digest;",
      "import dev.ocync.oci.Manifest;",
      "import dev.ocync.spi.Repository;",
      "import java.io.ByteArrayInputStream;",
      "import java.nio.charset.StandardCharsets;",
      "import java.util.Optional;",
      "",
      "public final class Main {",
      "  public static void main(String[] args) throws Exception {",
      "    byte[] config = \"{}\".getBytes(StandardCharsets.UTF_8);",
      "    Descriptor c = Descriptor.of(\"application/vnd.oci.image.config.v1+json\", Digest.sha256(config),",
      "        config.length);",
      "    String json = \"{\\\"schemaVersion\\\":2,\\\"mediaType\\\":\\\"application/vnd.oci.image.manifest.v1+json\\\",\"",
      "        + \"\\\"config\\\":{\\\"mediaType\\\":\\\"\" + c.mediaType() + \"\\\",\\\"digest\\\":\\\"\" + c.digest()",
      "        + \"\\\",\\\"size\\\":\" + c.size() + \"},\\\"layers\\\":[]}\";",
      "    Manifest m = Manifest.parse(json.getBytes(StandardCharsets.UTF_8),",
      "        \"application/vnd.oci.image.manifest.v1+json\");",
      "    try (Registry r = Registry.builder(\"http://\" + args[0]).build()) {",
      "      Repository repo = r.repository(\"jpms/app\");",
      "      repo.pushBlob(c, new ByteArrayInputStream(config));",
      "      repo.pushManifest(m, Optional.of(\"v1\"));",
      "      System.out.println(\"tags=\" + repo.listTags());",
      "      System.out.println(\"resolved=\" + repo.resolve(\"v1\").orElseThrow().digest());",
      "      System.out.println(\"pushed=\" + m.digest());",
      "    }",
      "  }",
      "}",
      "");

  @Test
  void aConsumerModuleOnTheModulePathTalksToARealRegistry(@TempDir Path tmp) throws Exception {
    List<String> modulePath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (RUNTIME.matcher(entry.replace(File.separatorChar, '/')).find()) {
        modulePath.add(entry);
      }
    }
    assertThat(modulePath).as("module path from %s", System.getProperty("java.class.path"))
        .anyMatch(e -> e.contains("ocync-core")).anyMatch(e -> e.contains("httpclient5"));
    String mp = String.join(File.pathSeparator, modulePath);

    Path src = tmp.resolve("src/consumer");
    Files.createDirectories(src.resolve("consumer"));
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve("consumer/Main.java"), MAIN);
    Path classes = tmp.resolve("classes");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    java.io.StringWriter diagnostics = new java.io.StringWriter();
    int compiled = javac.run(null, null, new java.io.PrintStream(new java.io.OutputStream() {
          @Override
          public void write(int b) {
            diagnostics.write(b);
          }
        }, true), "--module-path", mp, "-d", classes.toString(),
        src.resolve("module-info.java").toString(), src.resolve("consumer/Main.java").toString());
    assertThat(compiled).as(diagnostics.toString()).isZero();

    try (RegistryServer registry = RegistryServer.plain()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "--module-path", classes + File.pathSeparator + mp,
          "-m", "consumer/consumer.Main", registry.host()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("tags=[v1]").doesNotContain("NoClassDefFoundError");
      String pushed = out.lines().filter(l -> l.startsWith("pushed=")).map(l -> l.substring(7))
          .collect(Collectors.joining());
      assertThat(out).contains("resolved=" + pushed);
      assertThat(registry.tags("jpms/app")).containsExactly("v1");
    }
  }
}
