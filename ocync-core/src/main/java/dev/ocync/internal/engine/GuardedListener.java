package dev.ocync.internal.engine;

import dev.ocync.ImageResult;
import dev.ocync.Mapping;
import dev.ocync.SyncListener;
import dev.ocync.SyncReport;
import dev.ocync.TagSelector;
import dev.ocync.oci.Descriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A listener whose exceptions are logged and swallowed: a listener never fails a run. */
final class GuardedListener implements SyncListener {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedListener.class);

  private final SyncListener delegate;

  GuardedListener(SyncListener delegate) {
    this.delegate = delegate;
  }

  private void guard(String event, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException | LinkageError e) {
      LOG.warn("sync listener {} failed on {}; the run goes on", delegate.getClass().getName(), event, e);
    }
  }

  @Override
  public void runStarted(List<Mapping> mappings) {
    guard("runStarted", () -> delegate.runStarted(mappings));
  }

  @Override
  public void runFinished(SyncReport report) {
    guard("runFinished", () -> delegate.runFinished(report));
  }

  @Override
  public void tagsSelected(Mapping mapping, List<String> listed, List<String> kept,
      List<TagSelector.Dropped> dropped) {
    guard("tagsSelected", () -> delegate.tagsSelected(mapping, listed, kept, dropped));
  }

  @Override
  public void imageStarted(String source, String target) {
    guard("imageStarted", () -> delegate.imageStarted(source, target));
  }

  @Override
  public void imageFinished(ImageResult result) {
    guard("imageFinished", () -> delegate.imageFinished(result));
  }

  @Override
  public void blobDone(String target, Descriptor blob, BlobOutcome outcome) {
    guard("blobDone", () -> delegate.blobDone(target, blob, outcome));
  }

  @Override
  public void bytesMoved(String source, String target, long bytes) {
    guard("bytesMoved", () -> delegate.bytesMoved(source, target, bytes));
  }

  @Override
  public void retrying(String what, int attempt, Duration wait, IOException cause) {
    guard("retrying", () -> delegate.retrying(what, attempt, wait, cause));
  }
}
