package dev.ocync.internal.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Checks a client's {@code Authorization} header. Never logs or prints the secrets it holds. */
public final class ClientAuth {
  private static final int MAX_FILE = 1 << 20;

  private static final int MAX_VERIFIED = 1024;

  private final String scheme;
  /** user → the sha1 of the password or the 60 characters of a bcrypt hash, for basic; "" → sha256 of the token, for bearer. */
  private final Map<String, byte[]> secrets;
  /**
   * sha256 of user and password pairs that passed a bcrypt check: bcrypt is slow by design, and a
   * client sends its credentials with every request.
   */
  private final Set<String> verified = ConcurrentHashMap.newKeySet();

  private ClientAuth(String scheme, Map<String, byte[]> secrets) {
    this.scheme = scheme;
    this.secrets = secrets;
  }

  /**
   * Basic auth against an htpasswd file: bcrypt lines (what distribution uses, {@code htpasswd -B})
   * or {@code {SHA}} lines ({@code htpasswd -s}).
   */
  public static ClientAuth htpasswd(Path file) {
    List<String> lines;
    try {
      if (Files.size(file) > MAX_FILE) {
        throw new IllegalArgumentException("htpasswd file " + file + " is larger than " + MAX_FILE + " bytes");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read htpasswd file " + file + ": " + e.getMessage(), e);
    }
    Map<String, byte[]> users = new HashMap<>();
    int lineNo = 0;
    for (String line : lines) {
      lineNo++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int colon = l.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("htpasswd file " + file + " line " + lineNo + ": expected user:hash");
      }
      String hash = l.substring(colon + 1);
      if (hash.startsWith("$2")) {
        String problem = Bcrypt.problem(hash);
        if (!problem.isEmpty()) {
          throw new IllegalArgumentException("htpasswd file " + file + " line " + lineNo + " (user "
              + l.substring(0, colon) + "): " + problem);
        }
        users.put(l.substring(0, colon), hash.getBytes(StandardCharsets.US_ASCII));
        continue;
      }
      if (!hash.startsWith("{SHA}")) {
        String kind = hash.startsWith("$apr1$") ? "apr1-md5" : hash.startsWith("$") ? "crypt" : "plain-text";
        throw new IllegalArgumentException("htpasswd file " + file + " line " + lineNo + " (user "
            + l.substring(0, colon) + "): the " + kind + " hash scheme is not supported; write the file with htpasswd -B");
      }
      byte[] sha1;
      try {
        sha1 = Base64.getDecoder().decode(hash.substring(5));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("htpasswd file " + file + " line " + lineNo + ": the {SHA} hash is not base64");
      }
      users.put(l.substring(0, colon), sha1);
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("htpasswd file " + file + " lists no user");
    }
    return new ClientAuth("Basic", Map.copyOf(users));
  }

  /** A static bearer token. */
  public static ClientAuth bearer(String token) {
    if (token.isBlank()) {
      throw new IllegalArgumentException("the bearer token must not be blank");
    }
    return new ClientAuth("Bearer", Map.of("", hash("SHA-256", token)));
  }

  /** The {@code WWW-Authenticate} challenge for a 401. */
  public String challenge() {
    return scheme + " realm=\"ocync\"";
  }

  /** Whether the header carries valid credentials. Compares in constant time. */
  public boolean allows(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return false;
    }
    String h = authorization.get();
    if (h.length() <= scheme.length() + 1 || !h.regionMatches(true, 0, scheme + " ", 0, scheme.length() + 1)) {
      return false;
    }
    String value = h.substring(scheme.length() + 1).strip();
    if (scheme.equals("Bearer")) {
      return MessageDigest.isEqual(secrets.get(""), hash("SHA-256", value));
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = pair.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String user = pair.substring(0, colon);
    String password = pair.substring(colon + 1);
    byte[] expected = secrets.get(user);
    if (expected != null && expected.length == 60 && expected[0] == '$') {
      String key = HexFormat.of().formatHex(hash("SHA-256", user + "\u0000" + password));
      if (verified.contains(key)) {
        return true;
      }
      boolean ok = Bcrypt.matches(password, new String(expected, StandardCharsets.US_ASCII));
      if (ok) {
        if (verified.size() >= MAX_VERIFIED) {
          verified.clear();
        }
        verified.add(key);
      }
      return ok;
    }
    byte[] actual = hash("SHA-1", password);
    // compare even for an unknown user, so timing does not tell which users exist
    return MessageDigest.isEqual(expected == null ? new byte[actual.length + 1] : expected, actual) && expected != null;
  }

  private static byte[] hash(String algorithm, String value) {
    try {
      return MessageDigest.getInstance(algorithm).digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is not available", e);
    }
  }

  @Override
  public String toString() {
    return "ClientAuth{" + scheme + "}";
  }
}
