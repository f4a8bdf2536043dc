package dev.ocync.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command-line parser and help renderer: every accepted form, every usage error, one help compared whole. */
class CliTest {
  private static final Cli.Command DEMO = new Cli.Command("demo", new String[] {"Demo.", ""}, new String[0], 80, false,
      new Cli.Option[] {
        Cli.Option.value(Cli.Type.PATH, "CONFIG", "The config.", "-c", "--config"),
        Cli.Option.value(Cli.Type.STRING, "FILE|-", "The report.", "--json"),
        Cli.Option.value(Cli.Type.INT, "N", "How many (default: ${DEFAULT-VALUE}).", "--concurrency").withDefault("8"),
        Cli.Option.value(Cli.Type.STRING, "PATTERN", "Keep these (repeatable).", "--glob").asRepeatable(),
        Cli.Option.value(Cli.Type.BOOLEAN, "BOOL", "Verify (default: ${DEFAULT-VALUE}).", "--tls-verify")
            .withDefault("true"),
        Cli.Option.value(Cli.Type.BOOLEAN, "BOOL", "Verify the source.", "--src-tls-verify"),
        Cli.Option.value(Cli.Type.STRING, "DURATION", "Drain.", "--drain-timeout", "--drain").withDefault("25s"),
        Cli.Option.flag("Write nothing.", "--dry-run"),
        Cli.Option.value(Cli.Type.INT, "N", "For tests.", "--cycles").asHidden(),
        Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG
      }, new Cli.Positional[] {
        new Cli.Positional("SRC", Cli.Type.STRING, "From."),
        new Cli.Positional("DST", Cli.Type.STRING, "To.")
      });

  private static Cli.Parsed parse(String... args) {
    return Cli.parse(DEMO, args, 0);
  }

  private static String error(String... args) {
    try {
      parse(args);
    } catch (UsageException e) {
      return e.getMessage();
    }
    throw new AssertionError("no usage error for " + String.join(" ", args));
  }

  @Test
  void valuesSeparateAttachedOrAfterEquals() {
    for (String[] args : new String[][] {
        {"--config", "a.yaml", "s", "d"}, {"--config=a.yaml", "s", "d"}, {"-c", "a.yaml", "s", "d"},
        {"-ca.yaml", "s", "d"}, {"-c=a.yaml", "s", "d"}, {"s", "-c", "a.yaml", "d"}, {"-vca.yaml", "s", "d"}}) {
      assertThat(parse(args).path("--config")).as(String.join(" ", args)).isEqualTo(Path.of("a.yaml"));
    }
    assertThat(parse("-vca.yaml", "s", "d").flag("--verbose")).isTrue();
    assertThat(parse("--json=", "s", "d").string("--json")).isEmpty();
  }

  @Test
  void positionalsByIndexAndDoubleDashEndsOptions() {
    Cli.Parsed p = parse("--dry-run", "src", "--json", "-", "dst");
    assertThat(p.positional(0)).isEqualTo("src");
    assertThat(p.positional(1)).isEqualTo("dst");
    assertThat(p.string("--json")).isEqualTo("-");
    Cli.Parsed dashed = parse("--", "-v", "--dry-run");
    assertThat(dashed.positional(0)).isEqualTo("-v");
    assertThat(dashed.positional(1)).isEqualTo("--dry-run");
    assertThat(dashed.flag("--verbose")).isFalse();
    assertThat(dashed.flag("--dry-run")).isFalse();
    assertThat(parse("-", "d").positional(0)).as("a lone dash is a parameter").isEqualTo("-");
  }

  @Test
  void flagsClusterAndTakeAnExplicitBoolean() {
    Cli.Parsed p = parse("-vq", "s", "d");
    assertThat(p.flag("--verbose")).isTrue();
    assertThat(p.flag("--quiet")).isTrue();
    assertThat(p.flag("--debug")).isFalse();
    assertThat(parse("--dry-run=false", "s", "d").flag("--dry-run")).isFalse();
    assertThat(parse("--dry-run=TRUE", "s", "d").flag("--dry-run")).isTrue();
    assertThat(parse("-v=false", "s", "d").flag("--verbose")).isFalse();
  }

