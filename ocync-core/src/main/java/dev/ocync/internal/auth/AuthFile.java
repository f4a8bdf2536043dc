package dev.ocync.internal.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ocync.auth.Credentials;
import dev.ocync.auth.RegistryHosts;
import dev.ocync.internal.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One parsed Docker {@code config.json} or containers {@code auth.json}: its {@code auths}
 * entries, {@code credHelpers} and {@code credsStore}. Entries keep their raw fields and are
 * decoded only when a lookup picks them, so one broken entry does not break every other host.
 */
final class AuthFile {
  /** A lone instance: these files are tiny, and a mapper without source snippets keeps secrets out of errors. */
  private static final JsonFactory JSON = JsonFactory.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  private final Path file;
  private final List<Entry> auths;
  private final List<HelperKey> credHelpers;
  private final Optional<String> credsStore;

  private AuthFile(Path file, List<Entry> auths, List<HelperKey> credHelpers, Optional<String> credsStore) {
    this.file = file;
    this.auths = List.copyOf(auths);
    this.credHelpers = List.copyOf(credHelpers);
    this.credsStore = credsStore;
  }

  Path file() {
    return file;
  }

  /** The default helper, if the file names one ({@code credsStore}, empty meaning unset as in Docker). */
  Optional<String> credsStore() {
    return credsStore;
  }

