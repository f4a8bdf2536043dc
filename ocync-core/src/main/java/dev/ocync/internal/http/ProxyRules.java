package dev.ocync.internal.http;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Which HTTP proxy a request goes through, if any: an explicit setting, the JVM's
 * {@code https.proxyHost}/{@code http.proxyHost}/{@code http.nonProxyHosts}, or the
 * {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY} environment variables read as Go's
 * {@code httpproxy} package (and so Docker, skopeo and crane) reads them. Loopback hosts never go
 * through a proxy. {@code toString} and messages never show proxy credentials.
 */
public final class ProxyRules {
  private static final ProxyRules DIRECT = new ProxyRules(Optional.empty(), Optional.empty(), List.of(), "direct");

  private final Optional<URI> httpsProxy;
  private final Optional<URI> httpProxy;
  private final List<Rule> noProxy;
  private final String source;

  private ProxyRules(Optional<URI> httpsProxy, Optional<URI> httpProxy, List<Rule> noProxy, String source) {
    this.httpsProxy = httpsProxy;
    this.httpProxy = httpProxy;
    this.noProxy = noProxy;
    this.source = source;
  }

  /** No proxy at all. */
  public static ProxyRules direct() {
    return DIRECT;
  }

  /**
   * One proxy for both schemes, except for the hosts {@code noProxy} names (NO_PROXY syntax).
   *
   * @throws IllegalArgumentException if {@code proxy} is not an {@code http://host[:port]} URL
   */
  public static ProxyRules of(String proxy, String noProxy) {
    URI p = parseProxy(proxy, "proxy");
    return new ProxyRules(Optional.of(p), Optional.of(p), parseNoProxy(noProxy), "proxy " + shown(p));
  }

