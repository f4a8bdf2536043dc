package dev.ocync.examples.cli;

import dev.ocync.HelmRepository;
import dev.ocync.OciServer;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.config.Endpoint;
import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ocync serve -c CONFIG --listen HOST:PORT}: the config's chart repositories and OCI
 * layouts served read-only over the distribution API, and with {@code --allow-host} classic chart
 * repositories by host name, as {@code helm pull oci://HOST:PORT/...} expects.
 */
final class ServeCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("serve", new String[] {
      "Serves read-only, over the OCI distribution API, every registry of the config of type",
      "helm (as <alias>/<chart>, tags the chart versions), oci-layout or oci-archive (as",
      "<alias>/<repository>). With --allow-host, <host>/<path>/<chart> is chart <chart> of the",
      "classic repository https://<host>/<path> (the chart proxy). Every byte served is verified",
      "against its digest. Prints one line with the URL when ready, then one access-log line per",
      "request; /healthz answers 'ok'. SIGINT/SIGTERM let requests in flight finish, then stop.",
      "The config's repositories are trusted as the user wrote them (plain http and private",
      "addresses included); the chart proxy refuses hosts off the allow-list and, unless",
      "--allow-private, hosts resolving to loopback, private or link-local addresses.",
      ""
    }, new String[] {"", "Exit codes: 0 stopped by SIGINT/SIGTERM, 2 bad usage or the address cannot be bound,",
      "3 config error (including nothing to serve)."
    }, 90, false, new Cli.Option[] {
      Cli.Option.value(Cli.Type.PATH, "CONFIG", "The config file.", "-c", "--config").asRequired(),
      Cli.Option.value(Cli.Type.STRING, "HOST:PORT",
          "Address to listen on; PORT 0 picks a free one (default: ${DEFAULT-VALUE}).", "--listen")
          .withDefault("127.0.0.1:5000"),
      Cli.Option.value(Cli.Type.STRING, "HOST",
          "Serve classic chart repositories of HOST as <host>/<path>/<chart>: a name, name:port,"
          + " *.suffix, or * for any host (repeatable; none by default). Credentials for a host come from"
          + " podman's auth file or Docker's config.json, as for registries.", "--allow-host").asRepeatable(),
      Cli.Option.flag("Let the chart proxy fetch from hosts resolving to loopback, private or link-local addresses.",
          "--allow-private"),
      Cli.Option.flag("The chart proxy fetches over http:// instead of https:// (only for repositories you control).",
          "--proxy-plain-http"),
      Cli.Option.value(Cli.Type.PATH, "DIR", "Keep verified chart archives in DIR (shared safely by several servers).",
          "--cache-dir"),
      Cli.Option.value(Cli.Type.STRING, "SIZE",
          "Most bytes kept in --cache-dir, least recently used removed first (default: ${DEFAULT-VALUE}).",
          "--cache-size").withDefault("2GiB"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "Serve HTTPS with this PEM certificate chain.", "--tls-cert"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "The PEM (PKCS#8) private key of --tls-cert.", "--tls-key"),
      Cli.Option.value(Cli.Type.PATH, "FILE",
          "Require basic credentials from this htpasswd file (bcrypt or {SHA} entries).", "--htpasswd"),
      Cli.Option.value(Cli.Type.PATH, "FILE",
          "Require 'Authorization: Bearer <token>', the token read from FILE.", "--token-file"),
      Cli.Option.value(Cli.Type.STRING, "VAR",
          "Require 'Authorization: Bearer <token>', the token read from environment variable VAR.", "--token-env"),
      Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG
    }, new Cli.Positional[0]);

  private static final Pattern SIZE = Pattern.compile("(\\d{1,15})([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

  Path config;
  String listen;
  List<String> allowHosts;
  boolean allowPrivate;
  boolean proxyPlainHttp;
  Path cacheDir;
  String cacheSize;
  Path tlsCert;
  Path tlsKey;
  Path htpasswd;
  Path tokenFile;
  String tokenEnv;

  ServeCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    config = p.path("--config");
    listen = p.string("--listen");
    allowHosts = p.list("--allow-host");
    allowPrivate = p.flag("--allow-private");
    proxyPlainHttp = p.flag("--proxy-plain-http");
    cacheDir = p.path("--cache-dir");
    cacheSize = p.string("--cache-size");
    tlsCert = p.path("--tls-cert");
    tlsKey = p.path("--tls-key");
    htpasswd = p.path("--htpasswd");
    tokenFile = p.path("--token-file");
    tokenEnv = p.string("--token-env");
    verbosity = Verbosity.of(p);
  }

  @Override
  int call() throws IOException, InterruptedException {
    Progress.Level level = verbosity.level();
    // Jetty's start and stop banners would bury the one ready line; its warnings still show
    Main.setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    PrintWriter out = out();
    PrintWriter err = err();
    String[] hostPort = listenAddress();
    long cacheBytes = size(cacheSize, "--cache-size");
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new UsageException("--tls-cert and --tls-key go together; give both");
    }
    if ((htpasswd != null ? 1 : 0) + (tokenFile != null ? 1 : 0) + (tokenEnv != null ? 1 : 0) > 1) {
      throw new UsageException("give one of --htpasswd, --token-file and --token-env");
    }
    Optional<String> token = token();
    Optional<OcyncConfig> loaded = ConfigFiles.load(config, env(), err, level);
    if (loaded.isEmpty()) {
      return Exit.CONFIG;
    }
    List<HelmRepository> cached = new ArrayList<>();
    try (OcyncConfig cfg = loaded.get()) {
      OciServer.Builder b = OciServer.builder();
      try {
        b.listen(hostPort[0], Integer.parseInt(hostPort[1]));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--listen: " + e.getMessage());
      }
      List<String> routes = new ArrayList<>();
      for (Endpoint e : cfg.registries().values()) {
        Optional<String> problem = route(b, e, cached, cacheBytes, routes);
        if (problem.isPresent()) {
          err.println("error: config " + config + ": registries." + e.alias() + ": " + problem.get());
          return Exit.CONFIG;
        }
      }
      if (!allowHosts.isEmpty()) {
        // upstream credentials by host, from where docker, podman and helm registry login keep them
        OciServer.ChartProxy.Builder proxy = OciServer.ChartProxy.builder().allowNonPublicAddresses(allowPrivate)
            .plainHttp(proxyPlainHttp).credentials(CredentialProvider.defaults());
        for (String h : allowHosts) {
          try {
            proxy.allowHost(h);
          } catch (IllegalArgumentException ex) {
            throw new UsageException("--allow-host: " + ex.getMessage());
          }
        }
        if (cacheDir != null) {
          proxy.archiveCache(cacheDir, cacheBytes);
        }
        try {
          b.chartProxy("", proxy.build());
        } catch (IllegalArgumentException ex) {
          err.println("error: --allow-host: " + ex.getMessage());
          return Exit.CONFIG;
        }
        routes.add("<host>/<path>/<chart> for " + String.join(", ", allowHosts));
      }
      if (routes.isEmpty()) {
        err.println("error: config " + config + " has no registry of type helm, oci-layout or oci-archive, and"
            + " no --allow-host was given: nothing to serve");
        return Exit.CONFIG;
      }
      if (htpasswd != null) {
        b.htpasswd(htpasswd);
      }
      token.ifPresent(b::bearerToken);
      if (tlsCert != null) {
        b.tls(tlsCert, tlsKey);
      }
      if (level != Progress.Level.QUIET) {
        b.accessListener(a -> {
          // one line, flushed: an access log read by a pipe or journald sees it at once
          out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + a.client() + " " + a.method() + " "
              + a.path() + " " + a.status() + " " + a.bytes() + " " + a.duration().toMillis() + "ms");
          out.flush();
        });
      }
      CountDownLatch stop = new CountDownLatch(1);
      try (OciServer server = start(b.build());
          StopSignals signals = StopSignals.install(parent.signals, stop::countDown)) {
        if (level == Progress.Level.VERBOSE) {
          routes.forEach(r -> err.println("serving " + r));
        }
        out.println("ocync serve: ready on " + server.url());
        out.flush();
        stop.await();
        if (level != Progress.Level.QUIET) {
          err.println("stopping: letting requests in flight finish");
          err.flush();
        }
      }
      return Exit.OK;
    } finally {
      cached.forEach(HelmRepository::close);
    }
  }

  private OciServer start(OciServer server) {
    try {
      return server.start();
    } catch (IOException e) {
      throw new UsageException("cannot serve on " + listen + ": " + e.getMessage());
    }
  }

  /** Adds the route of one registries entry, or says why it cannot be served; registries are skipped. */
  private Optional<String> route(OciServer.Builder b, Endpoint e, List<HelmRepository> cached, long cacheBytes,
      List<String> routes) {
    String alias = e.alias();
    try {
      switch (e.type()) {
        case HELM -> {
          HelmRepository repo = e.helm().orElseThrow();
          if (cacheDir != null) {
            repo = repo.withArchiveCache(cacheDir, cacheBytes);
            cached.add(repo);
          }
          b.helm(alias, repo);
          routes.add(alias + "/<chart> from " + repo.url());
        }
        case OCI_LAYOUT, OCI_ARCHIVE -> {
          Path path = e.path().orElseThrow();
          boolean ok = e.type() == Endpoint.Type.OCI_LAYOUT ? Files.isDirectory(path) : Files.isRegularFile(path);
          if (!ok) {
            return Optional.of("the " + (e.type() == Endpoint.Type.OCI_LAYOUT ? "layout directory " : "archive ")
                + path + " does not exist");
          }
          b.bundle(alias, e.bundle().orElseThrow());
          routes.add(alias + "/<repository> from " + path);
        }
        case REGISTRY -> {
          // a registry is served by itself; nothing to add
        }
      }
    } catch (IllegalArgumentException ex) {
      return Optional.of("cannot be served under its alias: " + ex.getMessage());
    }
    return Optional.empty();
  }

  private String[] listenAddress() {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0 || colon == listen.length() - 1) {
      throw new UsageException("--listen must be HOST:PORT, got \"" + listen + "\"");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String port = listen.substring(colon + 1);
    if (!port.matches("\\d{1,5}")) {
      throw new UsageException("--listen: the port \"" + port + "\" is not a number");
    }
    return new String[] {host, port};
  }

  /** The client token, from a file or the environment: never from the command line, which {@code ps} shows. */
  private Optional<String> token() throws IOException {
    String t;
    String from;
    if (tokenFile != null) {
      try {
        t = Files.readString(tokenFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UsageException("--token-file " + tokenFile + " cannot be read: "
            + e.getClass().getSimpleName());
      }
      from = "--token-file " + tokenFile;
    } else if (tokenEnv != null) {
      t = env().get(tokenEnv);
      if (t == null) {
        throw new UsageException("--token-env: environment variable " + tokenEnv
            + " is not set");
      }
      from = "environment variable " + tokenEnv;
    } else {
      return Optional.empty();
    }
    t = t.strip();
    if (t.isEmpty() || t.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
      throw new UsageException("the token in " + from
          + " is empty or holds spaces or control characters");
    }
    return Optional.of(t);
  }

  /** {@code 512m}, {@code 2GiB}, {@code 1000000}: binary units. */
  private long size(String text, String option) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new UsageException(option + " must be a size such as 512MiB or 2GiB, got \""
          + text + "\"");
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
      throw new UsageException(option + " must be positive and below 8 EiB, got \"" + text
          + "\"");
    }
    return n << shift;
  }
}
