package dev.ocync.internal.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A copy stopped with SIGTERM removes its temporary files and staging directories. */
class LayoutSigtermIT {
  @TempDir Path tmp;

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void sigtermRemovesTheWritersLeftovers() throws Exception {
    Path dir = tmp.resolve("layout");
    Path archive = tmp.resolve("a.tar");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        SigtermChild.class.getName(), dir.toString(), archive.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = CompletableFuture.supplyAsync(() -> {
        try {
          for (String l = out.readLine(); l != null; l = out.readLine()) {
            if (l.equals("ready")) {
              return l;
            }
          }
          return "ended";
        } catch (java.io.IOException e) {
          return e.toString();
        }
      }).get(60, TimeUnit.SECONDS);
      assertThat(line).isEqualTo("ready");
      assertThat(names(dir.resolve("blobs/sha256"))).anyMatch(n -> n.startsWith(".ocync-") && n.endsWith(".tmp"));
      assertThat(names(tmp)).anyMatch(n -> n.startsWith(".a.tar.ocync-"));

      child.destroy(); // SIGTERM
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(names(dir.resolve("blobs/sha256"))).noneMatch(n -> n.startsWith(".ocync-"));
    assertThat(names(tmp)).containsExactly("layout");
  }
}
