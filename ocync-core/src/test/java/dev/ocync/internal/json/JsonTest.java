package dev.ocync.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Json} against {@code ObjectMapper}, the reader and writer it stands in for. */
class JsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final List<String> DOCUMENTS = List.of(
      "{}", "[]", "{\"a\":1}", "[1,2,3]", "\"text\"", "42", "true", "null",
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
          + "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:00\",\"size\":7023},"
          + "\"layers\":[{\"size\":32654,\"annotations\":{\"k\":\"v\"}}],\"annotations\":{}}",
      "{\"int\":2147483647,\"long\":2147483648,\"negLong\":-9223372036854775808,"
          + "\"big\":123456789012345678901234567890,\"float\":1.5,\"exp\":1e300,\"negExp\":-2.5E-7,\"zero\":0.0}",
      "{\"dup\":1,\"dup\":2,\"nested\":{\"dup\":[1],\"dup\":{\"x\":null}}}",
      "{\"unicode\":\"\\u00e9t\\u00e9 \u2603 \\ud83d\\ude00\",\"escapes\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"ctl\":\"\\u0001\"}",
      "  {\"a\" : [ {\"b\": [ [], {}, [[[]]] ]} ] }  ",
      "{\"a\":1} trailing",
      "[true,false,null,\"\",-0,1.0e-0]");

  @Test
  void readsEveryDocumentAsObjectMapperDoes() throws Exception {
    for (String doc : DOCUMENTS) {
      byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
      JsonNode ours = Json.read(bytes);
      JsonNode theirs = MAPPER.readTree(bytes);
      assertThat(ours).as(doc).isEqualTo(theirs);
      assertThat(Json.read(doc)).as(doc).isEqualTo(theirs);
      assertSameNodeTypes(ours, theirs, doc);
    }
  }

  @Test
  void writesEveryTreeAsObjectMapperDoes() throws Exception {
    for (String doc : DOCUMENTS) {
      JsonNode tree = MAPPER.readTree(doc);
      assertThat(Json.bytes(tree)).as(doc).isEqualTo(MAPPER.writeValueAsBytes(tree));
      assertThat(Json.pretty(tree)).as(doc)
          .isEqualTo(MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree));
    }
  }

  @Test
  void randomTreesRoundTripAndMatchObjectMapper() throws Exception {
    Random random = new Random(9);
    for (int i = 0; i < 300; i++) {
      String doc = randomValue(random, 0);
      JsonNode theirs = MAPPER.readTree(doc);
      JsonNode ours = Json.read(doc.getBytes(StandardCharsets.UTF_8));
      assertThat(ours).as(doc).isEqualTo(theirs);
      assertThat(Json.bytes(ours)).as(doc).isEqualTo(MAPPER.writeValueAsBytes(theirs));
      assertThat(Json.read(Json.bytes(ours))).isEqualTo(ours);
    }
  }

  @Test
  void emptyInputIsAMissingNodeAsForObjectMapper() throws Exception {
    assertThat(Json.read(new byte[0]).isMissingNode()).isTrue();
    assertThat(Json.read("   ").isMissingNode()).isTrue();
    assertThat(MAPPER.readTree(new byte[0]).isMissingNode()).isTrue();
  }

  @Test
  void brokenInputIsAParseError() {
    for (String doc : List.of("{", "{\"a\":", "[1,2", "{\"a\" 1}", "{a:1}", "[1,]", "nope")) {
      assertThatThrownBy(() -> Json.read(doc.getBytes(StandardCharsets.UTF_8))).as(doc)
          .isInstanceOf(JsonProcessingException.class);
    }
  }

  @Test
  void theStrictFactoryRefusesAKeyGivenTwice() {
    byte[] doc = "{\"layers\":[],\"layers\":[1]}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Json.read(Json.STRICT_KEYS, doc)).isInstanceOf(JsonParseException.class)
        .hasMessageContaining("Duplicate field 'layers'");
  }

  @Test
  void nestingBeyondTheParsersLimitFailsWithoutExhaustingTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThatThrownBy(() -> Json.read(deep)).isInstanceOf(StreamConstraintsException.class);
    String deepObjects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    assertThatThrownBy(() -> Json.read(deepObjects)).isInstanceOf(StreamConstraintsException.class);
  }

  @Test
  void readsYamlThroughAYamlFactoryAsObjectMapperDoes() throws Exception {
    String yaml = "apiVersion: v2\nname: demo\nversion: 1.2.3\nnumbers: [1, 2.5, 3000000000]\n"
        + "empty:\nflag: true\nnested:\n  list:\n    - a: 1\n    - b: [x, y]\nbinary: !!binary aGVsbG8=\n";
    YAMLFactory f = new YAMLFactory();
    byte[] bytes = yaml.getBytes(StandardCharsets.UTF_8);
    JsonNode ours = Json.read(f, bytes);
    JsonNode theirs = new ObjectMapper(f).readTree(bytes);
    assertThat(ours).isEqualTo(theirs);
    assertSameNodeTypes(ours, theirs, yaml);
    assertThat(ours.get("binary").getNodeType()).isEqualTo(JsonNodeType.BINARY);
  }

  private static void assertSameNodeTypes(JsonNode ours, JsonNode theirs, String doc) {
    assertThat(ours.getClass()).as(doc).isEqualTo(theirs.getClass());
    if (ours.isContainerNode()) {
      var a = ours.elements();
      var b = theirs.elements();
      while (a.hasNext()) {
        assertSameNodeTypes(a.next(), b.next(), doc);
      }
    }
  }

  private static String randomValue(Random r, int depth) {
    int kind = depth > 4 ? 2 + r.nextInt(5) : r.nextInt(7);
    switch (kind) {
      case 0: {
        StringBuilder b = new StringBuilder("{");
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          b.append(i == 0 ? "" : ",").append('"').append("k").append(r.nextInt(3)).append("\":")
              .append(randomValue(r, depth + 1));
        }
        return b.append('}').toString();
      }
      case 1: {
        StringBuilder b = new StringBuilder("[");
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          b.append(i == 0 ? "" : ",").append(randomValue(r, depth + 1));
        }
        return b.append(']').toString();
      }
      case 2:
        return "\"s" + (char) ('a' + r.nextInt(26)) + (r.nextBoolean() ? "\\u00fc\\n" : "") + "\"";
      case 3:
        return Long.toString(r.nextBoolean() ? r.nextInt() : r.nextLong());
      case 4:
        return r.nextDouble() * 1000 + (r.nextBoolean() ? "e" + (r.nextInt(40) - 20) : "");
      case 5:
        return r.nextBoolean() ? "true" : "false";
      default:
        return r.nextBoolean() ? "null" : "123456789012345678901234567890";
    }
  }
}
