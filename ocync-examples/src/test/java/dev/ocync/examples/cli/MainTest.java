package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  /** The exit code and what was printed. */
  record Run(int code, String out, String err) {}

  static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), env, args);
    return new Run(code, out.toString(), err.toString());
  }

  static Run run(String... args) {
    return run(Map.of(), args);
  }

  @Test
  void versionAndHelpExitZero() {
    Run version = run("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("ocync ");

    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: ocync", "copy");

    Run copyHelp = run("copy", "--help");
    assertThat(copyHelp.code()).isZero();
    assertThat(copyHelp.out()).contains("oci:DIR[:TAG]", "oci-archive:FILE[:TAG]", "--authfile", "--src-creds",
        "--dest-creds", "--ca-cert", "--tls-verify", "--concurrency", "OCYNC_SRC_PASSWORD",
        "--src-tls-verify", "--dest-tls-verify", "--src-ca-cert", "--dest-ca-cert", "--timeout", "HTTPS_PROXY");
  }

  @Test
  void theUsageListsEveryCommandInOrderAndHelpNamesOne() {
    Run help = run("--help");
    String commands = help.out().substring(help.out().indexOf("Commands:"));
    assertThat(commands.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0])
        .filter(w -> w.matches("[a-z]+")).toList()).containsSubsequence("copy", "sync", "watch", "validate", "tags",
            "help");

    Run syncHelp = run("help", "sync");
    assertThat(syncHelp.code()).isZero();
    assertThat(syncHelp.out()).contains("Usage: ocync sync", "--config");

    Run sync = run("sync", "--help");
    assertThat(sync.code()).isZero();
    assertThat(sync.out()).contains("Usage: ocync sync", "--config").doesNotContain("Commands:");
  }

  @Test
  void noCommandIsAUsageError() {
    Run r = run();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Usage: ocync");
  }

  @Test
  void missingOrUnknownArgumentsAreUsageErrors() {
    Run missing = run("copy", "oci:a:1");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).startsWith("error: Missing required parameter: 'DST'")
        .contains("Try 'ocync copy --help'");

    Run unknown = run("copy", "--frobnicate", "oci:a:1", "oci:b:1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("error: Unknown option: '--frobnicate'");

    Run command = run("mirror");
    assertThat(command.code()).isEqualTo(2);
    assertThat(command.err()).contains("error: Unmatched argument");
  }

  @Test
  void usageErrorsPointToTheCommandsHelp() {
    for (String[] args : new String[][] {{"sync"}, {"sync", "-c"}, {"watch", "-c", "x", "--interval"},
        {"tags", "--latest", "x", "repo"}, {"copy", "--tls-verify=maybe", "a", "b"}, {"serve", "-c", "a", "-c", "b"}}) {
      Run r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).startsWith("error: ")
          .endsWith("\nTry 'ocync " + args[0] + " --help' for more information.\n");
      assertThat(r.out()).isEmpty();
    }
    assertThat(run("sync").err()).startsWith("error: Missing required option: '--config=CONFIG'\n");
    assertThat(run("tags", "--latest", "x", "repo").err())
        .startsWith("error: Invalid value for option '--latest': 'x' is not an int\n");
  }

  @Test
  void anUnknownCommandSuggestsACloseOne() {
    Run typo = run("synx", "-c", "x");
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).isEqualTo("error: Unmatched arguments from index 0: 'synx', '-c', 'x'\n"
        + "Did you mean: ocync sync?\nTry 'ocync --help' for more information.\n");
    assertThat(run("mirror").err()).doesNotContain("Did you mean");
    Run help = run("help", "frobnicate");
    assertThat(help.code()).isEqualTo(2);
    assertThat(help.err()).startsWith("error: Unknown subcommand 'frobnicate'.");
  }

  @Test
  void everyCommandHasHelpAndVersion() {
    for (String command : Main.COMMANDS) {
      Run version = run(command, "-V");
      assertThat(version.code()).as(command).isZero();
      assertThat(version.out()).as(command).startsWith("ocync ");
      Run help = run(command, "--help", "--frobnicate");
      assertThat(help.code()).as(command).isZero();
      assertThat(help.out()).as(command).startsWith("Usage: ocync " + command + " [-h").isEqualTo(run("help", command).out());
    }
    assertThat(run("-V", "copy").out()).startsWith("ocync ");
    assertThat(run("help", "--help").out()).contains("Usage: ocync help [-h] [COMMAND]");
  }

  @Test
  void badLocationIsAUsageErrorNamingItAndTheForms() {
    Run r = run("copy", "dir:/tmp/x", "oci:/tmp/y:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: invalid location \"dir:/tmp/x\"")
        .contains("oci-archive:FILE[:TAG]")
        .doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void badConcurrencyIsAUsageError() {
    Run r = run("copy", "--concurrency", "0", "oci:a:1", "oci:b:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: --concurrency must be 1 to 64, got 0");
  }

  @Test
  void credentialsForALayoutAreAUsageError() {
    Run r = run("copy", "--src-creds", "bot:hunter2", "oci:a:1", "127.0.0.1:5000/app:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--src-creds applies to a registry source").doesNotContain("hunter2");
  }

  @Test
  void passwordComesFromTheEnvironmentWhenNotGiven() {
    Run missing = run("copy", "--dest-creds", "bot", "oci:a:1", "127.0.0.1:5000/app:1");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("--dest-creds has no password: give USER:PASS or set OCYNC_DEST_PASSWORD");
  }

  @Test
  void conflictingCredentialsForOneRegistryAreAUsageError() {
    Run r = run("copy", "--src-creds", "a:secret-one", "--dest-creds", "b:secret-two",
        "127.0.0.1:5000/x:1", "127.0.0.1:5000/y:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("both registries are 127.0.0.1:5000").doesNotContain("secret-one", "secret-two");
  }

  @Test
  void missingCaCertificateFileIsAUsageError() {
    Run r = run("copy", "--ca-cert", "/nonexistent/ca.pem", "oci:a:1", "oci:b:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--ca-cert /nonexistent/ca.pem is not a file");
  }

  @Test
  void perSideCaCertificatesAreCheckedToo() {
    Run r = run("copy", "--dest-ca-cert", "/nonexistent/dest.pem", "oci:a:1", "127.0.0.1:5000/app:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--dest-ca-cert /nonexistent/dest.pem is not a file");
  }

  @Test
  void timeoutAppliesToARegistryThatAcceptsAndNeverAnswers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws java.io.IOException {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      // the backlog accepts connections; nothing ever reads or answers them
      Run r = run("copy", "--timeout", "1s", "127.0.0.1:" + silent.getLocalPort() + "/app:1",
          "oci:" + tmp.resolve("out") + ":1");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("timed out connecting to 127.0.0.1:" + silent.getLocalPort()
          + " (no connection and TLS handshake within 1 s; see the connect timeout)")
          .contains("hint: a slow registry may need a longer --timeout");
    }
  }

  @Test
  void badTimeoutIsAUsageError() {
    for (String bad : new String[] {"0", "-5", "soon", "2d", "90000000"}) {
      Run r = run("copy", "--timeout", bad, "oci:a:1", "oci:b:1");
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("--timeout must be a duration from 1s to 24h");
    }
  }

  @Test
  void differentTlsSettingsForOneRegistryAreAUsageError() {
    Run r = run("copy", "--src-tls-verify=false", "127.0.0.1:5000/x:1", "127.0.0.1:5000/y:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("both registry 127.0.0.1:5000 but their --src-/--dest- TLS options differ");
  }

  @Test
  void hintsNameFlagsNotLibraryMethods() {
    assertThat(Main.hint("TLS handshake with h failed: PKIX...; the server certificate is not trusted (x)"))
        .hasValueSatisfying(h -> assertThat(h).contains("--src-ca-cert", "--dest-ca-cert", "--src-tls-verify=false")
            .doesNotContain("caCertificate"));
    assertThat(Main.hint("GET https://h/v2/: timed out waiting for h")).hasValueSatisfying(h ->
        assertThat(h).contains("--timeout"));
    assertThat(Main.hint("manifest unknown")).isEmpty();
  }

  @Test
  void registryHostOfLocations() {
    assertThat(CopyCommand.registryHost("oci:dir:1")).isEmpty();
    assertThat(CopyCommand.registryHost("OCI-ARCHIVE:x.tar")).isEmpty();
    assertThat(CopyCommand.registryHost("docker://nginx")).contains("docker.io");
    assertThat(CopyCommand.registryHost("ghcr.io/org/app:1")).contains("ghcr.io");
    assertThat(CopyCommand.registryHost("127.0.0.1:5000/app")).contains("127.0.0.1:5000");
    assertThat(CopyCommand.registryHost("http://127.0.0.1:5000/app")).contains("127.0.0.1:5000");
    assertThat(CopyCommand.registryHost("https://registry.lan/app:1")).contains("registry.lan");
    assertThat(CopyCommand.schemeOf("HTTP://registry.lan/app")).isEqualTo("http://");
    assertThat(CopyCommand.schemeOf("registry.lan/app")).isEmpty();
  }
}
