package dev.ocync.internal.helm;

import dev.ocync.spi.RegistryException.Context;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/**
 * How the Helm endpoint reads a chart repository: one GET with redirects followed, credentials
 * only where {@link HelmSettings} allows them, the body read up to a limit. An interface so tests
 * and, later, the shared HTTP layer can stand in.
 *
 * <p>To unify with {@code internal/http} once its {@code HttpSettings} exists: the client
 * construction (pool, TLS, timeouts, User-Agent), the origin check and redirect loop of
 * {@code RegistryClient.send} and its connection-failure messages are what this duplicates in
 * spirit; the registry-specific parts (token dance, ping) do not apply here.
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
   * @throws dev.ocync.spi.NotFoundException on 404 or 410
   * @throws dev.ocync.spi.RegistryException for any other status but 200 and 304, a body over
   *     {@code maxBytes}, a refused redirect or a network failure, naming {@code what}
   */
  Fetched get(URI uri, Validators conditional, long maxBytes, String what, Context context) throws IOException;

  @Override
  void close();
}