  @Test
  void booleansWithAnOptionalValue() {
    assertThat(parse("s", "d").flag("--tls-verify")).as("default").isTrue();
    assertThat(parse("s", "d").bool("--src-tls-verify")).as("no default").isNull();
    assertThat(parse("--tls-verify", "s", "d").flag("--tls-verify")).isTrue();
    assertThat(parse("--tls-verify=false", "s", "d").flag("--tls-verify")).isFalse();
    assertThat(parse("--src-tls-verify", "false", "s", "d").bool("--src-tls-verify")).isFalse();
    assertThat(parse("--src-tls-verify", "FALSE", "s", "d").bool("--src-tls-verify")).isFalse();
    Cli.Parsed p = parse("s", "--src-tls-verify", "d");
    assertThat(p.bool("--src-tls-verify")).as("a word that is no boolean is the next parameter").isTrue();
    assertThat(p.positional(1)).isEqualTo("d");
  }

  @Test
  void defaultsAliasesAndRepeatableOptions() {
    Cli.Parsed p = parse("--glob", "1.*", "s", "--glob=2.*", "d", "--drain", "5s");
    assertThat(p.list("--glob")).containsExactly("1.*", "2.*");
    assertThat(p.string("--drain-timeout")).isEqualTo("5s");
    assertThat(p.integer("--concurrency")).isEqualTo(8);
    assertThat(parse("--concurrency", "08", "s", "d").integer("--concurrency")).isEqualTo(8);
    assertThat(parse("s", "d").list("--glob")).isEmpty();
    assertThat(parse("s", "d").string("--json")).isNull();
  }

  @Test
  void aValueThatIsAKnownOptionIsNoValue() {
    assertThat(error("--json", "-vq", "s", "d")).isEqualTo("Expected parameter for option '--json' but found '-vq'");
    assertThat(error("-c", "--dry-run", "s", "d"))
        .isEqualTo("Expected parameter for option '--config' but found '--dry-run'");
    assertThat(error("--json", "--concurrency=3", "s", "d"))
        .isEqualTo("Expected parameter for option '--json' but found '--concurrency=3'");
    assertThat(error("-c", "--", "s", "d")).isEqualTo("Expected parameter for option '--config' but found '--'");
    // what no option is called is a value, as picocli takes it
    assertThat(parse("--json", "-x", "s", "d").string("--json")).isEqualTo("-x");
    assertThat(parse("--json", "-", "s", "d").string("--json")).isEqualTo("-");
    assertThat(parse("--json=--dry-run", "s", "d").string("--json")).as("attached: always the value")
        .isEqualTo("--dry-run");
  }

  @Test
  void badValuesNameTheOptionAndTheValue() {
    assertThat(error("--concurrency", "x", "s", "d")).isEqualTo("Invalid value for option '--concurrency': 'x' is not an int");
    assertThat(error("--concurrency", "99999999999", "s", "d")).contains("'99999999999' is not an int");
    assertThat(error("--tls-verify=maybe", "s", "d"))
        .isEqualTo("Invalid value for option '--tls-verify': 'maybe' is not a boolean");
    assertThat(error("--dry-run=maybe", "s", "d")).isEqualTo("Invalid value for option '--dry-run': 'maybe' is not a boolean");
    assertThat(error("-c", "a\0b", "s", "d")).startsWith("Invalid value for option '--config': 'a\0b' is not a path");
  }

  @Test
  void aValueMissingAtTheEnd() {
    assertThat(error("s", "d", "--config")).isEqualTo("Missing required parameter for option '--config' (CONFIG)");
    assertThat(error("s", "d", "-c")).isEqualTo("Missing required parameter for option '--config' (CONFIG)");
    assertThat(error("s", "d", "--drain")).isEqualTo("Missing required parameter for option '--drain-timeout' (DURATION)");
  }

