package dev.ocync.internal.helm;

import dev.ocync.spi.RegistryException.Context;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/**
 * How the Helm endpoint reads a chart repository: one GET with redirects followed, credentials
 * only where {@link HelmSettings} allows them, the body read up to a limit. An interface so tests
 * can stand in for the shared HTTP layer.
 */
interface ChartTransport extends Closeable {

  /** The cache validators of a response, sent back as {@code If-None-Match}/{@code If-Modified-Since}. */
  record Validators(Optional<String> etag, Optional<String> lastModified) {
    static final Validators NONE = new Validators(Optional.empty(), Optional.empty());
  }

  /** A 200 with its body, or a 304 (empty body) when {@code notModified}. */
  record Fetched(boolean notModified, byte[] body, Validators validators) {}

  /**
   * GETs {@code uri}; a 304 answer to the validators given is {@link Fetched#notModified}.
   *
   * @param what what is fetched, for messages ("index.yaml", "chart nginx 1.2.3")
   * @param small whether the whole body must arrive within the body deadline (index, provenance)
   * @throws dev.ocync.spi.NotFoundException on 404 or 410
   * @throws dev.ocync.spi.RegistryException for any other status but 200 and 304, a body over
   *     {@code maxBytes}, a refused redirect or a network failure, naming {@code what}
   */
  Fetched get(URI uri, Validators conditional, long maxBytes, String what, Context context, boolean small)
      throws IOException;

  @Override
  void close();
}
