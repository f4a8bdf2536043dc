package dev.ocync.examples.cli;

import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ocync validate CONFIG}: every problem of a config file, without touching the network. */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    usageHelpWidth = 90,
    description = {
      "Checks a config file offline: syntax, unknown keys, types, aliases, globs, semver",
      "ranges, platforms, durations, sizes, credentials files. Every problem at once, each",
      "with file:line:column and the key's path. Exit codes: 0 valid, 3 not.",
      ""
    })
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand
  Main parent;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CONFIG", description = "The config file (YAML or JSON).")
  Path config;

  @Mixin
  Verbosity verbosity;

  @Override
  public Integer call() throws IOException {
    Progress.Level level = verbosity.level();
    Optional<OcyncConfig> loaded = ConfigFiles.load(config, parent.env, spec.commandLine().getErr(), level);
    if (loaded.isEmpty()) {
      return Exit.CONFIG;
    }
    try (OcyncConfig c = loaded.get()) {
      if (level != Progress.Level.QUIET) {
        spec.commandLine().getErr().println("config valid: " + count(c.registries().size(), "registry", "registries")
            + ", " + count(c.mappings().size(), "mapping", "mappings") + " (" + config + ")");
      }
      return Exit.OK;
    }
  }

  private static String count(int n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