  @Test
  void anOptionGivenTwiceUnlessRepeatable() {
    assertThat(error("-c", "a", "--config=b", "s", "d")).isEqualTo("option '--config' (CONFIG) should be specified only once");
    assertThat(error("--drain", "1s", "--drain-timeout", "2s", "s", "d"))
        .isEqualTo("option '--drain-timeout' (DURATION) should be specified only once");
    assertThat(error("-vv", "s", "d")).isEqualTo("option '--verbose' should be specified only once");
    assertThat(error("--tls-verify", "--tls-verify=false", "s", "d"))
        .isEqualTo("option '--tls-verify' (BOOL) should be specified only once");
  }

  @Test
  void unknownOptionsAndSurplusParameters() {
    assertThat(error("--frobnicate", "s", "d")).isEqualTo("Unknown option: '--frobnicate'");
    assertThat(error("--frob=1", "s", "d")).isEqualTo("Unknown option: '--frob=1'");
    assertThat(error("-z", "s", "d")).isEqualTo("Unknown option: '-z'");
    assertThat(error("-vz", "s", "d")).isEqualTo("Unknown option: '-z' (while processing option: '-vz')");
    assertThat(error("--frob", "s", "d", "--zz")).isEqualTo("Unknown options: '--frob', '--zz'");
    assertThat(error("s", "d", "e")).isEqualTo("Unmatched argument at index 2: 'e'");
    assertThat(error("s", "d", "e", "--frob")).isEqualTo("Unmatched arguments from index 2: 'e', '--frob'");
    assertThat(error("--", "s", "d", "-")).isEqualTo("Unmatched argument at index 3: '-'");
    assertThat(parse("--cycles", "3", "s", "d").integer("--cycles")).as("hidden, not unknown").isEqualTo(3);
  }

  @Test
  void missingRequiredParametersAndOptions() {
    assertThat(error()).isEqualTo("Missing required parameters: 'SRC', 'DST'");
    assertThat(error("s")).isEqualTo("Missing required parameter: 'DST'");
    assertThat(error("s", "--frob")).as("before unknown options").isEqualTo("Missing required parameter: 'DST'");
    assertThatThrownBy(() -> Cli.parse(SyncCommand.SPEC, new String[] {"-v"}, 0)).isInstanceOf(UsageException.class)
        .hasMessage("Missing required option: '--config=CONFIG'");
  }

  @Test
  void helpAndVersionWinOverWhatIsMissingOrUnknownButNotOverABadValue() {
    assertThat(parse("--help").help()).isTrue();
    assertThat(parse("--frobnicate", "-h", "s", "d", "e").help()).isTrue();
    assertThat(parse("-V").version()).isTrue();
    assertThat(parse("-Vx").version()).isTrue();
    assertThat(error("--help", "--concurrency", "x")).contains("is not an int");
    assertThat(error("--help", "-c")).isEqualTo("Missing required parameter for option '--config' (CONFIG)");
  }

  @Test
  void helpShowsDefaultsAndHidesHiddenOptions() {
    String help = Help.usage(DEMO);
    assertThat(help).startsWith("Usage: ocync demo [-hqvV] [--debug] [--dry-run] [--src-tls-verify[=BOOL]]\n"
        + "                  [--tls-verify[=BOOL]] [-c=CONFIG] [--concurrency=N]\n"
        + "                  [--drain=DURATION] [--json=FILE|-] [--glob=PATTERN]... SRC DST\n"
        + "Demo.\n\n"
        + "      SRC                   From.\n")
        .contains("      --concurrency=N       How many (default: 8).\n")
        .contains("      --tls-verify[=BOOL]   Verify (default: true).\n")
        .contains("      --drain, --drain-timeout=DURATION\n                            Drain.\n")
        .contains("  -v, --verbose             Say more: skipped images, every kept tag, debug\n"
            + "                              logs.\n")
        .doesNotContain("--cycles", "DEFAULT-VALUE");
  }

