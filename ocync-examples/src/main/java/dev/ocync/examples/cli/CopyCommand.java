package dev.ocync.examples.cli;

import dev.ocync.CopyResult;
import dev.ocync.Registry;
import dev.ocync.Syncer;
import dev.ocync.auth.CredentialProvider;
import dev.ocync.auth.Credentials;
import dev.ocync.auth.RegistryHosts;
import dev.ocync.oci.Reference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code ocync copy SRC DST}: one image or index, with every child, verified. */
final class CopyCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("copy", new String[] {
      "Copies one image or index, with every platform, from SRC to DST.",
      "Byte for byte: DST ends with the same digests. What DST already has is skipped,",
      "so running it twice is a no-op.",
      "",
      "Locations:",
      "  oci:DIR[:TAG]           OCI layout directory (created if missing)",
      "  oci:DIR@sha256:...      a manifest in a layout, by digest",
      "  oci-archive:FILE[:TAG]  OCI layout in a tar file",
      "  [docker://]REF          a registry: ghcr.io/org/app:1.0, host:5000/app@sha256:...",
      "  http://REF, https://REF a registry over plain HTTP / HTTPS (a loopback registry",
      "                          without a scheme tries HTTPS, then plain HTTP)",
      "A source layout without TAG must hold exactly one tag.",
      "DST without TAG gets the source's tag.",
      ""
    }, new String[] {
      "",
      "Credentials come from --authfile, else podman's auth.json and Docker's config.json.",
      "--src-creds/--dest-creds without :PASS read the password from OCYNC_SRC_PASSWORD /",
      "OCYNC_DEST_PASSWORD (safer than the command line). --ca-cert and --tls-verify apply",
      "to both sides; the --src-/--dest- forms to one side and win over them.",
      "Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, or -Dhttps.proxyHost=... .",
      "Exit codes: 0 done, 1 copy failed, 2 bad usage.",
      "",
      "Examples:",
      "  ocync copy oci:examples/image:1.0 oci-archive:/tmp/image.tar",
      "  OCYNC_DEST_PASSWORD=... ocync copy --dest-creds bot \\",
      "      oci-archive:/media/usb/image.tar:1.0 registry.example.com/mirror/app"
    }, 90, false, new Cli.Option[] {
      Cli.Option.value(Cli.Type.PATH, "FILE", "Docker config.json (or podman auth.json) with credentials.",
          "--authfile"),
      Cli.Option.value(Cli.Type.STRING, "USER[:PASS]", "Credentials for the source registry.", "--src-creds"),
      Cli.Option.value(Cli.Type.STRING, "USER[:PASS]", "Credentials for the target registry.", "--dest-creds"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "Also trust the CA certificate(s) in this PEM file (both registries).",
          "--ca-cert"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "As --ca-cert, for the source registry only.", "--src-ca-cert"),
      Cli.Option.value(Cli.Type.PATH, "FILE", "As --ca-cert, for the target registry only.", "--dest-ca-cert"),
      Cli.Option.value(Cli.Type.BOOLEAN, "BOOL",
          "Verify registry certificates (default: ${DEFAULT-VALUE}). --tls-verify=false skips it.", "--tls-verify")
          .withDefault("true"),
      Cli.Option.value(Cli.Type.BOOLEAN, "BOOL", "As --tls-verify, for the source registry only.", "--src-tls-verify"),
      Cli.Option.value(Cli.Type.BOOLEAN, "BOOL", "As --tls-verify, for the target registry only.", "--dest-tls-verify"),
      Cli.Option.value(Cli.Type.STRING, "DURATION",
          "Connect (with TLS handshake) and first-byte timeout per request: 30, 30s, 2m"
          + " (default: connect " + Registry.Builder.DEFAULT_CONNECT_SECONDS + "s, first byte "
          + Registry.Builder.DEFAULT_READ_SECONDS + "s). A whole manifest, token or error body may take"
          + " 3 times as long, at least " + Registry.Builder.DEFAULT_BODY_SECONDS + "s.", "--timeout"),
      // the library's default, so `ocync copy` and Syncer.copy behave alike unless told otherwise
      Cli.Option.value(Cli.Type.INT, "N",
          "Requests (blob transfers included) at once, 1 to 64 (default: ${DEFAULT-VALUE}, the library's).",
          "--concurrency").withDefault("" + Syncer.Builder.DEFAULT_CONCURRENCY),
      Cli.Option.flag("Print one line per manifest and blob.", "-v", "--verbose"),
      Cli.Option.flag("Print stack traces of errors.", "--debug")
    }, new Cli.Positional[] {
      new Cli.Positional("SRC", Cli.Type.STRING, "Where to read."),
      new Cli.Positional("DST", Cli.Type.STRING, "Where to write.")
    });

  String source;
  String target;
  Path authfile;
  String sourceCredentials;
  String targetCredentials;
  Path caCertificate;
  Path sourceCaCertificate;
  Path targetCaCertificate;
  boolean tlsVerify;
  Boolean sourceTlsVerify;
  Boolean targetTlsVerify;
  String timeout;
  int concurrency;
  boolean verbose;
  boolean debug;

  CopyCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    source = p.positional(0);
    target = p.positional(1);
    authfile = p.path("--authfile");
    sourceCredentials = p.string("--src-creds");
    targetCredentials = p.string("--dest-creds");
    caCertificate = p.path("--ca-cert");
    sourceCaCertificate = p.path("--src-ca-cert");
    targetCaCertificate = p.path("--dest-ca-cert");
    tlsVerify = p.flag("--tls-verify");
    sourceTlsVerify = p.bool("--src-tls-verify");
    targetTlsVerify = p.bool("--dest-tls-verify");
    timeout = p.string("--timeout");
    concurrency = p.integer("--concurrency");
    verbose = p.flag("--verbose");
    debug = p.flag("--debug");
  }

  @Override
  boolean debug() {
    return debug;
  }

  @Override
  int call() throws IOException {
    if (concurrency < 1 || concurrency > 64) {
      throw new UsageException("--concurrency must be 1 to 64, got " + concurrency);
    }
    if (authfile != null && !Files.isRegularFile(authfile)) {
      throw new UsageException("--authfile " + authfile + " is not a file");
    }
    checkFile(caCertificate, "--ca-cert");
    checkFile(sourceCaCertificate, "--src-ca-cert");
    checkFile(targetCaCertificate, "--dest-ca-cert");
    Optional<Duration> requestTimeout = Optional.ofNullable(timeout).map(this::duration);
    if (verbose) {
      // The engine logs each manifest and blob at debug level (slf4j); slf4j-simple reads these
      // when its first logger is made, which is after this point in a fresh JVM.
      setIfAbsent("org.slf4j.simpleLogger.log.dev.ocync", "debug");
    }
    Optional<String> sourceHost = registryHost(source);
    Optional<String> targetHost = registryHost(target);
    CredentialProvider credentials =
        authfile != null ? CredentialProvider.dockerConfig(authfile) : CredentialProvider.defaults();
    Optional<Credentials> sourceCreds =
        credentials(sourceCredentials, "--src-creds", "OCYNC_SRC_PASSWORD", sourceHost, "source");
    Optional<Credentials> targetCreds =
        credentials(targetCredentials, "--dest-creds", "OCYNC_DEST_PASSWORD", targetHost, "target");
    if (sourceCreds.isPresent() && targetCreds.isPresent() && sameHost(sourceHost, targetHost)
        && !sourceCredentials.equals(targetCredentials)) {
      throw new UsageException("--src-creds and --dest-creds differ but both registries are " + sourceHost.get()
          + "; give one");
    }
    if (targetCreds.isPresent()) {
      credentials = CredentialProvider.forRegistry(targetHost.get(), targetCreds.get()).or(credentials);
    }
    if (sourceCreds.isPresent()) {
      credentials = CredentialProvider.forRegistry(sourceHost.get(), sourceCreds.get()).or(credentials);
    }

    Syncer.Builder builder = Syncer.builder().credentials(credentials).concurrency(concurrency);
    Side src = new Side(sourceHost, schemeOf(source), first(sourceCaCertificate, caCertificate),
        first(sourceTlsVerify, tlsVerify));
    Side dst = new Side(targetHost, schemeOf(target), first(targetCaCertificate, caCertificate),
        first(targetTlsVerify, tlsVerify));
    if (sameHost(sourceHost, targetHost) && !src.sameSettings(dst)) {
      throw new UsageException("the source and target are both registry "
          + sourceHost.get() + " but their --src-/--dest- TLS options differ; give one setting");
    }
    List<Registry> registries = new ArrayList<>();
    try {
      for (Side side : sameHost(sourceHost, targetHost) ? List.of(src) : List.of(src, dst)) {
        if (side.host.isEmpty()) {
          continue;
        }
        Registry.Builder r = Registry.builder(side.scheme + side.host.get()).credentials(credentials)
            .insecureSkipVerify(!side.tlsVerify);
        side.caCertificate.ifPresent(r::caCertificate);
        requestTimeout.ifPresent(t -> r.readTimeout(t).connectTimeout(t)
            .bodyTimeout(max(t.multipliedBy(3), Duration.ofSeconds(Registry.Builder.DEFAULT_BODY_SECONDS))));
        Registry registry = r.build();
        registries.add(registry);
        builder.registry(registry);
      }
      try (Syncer syncer = builder.build()) {
        CopyResult result = syncer.copy(source, target);
        out().println(result);
        return 0;
      }
    } finally {
      for (Registry r : registries) {
        r.close();
      }
    }
  }

  /** The registry settings of one side of the copy. */
  private record Side(Optional<String> host, String scheme, Optional<Path> caCertificate, boolean tlsVerify) {
    boolean sameSettings(Side other) {
      return scheme.equals(other.scheme) && caCertificate.equals(other.caCertificate) && tlsVerify == other.tlsVerify;
    }
  }

  private static <T> Optional<T> first(T specific, T shared) {
    return Optional.ofNullable(specific).or(() -> Optional.ofNullable(shared));
  }

  private static boolean first(Boolean specific, boolean shared) {
    return specific != null ? specific : shared;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private void checkFile(Path file, String option) {
    if (file != null && !Files.isRegularFile(file)) {
      throw new UsageException(option + " " + file + " is not a file");
    }
  }

  /** {@code 30}, {@code 30s}, {@code 2m}, {@code 1h}: a positive duration of at most a day. */
  private Duration duration(String value) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})(s|m|h)?").matcher(value.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      Duration d = unit.equals("h") ? Duration.ofHours(n) : unit.equals("m") ? Duration.ofMinutes(n)
          : Duration.ofSeconds(n);
      if (!d.isZero() && d.compareTo(Duration.ofDays(1)) <= 0) {
        return d;
      }
    }
    throw new UsageException("--timeout must be a duration from 1s to 24h such as 30, 30s"
        + " or 2m, got \"" + value + "\"");
  }

  /** {@code http://} or {@code https://} when the location names one, else "" (the registry's default). */
  static String schemeOf(String location) {
    String lower = location.toLowerCase(Locale.ROOT);
    return lower.startsWith("http://") ? "http://" : lower.startsWith("https://") ? "https://" : "";
  }

  private Optional<Credentials> credentials(String option, String name, String passwordVariable,
      Optional<String> host, String side) {
    if (option == null) {
      return Optional.empty();
    }
    if (host.isEmpty()) {
      throw new UsageException(name + " applies to a registry " + side + ", but the "
          + side + " is not a registry");
    }
    int colon = option.indexOf(':');
    String user = colon < 0 ? option : option.substring(0, colon);
    String password = colon < 0 ? env().get(passwordVariable) : option.substring(colon + 1);
    if (user.isEmpty()) {
      throw new UsageException(name + " needs a user name: USER[:PASS]");
    }
    if (password == null || password.isEmpty()) {
      // never echo what was given: it may hold a secret
      throw new UsageException(name + " has no password: give USER:PASS or set "
          + passwordVariable);
    }
    return Optional.of(Credentials.basic(user, password));
  }

  /** The registry host of a registry location, or empty for layouts (and for what does not parse). */
  static Optional<String> registryHost(String location) {
    String lower = location.toLowerCase(Locale.ROOT);
    if (lower.startsWith("oci:") || lower.startsWith("oci-archive:")) {
      return Optional.empty();
    }
    String ref = location;
    for (String prefix : List.of("docker://", "http://", "https://")) {
      if (lower.startsWith(prefix)) {
        ref = location.substring(prefix.length());
        break;
      }
    }
    try {
      return Optional.of(Reference.parse(ref).registry());
    } catch (IllegalArgumentException e) {
      // the syncer reports a bad location with the accepted forms
      return Optional.empty();
    }
  }

  private static boolean sameHost(Optional<String> a, Optional<String> b) {
    return a.isPresent() && b.isPresent() && RegistryHosts.canonical(a.get()).equals(RegistryHosts.canonical(b.get()));
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
