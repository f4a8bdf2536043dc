package dev.ocync.examples.cli;

/** A command with {@code --debug}: errors then print their stack trace. */
interface DebugOption {
  /** Whether {@code --debug} was given. */
  boolean debug();
}
