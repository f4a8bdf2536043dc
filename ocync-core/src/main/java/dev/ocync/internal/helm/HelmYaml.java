package dev.ocync.internal.helm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ocync.internal.json.Json;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;

/**
 * Parses the YAML (or JSON) a chart repository serves, bounded: nesting depth and code points
 * are capped and aliases refused (a "billion laughs" file expands through them), so a hostile
 * file costs at most what its size allows.
 */
final class HelmYaml {
  static final int MAX_DEPTH = 64;
  static final int MAX_ALIASES = 100;

  private HelmYaml() {}

  private static YAMLFactory yaml(int maxBytes) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES); // none get this far; see refuseAliases
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(Math.max(maxBytes, 1024));
    options.setAllowRecursiveKeys(false);
    return YAMLFactory.builder().loaderOptions(options)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
        .build();
  }

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();

  /**
   * The document in {@code bytes}: JSON when it parses as JSON (as Helm tries first), else YAML.
   *
   * @throws IllegalArgumentException naming {@code what} and the problem
   */
  static JsonNode parse(byte[] bytes, String what) {
    if (looksLikeJson(bytes)) {
      try {
        JsonNode n = Json.read(JSON, bytes);
        if (n != null) {
          return n;
        }
      } catch (IOException e) {
        // not JSON after all: Helm then reads it as YAML too
      }
    }
    refuseAliases(bytes, what);
    try {
      JsonNode n = Json.read(yaml(bytes.length), bytes);
      if (n == null || n.isMissingNode()) {
        throw new IllegalArgumentException(what + " is empty");
      }
      return n;
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith(what)) {
        throw iae;
      }
      String m = String.valueOf(e.getMessage());
      int nl = m.indexOf('\n');
      throw new IllegalArgumentException(what + " is not valid YAML: " + (nl < 0 ? m : m.substring(0, nl)), e);
    }
  }

  /**
   * Jackson's YAML reader does not expand aliases (it reads {@code *a} as the string "a"), so a
   * document using them would be read differently from Helm; it is refused instead. That also
   * rules out alias bombs.
   */
  private static void refuseAliases(byte[] bytes, String what) {
    LoaderOptions options = new LoaderOptions();
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(Math.max(bytes.length, 1024));
    try {
      for (Event e : new Yaml(options).parse(new InputStreamReader(new ByteArrayInputStream(bytes),
          StandardCharsets.UTF_8))) {
        if (e instanceof AliasEvent a) {
          throw new IllegalArgumentException(what + " uses a YAML alias (*" + a.getAnchor()
              + "), which is not supported");
        }
      }
    } catch (YAMLException e) {
      String m = String.valueOf(e.getMessage());
      int nl = m.indexOf('\n');
      throw new IllegalArgumentException(what + " is not valid YAML: " + (nl < 0 ? m : m.substring(0, nl)), e);
    }
  }

  private static boolean looksLikeJson(byte[] bytes) {
    for (byte b : bytes) {
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        continue;
      }
      return b == '{';
    }
    return false;
  }
}
