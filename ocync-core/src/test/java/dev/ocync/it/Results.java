package dev.ocync.it;

import dev.ocync.CopyResult;
import dev.ocync.oci.Digest;

/**
 * What the tests read from a {@link CopyResult}. The engine that fills CopyResult is being built
 * in parallel; its accessors are reached here by name so the tests compile against the scaffold.
 * Replace with direct calls once CopyResult has them.
 */
final class Results {
  private Results() {}

  static Digest digest(CopyResult r) {
    return (Digest) call(r, "digest");
  }

  static int blobsMounted(CopyResult r) {
    return ((Number) call(r, "blobsMounted")).intValue();
  }

  static int blobsCopied(CopyResult r) {
    return ((Number) call(r, "blobsCopied")).intValue();
  }

  private static Object call(CopyResult r, String name) {
    try {
      return CopyResult.class.getMethod(name).invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("CopyResult has no usable " + name + "()", e);
    }
  }
}
