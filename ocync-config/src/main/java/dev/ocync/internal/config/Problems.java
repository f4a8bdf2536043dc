package dev.ocync.internal.config;

import dev.ocync.config.ConfigException;
import dev.ocync.config.ConfigProblem;
import dev.ocync.internal.config.Node.Location;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects problems (and warnings) so that one load reports all of them. */
public final class Problems {
  private final List<ConfigProblem> errors = new ArrayList<>();
  private final List<ConfigProblem> warnings = new ArrayList<>();

  /** Records an error at {@code at} for the key {@code path}. */
  public void add(Location at, String path, String message) {
    errors.add(new ConfigProblem(at.file(), at.line(), at.column(), path, message));
  }

  /** Records a warning: the configuration still loads. */
  public void warn(Location at, String path, String message) {
    warnings.add(new ConfigProblem(at.file(), at.line(), at.column(), path, message));
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public int size() {
    return errors.size();
  }

  public List<ConfigProblem> warnings() {
    return List.copyOf(warnings);
  }

  /** @throws ConfigException with every error, in file order, when there is any */
  public void throwIfAny() throws ConfigException {
    if (!errors.isEmpty()) {
      List<ConfigProblem> sorted = new ArrayList<>(errors);
      sorted.sort(Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
      throw new ConfigException(sorted);
    }
  }
}
