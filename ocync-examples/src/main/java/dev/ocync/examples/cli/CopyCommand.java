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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ocync copy SRC DST}: one image or index, with every child, verified. */
@Command(name = "copy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    sortOptions = false, usageHelpWidth = 90,
    description = {
      "Copies one image or index, with every platform, from SRC to DST.",
      "Byte for byte: DST ends with the same digests. What DST already has is skipped,",
      "so running it twice is a no-op.",
      "",
      "Locations:",
      "  oci:DIR[:TAG]           OCI layout directory (created if missing)",
      "  oci:DIR@sha256:...      a manifest in a layout, by digest",
      "  oci-archive:FILE[:TAG]  OCI layout in a tar file",
      "  [docker://]REF          a registry: ghcr.io/org/app:1.0, host:5000/app@sha256:...",
      "A source layout without TAG must hold exactly one tag.",
      "DST without TAG gets the source's tag.",
      ""
    },
    footer = {
      "",
      "Credentials come from --authfile, else podman's auth.json and Docker's config.json.",
      "--src-creds/--dest-creds without :PASS read the password from OCYNC_SRC_PASSWORD /",
      "OCYNC_DEST_PASSWORD (safer than the command line). --ca-cert and --tls-verify apply",
      "to both sides. Exit codes: 0 done, 1 copy failed, 2 bad usage.",
      "",
      "Examples:",
      "  ocync copy oci:examples/image:1.0 oci-archive:/tmp/image.tar",
      "  OCYNC_DEST_PASSWORD=... ocync copy --dest-creds bot \\",
      "      oci-archive:/media/usb/image.tar:1.0 registry.example.com/mirror/app"
    })
final class CopyCommand implements Callable<Integer> {
  @ParentCommand
  Main parent;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC", description = "Where to read.")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "Where to write.")
  String target;

  @Option(names = "--authfile", paramLabel = "FILE",
      description = "Docker config.json (or podman auth.json) with credentials.")
  Path authfile;

  @Option(names = "--src-creds", paramLabel = "USER[:PASS]", description = "Credentials for the source registry.")
  String sourceCredentials;

  @Option(names = "--dest-creds", paramLabel = "USER[:PASS]", description = "Credentials for the target registry.")
  String targetCredentials;

  @Option(names = "--ca-cert", paramLabel = "FILE",
      description = "Also trust the CA certificate(s) in this PEM file (both registries).")
  Path caCertificate;

  @Option(names = "--tls-verify", arity = "0..1", paramLabel = "BOOL", defaultValue = "true", fallbackValue = "true",
      description = "Verify registry certificates (default: ${DEFAULT-VALUE}). --tls-verify=false skips it.")
  boolean tlsVerify;

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
      description = "Blobs moved at once, 1 to 64 (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = {"-v", "--verbose"}, description = "Print one line per manifest and blob.")
  boolean verbose;

  @Option(names = "--debug", description = "Print stack traces of errors.")
  boolean debug;

  @Override
  public Integer call() throws IOException {
    if (concurrency < 1 || concurrency > 64) {
      throw new ParameterException(spec.commandLine(), "--concurrency must be 1 to 64, got " + concurrency);
    }
    if (authfile != null && !Files.isRegularFile(authfile)) {
      throw new ParameterException(spec.commandLine(), "--authfile " + authfile + " is not a file");
    }
    if (caCertificate != null && !Files.isRegularFile(caCertificate)) {
      throw new ParameterException(spec.commandLine(), "--ca-cert " + caCertificate + " is not a file");
    }
    if (verbose) {
      // The engine logs each manifest and blob at debug level (slf4j); slf4j-simple reads these
      // when its first logger is made, which is after this point in a fresh JVM.
      setIfAbsent("org.slf4j.simpleLogger.log.dev.ocync", "debug");
      setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
      setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
      setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "false");
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
      throw new ParameterException(spec.commandLine(),
          "--src-creds and --dest-creds differ but both registries are " + sourceHost.get() + "; give one");
    }
    if (targetCreds.isPresent()) {
      credentials = CredentialProvider.forRegistry(targetHost.get(), targetCreds.get()).or(credentials);
    }
    if (sourceCreds.isPresent()) {
      credentials = CredentialProvider.forRegistry(sourceHost.get(), sourceCreds.get()).or(credentials);
    }

    Syncer.Builder builder = Syncer.builder().credentials(credentials).concurrency(concurrency);
    List<Registry> registries = new ArrayList<>();
    try {
      if (caCertificate != null || !tlsVerify) {
        Set<String> hosts = new LinkedHashSet<>();
        sourceHost.ifPresent(hosts::add);
        targetHost.ifPresent(hosts::add);
        for (String host : hosts) {
          Registry.Builder r = Registry.builder(host).credentials(credentials).insecureSkipVerify(!tlsVerify);
          if (caCertificate != null) {
            r.caCertificate(caCertificate);
          }
          Registry registry = r.build();
          registries.add(registry);
          builder.registry(registry);
        }
      }
      try (Syncer syncer = builder.build()) {
        CopyResult result = syncer.copy(source, target);
        spec.commandLine().getOut().println(result);
        return 0;
      }
    } finally {
      for (Registry r : registries) {
        r.close();
      }
    }
  }

  private Optional<Credentials> credentials(String option, String name, String passwordVariable,
      Optional<String> host, String side) {
    if (option == null) {
      return Optional.empty();
    }
    if (host.isEmpty()) {
      throw new ParameterException(spec.commandLine(), name + " applies to a registry " + side + ", but the "
          + side + " is not a registry");
    }
    int colon = option.indexOf(':');
    String user = colon < 0 ? option : option.substring(0, colon);
    String password = colon < 0 ? parent.env.get(passwordVariable) : option.substring(colon + 1);
    if (user.isEmpty()) {
      throw new ParameterException(spec.commandLine(), name + " needs a user name: USER[:PASS]");
    }
    if (password == null || password.isEmpty()) {
      // never echo what was given: it may hold a secret
      throw new ParameterException(spec.commandLine(), name + " has no password: give USER:PASS or set "
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
    String ref = lower.startsWith("docker://") ? location.substring("docker://".length()) : location;
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
