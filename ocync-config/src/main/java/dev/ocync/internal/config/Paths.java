package dev.ocync.internal.config;

/** Key paths as problems show them: {@code mappings[2].tags.latest}. */
final class Paths {
  private Paths() {}

  static String key(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }
}
