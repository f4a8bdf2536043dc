package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;

/** The module exports its API package only and requires core transitively. */
class ModuleInfoTest {
  @Test
  void exportsOnlyTheApiAndUsesTheAuthSpi() throws IOException {
    ModuleDescriptor d;
    try (InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("target", "classes",
        "module-info.class"))) {
      d = ModuleDescriptor.read(in);
    }
    assertThat(d.name()).isEqualTo("dev.ocync.config");
    assertThat(d.exports()).extracting(ModuleDescriptor.Exports::source).containsExactly("dev.ocync.config");
    assertThat(d.requires()).filteredOn(r -> r.name().equals("dev.ocync.core")).singleElement()
        .satisfies(r -> assertThat(r.modifiers()).contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE));
    assertThat(d.uses()).containsExactly(AuthTypeProvider.class.getName());
  }
}
