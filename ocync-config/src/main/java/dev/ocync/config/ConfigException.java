package dev.ocync.config;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration that cannot be used, with every problem found in it (not only the first).
 *
 * <p>The message lists the problems one per line, each as {@code file:line:column: path: message}.
 */
public final class ConfigException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  /**
   * @param problems at least one problem
   * @throws IllegalArgumentException when {@code problems} is empty
   */
  public ConfigException(List<ConfigProblem> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order of the file. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String format(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    String head = problems.size() == 1 ? "1 problem in the configuration:" : problems.size()
        + " problems in the configuration:";
    return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n", head + "\n", ""));
  }
}
