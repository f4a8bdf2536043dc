package dev.ocync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks JSON against the subset of JSON Schema that sync-report.schema.json uses (type,
 * properties, required, additionalProperties false, items, enum, const, minItems, minimum,
 * maximum, pattern), and refuses a schema that uses anything else, so the subset cannot drift.
 */
public final class SchemaCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KNOWN = List.of("$schema", "$id", "title", "description", "type", "properties",
      "required", "additionalProperties", "items", "enum", "const", "minItems", "minimum", "maximum", "pattern",
      "format");

  private SchemaCheck() {}

  static JsonNode schema() throws IOException {
    return JSON.readTree(SyncReport.jsonSchema());
  }

  public static void assertValid(String json) throws IOException {
    List<String> errors = new ArrayList<>();
    check(schema(), JSON.readTree(json), "$", errors);
    assertThat(errors).as("schema violations of\n" + json).isEmpty();
  }

  private static void check(JsonNode schema, JsonNode value, String at, List<String> errors) {
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KNOWN.contains(k)) {
        errors.add(at + ": schema keyword " + k + " is not checked by this test");
      }
    }
    if (schema.has("const") && !schema.get("const").equals(value)) {
      errors.add(at + ": expected " + schema.get("const") + ", got " + value);
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) {
        found |= e.equals(value);
      }
      if (!found) {
        errors.add(at + ": " + value + " not in " + schema.get("enum"));
      }
    }
    if (schema.has("type")) {
      String type = schema.get("type").asText();
      boolean ok = switch (type) {
        case "object" -> value.isObject();
        case "array" -> value.isArray();
        case "string" -> value.isTextual();
        case "integer" -> value.isIntegralNumber();
        case "boolean" -> value.isBoolean();
        default -> false;
      };
      if (!ok) {
        errors.add(at + ": expected " + type + ", got " + value.getNodeType());
        return;
      }
    }
    if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
      errors.add(at + ": " + value + " does not match " + schema.get("pattern"));
    }
    if (schema.has("minimum") && value.asLong() < schema.get("minimum").asLong()) {
      errors.add(at + ": " + value + " below " + schema.get("minimum"));
    }
    if (schema.has("maximum") && value.asLong() > schema.get("maximum").asLong()) {
      errors.add(at + ": " + value + " above " + schema.get("maximum"));
    }
    if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
      errors.add(at + ": fewer than " + schema.get("minItems") + " items");
    }
    if (schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        check(schema.get("items"), value.get(i), at + "[" + i + "]", errors);
      }
    }
    if (schema.has("required")) {
      for (JsonNode r : schema.get("required")) {
        if (!value.has(r.asText())) {
          errors.add(at + ": missing " + r.asText());
        }
      }
    }
    if (schema.has("properties")) {
      JsonNode props = schema.get("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (props.has(f.getKey())) {
          check(props.get(f.getKey()), f.getValue(), at + "." + f.getKey(), errors);
        } else if (schema.has("additionalProperties") && !schema.get("additionalProperties").asBoolean()) {
          errors.add(at + ": property " + f.getKey() + " is not in the schema");
        }
      }
    }
  }
}
