package dev.ocync.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The shipped JSON Schema and the binder accept the same keys, and the examples validate. */
class SchemaTest {
  static final String RESOURCE = "/dev/ocync/config/ocync-config.schema.json";

  static String schemaText() throws IOException {
    try (InputStream in = OcyncConfig.class.getResourceAsStream(RESOURCE)) {
      assertThat(in).as("schema shipped on the class path").isNotNull();
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void everySectionHasExactlyTheBindersKeys() throws IOException {
    JsonNode schema = new ObjectMapper().readTree(schemaText());
    for (Map.Entry<String, List<String>> section : dev.ocync.internal.config.Schema.SECTIONS.entrySet()) {
      JsonNode node = section.getKey().equals("root") ? schema : schema.path("$defs").path(section.getKey());
      assertThat(node.path("additionalProperties").asBoolean(true)).as(section.getKey() + " is closed").isFalse();
      List<String> keys = new ArrayList<>();
      node.path("properties").fieldNames().forEachRemaining(keys::add);
      assertThat(keys).as("keys of " + section.getKey()).containsExactlyInAnyOrderElementsOf(section.getValue());
    }
    assertThat(enumOf(schema.path("$defs").path("registry").path("properties").path("type")))
        .containsExactlyElementsOf(dev.ocync.internal.config.Schema.REGISTRY_TYPES);
    assertThat(enumOf(schema.path("$defs").path("registry").path("properties").path("auth_type")))
        .containsExactlyElementsOf(dev.ocync.internal.config.Schema.AUTH_TYPES);
    assertThat(enumOf(schema.path("$defs").path("tags").path("properties").path("sort")))
        .containsExactlyElementsOf(dev.ocync.internal.config.Schema.SORTS);
  }

  private static List<String> enumOf(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.path("enum").forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void everyExampleConfigValidatesAndABadOneDoesNot() throws IOException {
    Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schemaText());
    List<Path> examples;
    try (Stream<Path> s = Files.list(ConfigLoadTest.EXAMPLES)) {
      examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
    for (Path p : examples) {
      assertThat(schema.validate(Files.readString(p), InputFormat.YAML)).as(p.toString()).isEmpty();
    }
    String bad = "mappings:\n  - {from: a, platfroms: [linux/amd64], tags: {semver_prerelease: include}}\n";
    assertThat(schema.validate(bad, InputFormat.YAML)).hasSizeGreaterThanOrEqualTo(2);
  }
}
