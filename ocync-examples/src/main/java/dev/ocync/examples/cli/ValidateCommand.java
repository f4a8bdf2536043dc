package dev.ocync.examples.cli;

import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** {@code ocync validate CONFIG}: every problem of a config file, without touching the network. */
final class ValidateCommand extends Subcommand {
  static final Cli.Command SPEC = new Cli.Command("validate", new String[] {
      "Checks a config file offline: syntax, unknown keys, types, aliases, globs, semver",
      "ranges, platforms, durations, sizes, credentials files. Every problem at once, each",
      "with file:line:column and the key's path. Exit codes: 0 valid, 3 not.",
      ""
    }, new String[0], 90, true, new Cli.Option[] {Verbosity.VERBOSE, Verbosity.QUIET, Verbosity.DEBUG},
      new Cli.Positional[] {new Cli.Positional("CONFIG", Cli.Type.PATH, "The config file (YAML or JSON).")});

  Path config;

  ValidateCommand() {
    super(SPEC);
  }

  @Override
  void accept(Cli.Parsed p) {
    config = Path.of(p.positional(0));
    verbosity = Verbosity.of(p);
  }

  @Override
  int call() throws IOException {
    Progress.Level level = verbosity.level();
    Optional<OcyncConfig> loaded = ConfigFiles.load(config, env(), err(), level);
    if (loaded.isEmpty()) {
      return Exit.CONFIG;
    }
    try (OcyncConfig c = loaded.get()) {
      if (level != Progress.Level.QUIET) {
        err().println("config valid: " + count(c.registries().size(), "registry", "registries")
            + ", " + count(c.mappings().size(), "mapping", "mappings") + " (" + config + ")");
      }
      return Exit.OK;
    }
  }

  private static String count(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
