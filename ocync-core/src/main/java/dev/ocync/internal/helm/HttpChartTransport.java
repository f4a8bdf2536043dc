package dev.ocync.internal.helm;

import dev.ocync.internal.http.FileClient;
import dev.ocync.spi.RegistryException.Context;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@link ChartTransport} over the shared HTTP layer: a {@link FileClient} built from the
 * repository's {@code HttpSettings}, which follows redirects, sends credentials only where
 * Helm's rules allow and applies the proxy, TLS, timeout and link-local rules of every endpoint.
 * The index is read within the body deadline (a trickled index times out); archives, like blobs,
 * only within the read timeout between bytes.
 */
final class HttpChartTransport implements ChartTransport {
  static final int MAX_REDIRECTS = FileClient.MAX_REDIRECTS;

  private final FileClient client;

  HttpChartTransport(HelmSettings settings) {
    Objects.requireNonNull(settings, "settings");
    this.client = new FileClient(settings.url(), settings.credentials(), settings.passCredentials(), settings.http());
  }

  @Override
  public Fetched get(URI uri, Validators conditional, long maxBytes, String what, Context context, boolean small)
      throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    conditional.etag().ifPresent(e -> headers.put("If-None-Match", e));
    conditional.lastModified().ifPresent(l -> headers.put("If-Modified-Since", l));
    FileClient.Reply r = client.get(uri, headers, maxBytes, small, what, context);
    Validators v = r.etag().isEmpty() && r.lastModified().isEmpty()
        ? (r.notModified() ? conditional : Validators.NONE) : new Validators(r.etag(), r.lastModified());
    return new Fetched(r.notModified(), r.body(), v);
  }

  /** A URL for messages: without user info and query, where secrets may live. */
  static String shown(URI u) {
    return FileClient.shown(u);
  }

  @Override
  public void close() {
    client.close();
  }
}
