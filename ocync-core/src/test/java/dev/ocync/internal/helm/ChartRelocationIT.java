package dev.ocync.internal.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.internal.helm.ChartImages.Image;
import dev.ocync.testing.HelmCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: a chart made by {@code helm create} and {@code helm package}, relocated, is accepted
 * by {@code helm lint} and renders the mirrored images in {@code helm template}.
 */
@Timeout(300)
class ChartRelocationIT {
  @TempDir
  Path tmp;

  @Test
  void helmTemplateOfTheRelocatedChartRendersTheMirroredImagesAndHelmLintAcceptsIt() throws IOException {
    HelmCli helm = HelmCli.find(tmp.resolve("helm-home"));
    helm.ok(tmp, "create", "op");
    Path values = tmp.resolve("op/values.yaml");
    // helm create's values (image.repository nginx, empty tag) plus a sidecar with a registry map
    String original = Files.readString(values) + "\n# a sidecar, rendered by the template below\nsidecar:\n"
        + "  image:\n    registry: ghcr.io\n    repository: example/sidecar\n    tag: \"v2.0.1\"\n";
    Files.writeString(values, original);
    Files.writeString(tmp.resolve("op/templates/sidecar.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n"
        + "  name: sidecar\nspec:\n  containers:\n    - name: sidecar\n      image: \"{{ .Values.sidecar.image.registry"
        + " }}/{{ .Values.sidecar.image.repository }}:{{ .Values.sidecar.image.tag }}\"\n");
    helm.ok(tmp, "package", "op", "--destination", tmp.resolve("dist").toString());
    byte[] tgz = Files.readAllBytes(tmp.resolve("dist/op-0.1.0.tgz"));

    Map<String, String> mirrors = new LinkedHashMap<>();
    for (Image i : ChartImages.discover(tgz)) {
      mirrors.put(i.reference(), "mirror.test:5000/up/" + i.reference().replace("ghcr.io/", ""));
    }
    assertThat(mirrors).containsOnlyKeys("nginx", "ghcr.io/example/sidecar:v2.0.1");
    ChartRelocation.Relocated r = ChartRelocation.relocate(tgz, mirrors);
    assertThat(r.rewrites()).hasSize(2);
    Path relocated = tmp.resolve("op-0.1.0-relocated.tgz");
    Files.write(relocated, r.archive());

    String rendered = helm.ok(tmp, "template", "rel", relocated.toString());
    assertThat(rendered).contains("image: \"mirror.test:5000/up/nginx:1.16.0\"")
        .contains("image: \"mirror.test:5000/up/example/sidecar:v2.0.1\"")
        .doesNotContain("ghcr.io/example/sidecar");
    assertThat(helm.ok(tmp, "lint", relocated.toString())).contains("1 chart(s) linted, 0 chart(s) failed");
    // comments of helm create's values.yaml are all still there
    String relocatedValues = new String(ChartArchive.read(r.archive(), ChartArchive.MAX_DECOMPRESSED,
        ChartArchive.MAX_FILE).file("values.yaml").orElseThrow(), StandardCharsets.UTF_8);
    assertThat(relocatedValues.lines().filter(l -> l.trim().startsWith("#")).toList())
        .isEqualTo(original.lines().filter(l -> l.trim().startsWith("#")).toList());
  }
}
