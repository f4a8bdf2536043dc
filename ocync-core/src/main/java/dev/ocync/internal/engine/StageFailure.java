package dev.ocync.internal.engine;

import dev.ocync.ImageResult;

/** A failure tagged with the stage of the image it happened in; travels through futures. */
final class StageFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ImageResult.Stage stage;

  StageFailure(ImageResult.Stage stage, Throwable cause) {
    super(cause.getMessage(), cause, false, false);
    this.stage = stage;
  }

  ImageResult.Stage stage() {
    return stage;
  }

  /** The failure of {@code e} tagged {@code stage}, unless an earlier stage tagged it already. */
  static StageFailure of(ImageResult.Stage stage, Throwable e) {
    Throwable t = Retry.unwrap(e);
    return t instanceof StageFailure s ? s : new StageFailure(stage, t);
  }
}
