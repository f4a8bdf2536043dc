package dev.ocync.internal.engine;

import dev.ocync.ImageResult;
import dev.ocync.OciLayout;
import dev.ocync.Syncer;
import dev.ocync.oci.Digest;
import dev.ocync.oci.Reference;
import dev.ocync.spi.Repository;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@link Syncer#copy} on the engine: parses locations, opens their endpoints, and runs the copy
 * as a one-image run of the syncer's {@link Engine}. One per {@link Syncer}.
 */
public final class Copier implements Closeable {
  private final Engine engine;

  /** A copier with its own engine. */
  public Copier(EngineSettings settings) {
    this.engine = new Engine(Objects.requireNonNull(settings, "settings"));
  }

  /** The engine, which {@code Syncer.run} shares. */
  public Engine engine() {
    return engine;
  }

  /** Copies between two locations; see {@link Syncer#copy(String, String)}. */
  public CopyOutcome copy(String source, String target) throws IOException {
    Location from = Location.parse(source);
    Location to = Location.parse(target);
    if (to.digest().isPresent()) {
      throw new IllegalArgumentException("invalid target location \"" + target
          + "\": a target cannot name a digest, it gets the source's; give a tag or none");
    }
    engine.enter();
    try {
      return copy(from, to);
    } finally {
      engine.exit();
    }
  }

  private CopyOutcome copy(Location from, Location to) throws IOException {
    Repository src = open(from);
    Repository dst = null;
    CopyOutcome outcome;
    try {
      dst = open(to);
      Optional<String> sourceTag = from.tag();
      String reference;
      if (from.digest().isPresent()) {
        reference = from.digest().get().toString();
      } else if (sourceTag.isPresent()) {
        reference = sourceTag.get();
      } else if (from.kind() == Location.Kind.REGISTRY) {
        sourceTag = from.reference().orElseThrow().tag();
        reference = sourceTag.orElseThrow();
      } else {
        sourceTag = Optional.of(onlyTag(src, from));
        reference = sourceTag.get();
      }
      // A target without a tag takes the source's; a source given by digest alone gives none.
      Optional<String> targetTag =
          to.tag().isPresent() ? to.tag() : from.digest().isPresent() ? from.tag() : Optional.of(reference);
      String sourceName = from.display(Optional.empty(), Optional.empty());
      String targetName = to.display(Optional.empty(), Optional.empty());
      outcome = copyOne(Side.of(src, sourceName), reference, Side.of(dst, targetName), targetTag);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(dst, e);
      closeQuietly(src, e);
      throw e;
    }
    try {
      src.close();
    } finally {
      // Closing an archive is what writes it: a failure here fails the copy.
      dst.close();
    }
    return outcome;
  }

  /** Copies {@code reference} from one repository to another; see {@link Syncer#copy(Repository, String, Repository, Optional)}. */
  public CopyOutcome copy(Repository source, String reference, Repository target, Optional<String> tag)
      throws IOException {
    if (!Digest.isDigest(reference) && !Reference.isTag(reference)) {
      throw new IllegalArgumentException("invalid reference \"" + reference + "\": expected a tag "
          + "([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a digest (sha256:<64 hex digits>)");
    }
    tag.ifPresent(t -> {
      if (!Reference.isTag(t)) {
        throw new IllegalArgumentException("invalid tag \"" + t + "\": must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      }
    });
    return copyOne(Side.of(source, source.location()), reference, Side.of(target, target.location()), tag);
  }

  /** One image as a one-task run; waits for it, and on interrupt cancels it and waits for that. */
  private CopyOutcome copyOne(Side source, String reference, Side target, Optional<String> tag) throws IOException {
    Run run = engine.newRun();
    ImageTask.Outcome o;
    try {
      CompletableFuture<ImageTask.Outcome> f = run.single(source, reference, target, tag);
      boolean interrupted = false;
      while (true) {
        try {
          o = f.get();
          break;
        } catch (InterruptedException e) {
          // Abandon what is in flight, then wait for it: nothing may write after copy returned.
          interrupted = true;
          run.cancel();
        } catch (ExecutionException e) {
          throw new IllegalStateException("the engine failed a copy's future", e.getCause());
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while copying " + source.name() + " " + reference);
      }
    } finally {
      engine.exit();
    }
    if (o.error().isPresent()) {
      Throwable t = o.error().get();
      if (t instanceof IOException io) {
        throw io;
      }
      if (t instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(t);
    }
    ImageResult r = o.result();
    return new CopyOutcome(r.source(), r.target(), r.targetDigest().orElseThrow(), o.mediaType(), o.unchanged(),
        r.manifestsCopied(), o.manifestsSkipped(), r.blobsCopied(), r.blobsSkipped(), r.blobsMounted(), r.bytes(),
        o.foreignBlobsSkipped(), r.duration(), r.replacedDigest());
  }

  private static final java.util.regex.Pattern FALLBACK_TAG =
      java.util.regex.Pattern.compile("sha256-[0-9a-f]{64}(\\.(sig|att|sbom))?");

  private static String onlyTag(Repository layout, Location where) throws IOException {
    // referrer fallback tags (sha256-<hex>, and cosign's .sig/.att/.sbom) belong to an image, they are not one
    List<String> tags = layout.listTags().stream().filter(t -> !FALLBACK_TAG.matcher(t).matches()).toList();
    if (tags.size() == 1) {
      return tags.get(0);
    }
    throw new IllegalArgumentException("source location \"" + where.text() + "\" names no tag and the layout holds "
        + (tags.isEmpty() ? "no tagged image" : tags.size() + " tags " + String.join(", ", tags))
        + "; add :TAG or @DIGEST");
  }

  private Repository open(Location location) {
    switch (location.kind()) {
      case LAYOUT:
        return OciLayout.directory(location.path().orElseThrow());
      case ARCHIVE:
        return OciLayout.archive(location.path().orElseThrow());
      default:
        Reference r = location.reference().orElseThrow();
        return engine.registry(r.registry(), location.scheme()).repository(r.repository());
    }
  }

  private static void closeQuietly(Closeable c, Throwable into) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      if (into != null) {
        into.addSuppressed(e);
      }
    }
  }

  /** Closes the engine: waits for running copies and runs, then stops its threads. */
  @Override
  public void close() throws IOException {
    engine.close();
  }
}
