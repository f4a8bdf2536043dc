package dev.ocync.examples.cli;

/**
 * A command line the command cannot run: the message, then a pointer to {@code --help}, exit 2. No
 * stack trace is filled in: it is never printed, and making one costs start-up time.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message, null, false, false);
  }
}
