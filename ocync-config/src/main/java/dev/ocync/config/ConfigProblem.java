package dev.ocync.config;

import java.util.Objects;

/**
 * One problem found in a configuration file: where it is, which key it concerns, and what is wrong.
 *
 * <p>{@code toString()} gives the one-line form {@code file:line:column: path: message}, for example
 * {@code mirror.yaml:12:7: mappings[2].tags.latest: tags.latest requires tags.sort to be set}.
 * Messages never contain values that came from environment variables; those are shown as the
 * {@code ${VAR}} text of the file.
 *
 * @param file the name of the input (a path, or the name given for a string or stream)
 * @param line 1-based line, or 0 when the problem concerns the whole input
 * @param column 1-based column, or 0 when the problem concerns the whole input
 * @param path the key path, for example {@code mappings[2].tags.latest}; empty for the whole document
 * @param message what is wrong, in words
 */
public record ConfigProblem(String file, int line, int column, String path, String message) {
  /** Checks the parts. */
  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    String where = line > 0 ? file + ":" + line + ":" + column : file;
    return path.isEmpty() ? where + ": " + message : where + ": " + path + ": " + message;
  }
}
