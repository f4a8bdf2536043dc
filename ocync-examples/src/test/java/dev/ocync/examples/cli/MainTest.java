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
        "--dest-creds", "--ca-cert", "--tls-verify", "--concurrency", "OCYNC_SRC_PASSWORD");
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
  void registryHostOfLocations() {
    assertThat(CopyCommand.registryHost("oci:dir:1")).isEmpty();
    assertThat(CopyCommand.registryHost("OCI-ARCHIVE:x.tar")).isEmpty();
    assertThat(CopyCommand.registryHost("docker://nginx")).contains("docker.io");
    assertThat(CopyCommand.registryHost("ghcr.io/org/app:1")).contains("ghcr.io");
    assertThat(CopyCommand.registryHost("127.0.0.1:5000/app")).contains("127.0.0.1:5000");
  }
}