  /**
   * The JVM's proxy properties when {@code https.proxyHost} or {@code http.proxyHost} is set,
   * else the environment's {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (upper case
   * first, then lower case, as Go reads them), else direct.
   *
   * @throws IllegalArgumentException naming the variable if a proxy setting is not an http:// URL
   */
  public static ProxyRules fromEnvironment(Map<String, String> env, Properties properties) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(properties, "properties");
    String httpsHost = properties.getProperty("https.proxyHost", "").trim();
    String httpHost = properties.getProperty("http.proxyHost", "").trim();
    if (!httpsHost.isEmpty() || !httpHost.isEmpty()) {
      Optional<URI> https = httpsHost.isEmpty() ? Optional.empty() : Optional.of(parseProxy(
          "http://" + bracket(httpsHost) + ":" + properties.getProperty("https.proxyPort", "443").trim(),
          "https.proxyHost"));
      Optional<URI> http = httpHost.isEmpty() ? Optional.empty() : Optional.of(parseProxy(
          "http://" + bracket(httpHost) + ":" + properties.getProperty("http.proxyPort", "80").trim(),
          "http.proxyHost"));
      List<Rule> rules = new ArrayList<>();
      for (String p : properties.getProperty("http.nonProxyHosts", "").split("\\|")) {
        String s = p.trim().toLowerCase(Locale.ROOT);
        if (!s.isEmpty()) {
          rules.add(Rule.javaPattern(s));
        }
      }
      return new ProxyRules(https, http, List.copyOf(rules), "JVM proxy properties");
    }
    Optional<String> httpsVar = variable(env, "HTTPS_PROXY");
    Optional<String> httpVar = variable(env, "HTTP_PROXY");
    if (httpsVar.isEmpty() && httpVar.isEmpty()) {
      return DIRECT;
    }
    Optional<URI> https = httpsVar.map(v -> parseProxy(v, "HTTPS_PROXY"));
    Optional<URI> http = httpVar.map(v -> parseProxy(v, "HTTP_PROXY"));
    return new ProxyRules(https, http, parseNoProxy(variable(env, "NO_PROXY").orElse("")),
        "HTTPS_PROXY/HTTP_PROXY");
  }

  private static Optional<String> variable(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      v = env.get(name.toLowerCase(Locale.ROOT));
    }
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  private static String bracket(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** The proxy for a request to {@code scheme://host:port}, or empty to connect directly. */
  public Optional<URI> proxyFor(String scheme, String host, int port) {
    Optional<URI> proxy = "https".equalsIgnoreCase(scheme) ? httpsProxy : httpProxy;
    if (proxy.isEmpty()) {
      return proxy;
    }
    String h = unbracket(host).toLowerCase(Locale.ROOT);
    if (Loopback.isLoopback(h)) {
      return Optional.empty();
    }
    for (Rule r : noProxy) {
      if (r.matches(h, port)) {
        return Optional.empty();
      }
    }
    return proxy;
  }

  /** The proxies these rules may choose. */
  List<URI> proxies() {
    List<URI> out = new ArrayList<>();
    httpsProxy.ifPresent(out::add);
    httpProxy.filter(p -> !out.contains(p)).ifPresent(out::add);
    return out;
  }

  /** Whether any request may go through a proxy. */
  public boolean isDirect() {
    return httpsProxy.isEmpty() && httpProxy.isEmpty();
  }

  /** Where the rules came from and which proxies they name, without credentials. */
  @Override
  public String toString() {
    return "ProxyRules{" + source + "}";
  }

  /** {@code http://host:port} of a proxy, never its credentials. */
  static String shown(URI proxy) {
    return proxy.getScheme() + "://" + proxy.getHost() + ":" + proxy.getPort();
  }

  static URI parseProxy(String value, String what) {
    String v = value.trim();
    // Go reads a bare host[:port] as http://host[:port]
    String withScheme = v.contains("://") ? v : "http://" + v;
    URI u;
    try {
      u = URI.create(withScheme);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not a proxy URL (expected http://host:port)", null);
    }
    if (!"http".equalsIgnoreCase(u.getScheme())) {
      throw new IllegalArgumentException(what + " uses scheme " + u.getScheme()
          + "; ocync supports http:// proxies (CONNECT for HTTPS registries)");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException(what + " names no proxy host (expected http://host:port)");
    }
    int port = u.getPort() > 0 ? u.getPort() : 80;
    try {
      return new URI("http", u.getRawUserInfo() == null ? null : decode(u.getRawUserInfo()), u.getHost(), port,
          null, null, null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(what + " is not a proxy URL (expected http://host:port)", null);
    }
  }

  private static String decode(String userInfo) {
    return java.net.URLDecoder.decode(userInfo.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** {@code user:password} of the proxy, if its URL had them. */
  static Optional<String[]> credentials(URI proxy) {
    String ui = proxy.getUserInfo();
    if (ui == null || ui.isEmpty()) {
      return Optional.empty();
    }
    int colon = ui.indexOf(':');
    return Optional.of(colon < 0 ? new String[] {ui, ""} : new String[] {ui.substring(0, colon),
        ui.substring(colon + 1)});
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static List<Rule> parseNoProxy(String value) {
    List<Rule> rules = new ArrayList<>();
    for (String entry : value.split("[,\\s]+")) {
      String e = entry.trim().toLowerCase(Locale.ROOT);
      if (!e.isEmpty()) {
        rules.add(Rule.goEntry(e));
      }
    }
    return List.copyOf(rules);
  }

  /** One NO_PROXY entry: everything, a CIDR block, an address, or a domain (and its subdomains). */
  record Rule(Kind kind, String host, int port, byte[] network, int prefix) {
    enum Kind { ALL, CIDR, EXACT, DOMAIN, SUBDOMAINS_ONLY, PREFIX }

    static Rule goEntry(String e) {
      if (e.equals("*")) {
        return new Rule(Kind.ALL, "", -1, null, 0);
      }
      int slash = e.indexOf('/');
      if (slash > 0) {
        Optional<byte[]> net = literalAddress(e.substring(0, slash));
        if (net.isPresent() && e.substring(slash + 1).matches("[0-9]{1,3}")) {
          return new Rule(Kind.CIDR, "", -1, net.get(), Integer.parseInt(e.substring(slash + 1)));
        }
      }
      String host = e;
      int port = -1;
      // host:port, [v6]:port; a bare IPv6 address has more than one colon and no port
      if (host.startsWith("[")) {
        int close = host.indexOf(']');
        if (close > 0) {
          String rest = host.substring(close + 1);
          host = host.substring(1, close);
          if (rest.matches(":[0-9]{1,5}")) {
            port = Integer.parseInt(rest.substring(1));
          }
        }
      } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') > 0) {
        String p = host.substring(host.indexOf(':') + 1);
        host = host.substring(0, host.indexOf(':'));
        if (p.matches("[0-9]{1,5}")) {
          port = Integer.parseInt(p);
        }
      }
      if (literalAddress(host).isPresent()) {
        return new Rule(Kind.EXACT, host, port, null, 0);
      }
      if (host.startsWith("*.")) {
        return new Rule(Kind.SUBDOMAINS_ONLY, host.substring(1), port, null, 0);
      }
      if (host.startsWith(".")) {
        return new Rule(Kind.SUBDOMAINS_ONLY, host, port, null, 0);
      }
      return new Rule(Kind.DOMAIN, host, port, null, 0);
    }

    /** An {@code http.nonProxyHosts} pattern: a host with {@code *} at its start or end. */
    static Rule javaPattern(String p) {
      if (p.equals("*")) {
        return new Rule(Kind.ALL, "", -1, null, 0);
      }
      if (p.startsWith("*")) {
        return new Rule(Kind.SUBDOMAINS_ONLY, p.substring(1), -1, null, 0);
      }
      if (p.endsWith("*")) {
        return new Rule(Kind.PREFIX, p.substring(0, p.length() - 1), -1, null, 0);
      }
      return new Rule(Kind.EXACT, unbracket(p), -1, null, 0);
    }

    boolean matches(String host, int requestPort) {
      if (port > 0 && port != requestPort) {
        return false;
      }
      switch (kind) {
        case ALL:
          return true;
        case CIDR:
          return literalAddress(host).filter(a -> a.length == network.length && inPrefix(a)).isPresent();
        case EXACT:
          return host.equals(this.host) || sameAddress(host, this.host);
        case DOMAIN:
          return host.equals(this.host) || host.endsWith("." + this.host);
        case SUBDOMAINS_ONLY:
          return host.endsWith(this.host);
        case PREFIX:
          return host.startsWith(this.host);
        default:
          return false;
      }
    }

    private boolean inPrefix(byte[] a) {
      int bits = Math.min(prefix, a.length * 8);
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    private static boolean sameAddress(String a, String b) {
      Optional<byte[]> x = literalAddress(a);
      Optional<byte[]> y = literalAddress(b);
      return x.isPresent() && y.isPresent() && java.util.Arrays.equals(x.get(), y.get());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Rule r && r.kind == kind && r.host.equals(host) && r.port == port
          && java.util.Arrays.equals(r.network, network) && r.prefix == prefix;
    }

    @Override
    public int hashCode() {
      return Objects.hash(kind, host, port, java.util.Arrays.hashCode(network), prefix);
    }

    @Override
    public String toString() {
      return kind + " " + host + (port > 0 ? ":" + port : "");
    }
  }

  /** The bytes of an IPv4 or IPv6 literal, without any name lookup; empty for names. */
  static Optional<byte[]> literalAddress(String host) {
    String h = unbracket(host);
    boolean v4 = h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    boolean v6 = h.indexOf(':') >= 0 && h.matches("[0-9a-fA-F:.]+(%[A-Za-z0-9._-]+)?");
    if (!v4 && !v6) {
      return Optional.empty();
    }
    try {
      // a literal is parsed, never resolved
      return Optional.of(InetAddress.getByName(h).getAddress());
    } catch (UnknownHostException | SecurityException e) {
      return Optional.empty();
    }
  }
}
