package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ocync.testing.RegistryServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5 items 18, 21 and 25: a TLS registry on loopback through the command line, with the
 * --src-/--dest- TLS options applying to their own side only, and hints that name flags.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class TlsOptionsIT {
  private static final Path EXAMPLE = ExampleImageTest.EXAMPLE;
  private RegistryServer tls;

  @BeforeAll
  void start() throws IOException {
    tls = RegistryServer.tls();
  }

  @AfterAll
  void stop() {
    tls.close();
  }

  @Test
  void destinationCaAppliesToTheTargetAndTheHintNamesFlags(@TempDir Path tmp) throws IOException {
    String target = tls.host() + "/cli/tls:1.0";
    MainTest.Run untrusted = MainTest.run("copy", "oci:" + EXAMPLE + ":1.0", target);
    assertThat(untrusted.code()).isEqualTo(1);
    assertThat(untrusted.err()).contains("certificate is not trusted")
        .contains("hint: trust the registry's CA with --src-ca-cert FILE or --dest-ca-cert FILE")
        .doesNotContain("caCertificate").doesNotContain("insecureSkipVerify");

    // the CA given for the wrong side does not help
    MainTest.Run wrongSide = MainTest.run("copy", "--src-ca-cert", tls.caCertificate().toString(),
        "oci:" + EXAMPLE + ":1.0", target);
    assertThat(wrongSide.code()).as(wrongSide.err()).isEqualTo(1);

    MainTest.Run pushed = MainTest.run("copy", "--dest-ca-cert", tls.caCertificate().toString(),
        "oci:" + EXAMPLE + ":1.0", target);
    assertThat(pushed.code()).as(pushed.err()).isZero();
    assertThat(pushed.out()).contains(ExampleImageTest.exampleDigest());

    // reading it back: verification is off for the source only
    MainTest.Run offForTarget = MainTest.run("copy", "--dest-tls-verify=false", target,
        "oci:" + tmp.resolve("a") + ":1.0");
    assertThat(offForTarget.code()).as(offForTarget.err()).isEqualTo(1);
    MainTest.Run offForSource = MainTest.run("copy", "--src-tls-verify=false", target,
        "oci:" + tmp.resolve("b") + ":1.0");
    assertThat(offForSource.code()).as(offForSource.err()).isZero();
    assertThat(offForSource.out()).contains(ExampleImageTest.exampleDigest());
  }
}
