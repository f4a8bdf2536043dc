package dev.ocync.examples.cli;

import dev.ocync.config.ConfigException;
import dev.ocync.config.ConfigProblem;
import dev.ocync.config.OcyncConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Loading a config file for a command: every problem printed, exit code 3 on any. */
final class ConfigFiles {
  private ConfigFiles() {}

  /** The loaded config, or empty after printing why not (the caller exits with {@link Exit#CONFIG}). */
  static Optional<OcyncConfig> load(Path file, Map<String, String> env, PrintWriter err, Progress.Level level) {
    try {
      if (Files.isDirectory(file)) {
        err.println("error: config " + file + " is a directory; give the YAML file");
        return Optional.empty();
      }
      OcyncConfig config = OcyncConfig.load(file, env);
      if (level != Progress.Level.QUIET) {
        for (ConfigProblem w : config.warnings()) {
          err.println("warning: " + w);
        }
      }
      return Optional.of(config);
    } catch (ConfigException e) {
      err.println("error: config " + file + " has " + e.problems().size()
          + (e.problems().size() == 1 ? " problem:" : " problems:"));
      for (ConfigProblem p : e.problems()) {
        err.println("  " + p);
      }
      return Optional.empty();
    } catch (NoSuchFileException e) {
      err.println("error: config " + file + ": no such file");
      return Optional.empty();
    } catch (IOException e) {
      err.println("error: config " + file + " cannot be read: " + e.getMessage());
      return Optional.empty();
    }
  }
}
