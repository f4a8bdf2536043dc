package dev.ocync.internal.engine;

import dev.ocync.spi.Repository;

/**
 * One end of a transfer as the engine sees it.
 *
 * @param repo the endpoint
 * @param group what shares blobs and limits: the registry host, or the location of a repository
 *     given as it is
 * @param name the repository without reference, for reports ({@code 127.0.0.1:5000/mirror/app}, {@code oci:dir})
 */
record Side(Repository repo, String group, String name) {
  /** The repository path on its registry, for endpoints on a registry (the transfer cache's key). */
  java.util.Optional<String> path() {
    return name.startsWith(group + "/") ? java.util.Optional.of(name.substring(group.length() + 1))
        : java.util.Optional.empty();
  }

  // equals and hashCode written out: a record's generated ones link an invokedynamic on first
  // use, which costs a short CLI run milliseconds (issue 9)
  @Override
  public boolean equals(Object o) {
    return o instanceof Side s && repo.equals(s.repo) && group.equals(s.group) && name.equals(s.name);
  }

  @Override
  public int hashCode() {
    return (repo.hashCode() * 31 + group.hashCode()) * 31 + name.hashCode();
  }

  /** A repository given as it is: its own group. */
  static Side of(Repository repo, String name) {
    return new Side(repo, "repository:" + repo.location(), name);
  }
}
