package dev.ocync.internal.helm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A chart's {@code Chart.yaml} metadata as Helm holds it after loading an archive: fields of
 * Helm's {@code Metadata} struct only (unknown keys dropped, keys matched case-insensitively as
 * Go's JSON decoder does), strings sanitized as {@code Metadata.Validate} rewrites them (Unicode
 * whitespace becomes a space, non-printable characters are removed), and validated by Helm's
 * rules. {@link #configJson()} is then Helm's {@code json.Marshal} of it, byte for byte.
 */
final class ChartMetadata {
  /** Masterminds semver's lenient grammar ({@code semver.NewVersion}): a {@code v} and partial versions allowed. */
  static final Pattern LENIENT_SEMVER = Pattern.compile(
      "v?(0|[1-9][0-9]*|[0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?(-([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?"
          + "(\\+([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?");
  private static final Pattern ALIAS = Pattern.compile("[a-zA-Z0-9_-]+");

  record Maintainer(String name, String email, String url) {}

  record Dependency(String name, String version, String repository, String condition, List<String> tags,
      boolean enabled, List<Object> importValues, String alias) {}

  String name = "";
  String home = "";
  List<String> sources = List.of();
  String version = "";
  String description = "";
  List<String> keywords = List.of();
  List<Maintainer> maintainers = List.of();
  String icon = "";
  String apiVersion = "";
  String condition = "";
  String tags = "";
  String appVersion = "";
  boolean deprecated;
  Map<String, String> annotations = Map.of();
  String kubeVersion = "";
  List<Dependency> dependencies = List.of();
  String type = "";

  /** Reads the fields of Helm's struct from a parsed {@code Chart.yaml}; unknown keys are ignored as Helm does. */
  static ChartMetadata of(JsonNode chartYaml) {
    ChartMetadata m = new ChartMetadata();
    if (chartYaml == null || !chartYaml.isObject()) {
      throw new IllegalArgumentException("Chart.yaml is not a mapping");
    }
    m.name = str(chartYaml, "name");
    m.home = str(chartYaml, "home");
    m.sources = strings(chartYaml, "sources");
    m.version = str(chartYaml, "version");
    m.description = str(chartYaml, "description");
    m.keywords = strings(chartYaml, "keywords");
    JsonNode ms = field(chartYaml, "maintainers");
    if (ms != null && ms.isArray()) {
      List<Maintainer> list = new ArrayList<>();
      for (JsonNode n : ms) {
        if (n == null || n.isNull() || !n.isObject()) {
          throw new IllegalArgumentException("maintainers must not contain empty or null nodes");
        }
        list.add(new Maintainer(sanitize(str(n, "name")), sanitize(str(n, "email")), sanitize(str(n, "url"))));
      }
      m.maintainers = list;
    }
    m.icon = str(chartYaml, "icon");
    m.apiVersion = str(chartYaml, "apiVersion");
    m.condition = str(chartYaml, "condition");
    m.tags = str(chartYaml, "tags");
    m.appVersion = str(chartYaml, "appVersion");
    JsonNode dep = field(chartYaml, "deprecated");
    m.deprecated = dep != null && dep.asBoolean(false);
    JsonNode ann = field(chartYaml, "annotations");
    if (ann != null && ann.isObject()) {
      Map<String, String> a = new LinkedHashMap<>();
      ann.fields().forEachRemaining(e -> a.put(e.getKey(), scalar(e.getValue())));
      m.annotations = a;
    }
    m.kubeVersion = str(chartYaml, "kubeVersion");
    m.dependencies = dependencies(chartYaml);
    m.type = str(chartYaml, "type");
    return m;
  }

  /** The {@code dependencies} of a {@code requirements.yaml} replace those of Chart.yaml, as Helm's loader does. */
  void mergeRequirements(JsonNode requirementsYaml) {
    if (requirementsYaml != null && requirementsYaml.isObject() && field(requirementsYaml, "dependencies") != null) {
      dependencies = dependencies(requirementsYaml);
    }
  }

  private static List<Dependency> dependencies(JsonNode node) {
    JsonNode ds = field(node, "dependencies");
    if (ds == null || !ds.isArray()) {
      return List.of();
    }
    List<Dependency> list = new ArrayList<>();
    for (JsonNode d : ds) {
      if (d == null || d.isNull() || !d.isObject()) {
        throw new IllegalArgumentException("dependencies must not contain empty or null nodes");
      }
      List<Object> imports = new ArrayList<>();
      JsonNode iv = field(d, "import-values");
      if (iv != null && iv.isArray()) {
        for (JsonNode v : iv) {
          imports.add(plain(v));
        }
      }
      JsonNode en = field(d, "enabled");
      list.add(new Dependency(sanitize(str(d, "name")), sanitize(str(d, "version")),
          sanitize(str(d, "repository")), sanitize(str(d, "condition")),
          strings(d, "tags").stream().map(ChartMetadata::sanitize).toList(),
          en != null && en.asBoolean(false), imports, str(d, "alias")));
    }
    return list;
  }

  /** Helm's {@code Metadata.Validate}: sanitizes strings, then checks; the message says what is wrong. */
  void validate() {
    name = sanitize(name);
    description = sanitize(description);
    home = sanitize(home);
    icon = sanitize(icon);
    condition = sanitize(condition);
    tags = sanitize(tags);
    appVersion = sanitize(appVersion);
    kubeVersion = sanitize(kubeVersion);
    sources = sources.stream().map(ChartMetadata::sanitize).toList();
    keywords = keywords.stream().map(ChartMetadata::sanitize).toList();
    if (apiVersion.isEmpty()) {
      throw new IllegalArgumentException("chart.metadata.apiVersion is required");
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("chart.metadata.name is required");
    }
    if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
      throw new IllegalArgumentException("chart.metadata.name \"" + name + "\" is invalid");
    }
    if (version.isEmpty()) {
      throw new IllegalArgumentException("chart.metadata.version is required");
    }
    if (!LENIENT_SEMVER.matcher(version).matches()) {
      throw new IllegalArgumentException("chart.metadata.version \"" + version + "\" is invalid");
    }
    if (!type.isEmpty() && !type.equals("application") && !type.equals("library")) {
      throw new IllegalArgumentException("chart.metadata.type must be application or library");
    }
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (Dependency d : dependencies) {
      if (!d.alias().isEmpty() && !ALIAS.matcher(d.alias()).matches()) {
        throw new IllegalArgumentException("dependency \"" + d.name() + "\" has disallowed characters in the alias");
      }
      String key = d.alias().isEmpty() ? d.name() : d.alias();
      if (seen.put(key, Boolean.TRUE) != null) {
        throw new IllegalArgumentException("more than one dependency with name or alias \"" + key + "\"");
      }
    }
  }

  /** {@code json.Marshal} of Helm's Metadata struct: struct field order, every field omitempty. */
  byte[] configJson() {
    GoJson j = new GoJson().raw("{");
    Fields f = new Fields(j);
    f.string("name", name);
    f.string("home", home);
    f.strings("sources", sources);
    f.string("version", version);
    f.string("description", description);
    f.strings("keywords", keywords);
    if (!maintainers.isEmpty()) {
      f.key("maintainers").raw("[");
      for (int i = 0; i < maintainers.size(); i++) {
        Maintainer mt = maintainers.get(i);
        j.raw(i == 0 ? "{" : ",{");
        Fields mf = new Fields(j);
        mf.string("name", mt.name());
        mf.string("email", mt.email());
        mf.string("url", mt.url());
        j.raw("}");
      }
      j.raw("]");
    }
    f.string("icon", icon);
    f.string("apiVersion", apiVersion);
    f.string("condition", condition);
    f.string("tags", tags);
    f.string("appVersion", appVersion);
    if (deprecated) {
      f.key("deprecated").raw("true");
    }
    if (!annotations.isEmpty()) {
      f.key("annotations").value(annotations);
    }
    f.string("kubeVersion", kubeVersion);
    if (!dependencies.isEmpty()) {
      f.key("dependencies").raw("[");
      for (int i = 0; i < dependencies.size(); i++) {
        Dependency d = dependencies.get(i);
        j.raw(i == 0 ? "{" : ",{");
        Fields df = new Fields(j);
        df.key("name").string(d.name()); // not omitempty in Helm's struct
        df.string("version", d.version());
        df.key("repository").string(d.repository()); // not omitempty either
        df.string("condition", d.condition());
        df.strings("tags", d.tags());
        if (d.enabled()) {
          df.key("enabled").raw("true");
        }
        if (!d.importValues().isEmpty()) {
          df.key("import-values").value(d.importValues());
        }
        df.string("alias", d.alias());
        j.raw("}");
      }
      j.raw("]");
    }
    f.string("type", type);
    return j.raw("}").bytes();
  }

  /** Writes {@code "key":value} pairs with the commas between them. */
  private static final class Fields {
    private final GoJson j;
    private boolean any;

    Fields(GoJson j) {
      this.j = j;
    }

    GoJson key(String k) {
      if (any) {
        j.raw(",");
      }
      any = true;
      return j.string(k).raw(":");
    }

    void string(String k, String v) {
      if (!v.isEmpty()) {
        key(k).string(v);
      }
    }

    void strings(String k, List<String> v) {
      if (!v.isEmpty()) {
        key(k).value(v);
      }
    }
  }

  /**
   * Go's {@code unicode.IsSpace} runes become a space; runes Go's {@code unicode.IsPrint} rejects
   * are removed (Helm's {@code sanitizeString}).
   */
  static String sanitize(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      if (isGoSpace(cp)) {
        b.append(' ');
      } else if (isGoPrint(cp)) {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }

  static boolean isGoSpace(int cp) {
    return switch (cp) {
      case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
      default -> cp >= 0x2000 && cp <= 0x200A;
    };
  }

  /** Letters, marks, numbers, punctuation and symbols, plus the ASCII space. */
  static boolean isGoPrint(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
          Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
      default -> false;
    };
  }

  /** A key as Go's decoder finds it: the exact name first, else a case-insensitive match. */
  static JsonNode field(JsonNode obj, String key) {
    JsonNode exact = obj.get(key);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (k.toLowerCase(Locale.ROOT).equals(key.toLowerCase(Locale.ROOT))) {
        return obj.get(k);
      }
    }
    return null;
  }

  private static String str(JsonNode obj, String key) {
    return scalar(field(obj, key));
  }

  /** A YAML scalar as the string Helm's YAML-to-JSON step makes of it for a string field. */
  static String scalar(JsonNode n) {
    if (n == null || n.isNull() || n.isContainerNode()) {
      return "";
    }
    if (n.isFloatingPointNumber()) {
      double d = n.asDouble();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
    return n.asText();
  }

  private static List<String> strings(JsonNode obj, String key) {
    JsonNode n = field(obj, key);
    if (n == null || !n.isArray()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    n.forEach(e -> out.add(scalar(e)));
    return out;
  }

  private static Object plain(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> m.put(e.getKey(), plain(e.getValue())));
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      n.forEach(e -> l.add(plain(e)));
      return l;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isNumber()) {
      return n.numberValue();
    }
    return n.asText();
  }

  Optional<String> annotation(String key) {
    return Optional.ofNullable(annotations.get(key));
  }
}