  @Test
  void syncHelpIsTheLayoutPicocliPrinted() {
    assertThat(Help.usage(SyncCommand.SPEC)).isEqualTo("""
        Usage: ocync sync [-hqvV] [--debug] [--dry-run] -c=CONFIG [--drain=DURATION]
                          [--json=FILE|-] [--shard=I/N]
        Runs every mapping of an ocync config file once: lists and selects tags, skips what
        the targets already have, copies the rest byte for byte, verifying every digest.
        Progress and the summary go to stderr; --json - puts the report on stdout.

          -c, --config=CONFIG   The config file (YAML or JSON).
              --dry-run         List and select tags and compare with the targets; write nothing.
              --json=FILE|-     Write the JSON report to FILE, or to stdout with -.
              --drain, --drain-timeout=DURATION
                                On SIGINT/SIGTERM, how long images in flight may go on before
                                  they are cancelled (default: 25s, inside Kubernetes' 30s grace
                                  period).
              --shard=I/N       Run worker I's share (0-based) of N: images split by source
                                  repository and tag, disjoint and covering. N alone takes I from
                                  JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
          -v, --verbose         Say more: skipped images, every kept tag, debug logs.
          -q, --quiet           Errors only: no progress, no per-image lines, no summary.
              --debug           Print stack traces of errors.
          -h, --help            Show this help message and exit.
          -V, --version         Print version information and exit.

        Exit codes: 0 all ok, 1 some images failed, 2 all failed (or a fatal error),
        3 config error (also min_tags not met), 4 authentication refused (the registry is named).
        SIGINT/SIGTERM: no new images start, images in flight may finish within --drain-timeout,
        then the rest is cancelled; the report and the cache are written, and the exit code says
        what was done.

        Example (no network): ocync sync -c examples/config/local-layouts.yaml
        """);
  }

  @Test
  void sortedOptionsListPositionalsFirstThenByName() {
    assertThat(Help.usage(ValidateCommand.SPEC)).isEqualTo("""
        Usage: ocync validate [-hqvV] [--debug] CONFIG
        Checks a config file offline: syntax, unknown keys, types, aliases, globs, semver
        ranges, platforms, durations, sizes, credentials files. Every problem at once, each
        with file:line:column and the key's path. Exit codes: 0 valid, 3 not.

              CONFIG      The config file (YAML or JSON).
              --debug     Print stack traces of errors.
          -h, --help      Show this help message and exit.
          -q, --quiet     Errors only: no progress, no per-image lines, no summary.
          -v, --verbose   Say more: skipped images, every kept tag, debug logs.
          -V, --version   Print version information and exit.
        """);
  }

  @Test
  void wrapsAtSpacesKeepingRunsOfSpacesThatFit() {
    StringBuilder sb = new StringBuilder();
    Help.wrap(sb, "aaa bbb ccc ddd", 0, 8, 2);
    assertThat(sb).hasToString("aaa bbb\n  ccc\n  ddd");
    sb.setLength(0);
    Help.wrap(sb, "  a     b", 0, 9, 0);
    assertThat(sb).hasToString("  a     b");
    sb.setLength(0);
    Help.wrap(sb, "averyveryverylongword x", 4, 10, 0);
    assertThat(sb).as("a word wider than the line stays whole").hasToString("averyveryverylongword\n    x");
  }

  @Test
  void closeCommandNames() {
    assertThat(Main.isClose("syn", "sync")).isTrue();
    assertThat(Main.isClose("synx", "sync")).isTrue();
    assertThat(Main.isClose("cp", "copy")).isTrue();
    assertThat(Main.isClose("valid", "validate")).isTrue();
    assertThat(Main.isClose("mirror", "sync")).isFalse();
    assertThat(Main.isClose("x", "tags")).isFalse();
  }
}
