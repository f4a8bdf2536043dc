package dev.ocync;

import dev.ocync.oci.Descriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Events of a {@link Syncer#run}, for progress bars, metrics and logs. Every method has a no-op
 * default; implement those you need. Every {@code ...Started} is followed by exactly one matching
 * {@code ...Finished}. Callbacks run on engine threads, possibly several at once: keep them fast
 * and thread-safe. An exception thrown by a listener is logged and never fails a run.
 *
 * <pre>{@code
 * SyncListener progress = new SyncListener() {
 *   public void imageFinished(ImageResult r) { System.out.println(r); }
 * };
 * Syncer.builder().listener(progress.and(metrics)).build();
 * }</pre>
 */
public interface SyncListener {
  /** A listener that does nothing. */
  SyncListener NONE = new SyncListener() {};

  /** How a blob came to be present at a target. */
  enum BlobOutcome {
    /** Uploaded from the source. */
    COPIED,
    /** Mounted from another repository of the target registry, or from the source. */
    MOUNTED,
    /** Already there. */
    PRESENT
  }

  /** A run starts with these mappings. */
  default void runStarted(List<Mapping> mappings) {}

  /** A run finished (also when cancelled); the report is complete. */
  default void runFinished(SyncReport report) {}

  /** The tags of a mapping are chosen: the source's listed tags (empty when none were listed), kept and dropped. */
  default void tagsSelected(Mapping mapping, List<String> listed, List<String> kept,
      List<TagSelector.Dropped> dropped) {}

  /** An image starts moving to one target. */
  default void imageStarted(String source, String target) {}

  /** An image finished at one target, with what happened. */
  default void imageFinished(ImageResult result) {}

  /** A blob is present at a target repository ({@code target} is its location). */
  default void blobDone(String target, Descriptor blob, BlobOutcome outcome) {}

  /**
   * {@code bytes} more bytes of blobs moved for the image {@code source -> target}, named exactly as
   * in {@link #imageStarted} (so a progress line per image can add them up). Throttled: called at
   * most once per MiB read of each blob, and once at the blob's end. A blob several images share
   * is moved once and counted for the image that asked for it first.
   */
  default void bytesMoved(String source, String target, long bytes) {}

  /** {@code what} failed transiently and is tried again (attempt {@code attempt}) after {@code wait}. */
  default void retrying(String what, int attempt, Duration wait, IOException cause) {}

  /** A listener calling this one, then {@code next} (also when this one throws), for every event. */
  default SyncListener and(SyncListener next) {
    Objects.requireNonNull(next, "next");
    SyncListener first = this;
    return new SyncListener() {
      @Override
      public void runStarted(List<Mapping> mappings) {
        try {
          first.runStarted(mappings);
        } finally {
          next.runStarted(mappings);
        }
      }

      @Override
      public void runFinished(SyncReport report) {
        try {
          first.runFinished(report);
        } finally {
          next.runFinished(report);
        }
      }

      @Override
      public void tagsSelected(Mapping mapping, List<String> listed, List<String> kept,
          List<TagSelector.Dropped> dropped) {
        try {
          first.tagsSelected(mapping, listed, kept, dropped);
        } finally {
          next.tagsSelected(mapping, listed, kept, dropped);
        }
      }

      @Override
      public void imageStarted(String source, String target) {
        try {
          first.imageStarted(source, target);
        } finally {
          next.imageStarted(source, target);
        }
      }

      @Override
      public void imageFinished(ImageResult result) {
        try {
          first.imageFinished(result);
        } finally {
          next.imageFinished(result);
        }
      }

      @Override
      public void blobDone(String target, Descriptor blob, BlobOutcome outcome) {
        try {
          first.blobDone(target, blob, outcome);
        } finally {
          next.blobDone(target, blob, outcome);
        }
      }

      @Override
      public void bytesMoved(String source, String target, long bytes) {
        try {
          first.bytesMoved(source, target, bytes);
        } finally {
          next.bytesMoved(source, target, bytes);
        }
      }

      @Override
      public void retrying(String what, int attempt, Duration wait, IOException cause) {
        try {
          first.retrying(what, attempt, wait, cause);
        } finally {
          next.retrying(what, attempt, wait, cause);
        }
      }
    };
  }
}