  /**
   * The {@code credHelpers} entry for {@code host} (canonical), preferring a key spelled exactly as
   * the host, then the first key in the file whose host matches.
   */
  Optional<HelperKey> credHelper(String host) {
    HelperKey best = null;
    for (HelperKey h : credHelpers) {
      if (!h.host.equals(host)) {
        continue;
      }
      if (h.key.trim().toLowerCase(Locale.ROOT).equals(host)) {
        return Optional.of(h);
      }
      if (best == null) {
        best = h;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The {@code auths} entry for {@code host} (canonical): a key that is exactly the host (for
   * Docker Hub, {@code https://index.docker.io/v1/}) first, then any other host-only spelling
   * ({@code https://host}, {@code host/v1/}), then a namespace key ({@code host/ns/repo}); ties go
   * to the first key in the file.
   */
  Optional<Entry> auth(String host) {
    Entry best = null;
    int bestRank = Integer.MAX_VALUE;
    for (Entry e : auths) {
      if (!e.host.equals(host)) {
        continue;
      }
      int rank = rank(e.key, host);
      if (rank < bestRank) {
        best = e;
        bestRank = rank;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int rank(String key, String host) {
    String k = key.trim().toLowerCase(Locale.ROOT);
    // For Docker Hub, the key Docker itself writes and reads; elsewhere the host as written.
    if (host.equals("docker.io") ? k.equals(RegistryHosts.DOCKER_HUB_CONFIG_KEY) : k.equals(host)) {
      return 0;
    }
    return isNamespaceKey(k) ? 2 : 1;
  }

  /**
   * Whether a key names a namespace within a registry ({@code host/ns}) rather than the registry
   * itself ({@code host}, {@code https://host}, {@code https://host/v1/}, {@code host/v2}).
   */
  static boolean isNamespaceKey(String key) {
    String k = key.trim().toLowerCase(Locale.ROOT);
    if (k.startsWith("https://")) {
      k = k.substring(8);
    } else if (k.startsWith("http://")) {
      k = k.substring(7);
    }
    int slash = k.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String path = k.substring(slash);
    return !(path.equals("/") || path.matches("/v[12]/?"));
  }

  /** The file's {@code credsStore} or a {@code credHelpers} value, with the key it was found under. */
  static final class HelperKey {
    final String key;
    final String host;
    final String helper;

    HelperKey(String key, String helper) {
      this.key = key;
      this.host = RegistryHosts.canonical(key);
      this.helper = helper;
    }

    @Override
    public String toString() {
      return key + " -> " + helper;
    }
  }

  /** One {@code auths} entry, raw. {@code toString} shows the key only. */
  static final class Entry {
    final String key;
    final String host;
    private final String auth;
    private final String username;
    private final String password;
    private final String identityToken;
    private final String registryToken;

    private Entry(String key, String auth, String username, String password, String identityToken,
        String registryToken) {
      this.key = key;
      this.host = RegistryHosts.canonical(key);
      this.auth = auth;
      this.username = username;
      this.password = password;
      this.identityToken = identityToken;
      this.registryToken = registryToken;
    }

    /**
     * The credentials the entry holds, by Docker's rules: {@code registrytoken} is a bearer token;
     * {@code identitytoken} an OAuth2 refresh token (username from {@code auth} or
     * {@code username}); else {@code auth} (base64 of {@code user:password}, split on the first
     * colon, NUL padding trimmed from the password); else {@code username} and {@code password}.
     * An entry with none of them (what {@code docker login} leaves when a store holds the
     * secret) has no credentials.
     */
    Optional<Credentials> credentials(Path file) throws IOException {
      if (!registryToken.isEmpty()) {
        return Optional.of(Credentials.bearer(registryToken));
      }
      String user = username;
      String pass = password;
      if (!auth.isEmpty()) {
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          // The JDK's message quotes the offending character: a piece of the secret.
          throw new IOException(file + ": auths entry \"" + key + "\": \"auth\" is not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new IOException(file + ": auths entry \"" + key
              + "\": \"auth\" does not decode to username:password");
        }
        user = decoded.substring(0, colon);
        pass = trimNul(decoded.substring(colon + 1));
        if (user.isEmpty()) {
          throw new IOException(file + ": auths entry \"" + key + "\": \"auth\" has an empty username");
        }
      }
      if (!identityToken.isEmpty()) {
        return Optional.of(Credentials.identityToken(user, identityToken));
      }
      if (user.isEmpty() && pass.isEmpty()) {
        return Optional.empty();
      }
      if (user.isEmpty()) {
        throw new IOException(file + ": auths entry \"" + key + "\" has a password but no username");
      }
      return Optional.of(Credentials.basic(user, pass));
    }

    private static String trimNul(String s) {
      // Docker trims NUL padding some tools leave after the password (it trims both ends).
      int start = 0;
      int end = s.length();
      while (end > start && s.charAt(end - 1) == '\0') {
        end--;
      }
      while (start < end && s.charAt(start) == '\0') {
        start++;
      }
      return s.substring(start, end);
    }

    @Override
    public String toString() {
      return "auths[" + key + "]";
    }
  }

  /** The file, or empty when it does not exist. */
  static Optional<AuthFile> readIfPresent(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(parse(file, bytes));
  }

  static AuthFile parse(Path file, byte[] bytes) throws IOException {
    JsonNode root;
    try {
      root = Json.read(JSON, bytes);
    } catch (JsonProcessingException e) {
      throw new IOException(file + " is not valid JSON: " + describe(e));
    }
    List<Entry> auths = new ArrayList<>();
    List<HelperKey> helpers = new ArrayList<>();
    Optional<String> store = Optional.empty();
    if (root == null || root.isMissingNode()) {
      return new AuthFile(file, auths, helpers, store); // an empty file is an empty config, as for Docker
    }
    if (!root.isObject()) {
      throw new IOException(file + ": expected a JSON object at the top level, found " + kind(root));
    }
    JsonNode a = root.get("auths");
    if (a != null && !a.isNull()) {
      if (!a.isObject()) {
        throw new IOException(file + ": \"auths\" must be an object of registry to entry, found " + kind(a));
      }
      for (Map.Entry<String, JsonNode> f : a.properties()) {
        String key = f.getKey();
        JsonNode v = f.getValue();
        if (v.isNull()) {
          continue;
        }
        if (!v.isObject()) {
          throw new IOException(file + ": auths entry \"" + key + "\" must be an object, found " + kind(v));
        }
        auths.add(new Entry(key, text(file, key, v, "auth"), text(file, key, v, "username"),
            text(file, key, v, "password"), text(file, key, v, "identitytoken"),
            text(file, key, v, "registrytoken")));
      }
    }
    JsonNode h = root.get("credHelpers");
    if (h != null && !h.isNull()) {
      if (!h.isObject()) {
        throw new IOException(file + ": \"credHelpers\" must be an object of registry to helper name, found "
            + kind(h));
      }
      for (Map.Entry<String, JsonNode> f : h.properties()) {
        if (!f.getValue().isTextual()) {
          throw new IOException(file + ": credHelpers entry \"" + f.getKey() + "\" must be a string, found "
              + kind(f.getValue()));
        }
        helpers.add(new HelperKey(f.getKey(), f.getValue().textValue()));
      }
    }
    JsonNode s = root.get("credsStore");
    if (s != null && !s.isNull()) {
      if (!s.isTextual()) {
        throw new IOException(file + ": \"credsStore\" must be a string, found " + kind(s));
      }
      if (!s.textValue().isEmpty()) {
        store = Optional.of(s.textValue());
      }
    }
    return new AuthFile(file, auths, helpers, store);
  }

  private static String text(Path file, String key, JsonNode entry, String field) throws IOException {
    JsonNode v = entry.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new IOException(file + ": auths entry \"" + key + "\": \"" + field + "\" must be a string, found "
          + kind(v));
    }
    return v.textValue();
  }

  private static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /**
   * Jackson's problem description without anything copied from the input: quoted tokens and
   * character codes are removed, since a file broken in the middle of a secret would otherwise
   * have a piece of it in the message.
   */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    // Greedy on purpose: a token may itself contain quotes, so drop everything between the first
    // and last quote, and anything after a quote left unpaired. Parentheses go too: Jackson puts
    // character codes and number values there.
    m = m.replaceAll("['\"].*['\"]", "…").replaceAll("\\([^()]*\\)", "").replaceAll("\\([^()]*\\)", "");
    int quote = indexOfQuote(m);
    if (quote >= 0) {
      m = m.substring(0, quote) + "…";
    }
    m = m.replaceAll("[()]", "").replaceAll("\\s+", " ").trim();
    if (m.length() > 160) {
      m = m.substring(0, 160) + "…";
    }
    JsonLocation loc = e.getLocation();
    if (loc != null && loc.getLineNr() > 0) {
      m += " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
    return m;
  }

  private static int indexOfQuote(String s) {
    int a = s.indexOf('\'');
    int b = s.indexOf('"');
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }
}
