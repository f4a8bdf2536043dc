package dev.ocync.internal.http;

import dev.ocync.oci.Descriptor;

/**
 * Blob content that checks itself: it fails the read that completes the descriptor's size unless
 * those bytes hash to its digest, and fails before end of stream if the size is wrong. An upload of
 * such content need not hash it a second time.
 */
public interface SelfVerifyingContent {
  /** Whether this content is checked against exactly {@code blob}'s digest and size. */
  boolean verifies(Descriptor blob);
}
