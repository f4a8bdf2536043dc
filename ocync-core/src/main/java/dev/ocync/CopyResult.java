package dev.ocync;

/** What one copy did. (Scaffold: completed in the engine work.) */
public final class CopyResult {
  private CopyResult() {}
}
